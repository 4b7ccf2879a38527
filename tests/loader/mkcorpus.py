#!/usr/bin/env python3
"""tests/loader/mkcorpus.py STATIC SPIE DYN OUTDIR: the malformed-ELF corpus.

Builds, from three good programs (static ET_EXEC, static-pie, dynamic PIE),
one file per case of research/ulexec.md section 4 (and a few more), each
broken in exactly one way, and OUTDIR/MANIFEST: one line per case,

    name <TAB> exit status <TAB> a fragment of gort-exec's message <TAB> options

The loader tests run gort-exec on each file and check the status and that the
one line on stderr names the file and contains the fragment. A status of 42
(the probe's own) means the kernel accepts the oddity and so do we.
"""
import os
import shutil
import stat
import struct
import sys

PT_LOAD, PT_INTERP, PT_GNU_STACK = 1, 3, 0x6474E551
PF_X = 1

static, spie, dyn, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
manifest = []


def read(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def ehdr(d):
    # e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags,
    # e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
    return list(struct.unpack_from("<HHIQQQIHHHHHH", d, 16))


def set_ehdr(d, h):
    struct.pack_into("<HHIQQQIHHHHHH", d, 16, *h)


def phdrs(d):
    h = ehdr(d)
    return [list(struct.unpack_from("<IIQQQQQQ", d, h[4] + i * 56)) for i in range(h[9])]


def set_phdr(d, i, p):
    struct.pack_into("<IIQQQQQQ", d, ehdr(d)[4] + i * 56, *p)


def loads(d):
    return [i for i, p in enumerate(phdrs(d)) if p[0] == PT_LOAD]


def case(name, data, status, fragment, mode=0o755, options=""):
    path = os.path.join(out, name)
    if os.path.exists(path):
        os.chmod(path, 0o755)
        os.remove(path)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    manifest.append(f"{name}\t{status}\t{fragment}\t{options}")
    return path


def patched(src, fn):
    d = read(src)
    fn(d)
    return d


S, P, D = read(static), read(spie), read(dyn)

# 01 not ELF, no #! line
case("01_not_elf", b"hello, I am text\n", 126, "not an ELF file")
# 02 32-bit class on a 64-bit file (the kernel runs it; we refuse)
case("02_class32", patched(static, lambda d: d.__setitem__(4, 1)), 126, "ELF class 1")
# 03 wrong machine
def machine(d):
    h = ehdr(d); h[1] = 183; set_ehdr(d, h)
case("03_machine", patched(static, machine), 126, "e_machine 183")
# 04 truncated ELF header (libelf's catch)
case("04_trunc_ehdr", S[:40], 126, "libelf")
# 05 truncated program header table
case("05_trunc_phdr", S[: ehdr(S)[4] + 2 * 56], 126, "program header table")
# 06 p_filesz > p_memsz
def filesz(d):
    i = loads(d)[1]; p = phdrs(d)[i]; p[5] = p[6] + 0x10000; set_phdr(d, i, p)
case("06_filesz_gt_memsz", patched(static, filesz), 126, "p_filesz")
# 07 a segment beyond the end of the file
last = phdrs(S)[loads(S)[-1]]
case("07_beyond_eof", S[: last[2] + 16], 126, "beyond end of file")
# 08 overlapping PT_LOADs
def overlap(d):
    l = loads(d); a = phdrs(d)[l[1]]; i = l[2]; b = phdrs(d)[i]
    b[3] = (a[3] & ~0xFFF) + 0x1000 + (b[2] & 0xFFF); set_phdr(d, i, b)
case("08_overlap", patched(static, overlap), 126, "overlaps")
# 09, 10 odd p_align of an ET_EXEC: the kernel ignores it, we warn and run
def align(v):
    def f(d):
        for i in loads(d):
            p = phdrs(d)[i]; p[7] = v; set_phdr(d, i, p)
    return f
case("09_align_1t_exec", patched(static, align(1 << 40)), 42, "")
case("10_align_3000_exec", patched(static, align(0x3000)), 42, "")
# 23, 24 the same on an ET_DYN: refused
case("23_align_1t_dyn", patched(spie, align(1 << 40)), 126, "absurd")
case("24_align_3000_dyn", patched(spie, align(0x3000)), 126, "not a power of two")
# 11 p_vaddr and p_offset differ modulo the page size
def incongruent(d):
    i = loads(d)[1]; p = phdrs(d)[i]; p[3] += 0x10; p[4] += 0x10; set_phdr(d, i, p)
case("11_incongruent", patched(static, incongruent), 126, "differ modulo the page size")
# 12, 19 and more: the interpreter
interp = b"/lib64/ld-linux-x86-64.so.2"
def sub(old, new):
    def f(d):
        i = d.find(old); d[i : i + len(new)] = new
    return f
case("12_interp_missing", patched(dyn, sub(interp, b"/lib64/ld-linux-x86-64.so.X")), 127, "cannot open")
case("19_interp_no_nul", patched(dyn, sub(interp + b"\0", interp + b"X")), 126, "not NUL-terminated")
case("19b_interp_embedded_nul", patched(dyn, sub(interp, b"/lib64/ld-linux\0x86-64.so.2")), 126, "embedded NUL")
def interp_to(path):
    def f(d):
        for i, p in enumerate(phdrs(d)):
            if p[0] == PT_INTERP:
                s = path.encode() + b"\0"
                p[2], p[5], p[6] = len(d), len(s), len(s)
                set_phdr(d, i, p)
                d.extend(s)
    return f
textfile = os.path.abspath(os.path.join(out, "01_not_elf"))
case("19c_interp_not_elf", patched(dyn, interp_to(textfile)), 126, "not an ELF file")
case("19d_interp_has_interp", patched(dyn, interp_to(os.path.abspath(dyn))), 126, "has a PT_INTERP")
# 13, 14 not executables
def etype(t):
    def f(d):
        h = ehdr(d); h[0] = t; set_ehdr(d, h)
    return f
case("13_et_rel", patched(static, etype(1)), 126, "ET_REL")
case("14_et_core", patched(static, etype(4)), 126, "ET_CORE")
# 15 set-user-ID and set-group-ID files
case("15_setuid", S, 126, "set-user/group-ID", mode=0o4755)
case("15b_setgid", S, 126, "set-user/group-ID", mode=0o2755)
# 16 entry outside the executable text
def entry(d):
    h = ehdr(d); h[3] = 0x10; set_ehdr(d, h)
case("16_entry_outside", patched(static, entry), 126, "e_entry 0x10")
# 17 e_phentsize
def phentsize(d):
    h = ehdr(d); h[8] = 32; set_ehdr(d, h)
case("17_phentsize", patched(static, phentsize), 126, "e_phentsize 32")
# 18 PN_XNUM
def xnum(d):
    h = ehdr(d); h[9] = 0xFFFF; set_ehdr(d, h)
case("18_pn_xnum", patched(static, xnum), 126, "PN_XNUM")
# 20 garbage e_shoff: loading ignores sections; runs
def shoff(d):
    h = ehdr(d); h[5] = 0xDEADBEEF; set_ehdr(d, h)
case("20_garbage_shoff", patched(static, shoff), 42, "")
# 21 e_phoff beyond the end of the file (libelf silently reports 0 headers)
def phoff(d):
    h = ehdr(d); h[4] = len(d) + 100; set_ehdr(d, h)
case("21_phoff_beyond", patched(static, phoff), 126, "program header table")
# 22 an executable stack: refused, or run with --allow-execstack
def execstack(d):
    for i, p in enumerate(phdrs(d)):
        if p[0] == PT_GNU_STACK:
            p[1] |= PF_X; set_phdr(d, i, p)
case("22_execstack", patched(static, execstack), 126, "executable stack")
case("22b_execstack_allowed", patched(static, execstack), 42, "", options="--allow-execstack")
# More of section 4's list
case("25_empty", b"", 126, "empty file")
case("26_not_executable", S, 126, "not executable", mode=0o644)
def no_load(d):
    for i in loads(d):
        p = phdrs(d)[i]; p[0] = 0; set_phdr(d, i, p)
case("27_no_ptload", patched(static, no_load), 126, "no PT_LOAD")
def phdr_outside(d):
    h = ehdr(d); table = d[h[4] : h[4] + h[9] * 56]; h[4] = len(d); set_ehdr(d, h); d.extend(table)
case("28_phdrs_not_loaded", patched(static, phdr_outside), 126, "not inside any PT_LOAD")
def low(d):
    i = loads(d)[0]; p = phdrs(d)[i]; p[3] = p[4] = p[2] & 0xFFF; set_phdr(d, i, p)
case("29_below_mmap_min_addr", patched(static, low), 126, "mmap_min_addr")
def high(d):
    i = loads(d)[-1]; p = phdrs(d)[i]; p[3] = p[4] = (1 << 47) + (p[2] & 0xFFF); set_phdr(d, i, p)
case("30_beyond_user_space", patched(static, high), 126, "beyond user space")
def unsorted(d):
    l = loads(d); i = l[2]; p = phdrs(d)[i]; p[3] = p[4] = 0x100000 + (p[2] & 0xFFF); set_phdr(d, i, p)
case("31_unsorted", patched(static, unsorted), 126, "not sorted")
case("32_shebang_empty", b"#!\n", 126, "names no interpreter")
case("33_shebang_cut", b"#!/" + b"x" * 300, 126, "names no interpreter")
loop = os.path.abspath(os.path.join(out, "34_shebang_loop"))
case("34_shebang_loop", ("#!" + loop + "\n").encode(), 126, "levels of #!")
case("35_bad_interpreter", b"#!/nonexistent/interpreter\n", 127, "bad interpreter")

with open(os.path.join(out, "MANIFEST"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(f"mkcorpus: {len(manifest)} cases in {out}")
