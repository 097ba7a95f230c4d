/**
 * Every real-world modem string from design.md, through framer and classifier together,
 * fed whole, split in two at every byte boundary, and byte by byte: the outcome must not
 * depend on how the port happened to chunk the stream.
 */
import { describe, it, expect } from 'vitest';
import { LineFramer } from './framer.js';
import { classifyLine, type Classified, type FinalResult } from './results.js';
import { mergeConnectDetails, type ConnectInfo, type IntermediateResult } from './connect.js';
import { isEcho } from './commands.js';

interface Outcome {
  classified: Classified[];
  garbage: number;
  overflow: number;
  partial: string;
}

/** Bytes of a string taken one char = one byte, so cases can write 8-bit garbage as \xNN. */
function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function run(chunks: Uint8Array[]): Outcome {
  const framer = new LineFramer();
  const outcome: Outcome = { classified: [], garbage: 0, overflow: 0, partial: '' };
  for (const chunk of chunks) {
    for (const event of framer.push(chunk)) {
      if (event.type === 'line') outcome.classified.push(classifyLine(event.text));
      else if (event.reason === 'garbage') outcome.garbage += event.bytes;
      else outcome.overflow += event.bytes;
    }
  }
  outcome.partial = framer.partial;
  return outcome;
}

const final = (result: FinalResult, text: string, extra: Partial<Extract<Classified, { kind: 'final' }>> = {}): Classified => ({
  kind: 'final',
  result,
  text,
  ...extra,
});
const connect = (text: string, info: Omit<ConnectInfo, 'raw'>): Classified => ({
  kind: 'final',
  result: 'connect',
  text,
  connect: { raw: text, ...info },
});
const info = (text: string): Classified => ({ kind: 'info', text });
const urc = (what: string, text: string): Classified => ({ kind: 'urc', what, text });
const notice = (text: string): Classified => ({ kind: 'notice', text });

interface Case {
  name: string;
  input: string;
  expected: Classified[];
  garbage?: number;
  partial?: string;
}

const CASES: Case[] = [
  {
    name: 'echo, then CONNECT 28800/ARQ/V34/LAPM/V42BIS',
    input: 'ATDT5551234\r\r\nCONNECT 28800/ARQ/V34/LAPM/V42BIS\r\n',
    expected: [
      info('ATDT5551234'),
      connect('CONNECT 28800/ARQ/V34/LAPM/V42BIS', { speed: 28800, protocol: 'ARQ/V34/LAPM/V42BIS' }),
    ],
  },
  { name: 'CONNECT 2400/NONE', input: '\r\nCONNECT 2400/NONE\r\n', expected: [connect('CONNECT 2400/NONE', { speed: 2400, protocol: 'NONE' })] },
  {
    name: 'CONNECT 14400/ARQ/ MNP5',
    input: '\r\nCONNECT 14400/ARQ/ MNP5\r\n',
    expected: [connect('CONNECT 14400/ARQ/ MNP5', { speed: 14400, protocol: 'ARQ/MNP5' })],
  },
  {
    name: 'CONNECT 38400/V.32bis 14400/V.42bis',
    input: '\r\nCONNECT 38400/V.32bis 14400/V.42bis\r\n',
    expected: [connect('CONNECT 38400/V.32bis 14400/V.42bis', { speed: 38400, protocol: 'V.32bis 14400/V.42bis' })],
  },
  {
    name: 'CONNECT 1200/75',
    input: '\r\nCONNECT 1200/75\r\n',
    expected: [connect('CONNECT 1200/75', { speed: 1200, protocol: null, txSpeed: 75 })],
  },
  { name: 'CONNECT 115200 EC', input: '\r\nCONNECT 115200 EC\r\n', expected: [connect('CONNECT 115200 EC', { speed: 115200, protocol: 'EC' })] },
  { name: 'CONNECT 7200000', input: '\r\nCONNECT 7200000\r\n', expected: [connect('CONNECT 7200000', { speed: 7200000, protocol: null })] },
  { name: 'bare CONNECT', input: 'ATD*99#\r\r\nCONNECT\r\n', expected: [info('ATD*99#'), connect('CONNECT', { speed: null, protocol: null })] },
  {
    name: 'CARRIER, PROTOCOL and COMPRESSION lines before CONNECT',
    input: '\r\nCARRIER 28800\r\n\r\nPROTOCOL: LAP-M\r\n\r\nCOMPRESSION: V.42BIS\r\n\r\nCONNECT\r\n',
    expected: [
      { kind: 'intermediate', what: 'carrier', text: 'CARRIER 28800', value: '28800', speed: 28800 },
      { kind: 'intermediate', what: 'protocol', text: 'PROTOCOL: LAP-M', value: 'LAP-M' },
      { kind: 'intermediate', what: 'compression', text: 'COMPRESSION: V.42BIS', value: 'V.42BIS' },
      connect('CONNECT', { speed: null, protocol: null }),
    ],
  },
  { name: 'NO DIALTONE', input: '\r\nNO DIALTONE\r\n', expected: [final('no-dialtone', 'NO DIALTONE')] },
  { name: 'NO DIAL TONE', input: '\r\nNO DIAL TONE\r\n', expected: [final('no-dialtone', 'NO DIAL TONE')] },
  { name: 'BUSY', input: '\r\nBUSY\r\n', expected: [final('busy', 'BUSY')] },
  { name: 'NO ANSWER', input: '\r\nNO ANSWER\r\n', expected: [final('no-answer', 'NO ANSWER')] },
  {
    name: 'NO CARRIER with LF-only line ends and trailing junk lines',
    input: '\nNO CARRIER\n~\xff}#\xc0!}!}\n\x00\x00\n}\x7f@\n',
    expected: [final('no-carrier', 'NO CARRIER'), info('~}#!}!}'), info('}@')],
    garbage: 5,
  },
  { name: 'VOICE', input: '\r\nVOICE\r\n', expected: [final('voice', 'VOICE')] },
  { name: 'DELAYED', input: '\r\nDELAYED\r\n', expected: [final('delayed', 'DELAYED')] },
  { name: 'BLACKLISTED', input: '\r\nBLACKLISTED\r\n', expected: [final('blacklisted', 'BLACKLISTED')] },
  { name: 'BLACKLIST FULL', input: '\r\nBLACKLIST FULL\r\n', expected: [final('blacklist-full', 'BLACKLIST FULL')] },
  { name: '+CME ERROR: 10', input: '\r\n+CME ERROR: 10\r\n', expected: [final('cme-error', '+CME ERROR: 10', { errorCode: 10 })] },
  {
    name: '+CME ERROR: SIM not inserted',
    input: 'AT+CPIN?\r\r\n+CME ERROR: SIM not inserted\r\n',
    expected: [info('AT+CPIN?'), final('cme-error', '+CME ERROR: SIM not inserted', { errorText: 'SIM not inserted' })],
  },
  { name: '+CMS ERROR: 456', input: '\r\n+CMS ERROR: 456\r\n', expected: [final('cms-error', '+CMS ERROR: 456', { errorCode: 456 })] },
  { name: 'MODEM ERROR: 5', input: '\r\nMODEM ERROR: 5\r\n', expected: [final('modem-error', 'MODEM ERROR: 5', { errorCode: 5 })] },
  { name: 'COMMAND NOT SUPPORT', input: '\r\nCOMMAND NOT SUPPORT\r\n', expected: [final('not-supported', 'COMMAND NOT SUPPORT')] },
  { name: 'NA (not final)', input: '\r\nNA\r\n', expected: [notice('NA')] },
  {
    name: 'UNKNOWN COMMAND (not final) before the final ERROR',
    input: 'ATX9\r\r\nUNKNOWN COMMAND\r\n\r\nERROR\r\n',
    expected: [info('ATX9'), notice('UNKNOWN COMMAND'), final('error', 'ERROR')],
  },
  {
    name: 'URC right after OK',
    input: 'OK\r\n\r\n+CMTI: "ME",1\r\n',
    expected: [final('ok', 'OK'), urc('cmti', '+CMTI: "ME",1')],
  },
  {
    name: 'RING and +CRING at any time, even inside a command reply',
    input: 'AT+CSQ\r\r\nRING\r\n\r\n+CSQ: 17,99\r\n\r\nRING\r\n\r\nOK\r\n\r\n+CRING: VOICE\r\n',
    expected: [info('AT+CSQ'), urc('ring', 'RING'), info('+CSQ: 17,99'), urc('ring', 'RING'), final('ok', 'OK'), urc('cring', '+CRING: VOICE')],
  },
  { name: 'CR CR LF line ends', input: 'ATZ\r\r\nOK\r\r\n', expected: [info('ATZ'), final('ok', 'OK')] },
  { name: 'LF CR line ends', input: '\n\rBUSY\n\r\n\rOK\n\r', expected: [final('busy', 'BUSY'), final('ok', 'OK')] },
  {
    name: 'numeric result codes (ATV0: code then CR)',
    input: 'ATV0\r0\r1\r2\r3\r4\r5\r6\r7\r8\r',
    expected: [
      info('ATV0'),
      final('ok', '0'),
      connect('1', { speed: null, protocol: null }),
      urc('ring', '2'),
      final('no-carrier', '3'),
      final('error', '4'),
      connect('5', { speed: 1200, protocol: null }),
      final('no-dialtone', '6'),
      final('busy', '7'),
      final('no-answer', '8'),
    ],
  },
  {
    name: 'NUL bytes and 8-bit garbage inside lines',
    input: '\r\nNO \x00CAR\xffRIER\r\n\r\nO\x80K\x00\r\n',
    expected: [final('no-carrier', 'NO CARRIER'), final('ok', 'OK')],
    garbage: 4,
  },
  {
    name: 'a login prompt after CONNECT stays partial',
    input: '\r\nCONNECT 115200\r\n\r\nWelcome to Example ISP\r\nlogin: ',
    expected: [connect('CONNECT 115200', { speed: 115200, protocol: null }), info('Welcome to Example ISP')],
    partial: 'login: ',
  },
];

describe('modem transcripts through framer and classifier', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const data = bytes(c.input);
      const expected: Outcome = { classified: c.expected, garbage: c.garbage ?? 0, overflow: 0, partial: c.partial ?? '' };

      it('classifies the whole transcript', () => {
        expect(run([data])).toEqual(expected);
      });

      it('gives the same outcome split in two at every byte boundary', () => {
        for (let split = 0; split <= data.length; split++) {
          expect(run([data.subarray(0, split), data.subarray(split)]), `split at ${split}`).toEqual(expected);
        }
      });

      it('gives the same outcome byte by byte', () => {
        const single = Array.from(data, (_, i) => data.subarray(i, i + 1));
        expect(run(single)).toEqual(expected);
      });
    });
  }
});

describe('transcript follow-ups', () => {
  it('the echo line before the reply is recognised as the echo', () => {
    const { classified } = run([bytes('ATDT5551234\r\r\nBUSY\r\n')]);
    expect(classified.map((c) => c.text)).toEqual(['ATDT5551234', 'BUSY']);
    expect(isEcho(classified[0]?.text ?? '', 'ATDT5551234\r')).toBe(true);
    expect(isEcho(classified[1]?.text ?? '', 'ATDT5551234\r')).toBe(false);
  });

  it('merges the intermediate lines into the bare CONNECT', () => {
    const { classified } = run([bytes('\r\nCARRIER 28800\r\n\r\nPROTOCOL: LAP-M\r\n\r\nCOMPRESSION: V.42BIS\r\n\r\nCONNECT\r\n')]);
    const intermediates = classified.filter((c): c is IntermediateResult => c.kind === 'intermediate');
    const last = classified.at(-1);
    if (last?.kind !== 'final' || last.connect === undefined) throw new Error('expected CONNECT last');
    expect(mergeConnectDetails(last.connect, intermediates)).toEqual({
      raw: 'CONNECT',
      speed: 28800,
      protocol: 'LAP-M/V.42BIS',
      carrierSpeed: 28800,
    });
  });

  it('NO CARRIER after LF-only is final even when junk follows in the same chunk', () => {
    const { classified } = run([bytes('NO CARRIER\n\xff\xfe~~~\n')]);
    expect(classified[0]).toEqual(final('no-carrier', 'NO CARRIER'));
    expect(classified.filter((c) => c.kind === 'final')).toHaveLength(1);
  });
});
