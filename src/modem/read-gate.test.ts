import { describe, expect, it } from 'vitest';
import { LineFramer } from '../hayes/index.js';
import { chunkEvents } from './actors.js';
import { dtrModeOf } from './plan.js';
import { ConnectReadGate } from './read-gate.js';

/** Feeds `text` through the gate as the read loop would: one read of `ready()` bytes at a
 * time. Returns what was read before the gate stopped (or everything). */
async function readThrough(gate: ConnectReadGate, text: string): Promise<{ read: string; rest: string }> {
  let at = 0;
  while (at < text.length) {
    if (gate.held) break;
    const most = await gate.ready();
    const chunk = Buffer.from(text.slice(at, at + Math.min(most, text.length - at)), 'latin1');
    gate.took(chunk);
    at += chunk.length;
  }
  return { read: text.slice(0, at), rest: text.slice(at) };
}

describe('ConnectReadGate', () => {
  it('reads in bulk until armed', async () => {
    const gate = new ConnectReadGate();
    expect(await gate.ready()).toBeGreaterThan(1000);
  });

  it('once armed reads byte by byte and stops right after the CONNECT line ends, leaving the rest', async () => {
    const gate = new ConnectReadGate();
    gate.arm();
    const { read, rest } = await readThrough(gate, 'ATDT5551234\r\r\nCONNECT 28800/ARQ/V34/LAPM/V42BIS\r\nPortmaster login: ');
    expect(read).toBe('ATDT5551234\r\r\nCONNECT 28800/ARQ/V34/LAPM/V42BIS\r');
    expect(rest).toBe('\nPortmaster login: ');
    expect(gate.held).toBe(true);
  });

  it('holds after a numeric CONNECT (ATV0: "1" CR) too, and not after BUSY or an echo', async () => {
    const gate = new ConnectReadGate();
    gate.arm();
    const { read, rest } = await readThrough(gate, 'ATDT1\r7\r1\r~\x7d#');
    expect(read).toBe('ATDT1\r7\r1\r');
    expect(rest).toBe('~\x7d#');
  });

  it('keeps a held read waiting until released, then reads in bulk; close ends it with 0', async () => {
    const gate = new ConnectReadGate();
    gate.arm();
    await readThrough(gate, '\r\nCONNECT\r');
    let resolved: number | undefined;
    const waiting = gate.ready().then((n) => (resolved = n));
    await new Promise<void>((r) => setImmediate(r));
    expect(resolved).toBeUndefined();
    gate.release();
    await waiting;
    expect(resolved).toBeGreaterThan(1000);

    gate.arm();
    await readThrough(gate, 'CONNECT 9600\n');
    const closing = gate.ready();
    gate.close();
    expect(await closing).toBe(0);
  });
});

describe('chunkEvents', () => {
  it('puts the text behind a line after that line, so a prompt in the CONNECT read reaches the chat', () => {
    const events = chunkEvents(new LineFramer(), Buffer.from('\r\nCONNECT 28800\r\nlogin: ', 'latin1'));
    const connectAt = events.findIndex((e) => e.type === 'LINE');
    const promptAt = events.findIndex((e) => e.type === 'TEXT' && e.text.includes('login:'));
    expect(connectAt).toBeGreaterThanOrEqual(0);
    expect(promptAt).toBeGreaterThan(connectAt);
    // and the CONNECT line's own text is not part of what comes after it
    expect(events.slice(connectAt).some((e) => e.type === 'TEXT' && e.text.includes('CONNECT'))).toBe(false);
  });
});

describe('dtrModeOf', () => {
  it('takes the last &Dn of the reset and init commands', () => {
    expect(dtrModeOf(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2'])).toBe(2);
    expect(dtrModeOf(['AT&C1&D2W1L1S0=0%E2'])).toBe(2);
    expect(dtrModeOf(['AT&D2', 'AT&D0'])).toBe(0);
    expect(dtrModeOf(['ATZ', 'ATE1 Q0'])).toBeNull();
  });
});
