/**
 * dialbond's one error vocabulary: every code that can reach a user, grouped by area (the
 * prefix before the first underscore), with what to do about it and whether trying again
 * without changing anything may help. That one flag is also what a link does: a retryable
 * reason is redialed after its back-off, any other parks the link until someone acts
 * (`dialbond up LINK`), so no redial storm hammers a wrong password or a missing driver.
 */

interface CodeSpec {
  /** Trying again later, unchanged, may succeed (a busy line) or not (a bad profile). A
   * link redials after a retryable reason and parks after any other. */
  retryable: boolean;
  /** What to do about it, for the user who reads the code. */
  hint: string;
  /** The device is not there (a USB modem unplugged or resetting): a link waits for it to
   * come back, watching for it, and dials as soon as it is; it is never parked for that. */
  awaitsDevice?: true;
}

const retry = (hint: string): CodeSpec => ({ retryable: true, hint });
const park = (hint: string): CodeSpec => ({ retryable: false, hint });
const awaitDevice = (hint: string): CodeSpec => ({ retryable: true, awaitsDevice: true, hint });

export const ERROR_CODES = {
  // Hayes codec: what a modem said or what we were asked to send.
  HAYES_BAD_DIAL_STRING: park('fix the number: digits, * # + and the dial modifiers , W P T ! @ only'),
  HAYES_BAD_COMMAND: park("fix the profile's command: it must start with AT and hold no line end"),
  HAYES_LINE_TOO_LONG: park("shorten the profile's command, or split it over several init lines"),

  // The modem and its port.
  MODEM_NO_DEVICE: awaitDevice('check the device path (ls /dev/tty*), the cable, or that the USB modem is plugged in; a link waits for it'),
  /** The path is not a serial port (a regular file, /dev/null, a directory). */
  MODEM_NOT_SERIAL: park('give the path of a serial port (/dev/ttyS0, /dev/ttyUSB0, /dev/ttyACM0)'),
  MODEM_PERMISSION: park('run as root or add the user to the dialout group'),
  MODEM_LOCKED: retry('another program has the port (its UUCP lock names it); stop it or wait'),
  /** Open in another program that took no UUCP lock (ModemManager, a terminal, a getty). */
  MODEM_IN_USE: retry('another program has the port open without a lock (the message names it): stop it; for ModemManager install the rule "dialbond udev-rules" prints'),
  MODEM_LOCK_FAILED: park('make the lock directory (/var/lock) writable for dialbond'),
  MODEM_OPEN_FAILED: retry('check that nothing else holds the port and the device works'),
  MODEM_IO: retry('the port failed mid-call: check the cable or the USB connection'),
  MODEM_VANISHED: awaitDevice('the device went away: check the cable or that the USB modem is still plugged in; a link waits for it to come back'),
  MODEM_NO_RESPONSE: retry("check power, cable and baud rate (the profile's baudRate)"),
  MODEM_INIT_FAILED: park("the modem refused a reset or init command: fix the profile's init for this modem"),
  MODEM_CHECK_FAILED: park('a check before dialing failed (SIM missing or locked, no signal): see the message'),
  MODEM_DIAL_FAILED: retry('busy, no carrier, no answer or no dial tone: the link redials by itself'),
  MODEM_LOGIN_FAILED: park('the terminal server refused the login or never prompted: check user, password and the login chat'),
  MODEM_TIMEOUT: retry('the modem gave no result to the dial in time: the link redials by itself'),
  MODEM_ABORTED: retry('the dial was interrupted (Ctrl-C, stop); dial again when wanted'),

  // pppd: its arguments, its secrets file, the process and how it ended (pppd(8) EXIT STATUS).
  PPP_OPTIONS: park('fix the pppd settings named in the message'),
  PPP_NOT_FOUND: park('install pppd (Debian: apt-get install ppp)'),
  PPP_START_FAILED: retry('pppd could not be started; see the message'),
  PPP_SECRETS: park("make dialbond's run directory a private directory it can write (0700)"),
  PPP_OK: retry('pppd ended normally (the peer closed the link); the link redials'),
  PPP_FATAL_ERROR: park("pppd hit a fatal error (a system call failed); see pppd's log lines"),
  PPP_OPTIONS_ERROR: park("pppd refused its options: see pppd's log lines and the link's ppp settings"),
  PPP_NOT_ROOT: park('run dialbond as root (pppd needs it to make ppp interfaces)'),
  PPP_NO_KERNEL_SUPPORT: park('load the ppp_generic and ppp_async kernel modules (modprobe ppp_async)'),
  PPP_USER_REQUEST: retry('pppd was signalled to stop; the link redials unless it was stopped'),
  PPP_LOCK_FAILED: retry('pppd could not lock the port: another program holds it'),
  PPP_OPEN_FAILED: retry('pppd could not open the port'),
  PPP_CONNECT_FAILED: retry('the connect script failed; the link redials'),
  PPP_PTY_COMMAND_FAILED: retry("the link's command could not run or ended: check it by hand (ssh keys, slirp path)"),
  PPP_NEGOTIATION_FAILED: retry('LCP or IPCP did not come up: check the peer and the ppp settings'),
  PPP_NEGOTIATION_TIMEOUT: retry('pppd did not bring the link up in time; the link redials'),
  PPP_PEER_AUTH_FAILED: park('the peer failed to authenticate itself: check the auth settings'),
  PPP_IDLE_TIMEOUT: retry('the link was idle for its idle limit; it comes back on demand or redials'),
  PPP_CONNECT_TIME: retry('the connect-time limit was reached; the link redials'),
  PPP_CALLBACK: retry('callback was negotiated; the call comes back from the peer'),
  PPP_PEER_DEAD: retry('the peer stopped answering LCP echo requests; the link redials'),
  PPP_HANGUP: retry('the modem hung up (carrier lost); the link redials'),
  PPP_LOOPBACK: retry('the line loops back to itself: check the modem and the number'),
  PPP_INIT_FAILED: retry('the init script failed; the link redials'),
  PPP_AUTH_TO_PEER_FAILED: park('the peer refused our PAP or CHAP login: check the user and password file'),
  PPP_TRAFFIC_LIMIT: retry('the traffic limit (maxoctets) was reached; the link redials'),
  PPP_CNID_AUTH_FAILED: park('the peer did not accept our calling number'),
  PPP_KILLED: retry('pppd was killed by a signal; the link redials'),
  PPP_UNKNOWN: retry('pppd ended without a status dialbond knows; see its log lines'),

  // Dialer profiles and configuration files.
  PROFILE_NOT_FOUND: park('name a profile that exists (dialbond profiles lists them) or a profile file'),
  PROFILE_INVALID: park('fix the profile field the message names'),
  CONFIG_INVALID: park('fix the configuration field the message names (dialbond config check FILE)'),
  CONFIG_UNREADABLE: park('check the configuration file path and its permissions'),
  SECRET_UNREADABLE: park('check the password file: it must exist, be readable by dialbond and not be readable by others'),

  // The simulator.
  SIM_SCENARIO_INVALID: park('fix the scenario field the message names'),
  SIM_PTY_FAILED: park('the simulator could not make a pseudo-terminal: check /dev/ptmx and the native helper build'),

  // System commands (ip, tc, nft, sysctl, eql_enslave) and bundles.
  SYS_COMMAND_FAILED: retry('a system command failed; the message has its output'),
  SYS_NOT_FOUND: park('install the missing command (iproute2, nftables, eql)'),
  BUNDLE_INVALID: park('fix the bundle settings the message names'),
  BUNDLE_FAILED: retry('the bundle could not take the change; see the message'),

  // The router's resolver (DNS servers while the bundle is up).
  DNS_FAILED: retry("the resolver could not be changed or given back; see the message and the router's resolver"),

  // The lab: a real kernel in QEMU for end-to-end tests.
  LAB_MISSING_PACKAGES: park('install the Debian packages the message names (as root: dialbond lab prepare)'),
  LAB_KERNEL_FETCH: retry('the lab kernel package could not be fetched: run apt-get update and try again'),
  LAB_BOOT_FAILED: retry("the lab VM did not boot; the message has QEMU's last lines"),
  LAB_TIMEOUT: retry('the lab run outlasted its --timeout'),
  LAB_INTERRUPTED: retry('the lab run was interrupted'),

  // Links, as the supervisor keeps them.
  LINK_UNKNOWN: park('name a configured link (dialbond links lists them)'),
  LINK_HUNG_UP: park('hung up on request: dialbond up LINK brings it back'),
  LINK_PROBE_FAILED: retry('the health probe through the link went unanswered; the link redials'),
  LINK_STARVING: retry('the link carried no traffic while others did; it is redialed'),
  /** The modem asked not to be dialed yet (DELAYED); a dial now needs force. */
  LINK_HOLD_OFF: retry('the modem refuses the number for now (DELAYED): it is redialed when the hold-off ends, or now with up --force'),
  /** The modem refuses the number until it is power-cycled (BLACKLISTED). */
  LINK_BLACKLISTED: park('the modem refuses the number until it is power-cycled (BLACKLISTED): power-cycle it, then dialbond up LINK'),
  /** Something in dialbond itself went wrong while running a link. */
  LINK_FAILED: retry('an unexpected error in the link; it is redialed (please report it with the log)'),

  // The supervisor daemon and its control socket.
  DAEMON_RUNNING: park('another dialbond daemon runs with this control socket: stop it first'),
  DAEMON_STATE: retry('the daemon is starting or stopping; try again in a moment'),
  CONTROL_BAD_REQUEST: park('the request does not match the control protocol; see the message'),
  CONTROL_TOO_LARGE: park('the request line is too long for the control protocol'),
  CONTROL_UNKNOWN_COMMAND: park('use a command the daemon knows (dialbond --help)'),
  CONTROL_VERSION: park('the client and the daemon speak different protocol versions: use one dialbond for both'),
  CONTROL_UNAVAILABLE: retry('no daemon answers on the control socket: start it (dialbond daemon) or check --socket'),
  CONTROL_FAILED: retry('the daemon could not carry out the request; see the message'),

  // Command-line usage.
  CLI_USAGE: park('see dialbond COMMAND --help'),
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The area of a code: `MODEM_LOCKED` -> `MODEM`. */
export type ErrorArea = ErrorCode extends `${infer A}_${string}` ? A : never;

/** Whether `value` names a registered code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Whether trying again later, unchanged, may help; for a link, redial (true) or park. */
export function isRetryableCode(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/** Whether `code` says the device is missing: a link waits for it instead of redialing. */
export function awaitsDevice(code: ErrorCode): boolean {
  return (ERROR_CODES[code] as CodeSpec).awaitsDevice === true;
}

/** What to do about `code`. */
export function hintFor(code: ErrorCode): string {
  return ERROR_CODES[code].hint;
}

/** The area prefix of a code, e.g. `MODEM`. */
export function areaOf(code: ErrorCode): ErrorArea {
  return code.slice(0, code.indexOf('_')) as ErrorArea;
}
