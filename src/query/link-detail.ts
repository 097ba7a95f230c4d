/**
 * `dialbond status LINK`: one link in full, with the last dial's transcript (the AT
 * exchange and login chat, passwords already masked by the daemon). With a real modem,
 * the transcript is the first thing anyone asks for. Pure: data in, text out.
 */
import type { TranscriptEntry } from '../link/index.js';
import type { SupervisedLinkDetail } from '../supervisor/index.js';
import { formatDurationShort } from './format.js';

/** When the next dial is due, relative and as a UTC clock time: "in 9m58s (at 12:34:56Z)". */
export function nextDialText(nextDialAtMs: number, nowMs: number): string {
  return `in ${formatDurationShort(nextDialAtMs - nowMs)} (at ${new Date(nextDialAtMs).toISOString().slice(11, 19)}Z)`;
}

const ARROWS: Record<TranscriptEntry['direction'], string> = { tx: '>', rx: '<', note: '#' };

/** One transcript line: seconds since the dial began, direction, text. */
export function transcriptLine(entry: TranscriptEntry): string {
  return `${`+${(entry.atMs / 1000).toFixed(3)}s`.padStart(10)} ${ARROWS[entry.direction]} ${entry.text}`;
}

/** The link, why it is where it is, when it dials next, its call, and its last dial. */
export function formatLinkDetail(l: SupervisedLinkDetail, nowMs: number): string {
  const lines = [
    `${l.name}: ${l.state}${l.heldOut ? ' (kept out of the bundle)' : ''} for ${formatDurationShort(nowMs - l.since)}, ${l.where}`,
    ...(l.reason ? [`  why:       ${l.reason.code}: ${l.reason.message}`] : []),
    ...(l.state === 'backoff' && l.nextDialAtMs ? [`  next dial: ${nextDialText(l.nextDialAtMs, nowMs)}${l.reason?.holdOff === 'delayed' ? ', when the modem allows it again (DELAYED)' : ''}`] : []),
    ...(l.state === 'parked' ? [`  next dial: none until dialed ("dialbond up ${l.name}")`] : []),
    ...(l.state === 'waiting' ? ['  next dial: waiting for the device: as soon as it is back'] : []),
    ...(l.state !== 'backoff' && l.holdOffUntilMs && l.holdOffUntilMs > nowMs ? [`  hold-off:  the modem refuses dials ${nextDialText(l.holdOffUntilMs, nowMs)} (DELAYED); "dialbond up --force ${l.name}" dials anyway`] : []),
    `  call:      ${l.connect ? `${l.connect}${l.connectMs !== null ? ` after ${(l.connectMs / 1000).toFixed(1)} s` : ''}` : 'none'}${typeof l.lineRate === 'number' ? `, line ${l.lineRate} bit/s` : ''}${l.ifname ? ` on ${l.ifname}` : ''}${l.localIp ? ` ${l.localIp}-${l.remoteIp ?? '?'}` : ''}`,
    ...(l.localLinkLocal ? [`  ipv6:      ${l.localLinkLocal}-${l.remoteLinkLocal ?? '?'} (IPV6CP)`] : []),
    `  counts:    ${l.dials} dials, ${l.drops} drops, ${l.failures} failures in a row${l.bundled ? ', in the bundle' : ''}`,
    l.transcript.length > 0 ? `last dial (${l.transcript.length} lines):` : 'last dial: none yet',
    ...l.transcript.map(transcriptLine),
  ];
  return `${lines.join('\n')}\n`;
}
