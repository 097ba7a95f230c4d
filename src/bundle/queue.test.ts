import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE_SHARE, MIN_SHAPED_MEMORY, drainRate, multilinkSplit, packetBitRate, rootQdisc, shapedMemory } from './queue.js';

describe('rootQdisc', () => {
  it('shapes one line with CAKE under its packet rate (8 of every 10 bits on an 8N1 line), counting PPP framing per packet', () => {
    expect(packetBitRate(115200)).toBe(92160);
    expect(rootQdisc(undefined, [115200])).toEqual(['cake', 'bandwidth', `${Math.floor(92160 * DEFAULT_SHAPE_SHARE)}bit`, 'overhead', '7', 'memlimit', '6144', 'besteffort', 'flows']);
    expect(rootQdisc({ share: 0.9 }, [28800])).toEqual(['cake', 'bandwidth', '20736bit', 'overhead', '7', 'memlimit', '6144', 'besteffort', 'flows']);
  });

  it("shapes a master at its lines' summed rate; one that deals its lines fixed shares only while the shares follow the rates", () => {
    expect(rootQdisc({ share: 1 }, [115200, 28800])).toEqual(['cake', 'bandwidth', '115200bit', 'overhead', '7', 'memlimit', '7920', 'besteffort', 'flows']);
    expect(rootQdisc({ share: 1 }, [115200, 28800], { splitBy: [1, 1] })).toEqual(['sfq', 'limit', '60', 'perturb', '10']);
    expect(rootQdisc({ share: 1 }, [115200, 96000], { splitBy: [1, 1] })?.[0]).toBe('cake');
    // multilink whose ttys say the lines' rates deals 4:1 to lines 4:1 apart
    expect(rootQdisc({ share: 1 }, [115200, 28800], { splitBy: multilinkSplit([{ ttyRateBps: 115200 }, { ttyRateBps: 28800 }]) })?.[0]).toBe('cake');
    // ... and evenly where one tty's rate is not known, or both say the DTE rate
    expect(multilinkSplit([{ ttyRateBps: 115200 }, {}])).toEqual([1, 1]);
    expect(rootQdisc({ share: 1 }, [115200, 28800], { splitBy: multilinkSplit([{ ttyRateBps: 115200 }, { ttyRateBps: 115200 }]) })?.[0]).toBe('sfq');
  });

  it('falls back to an SFQ of the per-line size when shaping is off or a rate is unknown, and to nothing with no queue asked for', () => {
    expect(rootQdisc({ shape: false }, [115200, 115200])).toEqual(['sfq', 'limit', '60', 'perturb', '10']);
    expect(rootQdisc(undefined, [115200, undefined])).toEqual(['sfq', 'limit', '60', 'perturb', '10']);
    expect(rootQdisc({ packetsPerLine: 10 }, [undefined])).toEqual(['sfq', 'limit', '10', 'perturb', '10']);
    expect(rootQdisc({ shape: false, packetsPerLine: 0 }, [115200])).toBeNull();
  });
});

describe('shapedMemory', () => {
  it("holds about half a second of the shaper's byte rate, and a couple of full packets on the slowest lines", () => {
    // 2 x 115200 shaped at the sum: 23040 bytes a second, 0.55 s of it
    expect(shapedMemory(184320)).toBe(12672);
    expect(shapedMemory(4 * 92160)).toBe(25344);
    // one line of 115200 under the default share, and 28800: the floor
    expect(shapedMemory(87552)).toBe(MIN_SHAPED_MEMORY);
    expect(shapedMemory(21888)).toBe(MIN_SHAPED_MEMORY);
    // it grows with the rate, so the queue it allows stays the same in time
    expect(shapedMemory(2_000_000) / shapedMemory(1_000_000)).toBeCloseTo(2, 3);
  });

  it("is CAKE's memlimit wherever a device is shaped", () => {
    const words = rootQdisc({ share: 1 }, [115200, 115200]) as string[];
    expect(words[words.indexOf('memlimit') + 1]).toBe(String(shapedMemory(184320)));
  });
});

describe('drainRate', () => {
  it("is the shaper's rate on a shaped line and the line's packet rate on an unshaped one", () => {
    expect(drainRate(undefined, 57600)).toBe(Math.floor(46080 * DEFAULT_SHAPE_SHARE));
    expect(drainRate({ share: 0.9 }, 28800)).toBe(20736);
    expect(drainRate({ shape: false }, 28800)).toBe(23040);
  });
});
