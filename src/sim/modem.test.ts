import { EventEmitter } from 'node:events';
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { PtyEndpointEvents } from '../sys/index.js';
import { CARRIER_DROP_GRACE_MS, SimulatedModem, type DteEndpoint, type DropReason } from './modem.js';
import { EchoPeer, LinePeer } from './peer.js';
import { parseScenario, type ScenarioInput } from './scenario.js';

/** A DTE endpoint without a pty: records writes, drops and flow control. */
class FakeEndpoint extends EventEmitter<PtyEndpointEvents> implements DteEndpoint {
  readonly path = '/tmp/fake/modem0';
  ptsPath = '/dev/pts/990';
  readonly written: Buffer[] = [];
  paused = false;
  pauses = 0;
  drops = 0;
  closed = false;
  /** write() answers this (false: the DTE is not reading). */
  accepting = true;

  write(bytes: Buffer): boolean {
    this.written.push(bytes);
    return this.accepting;
  }
  pause(): void {
    if (!this.paused) this.pauses++;
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  dropCarrier(): void {
    this.drops++;
    this.ptsPath = `/dev/pts/${991 + this.drops}`;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /** Bytes from the DTE. */
  dte(text: string | Buffer): void {
    this.emit('data', typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }
  text(): string {
    return Buffer.concat(this.written).toString('latin1');
  }
  bytes(): number {
    return this.written.reduce((n, b) => n + b.length, 0);
  }
  clear(): void {
    this.written.length = 0;
  }
}

/** A far end that records what it gets and can end on its own; after a hangup it goes on
 * (as an answering multilink pppd holding its bundle does) until it is closed. */
class RecordingPeer extends EchoPeer {
  received = 0;
  readonly told: ('hang-up' | 'close')[] = [];
  override write(bytes: Buffer): boolean {
    this.received += bytes.length;
    return super.write(bytes);
  }
  endOnItsOwn(): void {
    this.finish();
  }
  override hangUp(): Promise<void> {
    this.told.push('hang-up');
    return new Promise((resolve) => this.once('close', () => resolve()));
  }
  override async close(): Promise<void> {
    this.told.push('close');
    await super.close();
  }
}

function setup(input: ScenarioInput = {}) {
  const clock = new SimulatedClock();
  const endpoint = new FakeEndpoint();
  const peers: RecordingPeer[] = [];
  const modem = new SimulatedModem({
    scenario: parseScenario({ echo: false, dial: { afterMs: 100 }, ...input }),
    endpoint,
    clock,
    createPeer: () => {
      const peer = new RecordingPeer();
      peers.push(peer);
      return peer;
    },
  });
  const events: string[] = [];
  const drops: DropReason[] = [];
  for (const name of ['hangup', 'escape', 'connect', 'attach'] as const) modem.on(name, () => events.push(name));
  modem.on('drop', (reason) => drops.push(reason));
  modem.on('call-end', (reason) => events.push(`call-end:${reason}`));
  /** Advances simulated time in 10 ms steps (as real timers would fire). */
  const run = (ms: number): void => {
    for (let t = 0; t < ms; t += 10) clock.increment(10);
  };
  const dial = (): void => {
    endpoint.dte('ATDT5551234\r');
    run(100);
    expect(endpoint.text()).toContain('CONNECT');
    endpoint.clear();
  };
  return { clock, endpoint, modem, peers, events, drops, run, dial };
}

/** Lets promise callbacks run (no time passes). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SimulatedModem on a fake endpoint', () => {
  it('answers commands on the endpoint', () => {
    const { endpoint, modem } = setup();
    const commands: string[] = [];
    modem.on('command', (line) => commands.push(line));
    endpoint.dte('AT\r');
    expect(endpoint.text()).toBe('\r\nOK\r\n');
    expect(commands).toEqual(['AT']);
  });

  it('moves data at rate/10 bytes per second both ways', () => {
    const { endpoint, dial, run, peers } = setup({ connect: { rate: 9600 } });
    dial();
    endpoint.dte(Buffer.alloc(960, 0x41));
    run(500);
    const half = endpoint.bytes();
    expect(half).toBeGreaterThan(400);
    expect(half).toBeLessThan(500);
    run(1000);
    expect(endpoint.bytes()).toBe(960);
    expect(peers[0]!.received).toBe(960);
  });

  it('stops reading the DTE while the line is behind, and reads again when it catches up', () => {
    const { endpoint, dial, run } = setup({ connect: { rate: 9600 } });
    dial();
    endpoint.dte(Buffer.alloc(1000, 0x41));
    expect(endpoint.paused).toBe(true);
    run(1000);
    expect(endpoint.paused).toBe(false);
    expect(endpoint.pauses).toBe(1);
  });

  it('holds the far end when the DTE does not read, and keeps every buffer bounded', () => {
    const { endpoint, dial, run, peers } = setup({ connect: { rate: 115200 } });
    dial();
    endpoint.accepting = false;
    // The DTE keeps writing whenever the modem reads; nothing may pile up without bound.
    for (let i = 0; i < 200; i++) {
      if (!endpoint.paused) endpoint.dte(Buffer.alloc(100, 0x42));
      run(10);
    }
    expect(endpoint.paused).toBe(true);
    const peer = peers[0]!;
    expect(peer.received).toBeLessThan(2000);
    const stalled = endpoint.bytes();
    endpoint.accepting = true;
    endpoint.emit('drain');
    run(2000);
    expect(endpoint.paused).toBe(false);
    expect(endpoint.bytes()).toBeGreaterThan(stalled);
  });

  it('ends the call when the DTE closes the port: a hangup to the far end, which ends in its own time or with the modem', async () => {
    const { endpoint, dial, modem, peers, events } = setup();
    dial();
    endpoint.emit('hangup');
    await settle();
    expect(events).toContain('call-end:dte-hangup');
    expect(events.at(-1)).toBe('hangup');
    expect(peers[0]!.told).toEqual(['hang-up']);
    expect(peers[0]!.closed).toBe(false);
    expect(modem.state).toBe('command');
    expect(endpoint.text()).toBe('');
    await modem.close();
    expect(peers[0]!.told).toEqual(['hang-up', 'close']);
    expect(peers[0]!.closed).toBe(true);
  });

  it('drops carrier dropAfterMs after CONNECT: NO CARRIER, then the pty closes', () => {
    const { endpoint, dial, run, drops, modem } = setup({ dropAfterMs: 1000 });
    dial();
    run(990);
    expect(endpoint.drops).toBe(0);
    run(10);
    expect(endpoint.text()).toBe('\r\nNO CARRIER\r\n');
    expect(endpoint.drops).toBe(0);
    run(CARRIER_DROP_GRACE_MS);
    expect(endpoint.drops).toBe(1);
    expect(drops).toEqual(['drop-after']);
    expect(modem.state).toBe('command');
  });

  it('drops carrier when the far end goes away, after its last bytes', async () => {
    const { endpoint, dial, run, drops, peers } = setup({ connect: { rate: 9600 } });
    dial();
    const peer = peers[0]!;
    peer.emit('data', Buffer.from('bye'));
    peer.endOnItsOwn();
    run(50);
    await settle();
    run(CARRIER_DROP_GRACE_MS + 10);
    expect(endpoint.text()).toBe('bye\r\nNO CARRIER\r\n');
    expect(drops).toEqual(['far-end']);
  });

  it('does not close the pty under the next caller when the DTE closed the port before the carrier drop', async () => {
    const { endpoint, dial, run, drops, peers, modem } = setup({ connect: { rate: 9600 } });
    dial();
    peers[0]!.endOnItsOwn();
    run(50);
    await settle();
    expect(endpoint.text()).toBe('\r\nNO CARRIER\r\n');
    // The DTE (pppd gone, our copy closed) leaves within the grace: the DCD drop has no one
    // to tell, and closing the pty now would hang up whoever opens the port next.
    endpoint.emit('hangup');
    run(CARRIER_DROP_GRACE_MS + 10);
    expect(endpoint.drops).toBe(0);
    expect(drops).toEqual([]);
    endpoint.clear();
    dial();
    expect(modem.state).toBe('data');
  });

  it('keeps the far end waiting in online command state, and only says NO CARRIER there', async () => {
    const { endpoint, dial, run, clock, peers, drops, events } = setup();
    dial();
    clock.increment(1000);
    endpoint.dte('+++');
    clock.increment(1000);
    expect(endpoint.text()).toBe('\r\nOK\r\n');
    expect(events).toContain('escape');
    endpoint.clear();
    run(50); // the echoed "+++" waits
    peers[0]!.emit('data', Buffer.from('far'));
    run(100);
    expect(endpoint.text()).toBe('');
    endpoint.dte('ATO\r');
    run(50);
    expect(endpoint.text()).toBe('\r\nCONNECT 115200\r\n+++far');
    peers[0]!.endOnItsOwn();
    clock.increment(1000);
    endpoint.dte('+++');
    clock.increment(1000);
    endpoint.clear();
    await settle();
    run(CARRIER_DROP_GRACE_MS + 10);
    expect(drops).toEqual([]);
  });

  it('runs the login dialogue before the far end', () => {
    const { endpoint, dial, run, peers, modem } = setup({ login: { user: 'dialuser', password: 's3cret-pw' } });
    dial();
    run(50);
    expect(endpoint.text()).toBe('\r\nlogin:');
    expect(peers).toHaveLength(0);
    endpoint.dte('dialuser\r');
    run(50);
    let loggedIn = false;
    modem.on('logged-in', () => (loggedIn = true));
    endpoint.dte('s3cret-pw\r');
    run(50);
    expect(peers).toHaveLength(1);
    expect(loggedIn).toBe(true);
    endpoint.clear();
    endpoint.dte('ppp');
    run(50);
    expect(endpoint.text()).toBe('ppp');
  });

  it('sends the login prompt in the same write as CONNECT with login.withConnect (a PortMaster)', () => {
    const { endpoint, run, clock, modem } = setup({ login: { user: 'dialuser', password: 's3cret-pw', prompt: 'Portmaster login: ', withConnect: true } });
    clock.increment(5);
    endpoint.dte('ATDT5551234\r');
    run(100);
    const connect = endpoint.written.find((b) => b.toString('latin1').includes('CONNECT'));
    expect(connect?.toString('latin1')).toBe('\r\nCONNECT 115200\r\n\r\nPortmaster login: ');
    // the yardstick of the dialing bench: when the first byte from the DTE arrived
    expect(modem.firstByteAt).toBe(5);
  });

  it('drops carrier on request, with NO CARRIER first when a call is up', async () => {
    const { endpoint, dial, run, modem, drops, events, peers } = setup();
    await modem.dropCarrier();
    expect(endpoint.drops).toBe(1);
    dial();
    const dropping = modem.dropCarrier();
    expect(endpoint.text()).toBe('\r\nNO CARRIER\r\n');
    run(CARRIER_DROP_GRACE_MS);
    await dropping;
    expect(endpoint.drops).toBe(2);
    expect(drops).toEqual(['requested', 'requested']);
    expect(events).toContain('call-end:carrier-lost');
    expect(modem.ptsPath).toBe('/dev/pts/993');
    // the far end is hung up on, not told to quit
    expect(peers[0]!.told).toEqual(['hang-up']);
  });

  it('closes the endpoint and the far end on close()', async () => {
    const { endpoint, dial, modem, peers } = setup();
    dial();
    await modem.close();
    expect(endpoint.closed).toBe(true);
    expect(peers[0]!.told).toEqual(['close']);
    expect(peers[0]!.closed).toBe(true);
  });

  it('accepts any LinePeer from createPeer', () => {
    class Silent extends LinePeer {
      write(): boolean {
        return true;
      }
      pause(): void {}
      resume(): void {}
      async close(): Promise<void> {
        this.finish();
      }
    }
    const clock = new SimulatedClock();
    const endpoint = new FakeEndpoint();
    const modem = new SimulatedModem({ scenario: parseScenario({ dial: { afterMs: 1 } }), endpoint, clock, createPeer: () => new Silent() });
    endpoint.dte('ATD1\r');
    clock.increment(1);
    expect(modem.state).toBe('data');
  });
});
