import { describe, it, expect } from 'vitest';
import { mergeConnectDetails, parseConnect, type ConnectInfo, type IntermediateResult } from './connect.js';
import { classifyLine } from './results.js';

describe('parseConnect', () => {
  const cases: Array<[string, ConnectInfo]> = [
    [
      'CONNECT 28800/ARQ/V34/LAPM/V42BIS',
      { raw: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', speed: 28800, protocol: 'ARQ/V34/LAPM/V42BIS' },
    ],
    ['CONNECT 2400/NONE', { raw: 'CONNECT 2400/NONE', speed: 2400, protocol: 'NONE' }],
    ['CONNECT 14400/ARQ/ MNP5', { raw: 'CONNECT 14400/ARQ/ MNP5', speed: 14400, protocol: 'ARQ/MNP5' }],
    [
      'CONNECT 38400/V.32bis 14400/V.42bis',
      { raw: 'CONNECT 38400/V.32bis 14400/V.42bis', speed: 38400, protocol: 'V.32bis 14400/V.42bis' },
    ],
    ['CONNECT 1200/75', { raw: 'CONNECT 1200/75', speed: 1200, protocol: null, txSpeed: 75 }],
    ['CONNECT 115200 EC', { raw: 'CONNECT 115200 EC', speed: 115200, protocol: 'EC' }],
    ['CONNECT 7200000', { raw: 'CONNECT 7200000', speed: 7200000, protocol: null }],
    ['CONNECT', { raw: 'CONNECT', speed: null, protocol: null }],
    // Beyond the required list: variants seen on other modems.
    ['CONNECT 1200/75/ARQ', { raw: 'CONNECT 1200/75/ARQ', speed: 1200, protocol: 'ARQ', txSpeed: 75 }],
    ['CONNECT 9600bps', { raw: 'CONNECT 9600bps', speed: 9600, protocol: null }],
    ['connect 33600 / lapm / v42bis', { raw: 'connect 33600 / lapm / v42bis', speed: 33600, protocol: 'lapm/v42bis' }],
    ['CONNECT  57600   V42BIS  ', { raw: 'CONNECT  57600   V42BIS', speed: 57600, protocol: 'V42BIS' }],
    ['CONNECT9600', { raw: 'CONNECT9600', speed: 9600, protocol: null }],
    ['CONNECT FAX', { raw: 'CONNECT FAX', speed: null, protocol: 'FAX' }],
    ['1', { raw: '1', speed: null, protocol: null }],
    ['5', { raw: '5', speed: 1200, protocol: null }],
  ];
  for (const [line, expected] of cases) {
    it(`parses ${JSON.stringify(line)}`, () => {
      const info = parseConnect(line);
      expect(info).toEqual(expected);
      // toEqual ignores undefined properties: make sure txSpeed is absent when not given.
      expect('txSpeed' in info).toBe(expected.txSpeed !== undefined);
    });
  }

  it('does not invent a speed from an absurd digit run', () => {
    expect(parseConnect(`CONNECT ${'9'.repeat(30)}`).speed).toBeNull();
  });

  it('yields nulls for a line that is not a CONNECT', () => {
    expect(parseConnect('CONNECTING')).toEqual({ raw: 'CONNECTING', speed: null, protocol: null });
    expect(parseConnect('BUSY')).toEqual({ raw: 'BUSY', speed: null, protocol: null });
  });
});

function intermediates(...lines: string[]): IntermediateResult[] {
  return lines.map((line) => {
    const c = classifyLine(line);
    if (c.kind !== 'intermediate') throw new Error(`${line} is not intermediate`);
    return c;
  });
}

describe('mergeConnectDetails', () => {
  it('takes the CARRIER speed and composes the protocol when CONNECT is bare', () => {
    const merged = mergeConnectDetails(
      parseConnect('CONNECT'),
      intermediates('CARRIER 28800', 'PROTOCOL: LAP-M', 'COMPRESSION: V.42BIS'),
    );
    expect(merged).toEqual({ raw: 'CONNECT', speed: 28800, protocol: 'LAP-M/V.42BIS', carrierSpeed: 28800 });
  });

  it('keeps what CONNECT said and still exposes carrierSpeed', () => {
    const merged = mergeConnectDetails(
      parseConnect('CONNECT 115200/ARQ'),
      intermediates('CARRIER 26400', 'PROTOCOL: LAP-M', 'COMPRESSION: V.42BIS'),
    );
    expect(merged).toEqual({ raw: 'CONNECT 115200/ARQ', speed: 115200, protocol: 'ARQ', carrierSpeed: 26400 });
  });

  it('composes the protocol when CONNECT has a speed but no protocol', () => {
    const merged = mergeConnectDetails(parseConnect('CONNECT 115200'), intermediates('PROTOCOL: LAP-M'));
    expect(merged).toEqual({ raw: 'CONNECT 115200', speed: 115200, protocol: 'LAP-M' });
    expect('carrierSpeed' in merged).toBe(false);
  });

  it('drops NONE parts unless nothing else is left', () => {
    expect(mergeConnectDetails(parseConnect('CONNECT'), intermediates('PROTOCOL: LAP-M', 'COMPRESSION: NONE')).protocol).toBe(
      'LAP-M',
    );
    expect(mergeConnectDetails(parseConnect('CONNECT'), intermediates('PROTOCOL: NONE', 'COMPRESSION: NONE')).protocol).toBe(
      'NONE',
    );
    expect(mergeConnectDetails(parseConnect('CONNECT'), intermediates('COMPRESSION: V.42BIS')).protocol).toBe('V.42BIS');
  });

  it('uses the last CARRIER when the modem retrained', () => {
    const merged = mergeConnectDetails(parseConnect('CONNECT'), intermediates('CARRIER 33600', 'CARRIER 31200'));
    expect(merged.speed).toBe(31200);
    expect(merged.carrierSpeed).toBe(31200);
  });

  it('leaves everything null without intermediates, and keeps txSpeed', () => {
    expect(mergeConnectDetails(parseConnect('CONNECT'), [])).toEqual({ raw: 'CONNECT', speed: null, protocol: null });
    expect(mergeConnectDetails(parseConnect('CONNECT 1200/75'), [])).toEqual({
      raw: 'CONNECT 1200/75',
      speed: 1200,
      protocol: null,
      txSpeed: 75,
    });
  });

  it('does not modify its input', () => {
    const connect = parseConnect('CONNECT');
    const lines = intermediates('CARRIER 9600', 'PROTOCOL: ALT');
    const before = structuredClone({ connect, lines });
    mergeConnectDetails(connect, lines);
    expect({ connect, lines }).toEqual(before);
  });
});
