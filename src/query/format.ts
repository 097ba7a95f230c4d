/**
 * Human output of the queries: tables with aligned columns, byte and rate units, share
 * bars (what xeqlinfo drew for two lines, for any number). Pure: data in, text out.
 */
import type { SupervisedLinkStatus, SupervisorEvent, SupervisorStatus } from '../supervisor/index.js';
import type { PppInterface } from './interfaces.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Bits per second as kbit/s (the unit modem lines are spoken of in). */
export function formatRate(bps: number): string {
  return bps >= 1_000_000 ? `${(bps / 1_000_000).toFixed(2)} Mbit/s` : `${(bps / 1000).toFixed(1)} kbit/s`;
}

/** A bar of `width` cells filled by `share` (0..1). */
export function shareBar(share: number, width = 20): string {
  const filled = Math.round(Math.max(0, Math.min(1, share)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatDurationShort(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** `dialbond info IFACE [local|remote|all]`. */
export function formatInfo(i: PppInterface, what: 'local' | 'remote' | 'all', nowMs: number): string {
  if (what === 'local') return `${i.local ?? ''}\n`;
  if (what === 'remote') return `${i.remote ?? ''}\n`;
  return table(
    ['iface', 'local', 'remote', 'ipv6', 'mtu', 'state', 'pppd', 'up for'],
    [[i.ifname, i.local ?? '-', i.remote ?? '-', (i.local6 ?? []).join(',') || '-', String(i.mtu ?? '-'), i.up ? 'up' : 'down', i.pid !== null ? String(i.pid) : '-', i.sinceMs !== null ? formatDurationShort(nowMs - i.sinceMs) : '-']],
  );
}

export interface LinkTraffic {
  /** The daemon's link name, or the interface when no daemon says. */
  name: string;
  ifname: string;
  rxBytes: number;
  txBytes: number;
  rxBps: number;
  txBps: number;
  /** Share of the bundle's sent and received traffic in the last interval (0..1). */
  txShare: number;
  rxShare: number;
}

/** Rates and shares from two counter readings `ms` apart. */
export function trafficOf(rows: Array<{ name: string; ifname: string; before: { rxBytes: number; txBytes: number }; after: { rxBytes: number; txBytes: number } }>, ms: number): LinkTraffic[] {
  const seconds = Math.max(ms, 1) / 1000;
  const rates = rows.map((r) => ({
    ...r,
    rxBps: (Math.max(0, r.after.rxBytes - r.before.rxBytes) * 8) / seconds,
    txBps: (Math.max(0, r.after.txBytes - r.before.txBytes) * 8) / seconds,
  }));
  const txSum = rates.reduce((a, r) => a + r.txBps, 0);
  const rxSum = rates.reduce((a, r) => a + r.rxBps, 0);
  return rates.map((r) => ({ name: r.name, ifname: r.ifname, rxBytes: r.after.rxBytes, txBytes: r.after.txBytes, rxBps: r.rxBps, txBps: r.txBps, txShare: txSum > 0 ? r.txBps / txSum : 0, rxShare: rxSum > 0 ? r.rxBps / rxSum : 0 }));
}

/** `dialbond links`: checklinks.sh's table with rates and share bars. */
export function formatLinks(traffic: LinkTraffic[]): string {
  if (traffic.length === 0) return 'no ppp links\n';
  return table(
    ['link', 'iface', 'rx', 'tx', 'rx rate', 'tx rate', 'tx share'],
    traffic.map((t) => [t.name, t.ifname, formatBytes(t.rxBytes), formatBytes(t.txBytes), formatRate(t.rxBps), formatRate(t.txBps), `${String(Math.round(t.txShare * 100)).padStart(3)}% ${shareBar(t.txShare)}`]),
  );
}

function reasonText(l: SupervisedLinkStatus, nowMs: number): string {
  const next = l.state === 'backoff' && l.nextDialAtMs ? `; next dial in ${formatDurationShort(l.nextDialAtMs - nowMs)}` : l.state === 'waiting' ? '; waiting for the device, dials as soon as it is back' : '';
  return l.reason ? `${l.reason.code}: ${l.reason.message}${next}` : next.slice(2);
}

/** `dialbond status`. */
export function formatStatus(s: SupervisorStatus, nowMs: number): string {
  const head = `dialbond daemon (pid ${s.pid}) ${s.state}, up ${formatDurationShort(nowMs - s.startedAtMs)}; ${s.mode} bundle${s.bundle?.device ? ` on ${s.bundle.device}` : ''}: ${s.links.filter((l) => l.bundled).length} of ${s.total} links in, ${s.up} up\n`;
  return `${head}${table(
    ['link', 'state', 'for', 'iface', 'speed', 'bundled', 'weight', 'dials', 'drops', 'reason'],
    s.links.map((l) => [l.name, l.state + (l.heldOut ? '*' : ''), formatDurationShort(nowMs - l.since), l.ifname ?? '-', l.speed !== null ? String(l.speed) : '-', l.bundled ? 'yes' : 'no', String(Math.round(l.weight)), String(l.dials), String(l.drops), reasonText(l, nowMs)]),
  )}${s.links.some((l) => l.heldOut) ? '* kept out of the bundle on request (dialbond enslave LINK)\n' : ''}`;
}

/** One event as a log line, `dialbond events`. */
export function formatEvent(e: SupervisorEvent): string {
  const at = new Date(e.atMs).toISOString().slice(11, 23);
  switch (e.type) {
    case 'supervisor':
      return `${at} daemon ${e.state}`;
    case 'link':
      return `${at} ${e.link} ${e.state}${e.reason ? ` (${e.reason.code}: ${e.reason.message})` : ''}${e.nextDialAtMs !== undefined ? `; next dial at ${new Date(e.nextDialAtMs).toISOString().slice(11, 19)}Z` : ''}`;
    case 'bundle':
      return `${at} ${e.link} ${e.action === 'added' ? 'joined' : 'left'} the bundle (${e.ifname}${e.action === 'removed' ? `, ${e.tookMs} ms after it went down` : ''})`;
    case 'bundle-error':
      return `${at} ${e.link} bundle ${e.action} failed: ${e.code}: ${e.message}`;
    case 'weight':
      return `${at} ${e.link} weight ${Math.round(e.weight)}`;
    case 'health':
      return `${at} ${e.link} ${e.check} ${e.ok ? 'ok' : 'failed'}: ${e.detail}`;
    case 'on-demand':
      return `${at} ${e.link} ${e.action === 'dial' ? 'dialed' : 'hung up'} on demand: ${e.detail}`;
    case 'reload':
      return `${at} reloaded: added ${e.added.join(', ') || 'none'}, removed ${e.removed.join(', ') || 'none'}, changed ${e.changed.join(', ') || 'none'}${e.bundle ? ', bundle rebuilt' : ''}`;
    case 'cleanup':
      return `${at} cleaned up after a previous run: ${e.found.join('; ')}`;
    case 'dns':
      return `${at} ${e.link} peer offers DNS ${e.servers.join(', ') || 'none'}`;
    case 'resolver':
      return e.error ? `${at} resolver (${e.backend}) not changed: ${e.error.code}: ${e.error.message}` : `${at} resolver (${e.backend}): ${e.servers.length > 0 ? `DNS ${e.servers.join(', ')} while the bundle is up` : "the router's own again"}`;
  }
}
