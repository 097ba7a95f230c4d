import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

function pacer(options: { bytesPerSecond: number; highWaterMark?: number; accept?: () => boolean }) {
  const clock = new SimulatedClock();
  const sent: Buffer[] = [];
  let drains = 0;
  const p = new Pacer({
    clock,
    bytesPerSecond: options.bytesPerSecond,
    highWaterMark: options.highWaterMark,
    sink: (chunk) => {
      sent.push(chunk);
      return options.accept ? options.accept() : true;
    },
    onDrain: () => drains++,
  });
  const total = (): number => sent.reduce((n, b) => n + b.length, 0);
  /** Advances simulated time in 10 ms steps, as timers would fire. */
  const run = (ms: number): void => {
    for (let t = 0; t < ms; t += 10) clock.increment(10);
  };
  return { clock, p, sent, total, run, drains: () => drains };
}

describe('Pacer', () => {
  it('releases bytes at the line rate', () => {
    const { p, total, run } = pacer({ bytesPerSecond: 960, highWaterMark: 100_000 });
    p.push(Buffer.alloc(2000, 0x55));
    run(1000);
    expect(total()).toBeGreaterThanOrEqual(940);
    expect(total()).toBeLessThanOrEqual(980);
    run(1100);
    expect(total()).toBe(2000);
  });

  it('answers false above the high-water mark and drains below half of it', () => {
    const { p, run, drains } = pacer({ bytesPerSecond: 1000, highWaterMark: 256 });
    expect(p.push(Buffer.alloc(200))).toBe(true);
    expect(p.push(Buffer.alloc(100))).toBe(false);
    expect(drains()).toBe(0);
    run(100); // ~100 bytes gone, 200 left: not below 128 yet
    expect(drains()).toBe(0);
    run(100);
    expect(drains()).toBe(1);
    expect(p.queued).toBeLessThan(128);
  });

  it('holds while the sink is full, until released', () => {
    let accept = false;
    const { p, total, run } = pacer({ bytesPerSecond: 1000, accept: () => accept });
    p.push(Buffer.alloc(100));
    run(50);
    const first = total();
    expect(first).toBeGreaterThan(0);
    run(500);
    expect(total()).toBe(first); // one refused chunk, then nothing
    accept = true;
    p.release('sink');
    run(200);
    expect(total()).toBe(100);
  });

  it('does not burst after a long idle time', () => {
    const { p, clock, total, run } = pacer({ bytesPerSecond: 1000, highWaterMark: 100_000 });
    clock.increment(60_000);
    p.push(Buffer.alloc(1000));
    run(10);
    expect(total()).toBeLessThanOrEqual(50);
  });

  it('keeps the line rate when its timer fires late, as on a loaded machine', () => {
    const { p, clock, total } = pacer({ bytesPerSecond: 1000, highWaterMark: 100_000 });
    p.push(Buffer.alloc(5000));
    // the timers fire every 250 ms instead of every 10 ms
    for (let t = 0; t < 2000; t += 250) clock.increment(250);
    expect(total()).toBeGreaterThanOrEqual(1950);
    expect(total()).toBeLessThanOrEqual(2010);
  });

  it('stops for a named hold and resumes on release', () => {
    const { p, total, run } = pacer({ bytesPerSecond: 1000 });
    p.hold('command-state');
    p.push(Buffer.alloc(50));
    run(500);
    expect(total()).toBe(0);
    p.release('command-state');
    run(100);
    expect(total()).toBe(50);
  });

  it('resolves whenEmpty once everything is sent, or after its bound', async () => {
    const { p, run } = pacer({ bytesPerSecond: 1000 });
    p.push(Buffer.alloc(100));
    let emptied = false;
    const waiting = p.whenEmpty(10_000).then(() => (emptied = true));
    run(50);
    await Promise.resolve();
    expect(emptied).toBe(false);
    run(100);
    await waiting;
    expect(emptied).toBe(true);

    p.hold('forever');
    p.push(Buffer.alloc(10));
    const bounded = p.whenEmpty(300);
    run(300);
    await bounded;
    expect(p.queued).toBe(10);
    p.dispose();
    expect(p.queued).toBe(0);
  });
});
