import { describe, expect, it } from 'vitest';
import type { LinkConfig, ModemLinkConfig } from '../link/index.js';
import { isUsbTty, lineRateOf } from './line-rate.js';

const modem = (extra: Partial<ModemLinkConfig> = {}) => ({ kind: 'modem', device: '/dev/ttyS0', profile: { baudRate: 115200 }, ...extra }) as unknown as LinkConfig;

describe('lineRateOf', () => {
  it("takes a UART modem's CONNECT speed, capped by the port's rate", () => {
    expect(lineRateOf(modem(), { connectSpeed: 28800, kernelName: 'ttyS0' })).toBe(28800);
    expect(lineRateOf(modem(), { connectSpeed: 7_200_000, kernelName: 'ttyS0' })).toBe(115200);
    expect(lineRateOf(modem({ baudRate: 57600 }), { connectSpeed: 7_200_000, kernelName: 'ttyS0' })).toBe(57600);
    expect(lineRateOf(modem(), { connectSpeed: null, kernelName: 'ttyS0' })).toBe(115200);
  });

  it("takes a USB modem's CONNECT speed alone: its tty's rate moves nothing", () => {
    expect(lineRateOf(modem({ device: '/dev/ttyACM0' }), { connectSpeed: 7_200_000, kernelName: 'ttyACM0' })).toBe(7_200_000);
    expect(lineRateOf(modem({ match: { usb: '1199:68c0' } } as Partial<ModemLinkConfig>), { connectSpeed: 236800, kernelName: 'x' })).toBe(236800);
    expect(lineRateOf(modem({ device: '/dev/ttyUSB2' }), { connectSpeed: null, kernelName: 'ttyUSB2' })).toBeUndefined();
    expect(isUsbTty('ttyUSB10')).toBe(true);
    expect(isUsbTty('ttyS1')).toBe(false);
  });

  it("lets the link's own rate win, and knows none for a pty link", () => {
    expect(lineRateOf(modem(), { configured: 24000, connectSpeed: 28800, kernelName: 'ttyS0' })).toBe(24000);
    const pty = { kind: 'pty', command: ['ssh'] } as unknown as LinkConfig;
    expect(lineRateOf(pty, { connectSpeed: null, kernelName: '' })).toBeUndefined();
    expect(lineRateOf(pty, { configured: 64000, connectSpeed: null, kernelName: '' })).toBe(64000);
  });
});
