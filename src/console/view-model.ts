/**
 * What the console shows, computed from what the daemon says: a row per link, the
 * balance bar across all bundled links (xeqlinfo's two-colour bar, for any number of
 * lines), a throughput history per link drawn as a sparkline, and the event log lines.
 * Pure: statuses and times in, strings out; the blessed screen only places them.
 */
import { formatDurationShort, formatEvent, formatRate, nextDialText, transcriptLine } from '../query/index.js';
import type { SupervisedLinkDetail, SupervisedLinkStatus, SupervisorEvent, SupervisorStatus } from '../supervisor/index.js';

/** How many rate samples each link keeps for its sparkline. */
export const HISTORY = 30;
const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** For terminals that are not UTF-8 (LANG=C over a serial console). */
const ASCII_SPARKS = ['_', '.', ':', '-', '=', '+', '*', '#'];

/** Whether the terminal speaks UTF-8, by the locale (what ncurses and tmux go by too). */
export function utf8Terminal(env: NodeJS.ProcessEnv = process.env): boolean {
  return /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '');
}

export interface LinkRates {
  rxBps: number;
  txBps: number;
  /** Total (rx + tx) bits per second, oldest first, at most HISTORY. */
  history: number[];
}

/** Keeps each link's counters between status readings and turns them into rates. */
export class RateTracker {
  private readonly last = new Map<string, { rx: number; tx: number; atMs: number }>();
  private readonly rates = new Map<string, LinkRates>();

  /** Takes the counters of a status read at `atMs`. */
  update(status: SupervisorStatus, atMs: number): void {
    for (const link of status.bundle?.links ?? []) {
      if (!link.counters) continue;
      const before = this.last.get(link.name);
      this.last.set(link.name, { rx: link.counters.rxBytes, tx: link.counters.txBytes, atMs });
      if (!before || atMs <= before.atMs) continue;
      const seconds = (atMs - before.atMs) / 1000;
      // A redial starts the interface's counters again from zero.
      const rxBps = (Math.max(0, link.counters.rxBytes - before.rx) * 8) / seconds;
      const txBps = (Math.max(0, link.counters.txBytes - before.tx) * 8) / seconds;
      const history = [...(this.rates.get(link.name)?.history ?? []), rxBps + txBps].slice(-HISTORY);
      this.rates.set(link.name, { rxBps, txBps, history });
    }
  }

  get(name: string): LinkRates | undefined {
    return this.rates.get(name);
  }
}

/** A sparkline of `values` scaled to the largest (or to `max`). */
export function sparkline(values: number[], width = HISTORY, max?: number, unicode = true): string {
  const top = max ?? Math.max(0, ...values);
  const marks = unicode ? SPARKS : ASCII_SPARKS;
  const cells = values.slice(-width).map((v) => (top > 0 ? marks[Math.min(marks.length - 1, Math.floor((v / top) * marks.length))]! : marks[0]!));
  return cells.join('').padStart(width, ' ');
}

export interface BalanceSegment {
  name: string;
  /** Cells of the bar this link fills. */
  cells: number;
  share: number;
}

/** The balance bar: each bundled link's share of the bundle's current traffic, in `width` cells. */
export function balance(names: string[], rates: (name: string) => LinkRates | undefined, width: number): BalanceSegment[] {
  const totals = names.map((name) => {
    const r = rates(name);
    return r ? r.rxBps + r.txBps : 0;
  });
  const sum = totals.reduce((a, b) => a + b, 0);
  if (sum === 0) return names.map((name) => ({ name, cells: 0, share: 0 }));
  // Largest remainders, so the cells add up to the width exactly.
  const exact = totals.map((t) => (t / sum) * width);
  const cells = exact.map(Math.floor);
  let left = width - cells.reduce((a, b) => a + b, 0);
  for (const i of exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i)) {
    if (left-- <= 0) break;
    cells[i] = (cells[i] ?? 0) + 1;
  }
  return names.map((name, i) => ({ name, cells: cells[i] ?? 0, share: (totals[i] ?? 0) / sum }));
}

export interface LinkRow {
  name: string;
  /** "up", "backoff", ... with "*" when kept out of the bundle on request. */
  state: string;
  reason: string;
  where: string;
  speed: string;
  ifname: string;
  addresses: string;
  uptime: string;
  rx: string;
  tx: string;
  dials: string;
  spark: string;
  bundled: boolean;
}

/** Where a link goes: its device and number for a modem, its command for a pty link. */
export interface LinkPlace {
  where: string;
}

/** The rows of the link table. `places` comes from the configuration the daemon runs. */
export function linkRows(status: SupervisorStatus, rates: (name: string) => LinkRates | undefined, nowMs: number, places: Record<string, string> = {}, unicode = true): LinkRow[] {
  return status.links.map((l) => {
    const r = rates(l.name);
    return {
      name: l.name,
      state: `${l.state}${l.heldOut ? '*' : ''}`,
      reason: l.reason ? `${l.reason.code}: ${l.reason.message}` : '',
      where: places[l.name] ?? l.where,
      speed: l.speed !== null ? String(l.speed) : '-',
      ifname: l.ifname ?? '-',
      addresses: l.localIp ? `${l.localIp}-${l.remoteIp ?? '?'}` : '-',
      uptime: l.state === 'up' ? formatDurationShort(nowMs - l.since) : '-',
      rx: r && l.state === 'up' ? formatRate(r.rxBps) : '-',
      tx: r && l.state === 'up' ? formatRate(r.txBps) : '-',
      dials: String(l.dials),
      // scaled to what the line can carry both ways, so lines compare at a glance
      spark: r ? sparkline(r.history, 12, Math.max(2 * (l.speed ?? 0), ...r.history), unicode) : ' '.repeat(12),
      bundled: l.bundled,
    };
  });
}

/** kbit/s with one decimal, for the table's narrow rate columns. */
function kbps(text: string, bps: number | undefined): string {
  return bps === undefined || text === '-' ? '-' : (bps / 1000).toFixed(1);
}

/** The columns: name, width, and whether they align right. 73 characters with their gaps. */
const COLUMNS: Array<[string, number, boolean]> = [
  ['link', 8, false],
  ['state', 10, false],
  ['iface', 6, false],
  ['speed', 6, false],
  ['up', 6, false],
  ['rx kb/s', 7, true],
  ['tx kb/s', 7, true],
  ['history', 12, false],
  ['dl', 3, true],
];

function line(cells: string[], width: number): string {
  return COLUMNS.map(([, w, right], i) => {
    const c = (cells[i] ?? '').slice(0, w);
    return right ? c.padStart(w) : c.padEnd(w);
  })
    .join(' ')
    .slice(0, width)
    .trimEnd();
}

/** One row as a line of the table, fitted to `width` columns (the table fits 80 over SSH). */
export function rowLine(row: LinkRow, width: number, rates?: LinkRates): string {
  return line([row.name, row.state, row.ifname, row.speed, row.uptime, kbps(row.rx, rates?.rxBps), kbps(row.tx, rates?.txBps), row.spark, row.dials], width);
}

/** A row's second line: where the link goes, its addresses, and why it is not up. */
export function placeLine(row: LinkRow, width: number): string {
  return `  ${[row.where, row.addresses === '-' ? '' : row.addresses, row.reason].filter((p) => p !== '').join('  ')}`.slice(0, width);
}

/** The first row to show so that `selected` (each row two lines) fits in `lines` lines. */
export function firstVisible(selected: number, rows: number, lines: number): number {
  const fit = Math.max(1, Math.floor(lines / 2));
  return Math.max(0, Math.min(selected - fit + 1 > 0 ? selected - fit + 1 : 0, rows - fit));
}

export function headerLine(width: number): string {
  return line(COLUMNS.map(([name]) => name), width);
}

/** The line under the balance bar: the selected link's call and counts, or, while it
 * waits, when it dials next and why (a modem's DELAYED hold-off, or parked). */
export function selectedLine(l: SupervisedLinkStatus, nowMs = Date.now()): string {
  const counts = `${l.dials} dial${l.dials === 1 ? '' : 's'}, ${l.drops} drop${l.drops === 1 ? '' : 's'}, ${l.failures} failure${l.failures === 1 ? '' : 's'} in a row`;
  if (l.state === 'backoff' && l.nextDialAtMs) {
    return ` ${l.name}: next dial ${nextDialText(l.nextDialAtMs, nowMs)}${l.reason?.holdOff === 'delayed' ? ', the modem said DELAYED' : ''}; ${counts}`;
  }
  if (l.state === 'waiting') return ` ${l.name}: waiting for its device (${l.reason?.code ?? 'missing'}): dials as soon as it is back; ${counts}`;
  if (l.state === 'parked' && l.reason?.holdOff === 'blacklisted') return ` ${l.name}: parked, the modem said BLACKLISTED: d dials again; ${counts}`;
  const call = l.connect ? `${l.connect}${l.connectMs !== null ? ` after ${(l.connectMs / 1000).toFixed(1)} s` : ''}` : 'no call';
  // IPv6 goes by the peer's link-local address (the table's column has IPv4's)
  const ipv6 = l.remoteLinkLocal ? `; IPv6 ${l.localLinkLocal ?? '?'}-${l.remoteLinkLocal}` : '';
  return ` ${l.name}: ${call}${ipv6}; ${counts}, weight ${Math.round(l.weight)}`;
}

/** The selected link's last dial, for the event log (key l): a heading, then each line. */
export function lastDialLines(l: SupervisedLinkDetail): string[] {
  if (l.transcript.length === 0) return [`${l.name}: no dial yet`];
  return [`${l.name}: last dial (${l.transcript.length} lines)`, ...l.transcript.map(transcriptLine)];
}

/** The event log line for an event. */
export function eventLine(event: SupervisorEvent): string {
  return formatEvent(event);
}

export const HELP = 'd dial  h hang up  e enslave  x emancipate  r reload  t AT terminal  l last dial  up/down select  q quit';
