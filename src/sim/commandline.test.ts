import { describe, expect, it } from 'vitest';
import { canonicalize, tokenizeCommandLine } from './commandline.js';

const names = (body: string): string[] => tokenizeCommandLine(body).map((t) => t.text);

describe('tokenizeCommandLine (V.250 5.2-5.4)', () => {
  it('splits basic, ampersand, percent and backslash commands with values', () => {
    expect(names('&C1&D2W1L1S0=0%E2\\N3')).toEqual(['&C1', '&D2', 'W1', 'L1', 'S0=0', '%E2', '\\N3']);
    expect(tokenizeCommandLine('E')).toEqual([{ kind: 'basic', name: 'E', value: undefined, text: 'E' }]);
  });

  it('ignores spaces and case outside quotes', () => {
    expect(names('q0 v1 e1')).toEqual(['Q0', 'V1', 'E1']);
    expect(canonicalize(' +cgdcont=1,"IP","my Apn" ')).toBe('+CGDCONT=1,"IP","my Apn"');
  });

  it('parses S-register set, query and select', () => {
    expect(tokenizeCommandLine('S7=45S7?S12?')).toEqual([
      { kind: 'sreg', register: 7, op: 'set', value: 45, text: 'S7=45' },
      { kind: 'sreg', register: 7, op: 'query', text: 'S7?' },
      { kind: 'sreg', register: 12, op: 'query', text: 'S12?' },
    ]);
    expect(tokenizeCommandLine('S7?')[0]).toMatchObject({ op: 'query' });
    expect(tokenizeCommandLine('S7 ?').map((t) => t.kind)).toEqual(['sreg']);
    expect(tokenizeCommandLine('S9').map((t) => t.kind)).toEqual(['sreg']);
  });

  it('gives D the rest of the line', () => {
    expect(tokenizeCommandLine('E0DT555 1234;')).toEqual([
      { kind: 'basic', name: 'E', value: 0, text: 'E0' },
      { kind: 'dial', dialString: 'T5551234;', text: 'DT5551234;' },
    ]);
  });

  it('ends extended commands at ";" outside quotes', () => {
    expect(tokenizeCommandLine('+CMEE=1;+CPIN?;+CSQ;+CGDCONT=?')).toEqual([
      { kind: 'extended', name: '+CMEE', op: 'set', args: '1', text: '+CMEE=1' },
      { kind: 'extended', name: '+CPIN', op: 'query', args: '', text: '+CPIN?' },
      { kind: 'extended', name: '+CSQ', op: 'exec', args: '', text: '+CSQ' },
      { kind: 'extended', name: '+CGDCONT', op: 'test', args: '', text: '+CGDCONT=?' },
    ]);
    expect(tokenizeCommandLine('+CGDCONT=1,"IP","a;b"E0').map((t) => t.text)).toEqual(['+CGDCONT=1,"IP","a;b"E0']);
  });

  it('stops at the first invalid command', () => {
    expect(tokenizeCommandLine('E0GV1').map((t) => t.kind)).toEqual(['basic', 'invalid']);
    expect(tokenizeCommandLine('&').map((t) => t.kind)).toEqual(['invalid']);
    expect(tokenizeCommandLine('S=1').map((t) => t.kind)).toEqual(['invalid']);
    expect(tokenizeCommandLine('+').map((t) => t.kind)).toEqual(['invalid']);
  });
});
