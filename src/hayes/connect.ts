/**
 * Reading the CONNECT result and the progress lines around it.
 *
 * V.250 (6.2.6, `X` result code selection) only says CONNECT may be followed by a speed;
 * everything after that is vendor text. What this parser accepts comes from real modems:
 * USR Courier/Sportster (`CONNECT 28800/ARQ/V34/LAPM/V42BIS`, `CONNECT 2400/NONE`),
 * Zoom/Rockwell (`CONNECT 14400/ARQ/ MNP5`), ZyXEL (`CONNECT 38400/V.32bis 14400/V.42bis`),
 * V.23 Minitel-style split rates (`CONNECT 1200/75`), ISDN TAs (`CONNECT 115200 EC`) and
 * cellular modems (`CONNECT 7200000`, bare `CONNECT`).
 */

import type { Classified } from './results.js';

/** What a CONNECT line says about the link. */
export interface ConnectInfo {
  /** The line as the modem sent it (trimmed). */
  raw: string;
  /** The first speed in bits per second, or null when the modem gave none. */
  speed: number | null;
  /** The normalised suffix after the speed (`ARQ/V34/LAPM/V42BIS`), or null. */
  protocol: string | null;
  /** The second rate of a split-rate connect such as V.23 `1200/75`. */
  txSpeed?: number;
}

/** An intermediate result line (CARRIER, PROTOCOL:, COMPRESSION:). */
export type IntermediateResult = Extract<Classified, { kind: 'intermediate' }>;

const CONNECT_PREFIX = /^CONNECT(?![A-Za-z])/i;
/** A leading speed, optionally written with a `bps` unit. */
const LEADING_SPEED = /^(\d+)(?:\s*bps\b)?/i;
/** `/75` right after the speed: a split rate, not a protocol name. */
const SPLIT_RATE = /^\/\s*(\d+)(?=$|[\s/])/;

/** Parses a decimal speed; absurdly long digit runs are not a speed. */
function toSpeed(digits: string): number | null {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Normalises a protocol suffix: no blanks around slashes (`ARQ/ MNP5` -> `ARQ/MNP5`),
 * single spaces elsewhere, no leading/trailing separators. Returns null when nothing is left.
 */
function normaliseProtocol(text: string): string | null {
  const cleaned = text
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ')
    .replace(/^[\s/]+|[\s/]+$/g, '');
  return cleaned.length > 0 ? cleaned : null;
}

/**
 * Parses a CONNECT result line.
 *
 * `CONNECT 28800/ARQ/V34/LAPM/V42BIS` -> speed 28800, protocol `ARQ/V34/LAPM/V42BIS`;
 * `CONNECT 1200/75` -> speed 1200, protocol null, txSpeed 75; bare `CONNECT` -> nulls.
 * The numeric forms `1` (CONNECT) and `5` (CONNECT 1200, Hayes) are understood too.
 * A line that is not a CONNECT at all yields nulls rather than a guess.
 */
export function parseConnect(line: string): ConnectInfo {
  const raw = line.trim();
  if (raw === '1') return { raw, speed: null, protocol: null };
  if (raw === '5') return { raw, speed: 1200, protocol: null };

  const prefix = CONNECT_PREFIX.exec(raw);
  if (prefix === null) return { raw, speed: null, protocol: null };

  let rest = raw.slice(prefix[0].length).trim();
  const speedMatch = LEADING_SPEED.exec(rest);
  if (speedMatch === null) {
    // `CONNECT /ARQ` or `CONNECT FAX`: no speed, but keep what the modem said.
    return { raw, speed: null, protocol: normaliseProtocol(rest) };
  }

  const speed = toSpeed(speedMatch[1] as string);
  rest = rest.slice(speedMatch[0].length);

  const info: ConnectInfo = { raw, speed, protocol: null };
  const split = SPLIT_RATE.exec(rest);
  if (split !== null) {
    const tx = toSpeed(split[1] as string);
    if (tx !== null) info.txSpeed = tx;
    rest = rest.slice(split[0].length);
  }
  info.protocol = normaliseProtocol(rest);
  return info;
}

/**
 * Builds a protocol string from separate PROTOCOL: and COMPRESSION: lines
 * (`LAP-M` + `V.42BIS` -> `LAP-M/V.42BIS`). `NONE` parts are dropped unless nothing else
 * is left, so `LAP-M` + `NONE` gives `LAP-M` and `NONE` + `NONE` gives `NONE`.
 */
function composeProtocol(values: string[]): string | null {
  const parts = values.map((v) => normaliseProtocol(v)).filter((v): v is string => v !== null);
  if (parts.length === 0) return null;
  const meaningful = parts.filter((p) => p.toUpperCase() !== 'NONE');
  return meaningful.length > 0 ? meaningful.join('/') : 'NONE';
}

/**
 * Fills the gaps in a CONNECT with the intermediate lines seen before it (Rockwell `W2`,
 * USR `S95` style reporting): no speed on CONNECT -> the CARRIER speed; no protocol ->
 * PROTOCOL and COMPRESSION values joined with `/`. `carrierSpeed` is set whenever a
 * CARRIER line with a speed was seen (the line rate, which can differ from the DTE rate
 * that many modems put on CONNECT). When a kind was reported more than once (a retrain),
 * the last one wins. The input is not modified.
 */
export function mergeConnectDetails(
  connect: ConnectInfo,
  intermediates: IntermediateResult[],
): ConnectInfo & { carrierSpeed?: number } {
  const last = (what: IntermediateResult['what']): IntermediateResult | undefined =>
    intermediates.filter((i) => i.what === what).at(-1);

  const carrier = last('carrier');
  const protocolLine = last('protocol');
  const compressionLine = last('compression');

  const merged: ConnectInfo & { carrierSpeed?: number } = { ...connect };
  if (carrier?.speed !== undefined) {
    merged.carrierSpeed = carrier.speed;
    if (merged.speed === null) merged.speed = carrier.speed;
  }
  if (merged.protocol === null) {
    const values = [protocolLine?.value, compressionLine?.value].filter((v): v is string => v !== undefined);
    merged.protocol = composeProtocol(values);
  }
  return merged;
}
