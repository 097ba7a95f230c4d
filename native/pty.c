/*
 * dialbond's pseudo-terminal helper: the few calls Node.js itself does not offer.
 *
 * The modem simulator serves each simulated modem on the slave side of a pty, so that
 * dialbond, pppd, chat or minicom open it exactly like /dev/ttyS0. Node can read and write
 * a master fd (tty.ReadStream/WriteStream) but cannot create one: that needs
 * posix_openpt/grantpt/unlockpt/ptsname (pty(7)). It also cannot dup() a descriptor, which
 * the simulator needs to keep one master open while a stream that saw EIO (the DTE closed
 * the slave, i.e. "dropped DTR") is torn down, and to hold separate read and write handles
 * (libuv keeps one watcher per fd number).
 *
 * It also sets a tty's rate to any number of bit/s (termios2 with BOTHER, which glibc's
 * cfsetospeed cannot express): multilink PPP sizes each fragment by its channel's speed,
 * which ppp_async reads from the tty's rate when pppd attaches it (see src/sys/tty-rate.ts).
 *
 * It also speaks systemd's notification protocol (sd_notify(3): READY=1, WATCHDOG=1, ...),
 * whose socket is an AF_UNIX datagram socket, which Node's net module does not offer.
 *
 * Built with the system C compiler by scripts/build-native.mjs; a Node-API module, so it
 * links against no particular Node version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/sockios.h>
#include <linux/if_eql.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  const char *name = err == EACCES ? "EACCES" : err == ENOENT ? "ENOENT" : err == EMFILE ? "EMFILE" : "EPTY";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

/* Throws an Error whose code is the errno's own name (ENOENT, ECONNREFUSED, ...), for the
 * calls whose callers tell errors apart by that name; EIO where libc has no name for it. */
static napi_value throw_errno_named(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *name = strerrorname_np(err);
  napi_value code, message, error;
  napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

/* openPty(): { fd, path } — a new pty master, unlocked, with the slave's line discipline in
 * raw mode (no echo, no CR/LF mapping, 8 data bits), as a serial line is. */
static napi_value open_pty(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "posix_openpt(/dev/ptmx)", errno);
  if (grantpt(fd) != 0 || unlockpt(fd) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "grantpt/unlockpt", err);
  }
  char name[128];
  if (ptsname_r(fd, name, sizeof name) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "ptsname_r", err);
  }
  /* On Linux, termios ioctls on a master act on the slave (tty_mode_ioctl uses tty->link). */
  struct termios tio;
  if (tcgetattr(fd, &tio) == 0) {
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tcsetattr(fd, TCSANOW, &tio);
  }
  napi_value result, vfd, vpath;
  napi_create_object(env, &result);
  napi_create_int32(env, fd, &vfd);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &vpath);
  napi_set_named_property(env, result, "fd", vfd);
  napi_set_named_property(env, result, "path", vpath);
  return result;
}

static int fd_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) fd = -1;
  return fd;
}

/* dup(fd): a second descriptor for the same open file, close-on-exec. */
static napi_value dup_fd(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd < 0) return throw_errno(env, "dup: bad descriptor argument", EBADF);
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return throw_errno(env, "dup", errno);
  napi_value out;
  napi_create_int32(env, copy, &out);
  return out;
}

/* flushInput(fd): discard bytes queued toward the slave's reader (tcflush TCIOFLUSH), so that
 * whatever a simulated modem said while nobody listened is not read by the next caller. */
static napi_value flush_fd(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd < 0) return throw_errno(env, "tcflush: bad descriptor argument", EBADF);
  if (tcflush(fd, TCIOFLUSH) != 0) return throw_errno(env, "tcflush", errno);
  return NULL;
}

/* The kernel's struct termios2 (<asm/termbits.h>, which cannot be included beside glibc's
 * <termios.h>): the same layout on every Linux architecture that has TCGETS2, with the
 * kernel's 19 control characters, and the rates as plain numbers. */
struct termios2 {
  tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
  cc_t c_line;
  cc_t c_cc[19];
  speed_t c_ispeed, c_ospeed;
};
#ifndef TCGETS2
#define TCGETS2 _IOR('T', 0x2A, struct termios2)
#define TCSETS2 _IOW('T', 0x2B, struct termios2)
#endif
#ifndef BOTHER
#define BOTHER 0010000
#endif
#ifndef IBSHIFT
#define IBSHIFT 16
#endif

static int int_args(napi_env env, napi_callback_info info, int32_t *a, int64_t *b) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], a) != napi_ok || napi_get_value_int64(env, argv[1], b) != napi_ok) return -1;
  return 0;
}

/* ttyRate(fd): the tty's output rate in bit/s as the kernel holds it (c_ospeed, which the
 * kernel fills in for the old Bnnn rates too). */
static napi_value tty_rate(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  struct termios2 tio;
  if (fd < 0) return throw_errno_named(env, "ttyRate: bad descriptor argument", EBADF);
  if (ioctl(fd, TCGETS2, &tio) != 0) return throw_errno_named(env, "TCGETS2", errno);
  napi_value out;
  napi_create_int64(env, (int64_t)tio.c_ospeed, &out);
  return out;
}

/* setTtyRate(fd, bps): both directions at `bps` (BOTHER), everything else as it was; returns
 * the rate the kernel then holds. Throws an Error whose code is the errno name. */
static napi_value set_tty_rate(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  int64_t bps = 0;
  if (int_args(env, info, &fd, &bps) != 0 || fd < 0 || bps <= 0 || bps > 0x7fffffff) {
    napi_throw_type_error(env, "EINVAL", "setTtyRate(fd, bps): a descriptor and a positive rate");
    return NULL;
  }
  struct termios2 tio;
  if (ioctl(fd, TCGETS2, &tio) != 0) return throw_errno_named(env, "TCGETS2", errno);
  tio.c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
  tio.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
  tio.c_ospeed = (speed_t)bps;
  tio.c_ispeed = (speed_t)bps;
  if (ioctl(fd, TCSETS2, &tio) != 0) return throw_errno_named(env, "TCSETS2", errno);
  return tty_rate(env, info);
}

/* eqlRequest(op, master, slave, priority): the eql driver's ioctls that the eql package's one
 * tool (eql_enslave) does not make: 'emancipate' (EQL_EMANCIPATE: take a slave out) and
 * 'setslave' (EQL_SETSLAVECFG: a slave's priority, i.e. its line speed in bps). Both go
 * through SIOCDEVPRIVATE on any AF_INET socket, with ifr_name = the master and ifr_data
 * pointing at a slaving_request_t / slave_config_t (<linux/if_eql.h>, drivers/net/eql.c).
 * Needs CAP_NET_ADMIN; eql masters live only in the initial network namespace. Throws an
 * Error whose code is the errno name (ENODEV: no such master or slave; EINVAL: not a slave
 * of this master). */
static napi_value eql_request(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char op[16] = "", master[IFNAMSIZ + 1] = "", slave[IFNAMSIZ + 1] = "";
  size_t len = 0;
  int64_t priority = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], op, sizeof op, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], master, sizeof master, &len) != napi_ok || len == 0 || len >= IFNAMSIZ ||
      napi_get_value_string_utf8(env, argv[2], slave, sizeof slave, &len) != napi_ok || len == 0 || len >= IFNAMSIZ ||
      napi_get_value_int64(env, argv[3], &priority) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "eqlRequest(op, master, slave, priority): bad arguments");
    return NULL;
  }
  unsigned long cmd;
  if (strcmp(op, "emancipate") == 0) cmd = EQL_EMANCIPATE;
  else if (strcmp(op, "setslave") == 0) cmd = EQL_SETSLAVECFG;
  else {
    napi_throw_type_error(env, "EINVAL", "eqlRequest: op is 'emancipate' or 'setslave'");
    return NULL;
  }
  /* slaving_request_t and slave_config_t have the same layout: a name and a long. */
  slaving_request_t request;
  slave_config_t config;
  memset(&request, 0, sizeof request);
  memset(&config, 0, sizeof config);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, master, strlen(master) + 1); /* length checked above: < IFNAMSIZ */
  if (cmd == EQL_EMANCIPATE) {
    memcpy(request.slave_name, slave, strlen(slave) + 1);
    request.priority = (long)priority;
    ifr.ifr_data = (char *)&request;
  } else {
    memcpy(config.slave_name, slave, strlen(slave) + 1);
    config.priority = (long)priority;
    ifr.ifr_data = (char *)&config;
  }
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return throw_errno(env, "eql: socket(AF_INET)", errno);
  int rc = ioctl(sock, cmd, &ifr);
  int err = errno;
  close(sock);
  if (rc != 0) {
    char what[96];
    snprintf(what, sizeof what, "eql %s %s on %s", op, slave, master);
    return throw_errno_named(env, what, err);
  }
  return NULL;
}

/* Fills a sockaddr_un for a notify socket path; '@' at the start names an abstract socket
 * (sd_notify(3): NOTIFY_SOCKET may be either). Returns the address length, or 0 if too long. */
static socklen_t notify_address(const char *path, struct sockaddr_un *addr) {
  size_t len = strlen(path);
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (len == 0 || len >= sizeof addr->sun_path) return 0;
  memcpy(addr->sun_path, path, len);
  if (path[0] == '@') {
    addr->sun_path[0] = '\0';
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  }
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

static int string_arg(napi_env env, napi_value value, char *out, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, out, size, &len) != napi_ok) return -1;
  return len + 1 < size ? (int)len : -1;
}

/* notify(socketPath, text): one datagram to systemd's notification socket (sd_notify(3)),
 * e.g. "READY=1\nSTATUS=3 of 3 links up". Node has no AF_UNIX datagram sockets. Throws an
 * Error whose code is the errno name (ENOENT, ECONNREFUSED: nobody listens there). */
static napi_value notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
  char text[4096];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || string_arg(env, argv[0], path, sizeof path) <= 0 || string_arg(env, argv[1], text, sizeof text) < 0) {
    napi_throw_type_error(env, "EINVAL", "notify(socketPath, text): a socket path and a text under 4 KiB");
    return NULL;
  }
  struct sockaddr_un addr;
  socklen_t addrlen = notify_address(path, &addr);
  if (addrlen == 0) return throw_errno(env, "notify: socket path too long", ENAMETOOLONG);
  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return throw_errno(env, "notify: socket(AF_UNIX, SOCK_DGRAM)", errno);
  ssize_t sent = sendto(sock, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&addr, addrlen);
  int err = errno;
  close(sock);
  if (sent < 0) {
    char what[160];
    snprintf(what, sizeof what, "notify: sendto %s", path);
    return throw_errno_named(env, what, err);
  }
  return NULL;
}

/* notifyListen(socketPath): a bound, non-blocking AF_UNIX datagram socket (its fd), the
 * service manager's end, for tests and for checking a unit's notifications by hand. */
static napi_value notify_listen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || string_arg(env, argv[0], path, sizeof path) <= 0) {
    napi_throw_type_error(env, "EINVAL", "notifyListen(socketPath): a socket path");
    return NULL;
  }
  struct sockaddr_un addr;
  socklen_t addrlen = notify_address(path, &addr);
  if (addrlen == 0) return throw_errno(env, "notifyListen: socket path too long", ENAMETOOLONG);
  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (sock < 0) return throw_errno(env, "notifyListen: socket(AF_UNIX, SOCK_DGRAM)", errno);
  if (bind(sock, (struct sockaddr *)&addr, addrlen) != 0) {
    int err = errno;
    close(sock);
    return throw_errno(env, "notifyListen: bind", err);
  }
  napi_value out;
  napi_create_int32(env, sock, &out);
  return out;
}

/* notifyReceive(fd): the next datagram as a string, or null when none is waiting. */
static napi_value notify_receive(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd < 0) return throw_errno(env, "notifyReceive: bad descriptor argument", EBADF);
  char buf[4097];
  ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
  napi_value out;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_get_null(env, &out);
      return out;
    }
    return throw_errno(env, "notifyReceive: recv", errno);
  }
  napi_create_string_utf8(env, buf, (size_t)n, &out);
  return out;
}

/* closeFd(fd): close(2), for descriptors this helper opened. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd < 0 || close(fd) != 0) return throw_errno(env, "close", fd < 0 ? EBADF : errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"openPty", NULL, open_pty, NULL, NULL, NULL, napi_default, NULL},
    {"dup", NULL, dup_fd, NULL, NULL, NULL, napi_default, NULL},
    {"flush", NULL, flush_fd, NULL, NULL, NULL, napi_default, NULL},
    {"eqlRequest", NULL, eql_request, NULL, NULL, NULL, napi_default, NULL},
    {"notify", NULL, notify, NULL, NULL, NULL, napi_default, NULL},
    {"notifyListen", NULL, notify_listen, NULL, NULL, NULL, napi_default, NULL},
    {"notifyReceive", NULL, notify_receive, NULL, NULL, NULL, napi_default, NULL},
    {"ttyRate", NULL, tty_rate, NULL, NULL, NULL, napi_default, NULL},
    {"setTtyRate", NULL, set_tty_rate, NULL, NULL, NULL, napi_default, NULL},
    {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
