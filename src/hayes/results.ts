/**
 * Classifies one framed line of modem output.
 *
 * The dialer needs to know, for every line, whether it ends the command in flight (a
 * final result, V.250 5.7.2), is progress on the way to CONNECT (an intermediate result),
 * is unsolicited (a URC: RING, +CMTI, ... which must go to the event stream and never be
 * taken as the answer to a command), or is just information text.
 *
 * Sources: ITU-T V.250 (6.2.5/6.2.6 result codes, numeric 0-8), 3GPP TS 27.007
 * (+CME ERROR, +CREG, +CRING, +CLIP, +CUSD ...), 3GPP TS 27.005 (+CMS ERROR, +CMTI, +CMT,
 * +CDS), ETSI blacklisting results (DELAYED, BLACKLISTED, BLACKLIST FULL), USR and
 * Rockwell manuals (CARRIER/PROTOCOL:/COMPRESSION: reporting), Huawei (COMMAND NOT SUPPORT,
 * ^RSSI/^BOOT/^MODE reports).
 */

import { parseConnect, type ConnectInfo } from './connect.js';

export { parseConnect, mergeConnectDetails, type ConnectInfo, type IntermediateResult } from './connect.js';

/** Final results: each one ends the command in flight. */
export type FinalResult =
  | 'ok'
  | 'connect'
  | 'error'
  | 'no-carrier'
  | 'busy'
  | 'no-dialtone'
  | 'no-answer'
  | 'delayed'
  | 'blacklisted'
  | 'blacklist-full'
  | 'voice'
  | 'cme-error'
  | 'cms-error'
  | 'modem-error'
  | 'not-supported';

/** The meaning of one framed line. */
export type Classified =
  | {
      kind: 'final';
      result: FinalResult;
      text: string;
      /** Set for `connect`. */
      connect?: ConnectInfo;
      /**
       * The numeric code of `+CME ERROR: 10`, `+CMS ERROR: 456`, `MODEM ERROR: 5`; for
       * `delayed`, the number some modems append (`DELAYED 5`).
       */
      errorCode?: number;
      /** The text of `+CME ERROR: SIM not inserted` (verbose error reporting, AT+CMEE=2). */
      errorText?: string;
    }
  | { kind: 'intermediate'; what: 'carrier' | 'protocol' | 'compression'; text: string; value: string; speed?: number }
  | {
      kind: 'urc';
      /**
       * Lower-case name: `ring`, or the +NAME of a 27.007/27.005 URC without the `+`
       * (`cring`, `cmti`, `creg`, `cgreg`, `cereg`, `cusd`, `clip`, `cds`, `cmt`, ...), or
       * a Huawei `^NAME` report with its caret (`^rssi`, `^boot`, `^mode`, ...).
       */
      what: string;
      text: string;
    }
  | { kind: 'notice'; text: string }
  | { kind: 'info'; text: string }
  | { kind: 'numeric-unknown'; code: number; text: string };

/** Verbose final results that are a fixed phrase (compared after collapsing blanks). */
const FIXED_FINALS: ReadonlyMap<string, FinalResult> = new Map([
  ['OK', 'ok'],
  ['ERROR', 'error'],
  ['NO CARRIER', 'no-carrier'],
  ['BUSY', 'busy'],
  ['NO DIALTONE', 'no-dialtone'],
  // Some modems (and V.250's own text) spell it with a space.
  ['NO DIAL TONE', 'no-dialtone'],
  ['NO ANSWER', 'no-answer'],
  ['VOICE', 'voice'],
  ['BLACKLISTED', 'blacklisted'],
  ['BLACKLIST FULL', 'blacklist-full'],
  // Huawei's word for ERROR on an unknown command; accept the grammatical form too.
  ['COMMAND NOT SUPPORT', 'not-supported'],
  ['COMMAND NOT SUPPORTED', 'not-supported'],
]);

/**
 * V.250 6.2.6 Table 1 numeric codes 0-8 (ATV0). Above 8 vendors disagree (10 is
 * CONNECT 2400 on a Hayes, something else on a USR), so those are never guessed.
 */
const NUMERIC: ReadonlyMap<string, Classified> = new Map<string, Classified>([
  ['0', { kind: 'final', result: 'ok', text: '0' }],
  ['1', { kind: 'final', result: 'connect', text: '1', connect: { raw: '1', speed: null, protocol: null } }],
  ['2', { kind: 'urc', what: 'ring', text: '2' }],
  ['3', { kind: 'final', result: 'no-carrier', text: '3' }],
  ['4', { kind: 'final', result: 'error', text: '4' }],
  // Hayes Smartmodem 1200: 5 = CONNECT 1200.
  ['5', { kind: 'final', result: 'connect', text: '5', connect: { raw: '5', speed: 1200, protocol: null } }],
  ['6', { kind: 'final', result: 'no-dialtone', text: '6' }],
  ['7', { kind: 'final', result: 'busy', text: '7' }],
  ['8', { kind: 'final', result: 'no-answer', text: '8' }],
]);

/**
 * Unsolicited result codes of 3GPP TS 27.007 and 27.005 (by +NAME). Several of them
 * (+CREG, +CGREG, +CEREG, +CUSD, +CLIP) are also the solicited answer to the matching
 * query (`AT+CREG?`); a caller with such a query in flight should take them as its answer.
 * +CMT and +CDS in PDU mode are followed by a PDU line, which classifies as info.
 */
const PLUS_URCS: ReadonlySet<string> = new Set([
  'CRING', 'CLIP', 'CCWA', 'CSSI', 'CSSU', 'CUSD',
  'CREG', 'CGREG', 'CEREG', 'C5GREG', 'CGEV',
  'CMTI', 'CMT', 'CBM', 'CBMI', 'CDS', 'CDSI',
  'CIEV', 'CTZV', 'CTZE',
]);

/** Huawei reports that arrive unprompted, often every few seconds. */
const CARET_URCS: ReadonlySet<string> = new Set(['RSSI', 'BOOT', 'MODE', 'DSFLOWRPT', 'SRVST', 'SIMST']);

/** Lines that are neither final nor information, shown in transcripts. */
const NOTICES: ReadonlySet<string> = new Set([
  'UNKNOWN COMMAND',
  'NA',
  // USR/Rockwell progress while the far end rings: not a result.
  'RINGING',
]);

const CONNECT_WORD = /^CONNECT(?![A-Za-z])/i;
const EXTENDED_ERROR = /^\+(CME|CMS) ERROR\s*:?\s*(.*)$/i;
const MODEM_ERROR = /^MODEM ERROR\s*:?\s*(.*)$/i;
const DELAYED = /^DELAYED(?:\s+(\d+)(?:\s.*)?)?$/i;
const CARRIER = /^CARRIER\s+(\S.*)$/i;
const PROTOCOL = /^PROTOCOL\s*:\s*(\S.*)$/i;
const COMPRESSION = /^COMPRESSION\s*:\s*(\S.*)$/i;
const PLUS_NAME = /^\+([A-Z0-9]+)\s*:/;
const CARET_NAME = /^\^([A-Z0-9]+)\s*:/;

/** Splits an error argument into a numeric code or a text (27.007 9.2, AT+CMEE=1/2). */
function errorDetail(argument: string): { errorCode?: number; errorText?: string } {
  const value = argument.trim();
  if (value === '') return {};
  if (/^\d+$/.test(value)) {
    const code = Number(value);
    if (Number.isSafeInteger(code)) return { errorCode: code };
  }
  return { errorText: value };
}

/**
 * Classifies one framed line (as {@link LineFramer} yields it). Verbose words match
 * case-insensitively and with any run of blanks between them. Never throws.
 */
export function classifyLine(line: string): Classified {
  const text = line.trim();
  const words = text.replace(/\s+/g, ' ').toUpperCase();

  // Numeric results (ATV0): a bare number. A leading zero marks an S-register answer
  // (`ATS7?` -> `050`, `000`), and long digit runs are IMEIs and the like: information.
  if (/^\d+$/.test(text)) {
    const numeric = NUMERIC.get(text);
    if (numeric !== undefined) return structuredClone(numeric);
    if (text.length <= 3 && !text.startsWith('0')) {
      return { kind: 'numeric-unknown', code: Number(text), text };
    }
    return { kind: 'info', text };
  }

  const fixed = FIXED_FINALS.get(words);
  if (fixed !== undefined) return { kind: 'final', result: fixed, text };

  if (CONNECT_WORD.test(text)) {
    return { kind: 'final', result: 'connect', text, connect: parseConnect(text) };
  }

  const extended = EXTENDED_ERROR.exec(text);
  if (extended !== null) {
    const result: FinalResult = (extended[1] as string).toUpperCase() === 'CME' ? 'cme-error' : 'cms-error';
    return { kind: 'final', result, text, ...errorDetail(extended[2] as string) };
  }

  const modemError = MODEM_ERROR.exec(text);
  if (modemError !== null) {
    return { kind: 'final', result: 'modem-error', text, ...errorDetail(modemError[1] as string) };
  }

  const delayed = DELAYED.exec(text);
  if (delayed !== null) {
    const count = delayed[1];
    return count === undefined
      ? { kind: 'final', result: 'delayed', text }
      : { kind: 'final', result: 'delayed', text, ...errorDetail(count) };
  }

  const carrier = CARRIER.exec(text);
  if (carrier !== null) {
    const value = (carrier[1] as string).trim();
    const digits = /^\d+/.exec(value);
    const speed = digits === null ? undefined : Number(digits[0]);
    return speed !== undefined && Number.isSafeInteger(speed)
      ? { kind: 'intermediate', what: 'carrier', text, value, speed }
      : { kind: 'intermediate', what: 'carrier', text, value };
  }
  const protocol = PROTOCOL.exec(text);
  if (protocol !== null) {
    return { kind: 'intermediate', what: 'protocol', text, value: (protocol[1] as string).trim() };
  }
  const compression = COMPRESSION.exec(text);
  if (compression !== null) {
    return { kind: 'intermediate', what: 'compression', text, value: (compression[1] as string).trim() };
  }

  if (words === 'RING') return { kind: 'urc', what: 'ring', text };
  const plus = PLUS_NAME.exec(words);
  if (plus !== null && PLUS_URCS.has(plus[1] as string)) {
    return { kind: 'urc', what: (plus[1] as string).toLowerCase(), text };
  }
  const caret = CARET_NAME.exec(words);
  if (caret !== null && CARET_URCS.has(caret[1] as string)) {
    return { kind: 'urc', what: `^${(caret[1] as string).toLowerCase()}`, text };
  }

  if (NOTICES.has(words)) return { kind: 'notice', text };
  return { kind: 'info', text };
}
