import { describe, it, expect } from 'vitest';
import { DialbondError, type ErrorCode } from '../errors/index.js';
import { buildDialCommand, commandLine, initOnDialLine, isEcho, startsCall, validateCommand, validateDialString } from './commands.js';

/** Runs `fn` and returns the DialbondError it throws (failing the test otherwise). */
function thrown(fn: () => unknown): DialbondError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DialbondError) return error;
    throw new Error(`expected a DialbondError, got ${String(error)}`);
  }
  throw new Error('expected a DialbondError, nothing was thrown');
}

function codeOf(fn: () => unknown): ErrorCode {
  return thrown(fn).code;
}

describe('validateDialString', () => {
  const accepted: Array<[string, string]> = [
    ['5551234', '5551234'],
    ['  555 1234  ', '555 1234'],
    ['+49 30 1234567', '+49 30 1234567'],
    ['*70,5551234', '*70,5551234'],
    ['#31#5551234', '#31#5551234'],
    ['9W5551234', '9W5551234'],
    ['9w,,5551234', '9w,,5551234'],
    ['P5551234', 'P5551234'],
    ['T5551234p', 'T5551234p'],
    ['t!@5551234', 't!@5551234'],
    ['0'.repeat(64), '0'.repeat(64)],
    [` ${'1'.repeat(64)} `, '1'.repeat(64)],
  ];
  for (const [input, output] of accepted) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      expect(validateDialString(input)).toBe(output);
    });
  }

  const rejected: Array<[string, string, number]> = [
    // [description, input, 1-based position of the offending character]
    ['DTMF letters A-D', '555A1234', 4],
    ['lower-case DTMF letters', '555d', 4],
    ['other letters', 'S=1', 1],
    ['a dash', '555-1234', 4],
    ['parentheses', '(030)1234', 1],
    ['a tab', '555\t1234', 4],
    ['a CR (command injection)', '5551234\rATH', 8],
    ['an LF', '555\n', 4],
    ['a NUL', '555\u00001', 4],
    ['a non-ASCII digit', '555\u0661', 4],
    ['a non-ASCII letter', '555\u00e9', 4],
    ['a semicolon without allowSemicolon', '5551234;', 8],
    ['a semicolon after leading spaces', '  12;', 5],
  ];
  for (const [what, input, position] of rejected) {
    it(`rejects ${what}`, () => {
      const error = thrown(() => validateDialString(input));
      expect(error.code).toBe('HAYES_BAD_DIAL_STRING');
      expect(error.details['position']).toBe(position);
    });
  }

  it('rejects an empty or blank number', () => {
    expect(codeOf(() => validateDialString(''))).toBe('HAYES_BAD_DIAL_STRING');
    expect(codeOf(() => validateDialString('   '))).toBe('HAYES_BAD_DIAL_STRING');
  });

  it('rejects more than 64 characters', () => {
    const error = thrown(() => validateDialString('1'.repeat(65)));
    expect(error.code).toBe('HAYES_BAD_DIAL_STRING');
    expect(error.details['length']).toBe(65);
  });

  it('accepts a semicolon as the last character when allowed', () => {
    expect(validateDialString('5551234;', { allowSemicolon: true })).toBe('5551234;');
    expect(validateDialString(' 5551234; ', { allowSemicolon: true })).toBe('5551234;');
  });

  it('rejects a semicolon that is not the last character even when allowed', () => {
    const error = thrown(() => validateDialString('555;1234', { allowSemicolon: true }));
    expect(error.code).toBe('HAYES_BAD_DIAL_STRING');
    expect(error.details['position']).toBe(4);
    expect(codeOf(() => validateDialString('555;;', { allowSemicolon: true }))).toBe('HAYES_BAD_DIAL_STRING');
  });

  it('is not retryable: a bad number stays bad', () => {
    expect(thrown(() => validateDialString('x')).isRetryable()).toBe(false);
  });
});

describe('validateCommand', () => {
  const accepted = ['ATZ', 'at&f', 'AT&F&C1&D2', 'AtE0V1', 'A/', 'a/', 'AT+CGDCONT=1,"IP","internet"', 'ATS7=60 S0=0', `AT${'X'.repeat(254)}`];
  for (const command of accepted) {
    it(`accepts ${JSON.stringify(command.length > 40 ? `${command.slice(0, 20)}...` : command)}`, () => {
      expect(validateCommand(command)).toBe(command);
    });
  }

  const injections: Array<[string, number]> = [
    ['ATZ\rATH', 4],
    ['AT&F\n', 5],
    ['AT\u0000', 3],
    ['ATDT123\r+++', 8],
    ['ATZ\r', 4],
    ['AT\u001b', 3],
    ['AT\u007f', 3],
    ['ATI\u0085', 4],
    ['AT\u00ff', 3],
    ['AT+CMGS="\u20ac"', 10],
  ];
  for (const [command, position] of injections) {
    it(`rejects ${JSON.stringify(command)}`, () => {
      const error = thrown(() => validateCommand(command, 'profile zoom-v34, init[1]'));
      expect(error.code).toBe('HAYES_BAD_COMMAND');
      expect(error.details['position']).toBe(position);
      expect(error.details['where']).toBe('profile zoom-v34, init[1]');
    });
  }

  it('names the offending byte as \\xNN', () => {
    const error = thrown(() => validateCommand('ATZ\rATH', 'init[0]'));
    expect(error.details['character']).toBe('\\x0D');
    expect(error.message).toContain('init[0]');
  });

  it('rejects commands that do not start with AT and are not A/', () => {
    for (const command of ['', 'Z', 'TZ', ' ATZ', 'A/ ', 'A/Z', '+++', 'ZAT']) {
      expect(codeOf(() => validateCommand(command))).toBe('HAYES_BAD_COMMAND');
    }
  });

  it('rejects a command longer than 256 characters', () => {
    const error = thrown(() => validateCommand(`AT${'X'.repeat(255)}`, 'init[2]'));
    expect(error.code).toBe('HAYES_BAD_COMMAND');
    expect(error.details['length']).toBe(257);
  });

  it('never puts the command itself in the error (it may carry a password)', () => {
    const error = thrown(() => validateCommand('AT+CGAUTH=1,1,"user","s3cret"\r'));
    expect(error.message).not.toContain('s3cret');
    expect(JSON.stringify(error.details)).not.toContain('s3cret');
  });
});

describe('buildDialCommand', () => {
  it('defaults to tone dialing', () => {
    expect(buildDialCommand({ number: '5551234' })).toBe('ATDT5551234');
  });

  it('uses the given prefix and the trimmed number', () => {
    expect(buildDialCommand({ prefix: 'ATDP', number: ' 555 1234 ' })).toBe('ATDP555 1234');
    expect(buildDialCommand({ prefix: 'ATX3D', number: '9,5551234' })).toBe('ATX3D9,5551234');
    expect(buildDialCommand({ prefix: 'atd', number: '*99#' })).toBe('atd*99#');
  });

  it('passes allowSemicolon through', () => {
    expect(buildDialCommand({ number: '5551234;', allowSemicolon: true })).toBe('ATDT5551234;');
    expect(codeOf(() => buildDialCommand({ number: '5551234;' }))).toBe('HAYES_BAD_DIAL_STRING');
  });

  it('rejects a bad number with HAYES_BAD_DIAL_STRING', () => {
    expect(codeOf(() => buildDialCommand({ number: '555\rATH' }))).toBe('HAYES_BAD_DIAL_STRING');
    expect(codeOf(() => buildDialCommand({ number: '' }))).toBe('HAYES_BAD_DIAL_STRING');
  });

  it('rejects a bad prefix with HAYES_BAD_COMMAND', () => {
    for (const prefix of ['ATZ\rATDT', 'DT', 'ATZ', 'ATDT5', 'ATD T', '']) {
      expect(codeOf(() => buildDialCommand({ prefix, number: '5551234' }))).toBe('HAYES_BAD_COMMAND');
    }
  });

  it('rejects a whole line that would be too long', () => {
    const prefix = `AT${'X'.repeat(200)}DT`;
    expect(buildDialCommand({ prefix, number: '1'.repeat(52) })).toHaveLength(256);
    expect(codeOf(() => buildDialCommand({ prefix, number: '1'.repeat(53) }))).toBe('HAYES_BAD_COMMAND');
  });
});

describe('commandLine', () => {
  it('terminates with CR only (S3)', () => {
    expect(commandLine('ATZ')).toBe('ATZ\r');
    expect(commandLine('A/')).toBe('A/\r');
  });

  it('refuses a command that would send a second line', () => {
    expect(codeOf(() => commandLine('ATZ\rATH'))).toBe('HAYES_BAD_COMMAND');
    expect(codeOf(() => commandLine('ATZ\n'))).toBe('HAYES_BAD_COMMAND');
  });
});

describe('isEcho', () => {
  it('recognises the echo of the command sent', () => {
    expect(isEcho('ATDT5551234', 'ATDT5551234')).toBe(true);
  });

  it('ignores case and spaces', () => {
    expect(isEcho('atdt 555 1234', 'ATDT5551234')).toBe(true);
    expect(isEcho('AT&F E0', 'at&fe0')).toBe(true);
  });

  it('accepts the sent command with its CR', () => {
    expect(isEcho('ATZ', commandLine('ATZ'))).toBe(true);
  });

  it('does not take a reply or a different command for the echo', () => {
    expect(isEcho('OK', 'ATZ')).toBe(false);
    expect(isEcho('ATZ0', 'ATZ')).toBe(false);
    expect(isEcho('AT', 'ATZ')).toBe(false);
    expect(isEcho('', '')).toBe(false);
    expect(isEcho('', '  ')).toBe(false);
  });
});

describe('initOnDialLine', () => {
  it('puts the init in front of the dial on one line (V.250 5.2.1: in order, D last)', () => {
    expect(initOnDialLine('ATQ0 V1 E1 S0=0 &C1 &D2', 'ATDT5551234')).toBe('ATQ0 V1 E1 S0=0 &C1 &D2DT5551234');
    expect(initOnDialLine('AT&C1&D2W1L1S0=0%E2', 'ATDP 555 1234')).toBe('AT&C1&D2W1L1S0=0%E2DP 555 1234');
    // a "+" inside the number is part of the dial string, not an extended command
    expect(initOnDialLine('ATE1', 'ATD+4930123456')).toBe('ATE1D+4930123456');
    expect(initOnDialLine('ATQ0 V1 E1', 'ATD*99***1#')).toBe('ATQ0 V1 E1D*99***1#');
  });

  it('refuses what a modem may not run before a dial on the same line', () => {
    expect(initOnDialLine('ATZ', 'ATDT1')).toBeNull(); // Z ignores the rest of its line
    expect(initOnDialLine('AT&F E1', 'ATDT1')).toBe('AT&F E1DT1');
    expect(initOnDialLine('ATE1+CGDCONT=1,"IP","apn"', 'ATD*99#')).toBeNull();
    expect(initOnDialLine('AT+CMEE=1', 'ATD*99#')).toBeNull();
    expect(initOnDialLine('ATE1;+CMEE=1', 'ATD*99#')).toBeNull();
    expect(initOnDialLine('E1', 'ATDT1')).toBeNull(); // not a command line
    expect(initOnDialLine('ATE1', 'ATH')).toBeNull(); // not a dial
  });

  it('keeps the joined body within the 40 characters V.250 5.2.4 guarantees', () => {
    const init = `AT${'E1'.repeat(15)}`; // 30 characters of body
    expect(initOnDialLine(init, 'ATDT123456789')).toBeNull(); // 30 + 12
    expect(initOnDialLine(init, 'ATDT1234567')).toBe(`${init}DT1234567`); // 30 + 10
  });
});

describe('startsCall', () => {
  it('finds D, A and O among basic commands', () => {
    for (const c of ['ATDT5551234', 'ATD*99#', 'ATA', 'ATO', 'ATO0', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234', 'ATX3DT555', 'AT+CGDCONT=1,"IP","apn";D*99#']) expect(startsCall(c), c).toBe(true);
  });
  it('does not take the letters of other commands for one', () => {
    for (const c of ['ATZ', 'AT', 'ATQ0 V1 E1', 'AT&D2', 'AT&C1 &D2', 'ATS0=0', 'ATS7=60 S11?', 'AT\\N3', 'AT%C1', 'AT+CGDCONT=1,"IP","apn"', 'ATH0', 'ATI3', 'AT+CPIN?']) expect(startsCall(c), c).toBe(false);
  });
});
