/**
 * Splits the body of an AT command line (what follows `AT`, without the terminating S3)
 * into commands, per ITU-T V.250 5.2-5.4:
 * - basic commands are a letter, or `&`/`%`/`\` and a letter, with an optional decimal value
 *   (`E0`, `&C1`, `%E2`, `\N3`); a missing value means 0 (V.250 5.3.1);
 * - S-parameters are `Sn=v`, `Sn?` and `Sn` (select, then `?` reads it: Hayes);
 * - `D` takes the rest of the line as its dial string (V.250 6.3.1);
 * - extended commands start with `+` and end at `;` or the end of the line (V.250 5.4);
 * - spaces are ignored outside quoted strings, and letters are case-insensitive (V.250 5.2.1).
 * A command that cannot be parsed yields an `invalid` token; the commands before it still run
 * and the line then answers ERROR (V.250 5.2.4).
 */

/** One command of a command line. */
export type CommandToken =
  | { kind: 'basic'; name: string; value: number | undefined; text: string }
  | { kind: 'sreg'; register: number; op: 'set'; value: number; text: string }
  | { kind: 'sreg'; register: number; op: 'query' | 'select'; text: string }
  | { kind: 'query-selected'; text: string }
  | { kind: 'dial'; dialString: string; text: string }
  | { kind: 'extended'; name: string; op: 'exec' | 'set' | 'query' | 'test'; args: string; text: string }
  | { kind: 'invalid'; text: string };

/** Letters that are basic commands of V.250 or the Hayes set (others answer ERROR). */
const BASIC_LETTERS = new Set('ABCEFHILMNOPQTVWXYZ'.split(''));

/** Uppercases and removes spaces outside double-quoted strings. */
export function canonicalize(body: string): string {
  let out = '';
  let quoted = false;
  for (const ch of body) {
    if (ch === '"') quoted = !quoted;
    if (quoted || ch === '"') {
      out += ch;
      continue;
    }
    if (ch === ' ' || ch < ' ') continue;
    out += ch.toUpperCase();
  }
  return out;
}

function readNumber(text: string, at: number): { value: number | undefined; end: number } {
  let end = at;
  while (end < text.length && text[end]! >= '0' && text[end]! <= '9') end++;
  return { value: end > at ? Number.parseInt(text.slice(at, end), 10) : undefined, end };
}

/** Tokenizes a command line body (after `AT`). Stops after the first invalid token. */
export function tokenizeCommandLine(body: string): CommandToken[] {
  const text = canonicalize(body);
  const tokens: CommandToken[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    const ch = text[i]!;
    if (ch === 'D') {
      tokens.push({ kind: 'dial', dialString: text.slice(i + 1), text: text.slice(i) });
      return tokens;
    }
    if (ch === 'S') {
      const reg = readNumber(text, i + 1);
      if (reg.value === undefined) {
        tokens.push({ kind: 'invalid', text: text.slice(start) });
        return tokens;
      }
      i = reg.end;
      if (text[i] === '=') {
        const val = readNumber(text, i + 1);
        // `ATS0=` with no value sets 0 (V.250 5.3.2: a missing value is 0).
        i = val.end;
        tokens.push({ kind: 'sreg', register: reg.value, op: 'set', value: val.value ?? 0, text: text.slice(start, i) });
      } else if (text[i] === '?') {
        i++;
        tokens.push({ kind: 'sreg', register: reg.value, op: 'query', text: text.slice(start, i) });
      } else {
        tokens.push({ kind: 'sreg', register: reg.value, op: 'select', text: text.slice(start, i) });
      }
      continue;
    }
    if (ch === '?') {
      tokens.push({ kind: 'query-selected', text: '?' });
      i++;
      continue;
    }
    if (ch === '+') {
      let j = i + 1;
      while (j < text.length && /[A-Z0-9!%\-./:_]/.test(text[j]!)) j++;
      const name = text.slice(i, j);
      if (name.length < 2) {
        tokens.push({ kind: 'invalid', text: text.slice(start) });
        return tokens;
      }
      // The arguments run to an unquoted `;` or the end of the line.
      let k = j;
      let quoted = false;
      while (k < text.length && (quoted || text[k] !== ';')) {
        if (text[k] === '"') quoted = !quoted;
        k++;
      }
      const rest = text.slice(j, k);
      let op: 'exec' | 'set' | 'query' | 'test' = 'exec';
      let args = '';
      if (rest === '?') op = 'query';
      else if (rest === '=?') op = 'test';
      else if (rest.startsWith('=')) {
        op = 'set';
        args = rest.slice(1);
      } else if (rest !== '') {
        tokens.push({ kind: 'invalid', text: text.slice(start, k) });
        return tokens;
      }
      tokens.push({ kind: 'extended', name, op, args, text: text.slice(start, k) });
      i = k < text.length ? k + 1 : k;
      continue;
    }
    let name: string;
    if (ch === '&' || ch === '%' || ch === '\\') {
      const letter = text[i + 1];
      if (letter === undefined || letter < 'A' || letter > 'Z') {
        tokens.push({ kind: 'invalid', text: text.slice(start) });
        return tokens;
      }
      name = ch + letter;
      i += 2;
    } else if (BASIC_LETTERS.has(ch)) {
      name = ch;
      i += 1;
    } else {
      tokens.push({ kind: 'invalid', text: text.slice(start) });
      return tokens;
    }
    const num = readNumber(text, i);
    i = num.end;
    tokens.push({ kind: 'basic', name, value: num.value, text: text.slice(start, i) });
  }
  return tokens;
}

/** V.250 caps nothing but requires at least 40 characters; 253 after `AT` keeps a line within
 * 255, the common modem buffer. Longer lines answer ERROR. */
export const MAX_COMMAND_BODY = 253;

/** What the assembler has found: a command line (`text` as typed, `body` after AT), or `A/`. */
export type AssembledLine = { kind: 'line'; text: string; body: string; overflow: boolean } | { kind: 'repeat' };

/**
 * Assembles command lines from the DTE's bytes (V.250 5.2.1): everything before `AT`/`at` is
 * ignored, the line ends at S3 (CR), S5 (BS) deletes, other control characters are dropped.
 * `A/` repeats the last line at once, without a terminator (V.250 6.2.2).
 */
export class LineAssembler {
  private hunt: 'idle' | 'a' | 'line' = 'idle';
  private prefix = 'AT';
  private body = '';
  private overflow = false;

  /** Whether a line is being collected (after AT, before S3). */
  get collecting(): boolean {
    return this.hunt === 'line';
  }

  /** Forgets any partial line. */
  reset(): void {
    this.hunt = 'idle';
    this.body = '';
  }

  /** Feeds one byte; answers a complete line, `repeat` for A/, or undefined. */
  feed(byte: number, s3: number, s5: number): AssembledLine | undefined {
    const ch = String.fromCharCode(byte);
    const upper = ch.toUpperCase();
    switch (this.hunt) {
      case 'idle':
        if (upper === 'A') this.hunt = 'a';
        return undefined;
      case 'a':
        if (upper === 'T') {
          this.hunt = 'line';
          this.prefix = `A${ch}`;
          this.body = '';
          this.overflow = false;
        } else if (ch === '/') {
          this.hunt = 'idle';
          return { kind: 'repeat' };
        } else if (upper !== 'A') {
          this.hunt = 'idle';
        }
        return undefined;
      case 'line':
        if (byte === s3) {
          this.hunt = 'idle';
          return { kind: 'line', text: this.prefix + this.body, body: this.body, overflow: this.overflow };
        }
        if (byte === s5) this.body = this.body.slice(0, -1);
        else if (byte >= 0x20 && byte !== 0x7f) {
          if (this.body.length >= MAX_COMMAND_BODY) this.overflow = true;
          else this.body += ch;
        }
        return undefined;
    }
  }
}
