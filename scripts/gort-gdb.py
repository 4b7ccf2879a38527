# scripts/gort-gdb.py: gdb support for programs that run on gort
# (Go: src/runtime/runtime-gdb.py). See gort-gdb(7).
#
# Loaded automatically: the crt (boot/gdb_scripts.S) embeds this file in every
# gort program's .debug_gdb_scripts section, so gdb runs it when it loads the
# program, once its auto-load safe-path allows that file:
#     add-auto-load-safe-path /path/to/program     (or a directory above it)
# Or by hand:  (gdb) source PREFIX/share/gort/gort-gdb.py
#
# What it adds:
#   info goroutines            one line per live goroutine: id, status, wait
#                              reason, M, thread, where
#   goroutine N CMD            run any gdb command as if goroutine N were the
#   goroutine all CMD          selected thread (bt, frame 2, info locals, ...)
#   info ms, info ps           the Ms (threads) and Ps with their state
#   $gort_g(N)                 goroutine N's g, e.g. p *$gort_g(5)
#   gort boot [ARGS]           run the program and stop at each boot step in
#                              turn: _rt0_amd64_linux -> ... -> main
#   gort gcore [FILE]          generate-core-file with the stack guards
#                              lifted meanwhile, so that the core is whole
#   pretty printers            gort::runtime::g, m, p, gobuf, hchan and
#                              gort::chan<T>
#
# The script reads the runtime's structures through the debug information of
# libgort.a (always built with -g): gort::runtime::allgs (linked by
# g::alllink), allm (m::alllink), allp[gomaxprocs], sched. Names and status
# words are Go's.
#
# A goroutine that is not running has its registers in g->sched (a gobuf:
# rip, rsp, rbp and the callee-saved rbx, r12-r15). To show it, "goroutine N"
# lends those registers to a thread:
#   - on a live process it writes them into the selected thread, runs the
#     command, and writes the thread's own values back (Go's way);
#   - on a core file registers cannot be written, so a Python frame unwinder
#     takes the selected thread's innermost frame and gives the goroutine's
#     registers as its caller's; the command runs with the goroutine's top
#     frame selected and a frame filter hides the borrowed frame from
#     backtraces (so frame numbers there start at 1, not 0).
# A running goroutine is shown on its own thread (the M's procid is the
# thread's LWP), from the thread's real registers.

import re

import gdb
import gdb.printing

try:
    from gdb.unwinder import Unwinder, register_unwinder
except ImportError:  # gdb without the unwinder API: no core-file support
    Unwinder = object
    register_unwinder = None

# ---- Go's status words (runtime/runtime2.hpp) ----

G_IDLE, G_RUNNABLE, G_RUNNING, G_SYSCALL, G_WAITING, G_DEAD, G_PREEMPTED = 0, 1, 2, 3, 4, 6, 9
G_STATUS = {
    0: "idle",
    1: "runnable",
    2: "running",
    3: "syscall",
    4: "waiting",
    5: "moribund_unused",
    6: "dead",
    7: "enqueue_unused",
    8: "copystack",
    9: "preempted",
}
P_STATUS = {0: "idle", 1: "running", 2: "syscall", 3: "gcstop", 4: "dead"}

# The registers a gobuf keeps, as gdb names them, with the gobuf field.
GOBUF_REGS = (("rip", "pc"), ("rsp", "sp"), ("rbp", "bp"), ("rbx", "rbx"),
              ("r12", "r12"), ("r13", "r13"), ("r14", "r14"), ("r15", "r15"))

NS = "gort::runtime::"


class GortError(gdb.GdbError):
    pass


# ---- reading the runtime ----

_cache = {}


def _clear_cache(_event=None):
    _cache.clear()


gdb.events.new_objfile.connect(_clear_cache)
try:
    gdb.events.clear_objfiles.connect(_clear_cache)
except AttributeError:
    pass


def var(name):
    """The runtime global gort::runtime::NAME, as a gdb.Value. Globals with
    Go's symbol (RUNTIME_SYM) are found by that symbol: 'runtime.NAME'."""
    for expr in (NS + name, "'runtime.%s'" % name):
        try:
            return gdb.parse_and_eval(expr)
        except gdb.error:
            pass
    raise GortError("gort: cannot find %s%s: is this a gort program with debug info?" % (NS, name))


def load(v):
    """The value inside a std::atomic<T> (libstdc++'s layout), or v itself."""
    for _ in range(8):
        t = v.type.strip_typedefs()
        if t.code != gdb.TYPE_CODE_STRUCT:
            return v
        fields = t.fields()
        names = [f.name for f in fields]
        for inner in ("_M_i", "_M_p", "_M_b", "_M_base"):
            if inner in names:
                v = v[inner]
                break
        else:
            if fields and fields[0].is_base_class:
                v = v.cast(fields[0].type)
            else:
                return v
    return v


def ptr(v):
    return int(v.cast(gdb.lookup_type("unsigned long")))


def linked(head, link):
    seen = 0
    while ptr(head) != 0:
        yield head
        head = head[link]
        seen += 1
        if seen > 10000000:
            raise GortError("gort: list through %s does not end" % link)


def allgs():
    return linked(var("allgs"), "alllink")


def allms():
    return linked(var("allm"), "alllink")


def allps():
    allp = var("allp")
    n = int(var("gomaxprocs"))
    if ptr(allp) == 0:
        return []
    return [allp[i] for i in range(n) if ptr(allp[i]) != 0]


def gstatus(gp):
    return int(load(gp["atomicstatus"]))


def gstatus_name(s):
    return G_STATUS.get(s, "unknown(%d)" % s)


def waitreason_string(gp):
    """The wait reason's text: the runtime's own table (waitReasonString's
    array), else the enumerator's name."""
    wr = gp["waitreason"]
    i = int(wr)
    if i == 0:
        return ""
    table = _cache.get("waitreasons")
    if table is None:
        table = []
        try:
            arr = gdb.parse_and_eval("'%swaitReasonString(%swaitReason)::s'" % (NS, NS))
            lo, hi = arr.type.strip_typedefs().range()
            for k in range(lo, hi + 1):
                p = arr[k]
                table.append(p.string() if ptr(p) != 0 else "")
        except (gdb.error, gdb.MemoryError, RuntimeError):
            table = []
        _cache["waitreasons"] = table
    if i < len(table) and table[i]:
        return table[i]
    name = str(wr)
    return name.rsplit("::", 1)[-1]


def check_allgs(nlive):
    """Warns when allgs does not look like the runtime's: the usual cause is a
    core file whose memory gcore could not read (gort-gdb(7), BUGS)."""
    n = sum(1 for _ in allgs())
    want = int(load(var("allglen")))
    bad = [gp for gp in allgs() if int(gp["goid"]) == 0 and gstatus(gp) != G_DEAD]
    if n != want or bad:
        print("warning: gort: allgs has %d entries (allglen %d), %d without a goroutine id: this memory "
              "looks lost or zeroed. A core made by gdb's generate-core-file loses every mapping that "
              "holds MADV_GUARD_INSTALL stack guards: make cores with 'gort gcore' (gort-gdb(7))." % (n, want, len(bad)))


def find_g(goid):
    for gp in allgs():
        if int(gp["goid"]) == goid and gstatus(gp) != G_DEAD:
            return gp
    return None


def thread_for_lwp(lwp):
    if lwp == 0:
        return None
    for t in gdb.selected_inferior().threads():
        if t.ptid[1] == lwp:
            return t
    return None


def m_thread(mp):
    if mp is None or ptr(mp) == 0:
        return None
    return thread_for_lwp(int(mp["procid"]))


def on_thread(gp):
    """The thread that runs gp, if gp is running (its M's thread)."""
    if gstatus(gp) not in (G_RUNNING, G_SYSCALL):
        return None
    mp = gp["m"]
    if ptr(mp) == 0 or ptr(mp["curg"]) != ptr(gp.address if gp.type.code != gdb.TYPE_CODE_PTR else gp):
        return None
    return m_thread(mp)


def gref(gp):
    """gp as a pointer, whether given as g or g*."""
    return gp if gp.type.strip_typedefs().code == gdb.TYPE_CODE_PTR else gp.address


def selected_goid():
    """The goid of the goroutine on the selected thread, or None."""
    try:
        thr = gdb.selected_thread()
    except gdb.error:
        return None
    if thr is None:
        return None
    for mp in allms():
        if int(mp["procid"]) == thr.ptid[1] and ptr(mp["curg"]) != 0:
            return int(mp["curg"]["goid"])
    return None


# ---- names of code addresses ----

def strip_params(name):
    """'ns::f(int, char) const' -> 'ns::f' (template arguments stay)."""
    s = name.strip()
    for q in (" const", " volatile", " &&", " &", " noexcept"):
        while s.endswith(q):
            s = s[: -len(q)]
    if not s.endswith(")"):
        return s
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        c = s[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                return s[:i] if i > 0 else s
    return s


def real_function(pc):
    """The symbol of the function whose code contains pc: the outermost
    function block, so code inlined into it counts as its own."""
    try:
        b = gdb.block_for_pc(pc)
    except RuntimeError:
        return None
    fn = None
    while b is not None:
        if b.function is not None:
            fn = b.function
        b = b.superblock
    return fn


def func_name(pc):
    """The name of the function containing pc, short form."""
    fn = real_function(pc)
    if fn is not None:
        return strip_params(fn.print_name)
    try:  # assembly routines have only an ELF symbol
        s = gdb.execute("info symbol %#x" % pc, to_string=True)
        m = re.match(r"(\S+)( \+ \d+)? in section", s)
        if m:
            return m.group(1)
    except gdb.error:
        pass
    return "%#x" % pc


def pc_where(pc, return_address):
    """'func at file:line' for a code address. A return address is looked
    up one byte back, inside the call that made it."""
    sal = gdb.find_pc_line(pc - 1 if return_address and pc > 0 else pc)
    where = func_name(pc)
    fn = real_function(pc)
    # The line is given only when it is the function's own: a line of code
    # inlined from elsewhere would name another file.
    if sal.symtab is not None and sal.line and fn is not None and fn.symtab is not None \
            and fn.symtab.filename == sal.symtab.filename:
        where += " at %s:%d" % (sal.symtab.filename, sal.line)
    return where


def frame_where(frame):
    """'func at file:line' for a frame; code inlined into a function is
    shown as that function, at the line of the inlined call."""
    while frame.type() == gdb.INLINE_FRAME and frame.older() is not None:
        frame = frame.older()
    fn = frame.function()
    name = strip_params(fn.print_name) if fn is not None else func_name(frame.pc())
    sal = frame.find_sal()
    if sal.symtab is not None and sal.line:
        name += " at %s:%d" % (sal.symtab.filename, sal.line)
    return name


class keep_selection:
    """Restores the selected thread and frame on exit."""

    def __enter__(self):
        self.thread = gdb.selected_thread()
        try:
            self.frame = gdb.selected_frame()
            self.level = self.frame.level()
        except gdb.error:
            self.frame, self.level = None, None
        return self

    def __exit__(self, *exc):
        if self.thread is not None and self.thread.is_valid():
            self.thread.switch()
            if self.frame is not None:
                try:
                    if self.frame.is_valid():
                        self.frame.select()
                    else:
                        gdb.execute("select-frame %d" % self.level, to_string=True)
                except gdb.error:
                    pass
        return False


def g_where(gp):
    """Where goroutine gp is: (text, thread or None)."""
    thr = on_thread(gp)
    if thr is not None:
        with keep_selection():
            thr.switch()
            return frame_where(gdb.newest_frame()), thr
    pc = ptr(gp["sched"]["pc"])
    if pc != 0:
        return pc_where(pc, True), None
    start = ptr(gp["startpc"])
    return "%s (not started)" % (func_name(start) if start else "?"), None


def g_header(gp):
    """Go's traceback header: 'goroutine 5 [semacquire]'."""
    s = gstatus(gp)
    st = gstatus_name(s)
    if s == G_WAITING:
        wr = waitreason_string(gp)
        if wr:
            st = wr
    return "goroutine %d [%s]" % (int(gp["goid"]), st)


# ---- lending a goroutine's registers to a thread ----

def is_core():
    inf = gdb.selected_inferior()
    conn = getattr(inf, "connection", None)
    if conn is not None:
        return conn.type == "core"
    return inf.pid != 0 and "core" in gdb.execute("info target", to_string=True).lower()


class GoroutineUnwinder(Unwinder):
    """Lends a goroutine's saved registers: while active, the innermost real
    frame of one thread (the frame at `level`) is given the goroutine's
    registers as its caller's, so the frames above it are the goroutine's."""

    def __init__(self):
        if Unwinder is not object:
            super().__init__("gort-goroutine")
        self.regs = None
        self.ptid = None
        self.level = 0

    def __call__(self, pending_frame):
        if self.regs is None or pending_frame.level() != self.level:
            return None
        thr = gdb.selected_thread()
        if thr is None or thr.ptid != self.ptid:
            return None

        class FrameId:
            def __init__(self, sp, pc):
                self.sp = sp
                self.pc = pc

        pc = pending_frame.read_register("rip")
        sp = pending_frame.read_register("rsp")
        # An id inside the goroutine's stack, just below its top frame, so
        # that gdb sees the stack grow the usual way from here.
        ident = FrameId(gdb.Value(self.regs["rsp"] - 16).cast(sp.type), pc)
        info = pending_frame.create_unwind_info(ident)
        for reg, _ in GOBUF_REGS:
            t = pending_frame.read_register(reg).type
            info.add_saved_register(reg, gdb.Value(self.regs[reg]).cast(t))
        return info


_unwinder = GoroutineUnwinder()
if register_unwinder is not None:
    register_unwinder(None, _unwinder, replace=True)


class HideBorrowedFrame:
    """Frame filter: while a goroutine borrows a thread's frame (core
    files), backtraces leave out that frame and the inlined ones in it."""

    def __init__(self):
        self.name = "gort-goroutine"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, it):
        if _unwinder.regs is None:
            return it
        level = _unwinder.level
        return (fd for fd in it if fd.inferior_frame().level() > level)


HideBorrowedFrame()

# Commands that would resume the program: with borrowed registers it would
# run the goroutine's code on the wrong thread, so they are refused.
_RESUMING = {"c", "cont", "continue", "fg", "n", "next", "s", "step", "ni", "nexti", "si", "stepi",
             "u", "until", "adv", "advance", "fin", "finish", "j", "jump", "signal", "queue-signal",
             "r", "run", "start", "starti", "k", "kill", "return", "call", "reverse-continue",
             "reverse-step", "reverse-next", "rc", "rs", "rn"}

_switch_mode = None  # the gort-switch parameter, set below


def saved_regs(gp):
    sched = gp["sched"]
    return {reg: ptr(sched[field]) for reg, field in GOBUF_REGS}


def run_on_goroutine(gp, fn):
    """Calls fn() with gp shown as the selected thread's stack. Returns what
    fn returns. Restores everything afterwards."""
    with keep_selection():
        thr = on_thread(gp)
        if thr is not None:
            # Running: its thread's own registers are the truth.
            thr.switch()
            gdb.execute("select-frame 0", to_string=True)
            return fn()
        regs = saved_regs(gp)
        if regs["rip"] == 0 or regs["rsp"] == 0:
            if gstatus(gp) in (G_RUNNING, G_SYSCALL):
                raise GortError("gort: goroutine %d is running, but its M's thread is not found" % int(gp["goid"]))
            raise GortError("gort: goroutine %d has not started yet: no stack (its entry is %s)"
                            % (int(gp["goid"]), func_name(ptr(gp["startpc"]))))
        mode = _switch_mode.value if _switch_mode is not None else "auto"
        if mode == "registers" or (mode == "auto" and not is_core()):
            return _lend_registers(regs, fn)
        return _lend_unwinder(regs, fn)


def _lend_registers(regs, fn):
    gdb.execute("select-frame 0", to_string=True)
    old = {reg: ptr(gdb.parse_and_eval("$" + reg)) for reg, _ in GOBUF_REGS}
    try:
        for reg, _ in GOBUF_REGS:
            gdb.execute("select-frame 0", to_string=True)
            gdb.execute("set $%s = %#x" % (reg, regs[reg]), to_string=True)
        gdb.execute("select-frame 0", to_string=True)
        return fn()
    finally:
        for reg, _ in GOBUF_REGS:
            gdb.execute("select-frame 0", to_string=True)
            gdb.execute("set $%s = %#x" % (reg, old[reg]), to_string=True)


def _lend_unwinder(regs, fn):
    if register_unwinder is None:
        raise GortError("gort: this gdb has no Python unwinder API; cannot show a parked goroutine on a core file")
    # The innermost frame that is not an inlined one: the first one an
    # unwinder is asked about.
    f = gdb.newest_frame()
    while f.type() == gdb.INLINE_FRAME and f.older() is not None:
        f = f.older()
    _unwinder.level = f.level()
    _unwinder.ptid = gdb.selected_thread().ptid
    _unwinder.regs = regs
    gdb.invalidate_cached_frames()
    try:
        gdb.execute("select-frame %d" % (_unwinder.level + 1), to_string=True)
        return fn()
    finally:
        _unwinder.regs = None
        gdb.invalidate_cached_frames()


# ---- commands ----

class InfoGoroutines(gdb.Command):
    """List the goroutines: id, status, wait reason, M, thread, where.
Usage: info goroutines
Dead goroutines (exited, kept for reuse) are left out. A '*' marks the
goroutine of the selected thread. Thread is gdb's thread number, for a
running goroutine. Where is the goroutine's innermost function: for a running
one, read from its thread; for one that is not running, from its saved
registers (often a runtime function such as gopark: use 'goroutine N bt')."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        cur = selected_goid()
        rows = []
        for gp in allgs():
            s = gstatus(gp)
            if s == G_DEAD:
                continue
            where, thr = g_where(gp)
            mp = gp["m"]
            mid = str(int(mp["id"])) if ptr(mp) != 0 else ""
            locked = gp["lockedm"]
            if ptr(locked) != 0:
                where += " [locked to M%d]" % int(locked["id"])
            wr = waitreason_string(gp) if s == G_WAITING else ""
            rows.append((int(gp["goid"]), gstatus_name(s), wr, mid, str(thr.num) if thr else "", where))
        rows.sort(key=lambda r: r[0])
        check_allgs(len(rows))
        print("  %-5s %-9s %-24s %-3s %-6s %s" % ("Id", "Status", "Wait reason", "M", "Thread", "Where"))
        for goid, st, wr, mid, tn, where in rows:
            mark = "*" if goid == cur else " "
            print("%s %-5d %-9s %-24s %-3s %-6s %s" % (mark, goid, st, wr, mid, tn, where))


class GoroutineCmd(gdb.Command):
    """Run a gdb command in the context of a goroutine.
Usage: goroutine ID COMMAND     goroutine all COMMAND
For example: goroutine 5 bt, goroutine 5 frame 2, goroutine 5 info locals.
A running goroutine is shown on its own thread. For one that is not running,
the selected thread borrows the goroutine's saved registers (rip, rsp, rbp,
rbx, r12-r15) for the command and gets its own back afterwards; on a core
file the borrowing is done by a frame unwinder instead, and backtraces start
at frame 1 (see 'set gort-switch'). Use it to inspect: commands that resume
the program are refused."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        parts = arg.split(None, 1)
        if len(parts) < 2:
            raise GortError("usage: goroutine ID|all COMMAND")
        which, cmd = parts
        word = cmd.split()[0]
        if word in _RESUMING:
            raise GortError("goroutine: '%s' would resume the program; commands run in a goroutine's "
                            "context may only inspect it" % word)
        if which == "all":
            gps = [gp for gp in allgs() if gstatus(gp) != G_DEAD]
            gps.sort(key=lambda gp: int(gp["goid"]))
        else:
            try:
                goid = int(gdb.parse_and_eval(which))
            except gdb.error:
                raise GortError("goroutine: bad goroutine id '%s'" % which)
            gp = find_g(goid)
            if gp is None:
                raise GortError("goroutine: no goroutine %d" % goid)
            gps = [gp]
        for gp in gps:
            if which == "all":
                print("\n%s:" % g_header(gp))
            try:
                run_on_goroutine(gp, lambda: gdb.execute(cmd, from_tty))
            except GortError as e:
                if which != "all":
                    raise
                print(e)


class GoroutineFunc(gdb.Function):
    """$gort_g(ID): the g of goroutine ID, a gort::runtime::g *.
For example: p *$gort_g(5), p $gort_g(5)->sched."""

    def __init__(self):
        super().__init__("gort_g")

    def invoke(self, goid):
        gp = find_g(int(goid))
        if gp is None:
            raise GortError("$gort_g: no goroutine %d" % int(goid))
        return gp


def m_state(mp):
    """What an M is doing, in words."""
    if bool(mp["isSysmon"]):
        return "sysmon"
    if bool(mp["exiting"]):
        return "exiting"
    curg = mp["curg"]
    if ptr(curg) != 0:
        return "running goroutine %d" % int(curg["goid"])
    parked = " (parked)" if bool(mp["blocked"]) else ""
    lg = mp["lockedg"]
    if ptr(lg) != 0:
        return "waiting for its locked goroutine %d%s" % (int(lg["goid"]), parked)
    if bool(mp["spinning"]):
        return "spinning: looking for work"
    if parked:
        return "idle" + parked
    if ptr(mp["p"]) != 0:
        return "scheduling"
    return "without a P (starting, stopping or in the scheduler)"


class InfoMs(gdb.Command):
    """List the Ms (OS threads) of the runtime.
Usage: info ms
Columns: M id, LWP (kernel thread id), gdb's thread number, the P it holds,
the goroutine it runs (curg), the goroutine locked to it, and its state. A
'*' marks the selected thread's M."""

    def __init__(self):
        super().__init__("info ms", gdb.COMMAND_STATUS, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        try:
            sel = gdb.selected_thread()
            sel_lwp = sel.ptid[1] if sel is not None else None
        except gdb.error:
            sel_lwp = None
        print("  %-4s %-8s %-6s %-3s %-5s %-7s %s" % ("M", "LWP", "Thread", "P", "curg", "lockedg", "State"))
        for mp in sorted(allms(), key=lambda mp: int(mp["id"])):
            lwp = int(mp["procid"])
            thr = thread_for_lwp(lwp)
            pp = mp["p"]
            curg = mp["curg"]
            lg = mp["lockedg"]
            print("%s %-4d %-8s %-6s %-3s %-5s %-7s %s" % (
                "*" if lwp == sel_lwp and lwp != 0 else " ",
                int(mp["id"]),
                str(lwp) if lwp else "-",
                str(thr.num) if thr is not None else "-",
                str(int(pp["id"])) if ptr(pp) != 0 else "-",
                str(int(curg["goid"])) if ptr(curg) != 0 else "-",
                str(int(lg["goid"])) if ptr(lg) != 0 else "-",
                m_state(mp)))


def runq_goids(pp):
    h = int(load(pp["runqhead"]))
    t = int(load(pp["runqtail"]))
    n = (t - h) & 0xFFFFFFFF
    size = pp["runq"].type.strip_typedefs().range()[1] + 1
    ids = []
    for i in range(min(n, size)):
        gp = load(pp["runq"][(h + i) % size])
        if ptr(gp) != 0:
            ids.append(int(gp["goid"]))
    return ids


class InfoPs(gdb.Command):
    """List the Ps (GOMAXPROCS of them) and the scheduler's global state.
Usage: info ps
The first line gives what GODEBUG=schedtrace prints: gomaxprocs, idle Ps,
threads, spinning and idle Ms, and the global run queue. Then one line per P:
its status, its M, runnext, the number of dead Gs on its free list, the
number of timers in its heap, and its local run queue (goids, in order)."""

    def __init__(self):
        super().__init__("info ps", gdb.COMMAND_STATUS, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        sched = var("sched")
        glob = [int(gp["goid"]) for gp in linked(sched["runq"]["head"], "schedlink")]
        nm = int(sched["mnext"]) - int(sched["nmfreed"])
        print("gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d idlethreads=%d runqueue=%d %s" % (
            int(var("gomaxprocs")), int(load(sched["npidle"])), nm, int(load(sched["nmspinning"])),
            int(sched["nmidle"]), int(load(sched["runqsize"])), glob))
        print("  %-3s %-8s %-3s %-7s %-5s %-6s %s" % ("P", "Status", "M", "runnext", "gfree", "timers", "runq"))
        for pp in allps():
            mp = pp["m"]
            nxt = load(pp["runnext"])
            try:
                timers = str(int(load(pp["numTimers"])))
            except gdb.error:  # a runtime without timers
                timers = "-"
            print("  %-3d %-8s %-3s %-7s %-5d %-6s %s" % (
                int(pp["id"]),
                P_STATUS.get(int(load(pp["status"])), str(int(load(pp["status"])))),
                str(int(mp["id"])) if ptr(mp) != 0 else "-",
                str(int(nxt["goid"])) if ptr(nxt) != 0 else "-",
                int(load(pp["gFree"]["n"])),
                timers,
                runq_goids(pp)))


class GortPrefix(gdb.Command):
    """gort: commands for programs that run on the gort runtime.
See also: info goroutines, goroutine, info ms, info ps."""

    def __init__(self):
        super().__init__("gort", gdb.COMMAND_USER, gdb.COMPLETE_NONE, True)


class SwitchMode(gdb.Parameter):
    """How 'goroutine N CMD' shows a goroutine that is not running.
auto: write its registers into the thread on a live process, use a frame
unwinder on a core file. registers / unwinder: always that way."""

    set_doc = "Set how 'goroutine N' lends a goroutine's registers."
    show_doc = "Show how 'goroutine N' lends a goroutine's registers."

    def __init__(self):
        super().__init__("gort-switch", gdb.COMMAND_STACK, gdb.PARAM_ENUM, ["auto", "registers", "unwinder"])
        self.value = "auto"

    def get_show_string(self, svalue):
        return "goroutine N lends registers by: " + svalue


# ---- the boot walk ----

BOOT_STEPS = [
    ("_rt0_amd64_linux", "_rt0_amd64_linux",
     "The ELF entry point, reached from ld.so: rsp points at argc, rdx holds\n"
     "ld.so's rtld_fini. Zeroes rbp (the outermost frame) and goes on through\n"
     "_rt0_amd64 (rdi = argc, rsi = argv) to runtime.rt0_go."),
    ("'runtime.rt0_go'", "runtime.rt0_go",
     "Carves g0's stack out of the top 64 KiB of the OS stack, refuses a\n"
     "static program, checks TLS with a random value, binds m0 and g0 to each\n"
     "other and to the thread's runtime.tlsg slot, then calls the steps below."),
    ("'runtime.args'", "runtime.args",
     "Keeps argc, argv, envp and rtld_fini, and reads the auxiliary vector:\n"
     "page size, AT_RANDOM, hardware capabilities, the vDSO."),
    ("'runtime.osinit'", "runtime.osinit",
     "Asks the kernel how many CPUs this process may use (its affinity mask)."),
    ("'runtime.schedinit'", "runtime.schedinit",
     "Reads GODEBUG, GOMAXPROCS and the stack settings, initialises m0, the\n"
     "stack pools and the random seed, and makes the Ps (procresize); m0\n"
     "takes P0."),
    ("'runtime.newproc'", "runtime.newproc",
     "Makes goroutine 1, which will run runtime.main, and puts it in P0's\n"
     "runnext."),
    ("'runtime.mstart'", "runtime.mstart",
     "m0 enters the scheduler on its g0 stack and never returns: schedule()\n"
     "finds goroutine 1 and switches to it (execute, gogo)."),
    ("'runtime.main'", "runtime.main",
     "Goroutine 1 starts: sysmon gets its own M, and the goroutine is locked\n"
     "to m0 while the program's constructors run."),
    ("gort::runtime::flavour_init", "package init (flavour_init)",
     "Registers ld.so's rtld_fini with __cxa_atexit, then runs the program's\n"
     ".init_array: the C++ static constructors (Go: the main package's init)."),
    ("-qualified main", "main",
     "The program's own main(argc, argv, envp), running as goroutine 1. When it\n"
     "returns the process exits with its status."),
]


class BootBreakpoint(gdb.Breakpoint):
    def __init__(self, walk, index):
        spec = BOOT_STEPS[index][0]
        super().__init__(spec, internal=False)
        self.walk = walk
        self.index = index
        self.silent = False

    def stop(self):
        # Stop only at the step due next: boot functions that run again
        # later (or ahead of their turn) are passed by.
        if self.walk.next != self.index:
            return False
        self.walk.next = self.index + 1
        _, title, text = BOOT_STEPS[self.index]
        print("\ngort boot: step %d/%d: %s" % (self.index + 1, len(BOOT_STEPS), title))
        for line in text.split("\n"):
            print("  " + line)
        if self.walk.next == len(BOOT_STEPS):
            print("  (last step: the boot walk is over; its breakpoints are removed)")
            self.walk.done = True
        return True


class BootWalk:
    def __init__(self):
        self.bps = []
        self.next = 0
        self.done = False
        # Breakpoints may not be deleted from Breakpoint.stop; the walk's are
        # deleted once gdb has stopped at the last step, or when the program
        # exits before that.
        gdb.events.stop.connect(self._on_stop)
        gdb.events.exited.connect(lambda _e: self.clear())

    def _on_stop(self, _event):
        if self.done:
            self.clear()

    def clear(self):
        self.done = False
        for bp in self.bps:
            if bp.is_valid():
                bp.delete()
        self.bps = []

    def start(self, args):
        self.clear()
        self.next = 0
        for i in range(len(BOOT_STEPS)):
            self.bps.append(BootBreakpoint(self, i))
        gdb.execute("run " + args)


_boot = BootWalk()


class GortBoot(gdb.Command):
    """Walk the boot sequence of a gort program, one step at a time.
Usage: gort boot [ARGS]
Runs the program (with ARGS) and stops at its first boot step; each
'continue' then stops at the next one, and says what that step does:
  _rt0_amd64_linux -> runtime.rt0_go -> runtime.args -> runtime.osinit ->
  runtime.schedinit -> runtime.newproc -> runtime.mstart -> runtime.main ->
  package init (the C++ constructors) -> main
The steps are Go's (runtime/asm_amd64.s rt0_go, proc.go). GODEBUG=boottrace=1
prints the same steps with their times, without a debugger."""

    def __init__(self):
        super().__init__("gort boot", gdb.COMMAND_RUNNING, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        if gdb.selected_inferior().pid != 0 and not is_core():
            raise GortError("gort boot: the program is already running; 'kill' it first")
        self.dont_repeat()
        _boot.start(arg)


# ---- core files ----

class GortGcore(gdb.Command):
    """Write a core file of the stopped program that gdb can read back whole.
Usage: gort gcore [FILE]       (FILE defaults to core.PID, as gcore's)
On Linux 6.13 and later the runtime guards stacks with MADV_GUARD_INSTALL:
such a page cannot be read, and generate-core-file then leaves out the whole
mapping around it, with the runtime's structures and stacks. This command
calls runtime.debugGuards(0) in the program to lift every guard, runs
generate-core-file, and calls runtime.debugGuards(1) to put the same guards
back. The calls run on the selected thread with scheduler-locking on, so no
other thread runs meanwhile; the program's state is what it was. Where the
guards are mprotect ones (older kernels, GODEBUG=guardmprotect=1) there is
nothing to lift and it is plain generate-core-file."""

    def __init__(self):
        super().__init__("gort gcore", gdb.COMMAND_FILES, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        self.dont_repeat()
        inf = gdb.selected_inferior()
        if inf.pid == 0 or is_core():
            raise GortError("gort gcore: no live process (start or attach to the program first)")
        cmd = "generate-core-file" + (" " + arg.strip() if arg.strip() else "")
        try:
            fn = gdb.parse_and_eval("'runtime.debugGuards'")
        except gdb.error:
            # A runtime from before debugGuards: cores lose guarded mappings.
            print("warning: gort gcore: this program's runtime has no runtime.debugGuards; "
                  "writing the core as generate-core-file does")
            gdb.execute(cmd, from_tty)
            return
        # Only the selected thread runs the calls; a signal that reaches it
        # meanwhile ends the call instead of leaving it half done.
        old = {p: gdb.parameter(p) for p in ("scheduler-locking", "unwindonsignal")}
        gdb.execute("set scheduler-locking on", to_string=True)
        gdb.execute("set unwindonsignal on", to_string=True)
        lifted = None
        try:
            with keep_selection():
                lifted = int(fn(0))
            if lifted < 0:
                print("warning: gort gcore: %d stack guards could not be lifted: the core may "
                      "lack the mappings that hold them" % -lifted)
            elif lifted > 0:
                print("gort gcore: %d stack guards lifted while the core is written" % lifted)
            gdb.execute(cmd, from_tty)
        finally:
            # Put every recorded guard back, also after a failure (installing
            # a guard that is in place already does no harm).
            try:
                with keep_selection():
                    back = int(fn(1))
                if back < 0 or (lifted is not None and lifted > 0 and back != lifted):
                    print("warning: gort gcore: stack guards lifted %s, put back %d: the program may "
                          "not catch a stack overflow" % (lifted, back))
            finally:
                gdb.execute("set unwindonsignal %s" % ("on" if old["unwindonsignal"] else "off"),
                            to_string=True)
                gdb.execute("set scheduler-locking %s" % old["scheduler-locking"], to_string=True)


# ---- pretty printers ----

def code_ptr(v):
    """A pc as a value gdb prints with its symbol: 0x... <f+12>."""
    t = _cache.get("code_ptr")
    if t is None:
        t = _cache["code_ptr"] = gdb.parse_and_eval("(void (*)(void))0").type
    return v.cast(gdb.lookup_type("unsigned long")).cast(t)


class GPrinter:
    "gort::runtime::g: Go's goroutine header, then the main fields."

    def __init__(self, val):
        self.val = val

    def to_string(self):
        try:
            return g_header(self.val)
        except (gdb.error, gdb.MemoryError) as e:
            return "<g: %s>" % e

    def children(self):
        v = self.val
        yield "goid", v["goid"]
        yield "status", gstatus_name(gstatus(v))
        if gstatus(v) == G_WAITING:
            yield "waitreason", waitreason_string(v)
        yield "m", v["m"]
        yield "lockedm", v["lockedm"]
        yield "sched", v["sched"]
        yield "stack", "[%#x, %#x)" % (ptr(v["stack"]["lo"]), ptr(v["stack"]["hi"]))
        yield "startpc", code_ptr(v["startpc"])
        yield "gopc", code_ptr(v["gopc"])
        yield "parentgoid", v["parentgoid"]
        yield "waiting", v["waiting"]


class MPrinter:
    "gort::runtime::m"

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        lwp = int(v["procid"])
        return "M%d (LWP %d) [%s]" % (int(v["id"]), lwp, m_state(v))

    def children(self):
        v = self.val
        for f in ("id", "procid", "curg", "p", "nextp", "lockedg", "spinning", "blocked", "g0"):
            yield f, v[f]


class PPrinter:
    "gort::runtime::p"

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        mp = v["m"]
        return "P%d [%s%s, runq %s]" % (int(v["id"]), P_STATUS.get(int(load(v["status"])), str(int(load(v["status"])))),
                                       ", M%d" % int(mp["id"]) if ptr(mp) != 0 else "", runq_goids(v))

    def children(self):
        v = self.val
        yield "id", v["id"]
        yield "status", P_STATUS.get(int(load(v["status"])), str(int(load(v["status"]))))
        yield "m", v["m"]
        yield "runqhead", load(v["runqhead"])
        yield "runqtail", load(v["runqtail"])
        yield "runnext", load(v["runnext"])
        yield "gfreecnt", load(v["gFree"]["n"])
        yield "schedtick", load(v["schedtick"])


class GobufPrinter:
    "gort::runtime::gobuf: saved registers."

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        pc = ptr(v["pc"])
        return "{pc=%s, sp=%#x}" % (pc_where(pc, True) if pc else "0", ptr(v["sp"]))

    def children(self):
        v = self.val
        yield "pc", code_ptr(v["pc"])
        for f in ("sp", "bp", "rbx", "r12", "r13", "r14", "r15"):
            yield f, v[f].cast(gdb.lookup_type("void").pointer())
        yield "g", v["g_"]


def waitq_goids(q, elemtype=None):
    """The goroutines in a channel's wait queue, in order: 'goid' each, or
    'goid (value)' for a sender when the element type is known."""
    out = []
    for sg in linked(q["first"], "next"):
        gp = sg["g_"]
        s = str(int(gp["goid"])) if ptr(gp) != 0 else "?"
        if elemtype is not None and ptr(sg["elem"]) != 0:
            try:
                s += " (%s)" % sg["elem"].cast(elemtype.pointer()).dereference()
            except gdb.error:
                pass
        out.append(s)
    return "[" + ", ".join(out) + "]"


def chan_summary(c, elemtype=None):
    """'(len 2, cap 2, open) recvq=[] sendq=[24 (33)]' for an hchan."""
    return "(len %d, cap %d, %s) recvq=%s sendq=%s" % (
        int(c["qcount"]), int(c["dataqsiz"]), "closed" if int(c["closed"]) != 0 else "open",
        waitq_goids(c["recvq"]), waitq_goids(c["sendq"], elemtype))


class HchanPrinter:
    "gort::runtime::hchan: a channel as the runtime holds it (element type erased)."

    def __init__(self, val):
        self.val = val

    def to_string(self):
        return "chan %s elemsize=%d" % (chan_summary(self.val), int(self.val["elemsize"]))


class ChanPrinter:
    """gort::chan<T>: the handle a program holds. Shows the channel's state,
    the goroutines waiting to receive and to send (with the values being
    sent), and the buffered values, oldest first."""

    def __init__(self, val):
        self.val = val
        t = val.type.strip_typedefs()
        if t.code in (gdb.TYPE_CODE_REF, getattr(gdb, "TYPE_CODE_RVALUE_REF", -1)):
            t = t.target().strip_typedefs()
        try:
            self.elemtype = t.template_argument(0)
        except (gdb.error, RuntimeError):
            self.elemtype = None
        self.tname = str(t)

    def hchan(self):
        c = self.val["c_"]
        if ptr(c) == 0:
            return None
        return c.cast(gdb.lookup_type(NS + "hchan").pointer()).dereference()

    def to_string(self):
        try:
            c = self.hchan()
        except gdb.error as e:
            return "%s <%s>" % (self.tname, e)
        if c is None:
            return "%s nil" % self.tname
        return "%s %s" % (self.tname, chan_summary(c, self.elemtype))

    def children(self):
        try:
            c = self.hchan()
        except gdb.error:
            return
        if c is None or self.elemtype is None:
            return
        n, size = int(c["qcount"]), int(c["dataqsiz"])
        recvx, esize = int(c["recvx"]), int(c["elemsize"])
        buf = ptr(c["buf"])
        for i in range(min(n, size)):
            addr = buf + ((recvx + i) % size) * esize
            yield "[%d]" % i, gdb.Value(addr).cast(self.elemtype.pointer()).dereference()

    def display_hint(self):
        return "array"


def build_pretty_printers():
    pp = gdb.printing.RegexpCollectionPrettyPrinter("gort")
    pp.add_printer("g", "^gort::runtime::g$", GPrinter)
    pp.add_printer("m", "^gort::runtime::m$", MPrinter)
    pp.add_printer("p", "^gort::runtime::p$", PPrinter)
    pp.add_printer("gobuf", "^gort::runtime::gobuf$", GobufPrinter)
    pp.add_printer("hchan", "^gort::runtime::hchan$", HchanPrinter)
    pp.add_printer("chan", "^gort::chan<.*>$", ChanPrinter)
    return pp


InfoGoroutines()
GoroutineCmd()
GoroutineFunc()
InfoMs()
InfoPs()
GortPrefix()
GortBoot()
GortGcore()
_switch_mode = SwitchMode()
gdb.printing.register_pretty_printer(gdb.current_objfile(), build_pretty_printers(), replace=True)
