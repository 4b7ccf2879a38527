// boot/nolibc/strerror.cpp: strerror and friends: the messages of
// Linux's error numbers, glibc's wording (the table was written from
// glibc 2.36's strerror by a script, once).
#include <cerrno>
#include <cstddef>

extern "C" std::size_t strlen(const char*);
extern "C" void* memcpy(void*, const void*, std::size_t);
extern "C" int snprintf(char*, std::size_t, const char*, ...);

namespace {

const char* const errmsg[] = {
    "Success",
    "Operation not permitted",  // EPERM
    "No such file or directory",  // ENOENT
    "No such process",  // ESRCH
    "Interrupted system call",  // EINTR
    "Input/output error",  // EIO
    "No such device or address",  // ENXIO
    "Argument list too long",  // E2BIG
    "Exec format error",  // ENOEXEC
    "Bad file descriptor",  // EBADF
    "No child processes",  // ECHILD
    "Resource temporarily unavailable",  // EAGAIN
    "Cannot allocate memory",  // ENOMEM
    "Permission denied",  // EACCES
    "Bad address",  // EFAULT
    "Block device required",  // ENOTBLK
    "Device or resource busy",  // EBUSY
    "File exists",  // EEXIST
    "Invalid cross-device link",  // EXDEV
    "No such device",  // ENODEV
    "Not a directory",  // ENOTDIR
    "Is a directory",  // EISDIR
    "Invalid argument",  // EINVAL
    "Too many open files in system",  // ENFILE
    "Too many open files",  // EMFILE
    "Inappropriate ioctl for device",  // ENOTTY
    "Text file busy",  // ETXTBSY
    "File too large",  // EFBIG
    "No space left on device",  // ENOSPC
    "Illegal seek",  // ESPIPE
    "Read-only file system",  // EROFS
    "Too many links",  // EMLINK
    "Broken pipe",  // EPIPE
    "Numerical argument out of domain",  // EDOM
    "Numerical result out of range",  // ERANGE
    "Resource deadlock avoided",  // EDEADLOCK
    "File name too long",  // ENAMETOOLONG
    "No locks available",  // ENOLCK
    "Function not implemented",  // ENOSYS
    "Directory not empty",  // ENOTEMPTY
    "Too many levels of symbolic links",  // ELOOP
    nullptr,
    "No message of desired type",  // ENOMSG
    "Identifier removed",  // EIDRM
    "Channel number out of range",  // ECHRNG
    "Level 2 not synchronized",  // EL2NSYNC
    "Level 3 halted",  // EL3HLT
    "Level 3 reset",  // EL3RST
    "Link number out of range",  // ELNRNG
    "Protocol driver not attached",  // EUNATCH
    "No CSI structure available",  // ENOCSI
    "Level 2 halted",  // EL2HLT
    "Invalid exchange",  // EBADE
    "Invalid request descriptor",  // EBADR
    "Exchange full",  // EXFULL
    "No anode",  // ENOANO
    "Invalid request code",  // EBADRQC
    "Invalid slot",  // EBADSLT
    nullptr,
    "Bad font file format",  // EBFONT
    "Device not a stream",  // ENOSTR
    "No data available",  // ENODATA
    "Timer expired",  // ETIME
    "Out of streams resources",  // ENOSR
    "Machine is not on the network",  // ENONET
    "Package not installed",  // ENOPKG
    "Object is remote",  // EREMOTE
    "Link has been severed",  // ENOLINK
    "Advertise error",  // EADV
    "Srmount error",  // ESRMNT
    "Communication error on send",  // ECOMM
    "Protocol error",  // EPROTO
    "Multihop attempted",  // EMULTIHOP
    "RFS specific error",  // EDOTDOT
    "Bad message",  // EBADMSG
    "Value too large for defined data type",  // EOVERFLOW
    "Name not unique on network",  // ENOTUNIQ
    "File descriptor in bad state",  // EBADFD
    "Remote address changed",  // EREMCHG
    "Can not access a needed shared library",  // ELIBACC
    "Accessing a corrupted shared library",  // ELIBBAD
    ".lib section in a.out corrupted",  // ELIBSCN
    "Attempting to link in too many shared libraries",  // ELIBMAX
    "Cannot exec a shared library directly",  // ELIBEXEC
    "Invalid or incomplete multibyte or wide character",  // EILSEQ
    "Interrupted system call should be restarted",  // ERESTART
    "Streams pipe error",  // ESTRPIPE
    "Too many users",  // EUSERS
    "Socket operation on non-socket",  // ENOTSOCK
    "Destination address required",  // EDESTADDRREQ
    "Message too long",  // EMSGSIZE
    "Protocol wrong type for socket",  // EPROTOTYPE
    "Protocol not available",  // ENOPROTOOPT
    "Protocol not supported",  // EPROTONOSUPPORT
    "Socket type not supported",  // ESOCKTNOSUPPORT
    "Operation not supported",  // ENOTSUP
    "Protocol family not supported",  // EPFNOSUPPORT
    "Address family not supported by protocol",  // EAFNOSUPPORT
    "Address already in use",  // EADDRINUSE
    "Cannot assign requested address",  // EADDRNOTAVAIL
    "Network is down",  // ENETDOWN
    "Network is unreachable",  // ENETUNREACH
    "Network dropped connection on reset",  // ENETRESET
    "Software caused connection abort",  // ECONNABORTED
    "Connection reset by peer",  // ECONNRESET
    "No buffer space available",  // ENOBUFS
    "Transport endpoint is already connected",  // EISCONN
    "Transport endpoint is not connected",  // ENOTCONN
    "Cannot send after transport endpoint shutdown",  // ESHUTDOWN
    "Too many references: cannot splice",  // ETOOMANYREFS
    "Connection timed out",  // ETIMEDOUT
    "Connection refused",  // ECONNREFUSED
    "Host is down",  // EHOSTDOWN
    "No route to host",  // EHOSTUNREACH
    "Operation already in progress",  // EALREADY
    "Operation now in progress",  // EINPROGRESS
    "Stale file handle",  // ESTALE
    "Structure needs cleaning",  // EUCLEAN
    "Not a XENIX named type file",  // ENOTNAM
    "No XENIX semaphores available",  // ENAVAIL
    "Is a named type file",  // EISNAM
    "Remote I/O error",  // EREMOTEIO
    "Disk quota exceeded",  // EDQUOT
    "No medium found",  // ENOMEDIUM
    "Wrong medium type",  // EMEDIUMTYPE
    "Operation canceled",  // ECANCELED
    "Required key not available",  // ENOKEY
    "Key has expired",  // EKEYEXPIRED
    "Key has been revoked",  // EKEYREVOKED
    "Key was rejected by service",  // EKEYREJECTED
    "Owner died",  // EOWNERDEAD
    "State not recoverable",  // ENOTRECOVERABLE
    "Operation not possible due to RF-kill",  // ERFKILL
    "Memory page has hardware error",
};

// unknown: "Unknown error N", in a buffer of the caller's or a static one.
char unknownbuf[32];
const char* unknown(int e, char* buf, std::size_t n) {
  snprintf(buf, n, "Unknown error %d", e);
  return buf;
}

}  // namespace

extern "C" {

char* strerror(int e) {
  if (e >= 0 && std::size_t(e) < sizeof errmsg / sizeof errmsg[0] && errmsg[e] != nullptr)
    return const_cast<char*>(errmsg[e]);
  return const_cast<char*>(unknown(e, unknownbuf, sizeof unknownbuf));
}

// The GNU strerror_r (what <string.h> declares under _GNU_SOURCE, g++'s default).
char* strerror_r(int e, char* buf, std::size_t n) {
  if (e >= 0 && std::size_t(e) < sizeof errmsg / sizeof errmsg[0] && errmsg[e] != nullptr)
    return const_cast<char*>(errmsg[e]);
  return const_cast<char*>(unknown(e, buf, n));
}

// The POSIX one.
int __xpg_strerror_r(int e, char* buf, std::size_t n) {
  const char* s = strerror_r(e, buf, n);
  if (s == buf) return EINVAL;
  std::size_t k = strlen(s);
  if (k >= n) return ERANGE;
  memcpy(buf, s, k + 1);
  return 0;
}

const char* strerrorname_np(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case ENOTBLK: return "ENOTBLK";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case EDOM: return "EDOM";
    case ERANGE: return "ERANGE";
    case EDEADLOCK: return "EDEADLOCK";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOLCK: return "ENOLCK";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENOMSG: return "ENOMSG";
    case EIDRM: return "EIDRM";
    case ECHRNG: return "ECHRNG";
    case EL2NSYNC: return "EL2NSYNC";
    case EL3HLT: return "EL3HLT";
    case EL3RST: return "EL3RST";
    case ELNRNG: return "ELNRNG";
    case EUNATCH: return "EUNATCH";
    case ENOCSI: return "ENOCSI";
    case EL2HLT: return "EL2HLT";
    case EBADE: return "EBADE";
    case EBADR: return "EBADR";
    case EXFULL: return "EXFULL";
    case ENOANO: return "ENOANO";
    case EBADRQC: return "EBADRQC";
    case EBADSLT: return "EBADSLT";
    case EBFONT: return "EBFONT";
    case ENOSTR: return "ENOSTR";
    case ENODATA: return "ENODATA";
    case ETIME: return "ETIME";
    case ENOSR: return "ENOSR";
    case ENONET: return "ENONET";
    case ENOPKG: return "ENOPKG";
    case EREMOTE: return "EREMOTE";
    case ENOLINK: return "ENOLINK";
    case EADV: return "EADV";
    case ESRMNT: return "ESRMNT";
    case ECOMM: return "ECOMM";
    case EPROTO: return "EPROTO";
    case EMULTIHOP: return "EMULTIHOP";
    case EDOTDOT: return "EDOTDOT";
    case EBADMSG: return "EBADMSG";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTUNIQ: return "ENOTUNIQ";
    case EBADFD: return "EBADFD";
    case EREMCHG: return "EREMCHG";
    case ELIBACC: return "ELIBACC";
    case ELIBBAD: return "ELIBBAD";
    case ELIBSCN: return "ELIBSCN";
    case ELIBMAX: return "ELIBMAX";
    case ELIBEXEC: return "ELIBEXEC";
    case EILSEQ: return "EILSEQ";
    case ERESTART: return "ERESTART";
    case ESTRPIPE: return "ESTRPIPE";
    case EUSERS: return "EUSERS";
    case ENOTSOCK: return "ENOTSOCK";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case ENOTSUP: return "ENOTSUP";
    case EPFNOSUPPORT: return "EPFNOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case ENETRESET: return "ENETRESET";
    case ECONNABORTED: return "ECONNABORTED";
    case ECONNRESET: return "ECONNRESET";
    case ENOBUFS: return "ENOBUFS";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case ESHUTDOWN: return "ESHUTDOWN";
    case ETOOMANYREFS: return "ETOOMANYREFS";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EHOSTDOWN: return "EHOSTDOWN";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    case ESTALE: return "ESTALE";
    case EUCLEAN: return "EUCLEAN";
    case ENOTNAM: return "ENOTNAM";
    case ENAVAIL: return "ENAVAIL";
    case EISNAM: return "EISNAM";
    case EREMOTEIO: return "EREMOTEIO";
    case EDQUOT: return "EDQUOT";
    case ENOMEDIUM: return "ENOMEDIUM";
    case EMEDIUMTYPE: return "EMEDIUMTYPE";
    case ECANCELED: return "ECANCELED";
    case ENOKEY: return "ENOKEY";
    case EKEYEXPIRED: return "EKEYEXPIRED";
    case EKEYREVOKED: return "EKEYREVOKED";
    case EKEYREJECTED: return "EKEYREJECTED";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    case ERFKILL: return "ERFKILL";
  }
  return nullptr;
}

}  // extern "C"
