import { describe, expect, it } from 'vitest';
import { LineSplitter, type SplitEvent } from './lines.js';

const lines = (events: SplitEvent[]) => events.map((e) => (e.type === 'line' ? e.line : `!${e.cut}`));

describe('LineSplitter', () => {
  it('joins lines split across chunks, anywhere, and takes LF or CR LF as the end', () => {
    const s = new LineSplitter(100);
    expect(lines(s.push('one\r\ntw'))).toEqual(['one']);
    expect(lines(s.push('o\r'))).toEqual([]);
    expect(lines(s.push('\nthree\n\n'))).toEqual(['two', 'three', '']);
    expect(lines(s.end())).toEqual([]);
  });

  it('decodes UTF-8 split between chunks', () => {
    const s = new LineSplitter(100);
    const bytes = Buffer.from('grüße\n', 'utf8');
    expect(lines(s.push(bytes.subarray(0, 3)))).toEqual([]);
    expect(lines(s.push(bytes.subarray(3)))).toEqual(['grüße']);
  });

  it('bounds a line in bytes: the overflow carries its beginning and the rest up to the newline is dropped', () => {
    const s = new LineSplitter(8);
    expect(lines(s.push('12345678\n'))).toEqual(['12345678']); // at the bound, whole
    expect(lines(s.push('123456789'))).toEqual(['!12345678']);
    expect(lines(s.push('more of the same line'))).toEqual([]);
    expect(lines(s.push('...\nnext\n'))).toEqual(['next']);
    // whole characters only: "ü" is two bytes and does not fit the eighth byte
    expect(lines(new LineSplitter(8).push('abcdefgü\n'))).toEqual(['!abcdefg']);
  });

  it('a peer that never sends a newline cannot grow it: memory stays at the bound', () => {
    const s = new LineSplitter(1024);
    let overflows = 0;
    for (let i = 0; i < 1000; i++) overflows += s.push('x'.repeat(10_000)).filter((e) => e.type === 'overflow').length;
    expect(overflows).toBe(1);
    expect(lines(s.push('\nok\n'))).toEqual(['ok']);
  });

  it('gives a last line without a newline at the end, but not a dropped one', () => {
    const s = new LineSplitter(4);
    s.push('ab');
    expect(lines(s.end())).toEqual(['ab']);
    s.push('abcdef');
    expect(lines(s.end())).toEqual([]);
  });
});
