// loader/loader.hpp: a userland exec for Linux x86-64 (gort-exec(1) and
// gort::exec are built on it).
//
// It starts a program the way execve(2) would, without execve: it validates
// the ELF file (libelf and our own checks), maps it (and its interpreter)
// into fresh reservations, builds the initial stack and auxiliary vector
// exactly as the kernel does (boot/initstack.hpp draws it), and then, past
// the point of no return, removes every mapping of the caller and jumps to
// the entry with the registers the kernel would give.
//
// Four steps; everything before commit() is reversible, and every input
// that cannot be run is refused there with one line naming the file:
//
//   prepare()  resolve #! scripts, open and validate the program and its
//              interpreter, choose the addresses: no side effect but
//              open file descriptors (a plan, which --inspect prints)
//   load()     map the images, the stack and the hand-off page into fresh
//              reservations; unload() takes them back
//   commit()   the point of no return: signals, rseq, PR_SET_MM_MAP, fds,
//              then the hand-off page unmaps the caller and jumps.
//              Raw system calls only: it may run where libc's locks are held
//              by threads that no longer exist (gort::exec).
//
// research/ulexec.md (shared) has the kernel facts this follows, measured.
#pragma once

#include <elf.h>
#include <stdint.h>

#include <string>
#include <vector>

namespace gort::loader {

inline constexpr uint64_t kPage = 4096;
inline uint64_t pagedown(uint64_t x) { return x & ~(kPage - 1); }
inline uint64_t pageup(uint64_t x) { return (x + kPage - 1) & ~(kPage - 1); }

// A failure: errno's meaning (ENOENT, EACCES, ENOEXEC, E2BIG, ELOOP,
// ELIBBAD, ENOMEM, ...) and one line for a person, which names the file.
struct error {
  int err = 0;
  std::string msg;
  explicit operator bool() const { return err != 0; }
};

// The shell's exit status for a command that could not be run: 127 when
// it was not found, 126 when it was found but cannot be executed.
int shell_status(int err);

// What validation accepts that the kernel would handle otherwise.
struct policy {
  bool allow_execstack = false;  // PT_GNU_STACK PF_X: map the stack RWX (else refuse)
  uint64_t mmap_min_addr = 65536;
};

// The facts about one ELF file that validation establishes, in the file's
// own addresses (no load bias).
struct elfinfo {
  uint16_t type = 0;             // ET_EXEC or ET_DYN
  uint64_t entry = 0;
  uint64_t phoff = 0;
  uint16_t phnum = 0;
  std::vector<Elf64_Phdr> ph;    // all program headers, as in the file
  std::vector<int> loads;        // indices of the PT_LOADs, ascending p_vaddr
  uint64_t lo = 0, hi = 0;       // page-aligned span of the PT_LOADs
  uint64_t maxalign = kPage;     // largest power-of-two p_align (at least a page)
  uint64_t phdr_vaddr = 0;       // where the program headers are mapped (AT_PHDR - bias)
  bool has_interp = false;
  std::string interp;            // PT_INTERP's path
  int tls = -1;                  // index of PT_TLS, or -1
  bool execstack = false;        // PT_GNU_STACK with PF_X
  bool has_gnu_stack = false;
  std::vector<std::string> warnings;  // what the kernel would silently accept
};

// validate checks an ELF image held in memory, as a file of that size.
// Pure: no system call, so the fuzzer runs it on arbitrary bytes. interp:
// the file is a program's interpreter (it must not have one itself).
error validate(const uint8_t* data, uint64_t size, const std::string& name, const policy& pol, bool interp,
               elfinfo* out);

// #! line of a script, parsed as fs/binfmt_script.c does from the first
// 256 bytes. Returns 0, or ENOEXEC when the line names no interpreter (or
// names one that the 256 bytes cut off).
int parse_shebang(const char* buf, uint64_t n, std::string* interp, std::string* arg, bool* has_arg);

// One opened and validated file.
struct image {
  std::string path;         // as opened
  int fd = -1;
  uint64_t size = 0;
  uint32_t mode = 0;
  elfinfo elf;
  uint64_t bias = 0;        // load bias chosen by plan (ET_EXEC: 0)
  bool fixed = false;       // must go at its link addresses (ET_EXEC)
  bool kernel_base = false; // PIE: the kernel's base (ELF_ET_DYN_BASE + random) is tried first
  bool mapped = false;      // load() has reserved its span
};

enum class kind { static_exec, static_pie, dynamic_pie, dynamic_exec };
const char* kind_name(kind k);

struct request {
  std::string path;                // the program, as given (no PATH search here)
  std::vector<std::string> argv;   // argv[0] included; empty: the kernel's "" is used
  std::vector<std::string> envp;
  policy pol;
  bool stop_at_entry = false;      // raise SIGSTOP just before the jump
  int trace_fd = -1;               // >= 0: one line per step, with its time
};

// One auxv entry, and where its value comes from.
struct auxent {
  uint64_t type, value;
  bool per_image;   // recomputed for this program (else inherited)
};

// The stack as it will be built, relative to its top (offsets are
// negative distances from the top, the top being the mapping's end).
struct stackplan {
  uint64_t size = 0;        // bytes from &argc to the top
  uint64_t strings = 0;     // bytes of argv, envp and execfn strings with the top NULL word
  uint64_t gap = 0;         // the random 0-8 KiB shift below the strings
  uint64_t pad = 0;         // padding between the auxv and AT_RANDOM's bytes
  uint64_t off_execfn = 0, off_platform = 0, off_random = 0, off_auxv = 0, off_envp = 0, off_argv = 0, off_argc = 0;
};

struct plan {
  request req;
  std::string execfn;            // AT_EXECFN: the path given
  std::string comm;              // the kernel's comm: basename of the path given
  std::vector<std::string> argv; // after #! splicing
  std::vector<std::string> scripts;  // the #! chain walked, outermost first
  image prog, interp;            // interp.fd < 0 when none
  kind k = kind::static_exec;
  std::vector<auxent> auxv;      // without AT_NULL; values of pointers filled by load()
  stackplan stack;
  bool randomize = true;         // ASLR as the kernel would (off under setarch -R)
  bool randomize_brk = true;     // randomize_va_space 2: brk too
  uint64_t stack_rlimit = 0;
  // Filled by load():
  uint64_t stack_lo = 0, stack_hi = 0;  // the stack mapping
  uint64_t sp = 0;                      // &argc
  uint64_t entry = 0;                   // where control goes (the interpreter's entry if any)
  uint64_t brk = 0;
  uint64_t handoff = 0;                 // the hand-off page
  uint64_t gadget = 0;                  // vDSO "syscall; ... ret" used to unmap the hand-off page
  uint32_t gadget_dirty = 0;            // registers it leaves non-zero (bit n: register n)
  bool loaded = false;
};

// The steps, in order (see the top of this file).
error prepare(const request& req, plan* p);
error load(plan* p);
void unload(plan* p);
// commit returns only when a last check fails before the point of no
// return (another thread exists: EBUSY); the plan is then still loaded.
// single_thread_checked: the caller has made sure it is the only thread
// (gort::exec); else /proc/self/status is read.
error commit(plan* p, bool single_thread_checked = false, const uint64_t* sigmask = nullptr);
void close_files(plan* p);

// Reports for --inspect (loader/inspect.cpp).
std::string inspect_text(const plan& p);
std::string inspect_json(const plan& p);

// A step of the boot trace (to req.trace_fd).
void trace(const plan& p, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace gort::loader
