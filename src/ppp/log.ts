/**
 * pppd's log, as it prints it on a descriptor with `logfd 2`: one message per line, no
 * timestamp (utils.c log_write). The parser is pure and knows the pppd 2.4.9 messages that
 * matter to a link supervisor; their format strings are quoted beside each pattern (from
 * main.c, auth.c, lcp.c, fsm.c, ipcp.c, upap.c, chap-new.c, chap_ms.c, eap.c, tty.c).
 * Anything else parses to `undefined`: the raw line is still available (the reader emits
 * every line), and an `other` event would only be noise for consumers to skip.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { LineSplitter } from '../util/index.js';

/** An authentication protocol as pppd names it in its messages. */
export type PppAuthProtocol = 'PAP' | 'CHAP' | 'MS-CHAP' | 'EAP';

/**
 * Who said no (or yes) in an authentication event: the side that checked the other's
 * credentials.
 * - `peer`: the peer judged *our* credentials. `auth-failed` by `peer` means we failed
 *   (wrong user or password): pppd exits 19.
 * - `us`: we judged the *peer* (we asked for `auth`). `auth-failed` by `us` means the peer
 *   failed or refused: pppd exits 11.
 */
export type PppAuthJudge = 'peer' | 'us';

/** One meaningful pppd log line. */
export type PppLogEvent =
  /** "Serial connection established." (tty.c: the connect script or pty command is running). */
  | { type: 'serial-connected' }
  /** "Using interface %s" (main.c set_ifunit). */
  | { type: 'interface'; ifname: string }
  /** "Link attached to %s" (multilink.c mp_join_bundle): this link joined an existing
   * multilink bundle; the bundle's IPCP is already up, so no IP addresses follow. */
  | { type: 'bundle-joined'; ifname: string }
  /** "Connect: %s <--> %s" (auth.c start_link): interface and device, LCP starts. */
  | { type: 'connect'; ifname: string; device: string }
  /** "local  IP address %I" (ipcp.c ipcp_up). */
  | { type: 'local-ip'; address: string }
  /** "remote IP address %I" (ipcp.c ipcp_up): IPCP is up, the link carries IP. */
  | { type: 'remote-ip'; address: string }
  /** "local  LL address %s" (ipv6cp.c ipv6cp_up): our IPv6 link-local address, from the
   * interface identifier IPV6CP settled (llv6_ntoa prints fe80:: and four groups of four). */
  | { type: 'local-ll'; address: string }
  /** "remote LL address %s" (ipv6cp.c ipv6cp_up): IPV6CP is up, the link carries IPv6. */
  | { type: 'remote-ll'; address: string }
  /**
   * "primary   DNS address %I" / "secondary DNS address %I" (ipcp.c ipcp_up, right after
   * the IP addresses): a server the peer offered through IPCP (RFC 1877) because we asked
   * (`usepeerdns`). pppd logs only the ones the peer gave (a zero address is not logged).
   */
  | { type: 'dns'; rank: 'primary' | 'secondary'; address: string }
  /** "Modem hangup" (main.c get_input: the line read end-of-file; exit 16 follows). */
  | { type: 'hangup' }
  /** "No response to %d echo-requests" (lcp.c LcpLinkFailure; exit 15 follows). */
  | { type: 'peer-dead'; missed: number }
  /** "Serial link appears to be disconnected." (lcp.c LcpLinkFailure, after peer-dead). */
  | { type: 'link-disconnected' }
  /** "%s terminated by peer" / "%s terminated by peer (%0.*v)" (fsm.c fsm_rtermreq). */
  | { type: 'terminated-by-peer'; protocol: string; reason?: string }
  /** "Connection terminated." (auth.c link_terminated), or "Link terminated." for one link of a multilink bundle. */
  | { type: 'terminated'; multilink: boolean }
  /** "PAP authentication succeeded", "PAP peer authentication succeeded for %q", ... */
  | { type: 'auth-succeeded'; by: PppAuthJudge; protocol: PppAuthProtocol; peerName?: string; message?: string }
  /**
   * An authentication failure (see PppAuthJudge for `by`). pppd may log one failure on two
   * lines (chap-new.c: "CHAP authentication failed: <message>" then "CHAP authentication
   * failed"), so treat these as idempotent.
   */
  | { type: 'auth-failed'; by: PppAuthJudge; protocol?: PppAuthProtocol; peerName?: string; message?: string }
  /** "Connect time %d.%d minutes." (main.c print_link_stats). */
  | { type: 'connect-time'; minutes: number }
  /** "Sent %u bytes, received %u bytes." (main.c print_link_stats). */
  | { type: 'stats'; sent: number; received: number }
  /** "Terminating on signal %d", or "Hangup (SIGHUP)" as signal 1 (main.c handle_events). */
  | { type: 'signal'; signal: number }
  /**
   * A child of pppd (pty command, connect script) ended: "Child process %s (pid %d)
   * terminated with signal %d", or (with `debug`) "Script %s finished (pid %d), status = 0x%x"
   * (main.c forget_child).
   */
  | { type: 'child-exit'; program: string; pid: number; signal?: number; status?: number };

/** An IPv6 address as `ip` prints it (RFC 5952: lower case, no leading zeros, the longest
 * run of zero groups as ::); pppd zero-pads each group (fe80::0a1b:...). */
export function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** pppd's %q prints a string in double quotes (utils.c vslprintf); take them off. */
function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

const AUTH_PROTOCOL = '(PAP|CHAP|MS-CHAP|EAP)';

type Rule = [RegExp, (m: RegExpExecArray) => PppLogEvent];

/** Checked in order; the first match wins. */
const RULES: readonly Rule[] = [
  [/^Serial connection established\.$/, () => ({ type: 'serial-connected' })],
  [/^Using interface (\S+)$/, (m) => ({ type: 'interface', ifname: m[1]! })],
  [/^Link attached to (\S+)$/, (m) => ({ type: 'bundle-joined', ifname: m[1]! })],
  [/^Connect: (\S+) <--> (.+)$/, (m) => ({ type: 'connect', ifname: m[1]!, device: m[2]! })],
  // Two spaces after "local" in the source, so the addresses line up; accept any.
  [/^local\s+IP address (\d{1,3}(?:\.\d{1,3}){3})$/, (m) => ({ type: 'local-ip', address: m[1]! })],
  [/^remote\s+IP address (\d{1,3}(?:\.\d{1,3}){3})$/, (m) => ({ type: 'remote-ip', address: m[1]! })],
  [/^local\s+LL address (fe80::[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){3})$/i, (m) => ({ type: 'local-ll', address: canonicalIpv6(m[1]!) })],
  [/^remote\s+LL address (fe80::[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){3})$/i, (m) => ({ type: 'remote-ll', address: canonicalIpv6(m[1]!) })],
  // Three spaces after "primary" in the source, to line up with "secondary".
  [/^(primary|secondary)\s+DNS address (\d{1,3}(?:\.\d{1,3}){3})$/, (m) => ({ type: 'dns', rank: m[1] as 'primary' | 'secondary', address: m[2]! })],
  [/^Modem hangup$/, () => ({ type: 'hangup' })],
  [/^No response to (\d+) echo-requests$/, (m) => ({ type: 'peer-dead', missed: Number(m[1]) })],
  [/^Serial link appears to be disconnected\.$/, () => ({ type: 'link-disconnected' })],
  [/^(\S+) terminated by peer(?: \((.*)\))?$/, (m) => (m[2] !== undefined && m[2] !== '' ? { type: 'terminated-by-peer', protocol: m[1]!, reason: m[2] } : { type: 'terminated-by-peer', protocol: m[1]! })],
  [/^Connection terminated\.$/, () => ({ type: 'terminated', multilink: false })],
  [/^Link terminated\.$/, () => ({ type: 'terminated', multilink: true })],

  // We judged the peer (exit 11 on failure).
  [/^PAP peer authentication succeeded for (.*)$/, (m) => ({ type: 'auth-succeeded', by: 'us', protocol: 'PAP', peerName: unquote(m[1]!) })],
  [/^PAP peer authentication failed for (.*)$/, (m) => ({ type: 'auth-failed', by: 'us', protocol: 'PAP', peerName: unquote(m[1]!) })],
  [/^Peer (.*) failed CHAP (?:authentication|Session verification)$/, (m) => ({ type: 'auth-failed', by: 'us', protocol: 'CHAP', peerName: unquote(m[1]!) })],
  [/^(PAP|EAP) authentication of peer failed/, (m) => ({ type: 'auth-failed', by: 'us', protocol: m[1] as PppAuthProtocol })],
  [/^peer refused to authenticate/, () => ({ type: 'auth-failed', by: 'us' })],
  [/^EAP: MSCHAPv2 failure for peer (.*)$/, (m) => ({ type: 'auth-failed', by: 'us', protocol: 'EAP', peerName: unquote(m[1]!) })],

  // The peer judged us (exit 19 on failure).
  [new RegExp(`^${AUTH_PROTOCOL} authentication succeeded(?:: (.*))?$`), (m) => withMessage({ type: 'auth-succeeded', by: 'peer', protocol: m[1] as PppAuthProtocol }, m[2])],
  [new RegExp(`^${AUTH_PROTOCOL} authentication failed(?: due to protocol-reject)?(?:: (.*))?$`, 'i'), (m) => withMessage({ type: 'auth-failed', by: 'peer', protocol: m[1]!.toUpperCase() as PppAuthProtocol }, m[2])],
  [/^EAP: peer reports authentication failure/, () => ({ type: 'auth-failed', by: 'peer', protocol: 'EAP' })],

  [/^Connect time (\d+(?:\.\d+)?) minutes\.$/, (m) => ({ type: 'connect-time', minutes: Number(m[1]) })],
  [/^Sent (\d+) bytes, received (\d+) bytes\.$/, (m) => ({ type: 'stats', sent: Number(m[1]), received: Number(m[2]) })],
  [/^Terminating on signal (\d+)\.?$/, (m) => ({ type: 'signal', signal: Number(m[1]) })],
  [/^Hangup \(SIGHUP\)$/, () => ({ type: 'signal', signal: 1 })],
  [/^Child process (.*) \(pid (\d+)\) terminated with signal (\d+)$/, (m) => ({ type: 'child-exit', program: m[1]!, pid: Number(m[2]), signal: Number(m[3]) })],
  [/^Script (.*) finished \(pid (\d+)\), status = 0x([0-9a-fA-F]+)$/, (m) => ({ type: 'child-exit', program: m[1]!, pid: Number(m[2]), status: parseInt(m[3]!, 16) })],
];

function withMessage<T extends PppLogEvent>(event: T, message: string | undefined): T {
  return message ? { ...event, message } : event;
}

/** A syslog-style prefix (`Nov 23 12:04:56 host pppd[3841]: `), for lines taken from a system log. */
const SYSLOG_PREFIX = /^(?:.*?\s)?pppd\[\d+\]:\s+/;

/**
 * The event a pppd 2.4.9 log line reports, or undefined for a line that reports nothing a
 * supervisor acts on (packet dumps, banners...). Tolerates trailing
 * whitespace and a syslog prefix.
 */
export function parsePppdLogLine(line: string): PppLogEvent | undefined {
  const text = line.trim().replace(SYSLOG_PREFIX, '');
  for (const [pattern, build] of RULES) {
    const match = pattern.exec(text);
    if (match) return build(match);
  }
  return undefined;
}

/** Events of a PppdLogReader. */
export interface PppdLogReaderEvents {
  /** Every non-empty line, as pppd wrote it (without the line end). */
  line: [line: string];
  /** A line that parsed to an event (emitted after its 'line'). */
  log: [event: PppLogEvent];
}

/** Default bound on one line; pppd's own messages are far shorter (its log buffer is 1024 bytes). */
export const DEFAULT_MAX_LINE_LENGTH = 4096;

/**
 * Splits pppd's stderr into lines and parses them. Chunks may split lines (and UTF-8
 * characters) anywhere. A line longer than `maxLineLength` is cut there and the rest of it
 * dropped, so a runaway child writing to pppd's log cannot grow our memory without bound.
 */
export class PppdLogReader extends EventEmitter<PppdLogReaderEvents> {
  private readonly lines: LineSplitter;

  constructor(options: { maxLineLength?: number } = {}) {
    super();
    this.lines = new LineSplitter(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  }

  /** Feeds a chunk of pppd's output. */
  push(chunk: Buffer | string): void {
    for (const event of this.lines.push(chunk)) this.emitLine(event.type === 'line' ? event.line : event.cut);
  }

  /** The output ended: a last line without a newline still counts. */
  end(): void {
    for (const event of this.lines.end()) this.emitLine(event.type === 'line' ? event.line : event.cut);
  }

  /** Reads a stream to its end (data -> push, end/close -> end). */
  attach(stream: Readable): this {
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      this.end();
    };
    stream.on('data', (chunk: Buffer | string) => this.push(chunk));
    stream.once('end', finish);
    stream.once('close', finish);
    return this;
  }

  private emitLine(line: string): void {
    if (!line.trim()) return;
    this.emit('line', line);
    const event = parsePppdLogLine(line);
    if (event) this.emit('log', event);
  }
}
