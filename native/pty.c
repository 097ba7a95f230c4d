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
#include <sys/socket.h>
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
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    const char *name = strerrorname_np(err);
    napi_value code, message, error;
    napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &error);
    napi_throw(env, error);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"openPty", NULL, open_pty, NULL, NULL, NULL, napi_default, NULL},
    {"dup", NULL, dup_fd, NULL, NULL, NULL, napi_default, NULL},
    {"flush", NULL, flush_fd, NULL, NULL, NULL, napi_default, NULL},
    {"eqlRequest", NULL, eql_request, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
