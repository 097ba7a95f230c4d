import { describe, it, expect } from 'vitest';
import { LineFramer, type FramerEvent } from './framer.js';

/** Bytes of a string taken one char = one byte, so tests can write 8-bit garbage as \xNN. */
function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function lines(events: FramerEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'line' ? [e.text] : []));
}

function discarded(events: FramerEvent[], reason: 'overflow' | 'garbage'): number {
  return events.reduce((sum, e) => (e.type === 'discarded' && e.reason === reason ? sum + e.bytes : sum), 0);
}

/** Deterministic PRNG (mulberry32), so the random stream is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent, whole-buffer model of the framing rules: split at every CR/LF, drop
 * garbage bytes, drop segments longer than max (counting them as overflow), trim blanks,
 * drop empty lines.
 */
function referenceFrame(data: Uint8Array, max: number): { lines: string[]; garbage: number; overflow: number; partial: string } {
  const out: string[] = [];
  let garbage = 0;
  let overflow = 0;
  let current: number[] = [];
  const finish = (): void => {
    if (current.length > max) overflow += current.length;
    else {
      const text = String.fromCharCode(...current).replace(/^[ \t]+|[ \t]+$/g, '');
      if (text !== '') out.push(text);
    }
    current = [];
  };
  for (const b of data) {
    if (b === 0x0d || b === 0x0a) finish();
    else if ((b < 0x20 && b !== 0x09) || b >= 0x7f) garbage++;
    else current.push(b);
  }
  let partial = '';
  if (current.length > max) overflow += current.length;
  else partial = String.fromCharCode(...current);
  return { lines: out, garbage, overflow, partial };
}

describe('LineFramer line ends', () => {
  const variants: Array<[string, string]> = [
    ['CR LF', '\r\n'],
    ['LF only', '\n'],
    ['CR only', '\r'],
    ['CR CR LF', '\r\r\n'],
    ['LF CR', '\n\r'],
  ];

  for (const [name, end] of variants) {
    it(`ends lines on ${name}`, () => {
      const framer = new LineFramer();
      const events = framer.push(`${end}OK${end}${end}+CSQ: 17,99${end}`);
      expect(events).toEqual([
        { type: 'line', text: 'OK' },
        { type: 'line', text: '+CSQ: 17,99' },
      ]);
      expect(framer.partial).toBe('');
    });
  }

  it('treats mixed line-end runs as one end and drops the empty lines between', () => {
    const framer = new LineFramer();
    expect(lines(framer.push('A\r\n\r\n\n\r\r\rB\n\r\n\rC\r'))).toEqual(['A', 'B', 'C']);
  });

  it('drops blank lines made only of spaces and tabs', () => {
    const framer = new LineFramer();
    expect(framer.push(' \t  \r\n\t\r\n')).toEqual([]);
  });

  it('trims surrounding spaces and tabs but keeps inner ones', () => {
    const framer = new LineFramer();
    expect(lines(framer.push('  \tOK \t\r\n a\tb  c \r\n'))).toEqual(['OK', 'a\tb  c']);
  });

  it('keeps a line that arrives one byte per push', () => {
    const framer = new LineFramer();
    const events = [...'\r\nNO CARRIER\r\n'].flatMap((c) => framer.push(c));
    expect(events).toEqual([{ type: 'line', text: 'NO CARRIER' }]);
  });
});

describe('LineFramer garbage', () => {
  it('removes NUL bytes inside a line and reports them', () => {
    const framer = new LineFramer();
    const events = framer.push(bytes('O\x00K\x00\r\n'));
    expect(events).toEqual([
      { type: 'line', text: 'OK' },
      { type: 'discarded', bytes: 2, reason: 'garbage' },
    ]);
  });

  it('removes 8-bit garbage, other C0 controls and DEL, coalesced into one event per push', () => {
    const framer = new LineFramer();
    const events = framer.push(bytes('\xffNO \x80CAR\x1bRIER\x7f\x07\r\n\xfe\xc0BUSY\r\n\x01'));
    expect(events).toEqual([
      { type: 'line', text: 'NO CARRIER' },
      { type: 'line', text: 'BUSY' },
      { type: 'discarded', bytes: 8, reason: 'garbage' },
    ]);
  });

  it('keeps TAB, which is not garbage', () => {
    const framer = new LineFramer();
    const events = framer.push('a\tb\r\n');
    expect(events).toEqual([{ type: 'line', text: 'a\tb' }]);
  });

  it('reports garbage even when no line is completed', () => {
    const framer = new LineFramer();
    expect(framer.push(bytes('\x00\x00\xff'))).toEqual([{ type: 'discarded', bytes: 3, reason: 'garbage' }]);
    expect(framer.partial).toBe('');
  });

  it('encodes string input as UTF-8, so non-ASCII counts as garbage bytes', () => {
    const framer = new LineFramer();
    // 'é' is two bytes in UTF-8, '€' three.
    expect(framer.push('Caf\u00e9 \u20ac OK\r\n')).toEqual([
      { type: 'line', text: 'Caf  OK' },
      { type: 'discarded', bytes: 5, reason: 'garbage' },
    ]);
  });

  it('is not confused by a multi-byte sequence split across pushes', () => {
    const framer = new LineFramer();
    const euro = new TextEncoder().encode('\u20ac'); // e2 82 ac
    const events = [
      ...framer.push(Uint8Array.of(0x4f, euro[0] as number)),
      ...framer.push(Uint8Array.of(euro[1] as number)),
      ...framer.push(Uint8Array.of(euro[2] as number, 0x4b, 0x0d)),
    ];
    expect(lines(events)).toEqual(['OK']);
    expect(discarded(events, 'garbage')).toBe(3);
  });
});

describe('LineFramer partial text (prompts)', () => {
  it('exposes a login prompt that has no line end', () => {
    const framer = new LineFramer();
    expect(framer.push('Welcome to the ISP\r\nlogin: ')).toEqual([{ type: 'line', text: 'Welcome to the ISP' }]);
    expect(framer.partial).toBe('login: ');
  });

  it('exposes a "> " prompt untrimmed', () => {
    const framer = new LineFramer();
    framer.push('AT+CMGS=20\r\r\n> ');
    expect(framer.partial).toBe('> ');
  });

  it('builds the partial across pushes and without garbage', () => {
    const framer = new LineFramer();
    framer.push(bytes('Pass'));
    framer.push(bytes('\x00wo\xffrd: '));
    expect(framer.partial).toBe('Password: ');
  });

  it('takePartial returns the prompt once and the rest of the line starts fresh', () => {
    const framer = new LineFramer();
    framer.push('login: ');
    expect(framer.takePartial()).toBe('login: ');
    expect(framer.partial).toBe('');
    expect(framer.takePartial()).toBe('');
    expect(framer.push('user\r\n')).toEqual([{ type: 'line', text: 'user' }]);
  });

  it('without takePartial the prompt becomes part of the next line', () => {
    const framer = new LineFramer();
    framer.push('login: ');
    expect(framer.push('user\r\n')).toEqual([{ type: 'line', text: 'login: user' }]);
    expect(framer.partial).toBe('');
  });

  it('reset forgets the partial text', () => {
    const framer = new LineFramer();
    framer.push('CONN');
    framer.reset();
    expect(framer.partial).toBe('');
    expect(framer.push('OK\r\n')).toEqual([{ type: 'line', text: 'OK' }]);
  });
});

describe('LineFramer overflow', () => {
  it('keeps a line of exactly maxLineLength', () => {
    const framer = new LineFramer({ maxLineLength: 8 });
    expect(framer.push('12345678\r\n')).toEqual([{ type: 'line', text: '12345678' }]);
  });

  it('discards a line with no end, reports it, and resyncs after the next CR', () => {
    const framer = new LineFramer({ maxLineLength: 16 });
    expect(framer.push('A'.repeat(20))).toEqual([{ type: 'discarded', bytes: 20, reason: 'overflow' }]);
    expect(framer.partial).toBe('');
    expect(framer.push('B'.repeat(5))).toEqual([{ type: 'discarded', bytes: 5, reason: 'overflow' }]);
    expect(framer.partial).toBe('');
    // The tail of the overlong line before the CR is discarded too; then framing resumes.
    expect(framer.push('CC\rOK\r\n')).toEqual([
      { type: 'discarded', bytes: 2, reason: 'overflow' },
      { type: 'line', text: 'OK' },
    ]);
  });

  it('reports overflow in order with the lines of the same push', () => {
    const framer = new LineFramer({ maxLineLength: 4 });
    expect(framer.push('OK\r\nTOOLONG\r\nBUSY\r\nXXXXXX')).toEqual([
      { type: 'line', text: 'OK' },
      { type: 'discarded', bytes: 7, reason: 'overflow' },
      { type: 'line', text: 'BUSY' },
      { type: 'discarded', bytes: 6, reason: 'overflow' },
    ]);
  });

  it('counts the limit in kept characters, not garbage bytes', () => {
    const framer = new LineFramer({ maxLineLength: 4 });
    expect(lines(framer.push(bytes('\x00\x00\x00\x00\x00OK\xff\xff\xff\r\n')))).toEqual(['OK']);
  });

  it('reset leaves the discarding state', () => {
    const framer = new LineFramer({ maxLineLength: 4 });
    framer.push('XXXXXXXX');
    framer.reset();
    expect(framer.push('OK\r\n')).toEqual([{ type: 'line', text: 'OK' }]);
  });

  it('keeps memory bounded on 1 MB without any line end', () => {
    const framer = new LineFramer({ maxLineLength: 64 });
    const chunk = new Uint8Array(4096).fill(0x41);
    let overflow = 0;
    for (let i = 0; i < 256; i++) {
      const events = framer.push(chunk);
      expect(lines(events)).toEqual([]);
      overflow += discarded(events, 'overflow');
      expect(framer.partial.length).toBeLessThanOrEqual(64);
    }
    expect(overflow).toBe(1024 * 1024);
    expect(framer.push('\r\nOK\r\n')).toEqual([{ type: 'line', text: 'OK' }]);
  });

  it('rejects a maxLineLength that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new LineFramer({ maxLineLength: bad })).toThrow(RangeError);
    }
  });

  it('defaults maxLineLength to 512', () => {
    const framer = new LineFramer();
    expect(lines(framer.push(`${'x'.repeat(512)}\r\n`))).toEqual(['x'.repeat(512)]);
    expect(discarded(framer.push(`${'x'.repeat(513)}\r\n`), 'overflow')).toBe(513);
  });
});

describe('LineFramer on 1 MB of random bytes', () => {
  const SIZE = 1024 * 1024;
  const MAX = 128;
  const random = mulberry32(0x5eed);
  const data = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) data[i] = Math.floor(random() * 256);
  // Long stretches of printable text without line ends, so overflow is exercised too.
  for (let start = 1000; start + 600 < SIZE; start += 50_000) {
    for (let i = start; i < start + 600; i++) data[i] = 0x41 + (i % 26);
  }

  it('finishes fast, holds at most maxLineLength, and matches an independent model', () => {
    const framer = new LineFramer({ maxLineLength: MAX });
    const chunkSize = mulberry32(42);
    const got: string[] = [];
    let garbage = 0;
    let overflow = 0;
    let pushes = 0;
    const started = performance.now();
    for (let offset = 0; offset < SIZE; pushes++) {
      const size = 1 + Math.floor(chunkSize() * 4096);
      const events = framer.push(data.subarray(offset, offset + size));
      offset += size;
      for (const e of events) {
        if (e.type === 'line') got.push(e.text);
        else if (e.reason === 'garbage') garbage += e.bytes;
        else overflow += e.bytes;
      }
      // The only state the framer keeps is the partial line: it must stay bounded.
      expect(framer.partial.length).toBeLessThanOrEqual(MAX);
    }
    const elapsed = performance.now() - started;

    const expected = referenceFrame(data, MAX);
    expect(pushes).toBeGreaterThan(100);
    expect(got.length).toBeGreaterThan(1000);
    expect(got.every((line) => line.length <= MAX && line.length > 0)).toBe(true);
    expect(got).toEqual(expected.lines);
    expect(garbage).toBe(expected.garbage);
    expect(overflow).toBe(expected.overflow);
    expect(overflow).toBeGreaterThan(0);
    expect(framer.partial).toBe(expected.partial);
    // Generous: linear work on 1 MB takes tens of milliseconds; quadratic would take minutes.
    expect(elapsed).toBeLessThan(5000);
  });

  it('gives the same result byte by byte as in one push (first 64 KB)', () => {
    const slice = data.subarray(0, 64 * 1024);
    const whole = new LineFramer({ maxLineLength: MAX }).push(slice);
    const framer = new LineFramer({ maxLineLength: MAX });
    const single: FramerEvent[] = [];
    for (let i = 0; i < slice.length; i++) single.push(...framer.push(slice.subarray(i, i + 1)));
    expect(lines(single)).toEqual(lines(whole));
    expect(discarded(single, 'garbage')).toBe(discarded(whole, 'garbage'));
    expect(discarded(single, 'overflow')).toBe(discarded(whole, 'overflow'));
  });
});
