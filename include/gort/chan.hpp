// <gort/chan.hpp>: Go's channels and select for any C++ type. Included by
// <gort/gort.hpp>.
//
//     gort::chan<int> c;          // nil: send and receive block forever
//     gort::chan<int> c(0);       // make(chan int): unbuffered
//     gort::chan<int> c(128);     // make(chan int, 128)
//     c.send(1);                  // c <- 1
//     int v = c.recv();           // v := <-c
//     auto [v, ok] = c.recv_ok(); // v, ok := <-c
//     for (int v : c) ...         // for v := range c
//     c.close();
//
//     gort::select(                               // select {
//         gort::case_recv(in, [&](int v) { ... }), // case v := <-in:
//         gort::case_recv(done, [&](int, bool ok) { ... }),  // case _, ok := <-done:
//         gort::case_send(out, x, [&] { ... }),    // case out <- x:
//         gort::case_default([&] { ... }));        // default:
//
// A chan<T> is a handle, as a Go channel value is: copies share one channel,
// which lives until the last handle is gone (reference counting stands in
// for Go's garbage collector). Handles compare equal when they share a
// channel. The operations are const, as std::shared_ptr's operator-> is:
// they change the channel, not the handle, so a lambda that captured a copy
// can use it without `mutable`. Each operation follows Go's rules (gort(3)):
//   - send on a closed channel, close of a closed or nil channel: panic,
//     with Go's message;
//   - receive on a closed channel: buffered values first, then at once
//     T{} with ok = false;
//   - on a nil channel, send and receive block forever; select never picks
//     its cases.
// T must be nothrow move-constructible (values are moved while the runtime
// holds the channel's lock; a throwing move could not be undone). Values
// travel by move construction: a receiver waiting on an unbuffered channel
// gets the value constructed straight into its storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gort {

namespace detail {
struct hchan;  // runtime/chan.hpp

// How the runtime moves and destroys elements; null for trivially
// copyable types (copied as bytes). Mirrors gort::runtime::chantype.
struct chantype {
  std::size_t size;
  std::size_t align;
  void (*move)(void* dst, void* src) noexcept;
  void (*destroy)(void* obj) noexcept;
};

// One case of a select: sends first, then receives (runtime/chan.hpp).
struct scase {
  hchan* c;
  void* elem;
};

// The runtime's entry points, under Go's names (runtime/chan.cpp).
hchan* makechan(const chantype* t, std::int64_t size) asm("runtime.makechan");
void chanretain(hchan* c) noexcept asm("runtime.chanretain");
void chanrelease(hchan* c) noexcept asm("runtime.chanrelease");
void chansend1(hchan* c, void* elem) asm("runtime.chansend1");
bool chanrecv2(hchan* c, void* elem) asm("runtime.chanrecv2");
bool selectnbsend(hchan* c, void* elem) asm("runtime.selectnbsend");
int selectnbrecv(hchan* c, void* elem) asm("runtime.selectnbrecv");
void closechan(hchan* c) asm("runtime.closechan");
std::int64_t chanlen(hchan* c) noexcept asm("runtime.chanlen");
std::int64_t chancap(hchan* c) noexcept asm("runtime.chancap");
int selectgo(scase* cas0, std::uint16_t* order0, int nsends, int nrecvs, bool block, bool* recvOK)
    asm("runtime.selectgo");
[[noreturn]] void block() asm("runtime.block");

template <class T>
void move_elem(void* dst, void* src) noexcept {
  ::new (dst) T(std::move(*static_cast<T*>(src)));
}
template <class T>
void destroy_elem(void* obj) noexcept {
  static_cast<T*>(obj)->~T();
}
template <class T>
inline constexpr bool bytewise = std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>;
template <class T>
inline constexpr chantype chantype_of{sizeof(T), alignof(T), bytewise<T> ? nullptr : &move_elem<T>,
                                      bytewise<T> ? nullptr : &destroy_elem<T>};

// Raw storage for a value the runtime may construct.
template <class T>
struct slot {
  alignas(T) unsigned char bytes[sizeof(T)];
  void* addr() noexcept { return bytes; }
  T& get() noexcept { return *std::launder(reinterpret_cast<T*>(bytes)); }
  // take moves the value out and destroys the slot's object.
  T take() noexcept {
    T v(std::move(get()));
    get().~T();
    return v;
  }
};
}  // namespace detail

// A received value and whether it came from a send (ok) or is the zero
// value of a closed channel (Go's `v, ok := <-c`).
template <class T>
struct received {
  T value;
  bool ok;
};

template <class T>
class chan {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T> && !std::is_array_v<T>,
                "gort::chan<T>: T must be a non-const object type");
  static_assert(std::is_nothrow_move_constructible_v<T>, "gort::chan<T>: T must be nothrow move-constructible");

 public:
  using value_type = T;

  // The nil channel (Go's zero value of a channel type).
  constexpr chan() noexcept = default;
  // make(chan T, cap). cap 0: unbuffered. A negative or huge cap panics
  // ("makechan: size out of range").
  explicit chan(std::int64_t cap) : c_(detail::makechan(&detail::chantype_of<T>, cap)) {}

  chan(const chan& o) noexcept : c_(o.c_) { detail::chanretain(c_); }
  chan(chan&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  chan& operator=(const chan& o) noexcept {
    detail::chanretain(o.c_);
    detail::chanrelease(std::exchange(c_, o.c_));
    return *this;
  }
  chan& operator=(chan&& o) noexcept {
    if (this != &o) detail::chanrelease(std::exchange(c_, std::exchange(o.c_, nullptr)));
    return *this;
  }
  ~chan() { detail::chanrelease(c_); }

  // send blocks until a receiver takes v or the buffer has room.
  void send(T&& v) const { detail::chansend1(c_, &v); }
  void send(const T& v) const {
    if constexpr (detail::bytewise<T>) {
      detail::chansend1(c_, const_cast<T*>(&v));  // copied as bytes, never modified
    } else {
      T tmp(v);
      detail::chansend1(c_, &tmp);
    }
  }

  // recv blocks until a value arrives; on a closed, drained channel it
  // returns T{} at once.
  T recv() const {
    static_assert(std::is_default_constructible_v<T>, "gort::chan<T>::recv: T{} is the value of a closed channel; use recv_ok");
    detail::slot<T> s;
    if (detail::chanrecv2(c_, s.addr())) return s.take();
    return T{};
  }

  // recv_ok is recv that also says whether the value was sent (ok) or the
  // channel is closed (T{}, false). For a T without a default constructor
  // use recv_opt.
  received<T> recv_ok() const {
    detail::slot<T> s;
    if (detail::chanrecv2(c_, s.addr())) return {s.take(), true};
    return {T{}, false};
  }

  // recv_opt: the value, or nothing when the channel is closed and drained.
  std::optional<T> recv_opt() const {
    detail::slot<T> s;
    if (detail::chanrecv2(c_, s.addr())) return std::optional<T>(s.take());
    return std::nullopt;
  }

  // try_send sends only if that needs no waiting (Go: select with a
  // default case). v is moved from only when it was sent.
  bool try_send(T&& v) const { return detail::selectnbsend(c_, &v); }
  bool try_send(const T& v) const {
    if constexpr (detail::bytewise<T>) {
      return detail::selectnbsend(c_, const_cast<T*>(&v));
    } else {
      T tmp(v);
      return detail::selectnbsend(c_, &tmp);
    }
  }

  // try_recv receives only if that needs no waiting: nothing when it would
  // block, {value, true} for a value, {T{}, false} when closed and drained.
  std::optional<received<T>> try_recv() const {
    detail::slot<T> s;
    switch (detail::selectnbrecv(c_, s.addr())) {
      case 1:
        return received<T>{s.take(), true};
      case 2:
        return received<T>{T{}, false};
      default:
        return std::nullopt;
    }
  }

  // close: no more values will be sent. Receivers drain the buffer, then
  // get T{}, false. Closing twice, or a nil channel, panics.
  void close() const { detail::closechan(c_); }

  std::size_t len() const noexcept { return std::size_t(detail::chanlen(c_)); }
  std::size_t cap() const noexcept { return std::size_t(detail::chancap(c_)); }

  // A nil channel is false.
  explicit operator bool() const noexcept { return c_ != nullptr; }
  friend bool operator==(const chan& a, const chan& b) noexcept { return a.c_ == b.c_; }
  friend bool operator!=(const chan& a, const chan& b) noexcept { return a.c_ != b.c_; }

  // for (T v : c): receives until the channel is closed and drained
  // (Go: for v := range c).
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    T& operator*() noexcept { return *v_; }
    iterator& operator++() {
      v_ = c_->recv_opt();
      return *this;
    }
    bool operator==(const iterator& o) const noexcept { return !v_ && !o.v_; }
    bool operator!=(const iterator& o) const noexcept { return !(*this == o); }

   private:
    friend class chan;
    const chan* c_ = nullptr;
    std::optional<T> v_;
  };
  iterator begin() const {
    iterator it;
    it.c_ = this;
    ++it;
    return it;
  }
  iterator end() const noexcept { return iterator(); }

  detail::hchan* handle() const noexcept { return c_; }

 private:
  detail::hchan* c_ = nullptr;
};

// ---- select ----

namespace detail {
struct nop {
  void operator()() const noexcept {}
};

template <class T, class F>
struct recv_case {
  static constexpr bool is_send = false, is_recv = true, is_default = false;
  hchan* c;
  F f;
  slot<T> s;
  void* elem() noexcept { return s.addr(); }
  // Runs the handler with the received value (ok) or T{} (closed).
  void fire(bool ok) {
    if (ok) {
      T v = s.take();
      call(std::move(v), true);
    } else if constexpr (std::is_invocable_v<F&, T&&, bool> || std::is_invocable_v<F&, T&&>) {
      static_assert(std::is_default_constructible_v<T>,
                    "gort::case_recv: a handler taking the value needs T{} for a closed channel");
      call(T{}, false);
    } else {
      f();
    }
  }
  void call(T&& v, bool ok) {
    if constexpr (std::is_invocable_v<F&, T&&, bool>)
      f(std::move(v), ok);
    else if constexpr (std::is_invocable_v<F&, T&&>)
      f(std::move(v));
    else
      f();
  }
};

template <class T, class F>
struct send_case {
  static constexpr bool is_send = true, is_recv = false, is_default = false;
  hchan* c;
  F f;
  T* src;              // the value to send, moved from only if chosen
  std::optional<T> own;  // a copy, when the caller gave an lvalue
  void* elem() noexcept { return src; }
  void fire(bool) { f(); }
};

template <class F>
struct default_case {
  static constexpr bool is_send = false, is_recv = false, is_default = true;
  F f;
};

template <class C>
using case_t = std::remove_reference_t<C>;

template <std::size_t I, class... C>
constexpr int scase_index() {
  // Sends take slots 0..nsends-1 in argument order, receives the rest.
  constexpr bool s[] = {case_t<C>::is_send..., false};
  constexpr bool r[] = {case_t<C>::is_recv..., false};
  int before = 0, nsends = 0;
  for (std::size_t i = 0; i < sizeof...(C); i++) nsends += s[i];
  if (s[I]) {
    for (std::size_t i = 0; i < I; i++) before += s[i];
    return before;
  }
  for (std::size_t i = 0; i < I; i++) before += r[i];
  return nsends + before;
}

template <class Tup, std::size_t... I>
int do_select(Tup& cases, std::index_sequence<I...>) {
  using Cs = std::tuple<std::remove_reference_t<std::tuple_element_t<I, Tup>>...>;
  constexpr int nsends = (0 + ... + int(std::tuple_element_t<I, Cs>::is_send));
  constexpr int nrecvs = (0 + ... + int(std::tuple_element_t<I, Cs>::is_recv));
  constexpr int ndefault = (0 + ... + int(std::tuple_element_t<I, Cs>::is_default));
  static_assert(ndefault <= 1, "gort::select: at most one case_default");
  constexpr int n = nsends + nrecvs;
  if constexpr (n == 0) {
    if constexpr (ndefault == 0) {
      block();  // select {}: blocks forever
    } else {
      int chosen = -1;
      auto run = [&](auto& cs, std::size_t arg) {
        if constexpr (std::remove_reference_t<decltype(cs)>::is_default) {
          chosen = int(arg);
          cs.f();
        }
      };
      (run(std::get<I>(cases), I), ...);
      return chosen;
    }
  } else {
    scase sc[n];
    std::uint16_t order[2 * n];
    auto fill = [&](auto& cs, int idx) {
      using CT = std::remove_reference_t<decltype(cs)>;
      if constexpr (!CT::is_default) sc[idx] = scase{cs.c, cs.elem()};
    };
    (fill(std::get<I>(cases), scase_index<I, std::tuple_element_t<I, Tup>...>()), ...);
    bool ok = false;
    int k = selectgo(sc, order, nsends, nrecvs, ndefault == 0, &ok);
    int chosen = -1;
    auto fire = [&](auto& cs, std::size_t arg, int idx) {
      using CT = std::remove_reference_t<decltype(cs)>;
      if constexpr (CT::is_default) {
        if (k < 0) {
          chosen = int(arg);
          cs.f();
        }
      } else {
        if (k == idx) {
          chosen = int(arg);
          cs.fire(ok);
        }
      }
    };
    (fire(std::get<I>(cases), I, scase_index<I, std::tuple_element_t<I, Tup>...>()), ...);
    return chosen;
  }
}
}  // namespace detail

// case_recv(c, f): receive from c; f is called with the value, as f(v, ok),
// f(v) or f() (ok is false and v is T{} when c is closed and drained).
template <class T, class F = detail::nop>
detail::recv_case<T, F> case_recv(const chan<T>& c, F f = F()) {
  return detail::recv_case<T, F>{c.handle(), std::move(f), {}};
}

// case_send(c, v, f): send v on c, then call f(). An rvalue v of type T is
// moved from only if this case is chosen; other values are copied into the
// case first (Go evaluates the value before the select, too).
template <class T, class U, class F = detail::nop>
detail::send_case<T, F> case_send(const chan<T>& c, U&& v, F f = F()) {
  detail::send_case<T, F> s{c.handle(), std::move(f), nullptr, std::nullopt};
  if constexpr (std::is_same_v<std::remove_cv_t<std::remove_reference_t<U>>, T> && std::is_rvalue_reference_v<U&&>) {
    s.src = &v;
  } else {
    s.own.emplace(std::forward<U>(v));
  }
  return s;
}

// case_default(f): chosen when no other case is ready at once.
template <class F = detail::nop>
detail::default_case<F> case_default(F f = F()) {
  return detail::default_case<F>{std::move(f)};
}

// select waits until one of the cases can proceed, performs it, runs its
// handler and returns the case's position among the arguments. When
// several are ready it chooses uniformly at random; a case on a nil channel
// is never chosen; with case_default it never waits. With no cases at all
// it blocks forever (Go's select {}).
template <class... Cases>
int select(Cases&&... cases) {
  auto t = std::forward_as_tuple(cases...);
  // send_case points at its own copy only now that the case has its final
  // address.
  auto fix = [](auto& cs) {
    using CT = std::remove_reference_t<decltype(cs)>;
    if constexpr (CT::is_send) {
      if (cs.own) cs.src = &*cs.own;
    }
  };
  (fix(cases), ...);
  (void)fix;  // select {} has no cases to fix
  return detail::do_select(t, std::index_sequence_for<Cases...>{});
}

}  // namespace gort
