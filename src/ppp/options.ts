/**
 * The pppd command line for one link, built from typed options (pure: validates and
 * returns an argv, never spawns). Every value is checked before it becomes an argument;
 * a bad one throws PPP_OPTIONS naming the field. No password ever goes into the argv
 * (it would show in `ps` and /proc/PID/cmdline): it travels in a 0600 options file
 * (`optionsFile`, written by writePppSecretsFile) that pppd reads with `file PATH`.
 *
 * Option names and meanings: pppd(8), pppd 2.4.9.
 */
import { DialbondError } from '../errors/index.js';
import { shellJoin } from './shell.js';
import { INTERFACE_NAME_RULE, isInterfaceName } from '../sys/ifname.js';
import { isLinkName } from './link-name.js';

/** Options for one pppd. */
export interface PppdOptions {
  /** The link's name ([a-zA-Z0-9_.-], 1..15): pppd `linkname` and `ipparam`, so ip-up/ip-down hooks know the link. */
  linkName: string;
  /** Ask for this ppp unit, i.e. interface pppN (0..999). */
  unit?: number;
  /** Name the interface (pppd 2.4.9 `ifname`; Linux interface name rules, at most 15 characters). */
  ifname?: string;
  /** The serial device. Omitted: pppd uses its standard input, the line dialbond handed over. */
  device?: string;
  /** Line speed for a named device. */
  baudRate?: number;
  /** Pty links: argv of a command speaking PPP on its stdio, e.g. ['ssh','-q','-t','user@host','slirp','-1','0'] or ['slirp-fullbolt','ppp']. */
  ptyCommand?: string[];
  /** Our IPv4 address; omitted: the peer assigns one (`noipdefault`). */
  localIp?: string;
  /** The peer's IPv4 address. */
  remoteIp?: string;
  /** IPv6 over the link: `+ipv6` (IPV6CP negotiates interface identifiers; pppd puts the
   * link-local addresses on the interface, SLAAC does the rest), or `noipv6` when false, so
   * that a system options file cannot turn it on. Omitted: nothing said. */
  ipv6?: boolean;
  /** 128..16384. */
  mtu?: number;
  /** 128..16384. */
  mru?: number;
  /** Seconds between LCP echo requests (default 10). */
  lcpEchoInterval?: number;
  /** Unanswered echo requests before pppd declares the peer dead and exits 15 (default 6). */
  lcpEchoFailure?: number;
  /** Multilink PPP (RFC 1990); `endpoint` is pppd's endpoint discriminator, e.g. `IP:192.0.2.1`, `magic:0a0b0c0d`. */
  multilink?: { endpoint?: string };
  /** Require the peer to authenticate itself (`auth`). Default false: `noauth`. */
  requirePeerAuth?: boolean;
  /** Our name for PAP/CHAP (`user`). */
  user?: string;
  /** Absolute path of the 0600 options file holding the password (see writePppSecretsFile). */
  optionsFile?: string;
  /** true: `modem` (pppd watches DCD: a carrier drop hangs the tty up and pppd ends, "Modem
   * hangup"); false: `local` (a pty, which has no DCD, or a modem that does not raise it).
   * Default: true for a named device, false for ptys and handed-over lines. */
  modemControl?: boolean;
  /** RTS/CTS flow control: `crtscts`, or `nocrtscts` when false. Default: as modemControl
   * (and nothing said for a local line). */
  hardwareFlow?: boolean;
  /**
   * Ask the peer for its DNS servers (`usepeerdns`, RFC 1877): pppd logs them, exports
   * DNS1/DNS2 to ip-up and writes /etc/ppp/resolv.conf; it never touches /etc/resolv.conf
   * itself (dialbond's resolver handling does, src/dns).
   */
  usePeerDns?: boolean;
  /**
   * The script pppd runs when IPCP comes up instead of /etc/ppp/ip-up (`ip-up-script`, a
   * privileged option: root only). dialbond gives its own with usePeerDns, so that a
   * distribution's ip-up hook does not rewrite /etc/resolv.conf behind dialbond's back.
   */
  ipUpScript?: string;
  /** More pppd options, passed as they are after a check that none undoes the ones above (see REFUSED_EXTRA_OPTIONS). */
  extra?: string[];
}

/** Default seconds between LCP echo requests. */
export const DEFAULT_LCP_ECHO_INTERVAL = 10;
/** Default unanswered LCP echoes before the peer counts as dead. */
export const DEFAULT_LCP_ECHO_FAILURE = 6;

/**
 * Options `extra` may not contain, and why. A word equal to one of these is refused
 * wherever it appears in `extra` (pppd's option arity is not modelled, so a refused
 * name used as another option's value is refused too: safe, and never needed).
 */
export const REFUSED_EXTRA_OPTIONS: Readonly<Record<string, string>> = {
  password: 'a password on the command line is visible to every user (ps, /proc/PID/cmdline); use optionsFile',
  'show-password': 'pppd would log PAP passwords in its packet dumps',
  '+ua': 'reads credentials from a file outside dialbond\'s 0600 secrets file; use optionsFile',
  passwordfd: 'dialbond passes the password through optionsFile',
  passprompt: 'dialbond passes the password through optionsFile',
  record: 'records raw PPP traffic, including a PAP Authenticate-Request with the plaintext password',
  detach: 'pppd must stay in the foreground (nodetach) so dialbond owns the process and its exit status',
  updetach: 'pppd must stay in the foreground (nodetach) so dialbond owns the process and its exit status',
  logfile: 'dialbond reads pppd\'s log on stderr (logfd 2)',
  logfd: 'dialbond reads pppd\'s log on stderr (logfd 2)',
  nologfd: 'dialbond reads pppd\'s log on stderr (logfd 2)',
  connect: 'pppd runs it through /bin/sh -c: no shell strings from configuration (dialbond dials the modem itself)',
  init: 'pppd runs it through /bin/sh -c: no shell strings from configuration',
  disconnect: 'pppd runs it through /bin/sh -c: no shell strings from configuration',
  welcome: 'pppd runs it through /bin/sh -c: no shell strings from configuration',
  pty: 'use ptyCommand, which is quoted safely',
  socket: 'the channel is chosen by device or ptyCommand',
  notty: 'the channel is chosen by device or ptyCommand',
  file: 'an options file could hold any refused option; secrets go through optionsFile',
  call: 'a peers file could hold any refused option',
  linkname: 'set from linkName; ip-up/ip-down hooks identify the link by it',
  ipparam: 'set from linkName; ip-up/ip-down hooks identify the link by it',
  persist: 'pppd would redial by itself and hide the drop from the supervisor',
  demand: 'pppd would hold the link by itself and hide the drop from the supervisor',
  '+ipv6': 'set from the ipv6 setting, which also readies the interface for router advertisements',
  '-ipv6': 'set from the ipv6 setting',
  noipv6: 'set from the ipv6 setting',
  usepeerdns: 'set from the top-level dns setting ("dns: peer"), which hands the servers to the resolver and takes them back',
};

/** Options naming another secrets file (pap-secrets, chap-secrets, srp-secrets...). */
const SECRETS_OPTION = /secrets$/i;

/** Strict dotted quad. Leading zeros are refused: pppd parses addresses with inet_addr(3), which reads 010 as octal 8. */
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** pppd(8) "endpoint <epdisc>": null, or local/IP/MAC/magic/phone with a value. */
const ENDPOINT = /^(?:null|(?:local|IP|MAC|magic|phone):[\x21-\x7e]{1,40})$/i;
/** C0 controls and DEL: never meaningful in an option, and a newline would split a log line. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function fail(field: string, expected: string, value?: unknown): never {
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)})`;
  throw new DialbondError('PPP_OPTIONS', `pppd options: ${field}: ${expected}${shown}`, { field });
}

function checkInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `expected an integer from ${min} to ${max}`, value);
  return value;
}

function checkText(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) fail(field, `expected a non-empty string of at most ${maxLength} characters`, value);
  if (CONTROL.test(value)) fail(field, 'must not contain control characters (newline, tab, NUL...)');
  return value;
}

function checkPath(field: string, value: unknown): string {
  const path = checkText(field, value, 4095);
  if (!path.startsWith('/')) fail(field, 'expected an absolute path', value);
  return path;
}

/** Checks `extra`, naming the first refused option. */
function checkExtra(extra: unknown): string[] {
  if (!Array.isArray(extra)) fail('extra', 'expected a list of pppd options');
  return extra.map((word: unknown, i) => {
    const field = `extra[${i}]`;
    if (typeof word !== 'string' || word.length === 0) fail(field, 'expected a non-empty string', word);
    if (CONTROL.test(word)) fail(field, 'must not contain control characters');
    const name = word.split('=', 1)[0] as string;
    const why = Object.hasOwn(REFUSED_EXTRA_OPTIONS, name) ? REFUSED_EXTRA_OPTIONS[name] : SECRETS_OPTION.test(name) ? 'points pppd at another secrets file; use optionsFile' : undefined;
    // Never echo the word's value: after "password" it could be the secret itself.
    if (why) throw new DialbondError('PPP_OPTIONS', `pppd options: ${field}: option "${name}" is not allowed: ${why}`, { field, option: name });
    return word;
  });
}

/**
 * The pppd argv for a link (without the program name). Always: `nodetach`, `linkname` and
 * `ipparam` (the link's name), `logfd 2` (the runner reads the log on stderr), `novj
 * novjccomp` (VJ header compression keeps per-link state that breaks when packets of one
 * flow are spread over several links), `nodeflate nobsdcomp`, `nodefaultroute` (routes are
 * the bundle's job), `nopersist` (a system options file saying `persist` would make pppd
 * redial by itself and hide the drop from the supervisor), LCP echoes, and `nolock` when no
 * device is named (dialbond holds the UUCP lock on a handed-over line itself).
 *
 * @throws DialbondError PPP_OPTIONS naming the field, for any invalid or refused value.
 */
export function buildPppdArgs(options: PppdOptions): string[] {
  const linkName = options.linkName;
  if (!isLinkName(linkName)) fail('linkName', 'expected 1..15 of [a-zA-Z0-9_.-]', linkName);

  const args: string[] = [];

  // The channel: a pty command, a named device, or (neither) pppd's standard input.
  const pty = options.ptyCommand;
  if (pty !== undefined) {
    if (options.device !== undefined) fail('device', 'a pty link has no device (pppd(8): "An explicit device name may not be given if this option is used")');
    if (!Array.isArray(pty) || pty.length === 0) fail('ptyCommand', 'expected a non-empty argv list');
    pty.forEach((word: unknown, i) => {
      if (typeof word !== 'string') fail(`ptyCommand[${i}]`, 'expected a string', word);
      if (CONTROL.test(word)) fail(`ptyCommand[${i}]`, 'must not contain control characters');
    });
    if (pty[0] === '') fail('ptyCommand[0]', 'expected a command name');
    // pppd hands this string to /bin/sh -c: every word single-quoted (see shell.ts).
    args.push('pty', shellJoin(pty));
  } else if (options.device !== undefined) {
    args.push(checkPath('device', options.device));
  }
  if (options.baudRate !== undefined) {
    // A named device or the handed-over line on stdin has a speed; a pty has none.
    if (pty !== undefined) fail('baudRate', 'a pty link has no line speed');
    args.push(String(checkInt('baudRate', options.baudRate, 50, 4_000_000)));
  }

  const modemControl = options.modemControl ?? (options.device !== undefined && pty === undefined);
  if (typeof modemControl !== 'boolean') fail('modemControl', 'expected true or false', modemControl);
  // modem: watch DCD, drop DTR to hang up; local: ignore the control lines (a pty, or a
  // modem that does not raise DCD).
  args.push(modemControl ? 'modem' : 'local');
  const hardwareFlow = options.hardwareFlow ?? (modemControl ? true : undefined);
  if (hardwareFlow !== undefined && typeof hardwareFlow !== 'boolean') fail('hardwareFlow', 'expected true or false', hardwareFlow);
  if (hardwareFlow !== undefined) args.push(hardwareFlow ? 'crtscts' : 'nocrtscts');
  if (options.device === undefined) args.push('nolock');

  args.push('nodetach', 'nopersist', 'linkname', linkName, 'ipparam', linkName, 'logfd', '2');

  if (options.unit !== undefined) args.push('unit', String(checkInt('unit', options.unit, 0, 999)));
  if (options.ifname !== undefined) {
    if (!isInterfaceName(options.ifname)) fail('ifname', `expected a Linux interface name: ${INTERFACE_NAME_RULE}`, options.ifname);
    args.push('ifname', options.ifname);
  }

  // Addresses: "local:remote" is one word (pppd(8) "<local_IP_address>:<remote_IP_address>").
  const { localIp, remoteIp } = options;
  if (localIp !== undefined && (typeof localIp !== 'string' || !IPV4.test(localIp))) fail('localIp', 'expected an IPv4 address like 192.0.2.1', localIp);
  if (remoteIp !== undefined && (typeof remoteIp !== 'string' || !IPV4.test(remoteIp))) fail('remoteIp', 'expected an IPv4 address like 192.0.2.1', remoteIp);
  if (localIp === undefined) args.push('noipdefault');
  if (localIp !== undefined || remoteIp !== undefined) args.push(`${localIp ?? ''}:${remoteIp ?? ''}`);
  args.push('nodefaultroute');
  if (options.ipv6 !== undefined) {
    if (typeof options.ipv6 !== 'boolean') fail('ipv6', 'expected true or false', options.ipv6);
    args.push(options.ipv6 ? '+ipv6' : 'noipv6');
  }

  if (options.mtu !== undefined) args.push('mtu', String(checkInt('mtu', options.mtu, 128, 16384)));
  if (options.mru !== undefined) args.push('mru', String(checkInt('mru', options.mru, 128, 16384)));

  args.push('novj', 'novjccomp', 'nodeflate', 'nobsdcomp');
  const usePeerDns = options.usePeerDns ?? false;
  if (typeof usePeerDns !== 'boolean') fail('usePeerDns', 'expected true or false', usePeerDns);
  if (usePeerDns) args.push('usepeerdns');
  if (options.ipUpScript !== undefined) args.push('ip-up-script', checkPath('ipUpScript', options.ipUpScript));
  args.push('lcp-echo-interval', String(checkInt('lcpEchoInterval', options.lcpEchoInterval ?? DEFAULT_LCP_ECHO_INTERVAL, 1, 3600)));
  args.push('lcp-echo-failure', String(checkInt('lcpEchoFailure', options.lcpEchoFailure ?? DEFAULT_LCP_ECHO_FAILURE, 1, 1000)));

  if (options.multilink !== undefined) {
    if (typeof options.multilink !== 'object' || options.multilink === null) fail('multilink', 'expected an object');
    args.push('multilink');
    const endpoint = options.multilink.endpoint;
    if (endpoint !== undefined) {
      if (typeof endpoint !== 'string' || !ENDPOINT.test(endpoint)) fail('multilink.endpoint', 'expected null or local:/IP:/MAC:/magic:/phone: with a value', endpoint);
      args.push('endpoint', endpoint);
    }
  }

  const requirePeerAuth = options.requirePeerAuth ?? false;
  if (typeof requirePeerAuth !== 'boolean') fail('requirePeerAuth', 'expected true or false', requirePeerAuth);
  args.push(requirePeerAuth ? 'auth' : 'noauth');
  // The secrets file first, so an explicit `user` below has the last word (pppd applies
  // options in order, and `file` is applied where it stands).
  if (options.optionsFile !== undefined) args.push('file', checkPath('optionsFile', options.optionsFile));
  if (options.user !== undefined) args.push('user', checkText('user', options.user, 255));

  if (options.extra !== undefined) args.push(...checkExtra(options.extra));
  return args;
}
