import { describe, it, expect } from 'vitest';
import { classifyLine, type Classified } from './results.js';

describe('classifyLine: verbose final results', () => {
  const finals: Array<[string, Classified]> = [
    ['OK', { kind: 'final', result: 'ok', text: 'OK' }],
    ['ok', { kind: 'final', result: 'ok', text: 'ok' }],
    ['ERROR', { kind: 'final', result: 'error', text: 'ERROR' }],
    ['NO CARRIER', { kind: 'final', result: 'no-carrier', text: 'NO CARRIER' }],
    ['No Carrier', { kind: 'final', result: 'no-carrier', text: 'No Carrier' }],
    ['NO  CARRIER', { kind: 'final', result: 'no-carrier', text: 'NO  CARRIER' }],
    ['BUSY', { kind: 'final', result: 'busy', text: 'BUSY' }],
    ['NO DIALTONE', { kind: 'final', result: 'no-dialtone', text: 'NO DIALTONE' }],
    ['NO DIAL TONE', { kind: 'final', result: 'no-dialtone', text: 'NO DIAL TONE' }],
    ['NO ANSWER', { kind: 'final', result: 'no-answer', text: 'NO ANSWER' }],
    ['DELAYED', { kind: 'final', result: 'delayed', text: 'DELAYED' }],
    ['DELAYED 5', { kind: 'final', result: 'delayed', text: 'DELAYED 5', errorCode: 5 }],
    ['BLACKLISTED', { kind: 'final', result: 'blacklisted', text: 'BLACKLISTED' }],
    ['BLACKLIST FULL', { kind: 'final', result: 'blacklist-full', text: 'BLACKLIST FULL' }],
    ['VOICE', { kind: 'final', result: 'voice', text: 'VOICE' }],
    ['+CME ERROR: 10', { kind: 'final', result: 'cme-error', text: '+CME ERROR: 10', errorCode: 10 }],
    [
      '+CME ERROR: SIM not inserted',
      { kind: 'final', result: 'cme-error', text: '+CME ERROR: SIM not inserted', errorText: 'SIM not inserted' },
    ],
    ['+cme error: 3', { kind: 'final', result: 'cme-error', text: '+cme error: 3', errorCode: 3 }],
    ['+CME ERROR:', { kind: 'final', result: 'cme-error', text: '+CME ERROR:' }],
    ['+CMS ERROR: 456', { kind: 'final', result: 'cms-error', text: '+CMS ERROR: 456', errorCode: 456 }],
    ['+CMS ERROR: unknown error', { kind: 'final', result: 'cms-error', text: '+CMS ERROR: unknown error', errorText: 'unknown error' }],
    ['MODEM ERROR: 5', { kind: 'final', result: 'modem-error', text: 'MODEM ERROR: 5', errorCode: 5 }],
    ['COMMAND NOT SUPPORT', { kind: 'final', result: 'not-supported', text: 'COMMAND NOT SUPPORT' }],
    ['COMMAND NOT SUPPORTED', { kind: 'final', result: 'not-supported', text: 'COMMAND NOT SUPPORTED' }],
  ];
  for (const [line, expected] of finals) {
    it(`classifies ${JSON.stringify(line)}`, () => {
      expect(classifyLine(line)).toEqual(expected);
    });
  }

  it('trims the line it is given', () => {
    expect(classifyLine('  BUSY \t')).toEqual({ kind: 'final', result: 'busy', text: 'BUSY' });
  });

  it('classifies CONNECT with anything after it, with parsed details', () => {
    expect(classifyLine('CONNECT 28800/ARQ/V34/LAPM/V42BIS')).toEqual({
      kind: 'final',
      result: 'connect',
      text: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS',
      connect: { raw: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', speed: 28800, protocol: 'ARQ/V34/LAPM/V42BIS' },
    });
    expect(classifyLine('connect')).toEqual({
      kind: 'final',
      result: 'connect',
      text: 'connect',
      connect: { raw: 'connect', speed: null, protocol: null },
    });
  });

  it('does not take words that merely start with CONNECT as a CONNECT', () => {
    expect(classifyLine('Connecting to host...')).toEqual({ kind: 'info', text: 'Connecting to host...' });
    expect(classifyLine('CONNECTED')).toEqual({ kind: 'info', text: 'CONNECTED' });
  });

  it('does not take a longer sentence for a final result', () => {
    expect(classifyLine('OK, you are logged in')).toEqual({ kind: 'info', text: 'OK, you are logged in' });
    expect(classifyLine('ERRORS: none')).toEqual({ kind: 'info', text: 'ERRORS: none' });
    expect(classifyLine('DELAYED BY ISP')).toEqual({ kind: 'info', text: 'DELAYED BY ISP' });
  });
});

describe('classifyLine: numeric result codes (ATV0)', () => {
  const codes: Array<[string, Classified]> = [
    ['0', { kind: 'final', result: 'ok', text: '0' }],
    ['1', { kind: 'final', result: 'connect', text: '1', connect: { raw: '1', speed: null, protocol: null } }],
    ['2', { kind: 'urc', what: 'ring', text: '2' }],
    ['3', { kind: 'final', result: 'no-carrier', text: '3' }],
    ['4', { kind: 'final', result: 'error', text: '4' }],
    ['5', { kind: 'final', result: 'connect', text: '5', connect: { raw: '5', speed: 1200, protocol: null } }],
    ['6', { kind: 'final', result: 'no-dialtone', text: '6' }],
    ['7', { kind: 'final', result: 'busy', text: '7' }],
    ['8', { kind: 'final', result: 'no-answer', text: '8' }],
  ];
  for (const [line, expected] of codes) {
    it(`maps ${line}`, () => {
      expect(classifyLine(line)).toEqual(expected);
    });
  }

  it('never guesses vendor codes above 8', () => {
    expect(classifyLine('9')).toEqual({ kind: 'numeric-unknown', code: 9, text: '9' });
    expect(classifyLine('10')).toEqual({ kind: 'numeric-unknown', code: 10, text: '10' });
    expect(classifyLine('255')).toEqual({ kind: 'numeric-unknown', code: 255, text: '255' });
  });

  it('takes zero-padded numbers (S-register answers) as info', () => {
    for (const line of ['000', '007', '050', '00']) {
      expect(classifyLine(line)).toEqual({ kind: 'info', text: line });
    }
  });

  it('takes long digit runs (IMEI, IMSI, product codes) as info', () => {
    expect(classifyLine('356938035643809')).toEqual({ kind: 'info', text: '356938035643809' });
    expect(classifyLine('5601')).toEqual({ kind: 'info', text: '5601' });
  });

  it('returns a fresh object each time', () => {
    const first = classifyLine('1');
    if (first.kind === 'final' && first.connect) first.connect.speed = 99;
    expect(classifyLine('1')).toEqual({
      kind: 'final',
      result: 'connect',
      text: '1',
      connect: { raw: '1', speed: null, protocol: null },
    });
  });
});

describe('classifyLine: intermediate results', () => {
  it('reads CARRIER with its speed', () => {
    expect(classifyLine('CARRIER 28800')).toEqual({
      kind: 'intermediate',
      what: 'carrier',
      text: 'CARRIER 28800',
      value: '28800',
      speed: 28800,
    });
  });

  it('reads CARRIER without a number as a value only', () => {
    expect(classifyLine('CARRIER V.34')).toEqual({ kind: 'intermediate', what: 'carrier', text: 'CARRIER V.34', value: 'V.34' });
  });

  it('reads PROTOCOL: and COMPRESSION:', () => {
    expect(classifyLine('PROTOCOL: LAP-M')).toEqual({
      kind: 'intermediate',
      what: 'protocol',
      text: 'PROTOCOL: LAP-M',
      value: 'LAP-M',
    });
    expect(classifyLine('COMPRESSION: V.42BIS')).toEqual({
      kind: 'intermediate',
      what: 'compression',
      text: 'COMPRESSION: V.42BIS',
      value: 'V.42BIS',
    });
    expect(classifyLine('Protocol:NONE')).toEqual({ kind: 'intermediate', what: 'protocol', text: 'Protocol:NONE', value: 'NONE' });
  });
});

describe('classifyLine: unsolicited result codes', () => {
  const urcs: Array<[string, string]> = [
    ['RING', 'ring'],
    ['ring', 'ring'],
    ['+CRING: VOICE', 'cring'],
    ['+CMTI: "ME",1', 'cmti'],
    ['+CMTI: "SM",12', 'cmti'],
    ['+CREG: 1', 'creg'],
    ['+CREG: 5,"00C3","0F1A",2', 'creg'],
    ['+CGREG: 1', 'cgreg'],
    ['+CEREG: 1,"1A2B","01A2B3C4",7', 'cereg'],
    ['+CUSD: 0,"Your balance is 5.00",15', 'cusd'],
    ['+CLIP: "+4930123456",145,,,,0', 'clip'],
    ['+CDS: 25', 'cds'],
    ['+CMT: "+4930123456",,"24/01/01,12:00:00+04"', 'cmt'],
    ['+CDSI: "SR",3', 'cdsi'],
    ['+CGEV: NW DETACH', 'cgev'],
    ['^RSSI:17', '^rssi'],
    ['^BOOT:12345678,0,0,0,75', '^boot'],
    ['^MODE:5,4', '^mode'],
  ];
  for (const [line, what] of urcs) {
    it(`classifies ${JSON.stringify(line)} as urc ${what}`, () => {
      expect(classifyLine(line)).toEqual({ kind: 'urc', what, text: line });
    });
  }

  it('classifies NO CARRIER as final, never as a urc', () => {
    expect(classifyLine('NO CARRIER').kind).toBe('final');
  });

  it('takes a URC name only as a whole name', () => {
    expect(classifyLine('+CMTIX: 1')).toEqual({ kind: 'info', text: '+CMTIX: 1' });
    expect(classifyLine('RINGS')).toEqual({ kind: 'info', text: 'RINGS' });
  });
});

describe('classifyLine: notices and information', () => {
  it('classifies notices', () => {
    expect(classifyLine('UNKNOWN COMMAND')).toEqual({ kind: 'notice', text: 'UNKNOWN COMMAND' });
    expect(classifyLine('NA')).toEqual({ kind: 'notice', text: 'NA' });
    expect(classifyLine('RINGING')).toEqual({ kind: 'notice', text: 'RINGING' });
  });

  const infos = [
    '+CPIN: READY',
    '+CSQ: 17,99',
    'U.S. Robotics Courier V.Everything',
    'Welcome to Example ISP, please log in',
    'ATDT5551234',
    '+CGDCONT: 1,"IP","internet","0.0.0.0",0,0',
    '^SYSINFO:2,3,0,5,1,,4',
    'Password:',
    '',
  ];
  for (const line of infos) {
    it(`classifies ${JSON.stringify(line)} as info`, () => {
      expect(classifyLine(line)).toEqual({ kind: 'info', text: line });
    });
  }
});
