import { describe, expect, it } from 'vitest';
import type { LinkConfig, ModemLinkConfig } from './types.js';
import { lineRateOf } from './line-rate.js';

const modem = (extra: Partial<ModemLinkConfig> = {}) => ({ kind: 'modem', device: '/dev/ttyS0', profile: { baudRate: 115200 }, ...extra }) as unknown as LinkConfig;

describe('lineRateOf', () => {
  it("takes a UART modem's CONNECT speed, capped by the port's rate", () => {
    expect(lineRateOf(modem(), { connectSpeed: 28800, port: 'wire' })).toBe(28800);
    expect(lineRateOf(modem(), { connectSpeed: 7_200_000, port: 'wire' })).toBe(115200);
    expect(lineRateOf(modem({ baudRate: 57600 }), { connectSpeed: 7_200_000, port: 'wire' })).toBe(57600);
    expect(lineRateOf(modem(), { connectSpeed: null, port: 'wire' })).toBe(115200);
  });

  it("takes the CONNECT speed alone where the port's rate moves nothing (USB modem functions, ptys)", () => {
    expect(lineRateOf(modem({ device: '/dev/ttyACM0' }), { connectSpeed: 7_200_000, port: 'free' })).toBe(7_200_000);
    expect(lineRateOf(modem({ device: '/dev/ttyUSB2' }), { connectSpeed: null, port: 'free' })).toBeUndefined();
  });

  it("lets the link's own rate win, and knows none for a pty link", () => {
    expect(lineRateOf(modem({ rate: 24000 }), { connectSpeed: 28800, port: 'wire' })).toBe(24000);
    const pty = { kind: 'pty', command: ['ssh'] } as unknown as LinkConfig;
    expect(lineRateOf(pty, { connectSpeed: null, port: 'free' })).toBeUndefined();
    expect(lineRateOf({ ...pty, rate: 64000 } as LinkConfig, { connectSpeed: null, port: 'free' })).toBe(64000);
  });
});
