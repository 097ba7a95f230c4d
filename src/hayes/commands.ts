/**
 * Building and checking what we send to a modem.
 *
 * Every AT command and dial string that reaches a port passes through here, because they
 * come from configuration and dialer profiles: a stray CR in a YAML value would otherwise
 * end one command and start another (`ATZ\rATH`), and a stray `;` in a number would leave
 * the modem in command state instead of connecting. Error messages never quote the whole
 * command or number (a command may carry a password, e.g. `AT+CGAUTH`); they name the
 * position and the character.
 */

import { DialbondError } from '../errors/index.js';

/** Longest dial string accepted (after trimming blanks). */
const MAX_DIAL_LENGTH = 64;

/**
 * Longest command line accepted, without its CR. V.250 5.2.4 only guarantees 40
 * characters; real modems take about 56 (old Hayes) to 256 (most since V.34). Longer lines
 * are silently truncated or rejected by the modem, so refuse them here.
 */
const MAX_COMMAND_LENGTH = 256;

/**
 * Dial string characters: digits, `* #` (DTMF), `+` (international, 27.007), and the
 * V.250 6.3.1 dial modifiers `,` (pause, S8), `W` (wait for dial tone), `P`/`T` (pulse/tone),
 * `!` (hook flash), `@` (wait for quiet answer), `;` (return to command state; checked
 * separately), plus blanks for readability. DTMF A-D are refused on purpose: in a
 * configured number they are far more likely a typo than a tone.
 */
const DIAL_CHARS = /^[0-9*#+,;WwPpTt!@ ]$/;

/** Shows one character for an error message: printable as `'c' (\xNN)`, others as `\xNN`. */
function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex =
    code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u{${code.toString(16).toUpperCase()}}`;
  return code >= 0x21 && code <= 0x7e ? `'${char}' (${hex})` : hex;
}

/**
 * Checks a number to dial and returns it with surrounding spaces removed (inner spaces are
 * kept as given; modems ignore them).
 *
 * Allowed: digits, `* # + , W w P p T t ! @` and spaces; `;` only with `allowSemicolon`
 * and only as the last character (V.250 6.3.1: after dialing, return to command state,
 * used for voice calls and for dialing in several steps). At most 64 characters.
 *
 * @throws DialbondError `HAYES_BAD_DIAL_STRING` naming the offending character and its
 *   1-based position in the string as given.
 */
export function validateDialString(number: string, options: { allowSemicolon?: boolean } = {}): string {
  const start = number.length - number.replace(/^ +/, '').length;
  const trimmed = number.replace(/^ +| +$/g, '');
  if (trimmed === '') {
    throw new DialbondError('HAYES_BAD_DIAL_STRING', 'The number to dial is empty; give at least one digit.', {});
  }

  let offset = 0;
  for (const char of trimmed) {
    const position = start + offset + 1;
    offset += char.length;
    if (char === ';') {
      if (options.allowSemicolon !== true) {
        throw new DialbondError(
          'HAYES_BAD_DIAL_STRING',
          `The number to dial has ';' at position ${position}: ';' returns the modem to command state ` +
            'instead of connecting, and is only allowed where a profile asks for it.',
          { position, character: ';' },
        );
      }
      if (offset !== trimmed.length) {
        throw new DialbondError(
          'HAYES_BAD_DIAL_STRING',
          `The number to dial has ';' at position ${position}: it may only be the last character (V.250 6.3.1).`,
          { position, character: ';' },
        );
      }
      continue;
    }
    if (!DIAL_CHARS.test(char)) {
      throw new DialbondError(
        'HAYES_BAD_DIAL_STRING',
        `The number to dial has ${describeChar(char)} at position ${position}; allowed are digits, ` +
          "spaces and * # + , W P T ! @ (and ';' at the end where allowed).",
        { position, character: describeChar(char) },
      );
    }
  }

  if (trimmed.length > MAX_DIAL_LENGTH) {
    throw new DialbondError(
      'HAYES_BAD_DIAL_STRING',
      `The number to dial is ${trimmed.length} characters long; at most ${MAX_DIAL_LENGTH} are allowed.`,
      { length: trimmed.length, max: MAX_DIAL_LENGTH },
    );
  }
  return trimmed;
}

/**
 * Checks one configured AT command line and returns it unchanged.
 *
 * It must start with `AT` (either case, V.250 5.2.1) or be exactly `A/` (repeat last
 * command, V.250 5.2.4), contain only printable ASCII (no CR, LF, NUL or other control
 * character, no DEL, nothing >= 0x80, so one configured value can never become two
 * commands), and be at most 256 characters long.
 *
 * @param where names the source for the error message, e.g. `profile zoom-v34, init[1]`.
 * @throws DialbondError `HAYES_BAD_COMMAND`.
 */
export function validateCommand(command: string, where = 'AT command'): string {
  let offset = 0;
  for (const char of command) {
    const code = char.codePointAt(0) ?? 0;
    offset += char.length;
    if (code < 0x20 || code >= 0x7f) {
      const position = offset - char.length + 1;
      throw new DialbondError(
        'HAYES_BAD_COMMAND',
        `${where}: character ${describeChar(char)} at position ${position} is not allowed; an AT command ` +
          'may only contain printable ASCII (0x20-0x7E), one command per entry.',
        { where, position, character: describeChar(char) },
      );
    }
  }

  if (command.toUpperCase() !== 'A/' && !/^AT/i.test(command)) {
    throw new DialbondError(
      'HAYES_BAD_COMMAND',
      `${where}: an AT command must start with "AT" (or be exactly "A/"); write it in full, e.g. "ATZ".`,
      { where },
    );
  }

  if (command.length > MAX_COMMAND_LENGTH) {
    throw new DialbondError(
      'HAYES_BAD_COMMAND',
      `${where}: the command is ${command.length} characters long; at most ${MAX_COMMAND_LENGTH} are allowed ` +
        '(many modems take fewer: split it into several commands).',
      { where, length: command.length, max: MAX_COMMAND_LENGTH },
    );
  }
  return command;
}

/** A dial prefix ends with the dial command and at most one of its T/P modifiers. */
const DIAL_PREFIX_END = /D[TP]?$/i;

/**
 * Builds a dial command line (without its CR) from a prefix and a number:
 * `{ number: '555 1234' }` -> `ATDT555 1234`.
 *
 * The prefix (default `ATDT`, tone) must be a valid command ending in `D`, `DT` or `DP`
 * (settings before it are fine: `ATX3DT` dials without waiting for a dial tone).
 *
 * @throws DialbondError `HAYES_BAD_DIAL_STRING` for the number, `HAYES_BAD_COMMAND` for the
 *   prefix or when the whole line is too long.
 */
export function buildDialCommand(options: { prefix?: string; number: string; allowSemicolon?: boolean }): string {
  const prefix = validateCommand(options.prefix ?? 'ATDT', 'dial prefix');
  if (!DIAL_PREFIX_END.test(prefix)) {
    throw new DialbondError(
      'HAYES_BAD_COMMAND',
      'dial prefix: it must end with the dial command D, DT or DP (e.g. "ATDT"), since the number follows it.',
      { where: 'dial prefix' },
    );
  }
  const number = validateDialString(options.number, { allowSemicolon: options.allowSemicolon === true });
  return validateCommand(prefix + number, 'dial command');
}

/**
 * Terminates a command line with CR, the default command line termination character
 * (V.250 6.2.1, S3 = 13). As a last guard it refuses a command that already contains CR
 * or LF, which would send two command lines.
 *
 * @throws DialbondError `HAYES_BAD_COMMAND` when `command` contains CR or LF.
 */
export function commandLine(command: string): string {
  const index = command.search(/[\r\n]/);
  if (index !== -1) {
    throw new DialbondError(
      'HAYES_BAD_COMMAND',
      `command: character ${describeChar(command[index] as string)} at position ${index + 1} would end the command line early.`,
      { where: 'command', position: index + 1 },
    );
  }
  return `${command}\r`;
}

/** Upper case, without blanks or line ends: the form echo comparison works on. */
function echoForm(text: string): string {
  return text.replace(/[\s]+/g, '').toUpperCase();
}

/**
 * Whether a framed line is the modem's echo (ATE1, V.250 6.2.4) of the command we sent.
 * Compares case-insensitively and ignoring blanks, since modems may change case or drop
 * the spaces, and the framer has already taken off the CR. `sentCommand` may be given with
 * or without its CR.
 */
export function isEcho(line: string, sentCommand: string): boolean {
  const sent = echoForm(sentCommand);
  return sent.length > 0 && echoForm(line) === sent;
}

/**
 * The body length V.250 5.2.4 guarantees every DCE accepts (characters after "AT"). A
 * command line that rides an init on the dial stays within it, so no modem truncates it.
 */
export const GUARANTEED_BODY_LENGTH = 40;

/**
 * One command line that runs `init` and then dials: `ATQ0 V1 E1` and `ATDT5551234` become
 * `ATQ0 V1 E1DT5551234`. V.250 5.2.1 executes a line's commands in order, and D takes the
 * rest of the line (6.3.1, so a "+" in the number is no extended command), and the modem
 * applies the init and dials with one round trip less. Null where that is not safe: an init with a reset (Z ignores the rest of its line),
 * an extended command (`+...`, `;`, quotes: GSM modems differ in what they accept after
 * them), or a body longer than V.250 guarantees.
 */
export function initOnDialLine(init: string, dial: string): string | null {
  const initBody = /^AT/i.exec(init) ? init.slice(2) : null;
  const dialBody = /^AT/i.exec(dial) ? dial.slice(2) : null;
  if (initBody === null || dialBody === null || !/^D/i.test(dialBody.trimStart())) return null;
  if (/[Z+;"]/i.test(initBody)) return null;
  const body = `${initBody.trimEnd()}${dialBody.trimStart()}`;
  return body.length <= GUARANTEED_BODY_LENGTH ? `${init.slice(0, 2)}${body}` : null;
}

/**
 * Whether a command line holds a command that starts or resumes a call: D (dial), A
 * (answer) or O (back online), V.250 6.3. Only those can end in NO CARRIER, BUSY, NO
 * DIALTONE, NO ANSWER, DELAYED (6.3.1's result codes); the same words after any other
 * command are a leftover of the last call (a modem says NO CARRIER when the carrier goes,
 * whoever listens). Walks the basic commands as a modem does: a letter and its number,
 * `&X`/`\X`/`%X` and their number, `Sn=v` or `Sn?`, and D takes the rest of the line;
 * an extended command (`+...`) runs to its `;`.
 */
export function startsCall(command: string): boolean {
  const body = (/^AT/i.test(command) ? command.slice(2) : command).toUpperCase();
  let i = 0;
  const skipNumber = (): void => {
    while (i < body.length && /[0-9]/.test(body[i] as string)) i++;
  };
  while (i < body.length) {
    const c = body[i] as string;
    if (c === ' ') {
      i++;
    } else if (c === 'D' || c === 'A' || c === 'O') {
      return true;
    } else if (c === '+' || c === '^' || c === '$') {
      const end = body.indexOf(';', i);
      if (end === -1) return false;
      i = end + 1;
    } else if (c === '&' || c === '\\' || c === '%') {
      i += 2;
      skipNumber();
    } else if (c === 'S') {
      i++;
      skipNumber();
      if (body[i] === '?') i++;
      else if (body[i] === '=') {
        i++;
        skipNumber();
      }
    } else {
      i++;
      skipNumber();
    }
  }
  return false;
}
