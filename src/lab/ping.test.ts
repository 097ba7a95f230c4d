import { describe, expect, it } from 'vitest';
import { parsePingReplies, parsePingTransmitted } from './ping.js';

describe('parsePingReplies', () => {
  it("reads each reply's sequence number and time, and nothing from other lines", () => {
    const out = ['PING 198.51.100.100 (198.51.100.100) from 203.0.113.100 : 56(84) bytes of data.', '64 bytes from 198.51.100.100: icmp_seq=1 ttl=63 time=52.4 ms', '64 bytes from 198.51.100.100: icmp_seq=3 ttl=63 time=1204 ms', '64 bytes from 198.51.100.100: icmp_seq=12 ttl=63 time=61 ms', '', '--- 198.51.100.100 ping statistics ---', '3 packets transmitted, 2 received, 33% packet loss, time 402ms', 'rtt min/avg/max/mdev = 52.4/628.2/1204/575.8 ms'].join('\n');
    expect(parsePingReplies(out)).toEqual([
      { seq: 1, ms: 52.4 },
      { seq: 3, ms: 1204 },
      { seq: 12, ms: 61 },
    ]);
    expect(parsePingTransmitted(out)).toBe(3);
    expect(parsePingTransmitted('PING x')).toBeUndefined();
  });
});
