/**
 * The modem simulator over real ptys: a DTE (serialport, as dialbond uses) opens a modem's
 * stable path and talks AT to it; `dialbond sim` runs as a subprocess. These tests wait on
 * real events with generous bounds; they never sleep to let something happen except where
 * the point is that nothing happens (no stale output, no quitting on EOF).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, lstatSync, openSync, readlinkSync, readFileSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { CARRIER_DROP_GRACE_MS, startModemBank, type ModemBank, type ScenarioInput, type SimulatedModemEvents } from '../../src/sim/index.js';
import { PtyEndpoint } from '../../src/sys/index.js';
import { within } from './helpers/within.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');


/** A DTE on a serial port (a pty slave here), the way dialbond opens a modem. */
class Dte {
  private received = '';
  private waiters: Array<() => void> = [];
  readonly closed: Promise<Error | null>;

  private constructor(readonly port: SerialPort) {
    port.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      for (const w of [...this.waiters]) w();
    });
    port.on('error', () => {});
    this.closed = new Promise((resolve) => port.once('close', (error: Error | null) => resolve(error ?? null)));
  }

  static async open(path: string): Promise<Dte> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    return new Dte(port);
  }

  /** Everything received so far (and forgets it). */
  take(): string {
    const text = this.received;
    this.received = '';
    return text;
  }

  get length(): number {
    return this.received.length;
  }

  async write(data: string | Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Waits until the received text matches, then returns it all (and forgets it). */
  async expect(pattern: RegExp, ms = 10_000): Promise<string> {
    await within<void>(ms, `${pattern} (received ${JSON.stringify(this.received)})`, (done) => {
      const check = (): void => {
        if (pattern.test(this.received)) {
          this.waiters = this.waiters.filter((w) => w !== check);
          done();
        }
      };
      this.waiters.push(check);
      check();
    });
    return this.take();
  }

  /** Waits until at least `n` bytes have arrived. */
  async bytes(n: number, ms: number): Promise<void> {
    await within<void>(ms, `${n} bytes (have ${this.received.length})`, (done) => {
      const check = (): void => {
        if (this.received.length >= n) {
          this.waiters = this.waiters.filter((w) => w !== check);
          done();
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

/**
 * A DTE on a raw non-blocking descriptor, to see exactly what read() says when the modem
 * drops carrier: 0 (end of file) or EIO, as pppd sees it ("Modem hangup").
 */
class RawDte {
  private received = '';
  private readonly poll: NodeJS.Timeout;
  private hungUp: ((how: string) => void) | undefined;
  /** Resolves with 'eof' or the error code once reads report the hang-up. */
  readonly ended: Promise<string>;

  constructor(private readonly fd: number) {
    this.ended = new Promise((resolve) => (this.hungUp = resolve));
    const buffer = Buffer.alloc(65536);
    this.poll = setInterval(() => {
      for (;;) {
        let n: number;
        try {
          n = readSync(this.fd, buffer);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? 'error';
          if (code !== 'EAGAIN') this.end(code);
          return;
        }
        if (n === 0) return this.end('eof');
        this.received += buffer.subarray(0, n).toString('latin1');
      }
    }, 5);
  }

  static open(path: string): RawDte {
    return new RawDte(openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK));
  }

  private end(how: string): void {
    clearInterval(this.poll);
    this.hungUp?.(how);
  }

  write(text: string): void {
    writeSync(this.fd, text);
  }

  take(): string {
    const text = this.received;
    this.received = '';
    return text;
  }

  async expect(pattern: RegExp, ms = 10_000): Promise<string> {
    await within<void>(ms, `${pattern} (received ${JSON.stringify(this.received)})`, (done) => {
      const check = setInterval(() => pattern.test(this.received) && (clearInterval(check), done()), 5);
    });
    return this.take();
  }

  close(): void {
    clearInterval(this.poll);
    closeSync(this.fd);
  }
}

function once<K extends keyof SimulatedModemEvents>(bank: ModemBank, name: string, event: K, ms = 10_000): Promise<SimulatedModemEvents[K]> {
  return within(ms, `${name} ${event}`, (done) => bank.get(name).once(event, ((...args: SimulatedModemEvents[K]) => done(args)) as never));
}

describe('simulated modems on real ptys', () => {
  let bank: ModemBank | undefined;
  const dtes: Dte[] = [];

  async function start(scenarios: Array<ScenarioInput | string>): Promise<ModemBank> {
    bank = await startModemBank({ scenarios });
    return bank;
  }

  async function open(path: string): Promise<Dte> {
    const dte = await Dte.open(path);
    dtes.push(dte);
    return dte;
  }

  afterEach(async () => {
    for (const dte of dtes.splice(0)) await dte.close();
    const dir = bank?.dir;
    await bank?.close();
    bank = undefined;
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  it('answers AT on the stable path, which links to a pty slave', async () => {
    const b = await start(['connect']);
    const { path } = b.modems[0]!;
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path)).toMatch(/^\/dev\/pts\/\d+$/);
    const dte = await open(path);
    await dte.write('AT\r');
    expect(await dte.expect(/OK\r\n$/)).toBe('AT\r\r\nOK\r\n');
  });

  it('connects and echoes data at the throttled line rate', async () => {
    const b = await start([{ dial: { afterMs: 300 }, connect: { rate: 9600, line: 'CONNECT 9600/ARQ' } }]);
    const dte = await open(b.modems[0]!.path);
    await dte.write('ATDT5551234\r');
    expect(await dte.expect(/CONNECT.*\r\n$/)).toBe('ATDT5551234\r\r\nCONNECT 9600/ARQ\r\n');
    const payload = Buffer.alloc(2000, 0x5a);
    const started = Date.now();
    await dte.write(payload);
    await dte.bytes(2000, 15_000);
    const elapsed = Date.now() - started;
    // 2000 bytes at 960 bytes/s take 2.08 s; the far end's echo overlaps the way there.
    expect(elapsed).toBeGreaterThanOrEqual(1600);
    expect(elapsed).toBeLessThan(6000);
    expect(dte.take()).toBe(payload.toString('latin1'));
  });

  it('stops reading the DTE while the line is behind (bounded buffer, like CTS off)', async () => {
    const b = await start([{ dial: { afterMs: 100 }, echo: false, connect: { rate: 9600 }, data: { type: 'discard' } }]);
    const dte = await open(b.modems[0]!.path);
    await dte.write('ATD1\r');
    await dte.expect(/CONNECT/);
    // 300 KB is five minutes of line time at 960 bytes/s; the DTE's write stays pending.
    void dte.write(Buffer.alloc(300_000, 0x42)).catch(() => {});
    const modem = b.get('modem0');
    await within<void>(10_000, 'data to flow', (done) => {
      const poll = setInterval(() => modem.traffic.toFarEnd > 1000 && (clearInterval(poll), done()), 20);
    });
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { fromDte, toFarEnd } = modem.traffic;
      // What the modem has read but not yet sent: its 256-byte buffer plus one read (usually
      // 4095 bytes, the tty's buffer; more when the kernel refills it during the read).
      expect(fromDte - toFarEnd).toBeLessThan(256 + 65_536);
    }
    // Without back-pressure the modem would have read nearly all of it by now.
    expect(modem.traffic.fromDte).toBeLessThan(100_000);
  });

  it('ends the call when the DTE closes the port, and serves the next caller afresh', async () => {
    const b = await start([{ dial: { afterMs: 100 }, noise: { ringEveryMs: 200 } }]);
    const { path } = b.modems[0]!;
    const dte = await open(path);
    await dte.write('ATE0\r');
    await dte.expect(/OK\r\n$/);
    await dte.expect(/RING/, 5000); // unsolicited RING while idle
    await dte.write('ATD1\r');
    await dte.expect(/CONNECT 115200\r\n$/);
    const hangup = once(b, 'modem0', 'hangup');
    const callEnd = once(b, 'modem0', 'call-end');
    await dte.close();
    await hangup;
    expect(await callEnd).toEqual(['dte-hangup']);
    expect(b.get('modem0').state).toBe('command');

    // Nothing (no RING, nothing stale) reaches a caller who has not said anything yet.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const next = await open(path);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(next.take()).toBe('');
    await next.write('AT\r');
    // Settings survive the DTR drop (&D2 hangs up, only &D3 resets), as on a real modem: E0.
    expect(await next.expect(/OK\r\n$/)).toBe('\r\nOK\r\n');
  });

  it('drops carrier under the DTE and can be dialed again on the same path', async () => {
    const b = await start([{ dial: { afterMs: 100 }, echo: false }]);
    const { path } = b.modems[0]!;
    const before = readlinkSync(path);
    const dte = RawDte.open(path);
    try {
      dte.write('ATD1\r');
      await dte.expect(/CONNECT/);
      await b.drop('modem0');
      expect(await within(10_000, 'reads to end', (done) => void dte.ended.then(done))).toMatch(/^(eof|EIO)$/);
      expect(dte.take()).toBe('\r\nNO CARRIER\r\n');
      expect(readlinkSync(path)).not.toBe(before); // the old pty is still held open by the DTE
    } finally {
      dte.close();
    }

    const again = await open(path);
    await again.write('AT\r');
    await again.expect(/OK\r\n$/);
    await again.write('ATD2\r');
    await again.expect(/CONNECT 115200\r\n$/);
    await again.write('hello');
    await again.expect(/hello$/);
  });

  it('runs a far-end program as the line, and each side ending ends the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dialbond-sim-peer-'));
    try {
      const pidFile = join(dir, 'pid');
      const cat = [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], String(process.pid)); process.stdin.pipe(process.stdout)', pidFile];
      const quitter = [process.execPath, '-e', 'process.stdout.write("far end here\\r\\n"); setTimeout(() => process.exit(0), 300)'];
      const b = await start([
        { dial: { afterMs: 100 }, echo: false, data: { type: 'command', argv: cat } },
        { dial: { afterMs: 100 }, echo: false, data: { type: 'command', argv: quitter } },
      ]);
      const dte = await open(b.modems[0]!.path);
      await dte.write('ATD1\r');
      await dte.expect(/CONNECT/);
      await dte.write('through the program');
      await dte.expect(/through the program$/);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      const callEnd = once(b, 'modem0', 'call-end');
      await dte.close();
      await callEnd;
      await within(10_000, 'the far-end program to exit', (done) => {
        const poll = setInterval(() => {
          try {
            process.kill(pid, 0);
          } catch {
            clearInterval(poll);
            done(undefined);
          }
        }, 50);
      });

      const second = RawDte.open(b.modems[1]!.path);
      try {
        const dropped = once(b, 'modem1', 'drop');
        second.write('ATD1\r');
        await second.expect(/far end here\r\n/);
        expect(await dropped).toEqual(['far-end']);
        await within(10_000, 'reads to end', (done) => void second.ended.then(done));
        expect(second.take()).toBe('\r\nNO CARRIER\r\n');
      } finally {
        second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves the next caller alone when the last one closed the port before the carrier drop fell due', async () => {
    // The far end hangs up (pppd's peer exits on our LCP terminate); the DTE reads NO
    // CARRIER and closes at once, and a redial opens the same path within the grace.
    const quitter = [process.execPath, '-e', 'process.stdout.write("far end here\\r\\n"); setTimeout(() => process.exit(0), 100)'];
    const b = await start([{ dial: { afterMs: 100 }, echo: false, data: { type: 'command', argv: quitter } }]);
    const { path } = b.modems[0]!;
    const first = RawDte.open(path);
    try {
      first.write('ATD1\r');
      await first.expect(/NO CARRIER\r\n$/);
    } finally {
      first.close();
    }
    // Registered in the same tick as the close: the sim hears of it in a later poll.
    await once(b, 'modem0', 'hangup');
    const next = RawDte.open(path);
    try {
      await new Promise((resolve) => setTimeout(resolve, CARRIER_DROP_GRACE_MS + 300));
      next.write('AT\r');
      expect(await next.expect(/OK\r\n$/, 3000)).toBe('\r\nOK\r\n');
      expect(await Promise.race([next.ended, Promise.resolve('still open')])).toBe('still open');
    } finally {
      next.close();
    }
  });

  it('presents a login dialogue after CONNECT', async () => {
    const b = await start([{ dial: { afterMs: 100 }, echo: false, login: { user: 'dialuser', password: 's3cret-pw', welcome: 'PPP.' } }]);
    const commands: string[] = [];
    b.get('modem0').on('command', (line) => commands.push(line));
    const dte = await open(b.modems[0]!.path);
    await dte.write('ATD1\r');
    await dte.expect(/login:$/);
    await dte.write('dialuser\r');
    await dte.expect(/Password:$/);
    await dte.write('s3cret-pw\r');
    expect(await dte.expect(/PPP\.\r\n$/)).not.toContain('s3cret-pw');
    await dte.write('data');
    await dte.expect(/data$/);
    expect(commands).toEqual(['ATD1']);
  });
});

describe('PtyEndpoint', () => {
  it('never blocks on a DTE that does not read: write() answers false, then drains', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dialbond-pty-'));
    const link = join(dir, 'tty0');
    const endpoint = PtyEndpoint.open({ linkPath: link });
    const fd = openSync(link, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    try {
      const attached = within(5000, 'attach', (done) => endpoint.once('attach', () => done(undefined)));
      writeSync(fd, 'AT\r');
      await attached;
      let queued = 0;
      while (endpoint.write(Buffer.alloc(8192, 0x55))) queued += 8192;
      queued += 8192;
      // The event loop still runs while the pty is full.
      await new Promise((resolve) => setImmediate(resolve));
      const drained = within(10_000, 'drain', (done) => endpoint.once('drain', () => done(undefined)));
      const buffer = Buffer.alloc(65536);
      let read = 0;
      while (read < queued) {
        try {
          read += readSync(fd, buffer);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await drained;
      expect(read).toBe(queued);

      // The DTE closing its port is a hang-up; the link then still works for the next DTE.
      const hangup = within(5000, 'hangup', (done) => endpoint.once('hangup', () => done(undefined)));
      closeSync(fd);
      await hangup;
      expect(endpoint.attached).toBe(false);
      const pts = endpoint.ptsPath;
      endpoint.dropCarrier();
      expect(readlinkSync(link)).toBe(endpoint.ptsPath);
      expect(endpoint.path).toBe(link);
      expect(pts).toMatch(/^\/dev\/pts\/\d+$/);
    } finally {
      await endpoint.close();
      expect(existsSync(link)).toBe(false);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs bin/dialbond (built by the integration global setup). */
function dialbond(args: string[], stdin: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  return spawn(process.execPath, [join(root, 'bin', 'dialbond'), ...args], { cwd: root, stdio: [stdin, 'pipe', 'pipe'] });
}

function exited(child: ChildProcess, ms = 15_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return within(ms, 'dialbond to exit', (done) => child.once('exit', (code) => done(code)));
}

/** Reads stdout lines until `ready`. */
async function readyLines(child: ChildProcess, isReady: (line: string) => boolean): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  await within<void>(30_000, 'dialbond sim to be ready', (done) => {
    reader.on('line', (line) => {
      lines.push(line);
      if (isReady(line)) done();
    });
  });
  return lines;
}

describe('dialbond sim', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
  });

  it('prints the modems as JSON and cleans up on SIGTERM', async () => {
    const child = dialbond(['sim', '--modems', '2', '--json']);
    children.push(child);
    child.stdin!.end(); // no stdin, as in CI: must not quit
    const lines = await readyLines(child, (line) => line === '{"ready":true}');
    const modems = lines.slice(0, -1).map((line) => JSON.parse(line) as { name: string; path: string; pty: string; scenario: string });
    expect(modems.map((m) => [m.name, m.scenario])).toEqual([
      ['modem0', 'connect'],
      ['modem1', 'connect'],
    ]);
    for (const modem of modems) {
      expect(readlinkSync(modem.path)).toBe(modem.pty);
      expect(modem.pty).toMatch(/^\/dev\/pts\/\d+$/);
    }
    const dte = await Dte.open(modems[1]!.path);
    await dte.write('AT\r');
    await dte.expect(/OK\r\n$/);
    await dte.close();
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    for (const modem of modems) expect(existsSync(modem.path)).toBe(false);
    expect(existsSync(dirname(modems[0]!.path))).toBe(false);
  });

  it('takes stdin control commands with --stdin-control', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dialbond-sim-cli-'));
    const links = join(dir, 'links');
    try {
      const child = dialbond(['sim', '--scenario', 'busy', '--dir', links, '--stdin-control']);
      children.push(child);
      const lines = await readyLines(child, (line) => line === 'ready');
      expect(lines[0]).toBe(`modem0 ${join(links, 'modem0')} (busy)`);
      const dte = RawDte.open(join(links, 'modem0'));
      dte.write('ATDT123\r');
      await dte.expect(/BUSY\r\n$/);
      const reader = createInterface({ input: child.stdout! });
      const dropped = within<string>(10_000, 'dropped', (done) => reader.on('line', (line) => line.startsWith('dropped') && done(line)));
      child.stdin!.write('drop modem0\n');
      expect(await dropped).toBe('dropped modem0');
      await within(10_000, 'reads to end', (done) => void dte.ended.then(done));
      dte.close();
      expect(readlinkSync(join(links, 'modem0'))).toMatch(/^\/dev\/pts\/\d+$/);
      child.stdin!.end(); // EOF quits under --stdin-control
      expect(await exited(child)).toBe(0);
      expect(existsSync(links)).toBe(false); // it made the directory, so it removes it
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad scenario file naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dialbond-sim-bad-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'dial:\n  outcome: sometimes\n');
      const child = dialbond(['sim', '--scenario', file], 'ignore');
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exited(child)).toBe(2);
      expect(stderr).toContain(file);
      expect(stderr).toContain('dial.outcome');
      expect(stderr).toContain('SIM_SCENARIO_INVALID');

      const unknown = dialbond(['sim', '--scenario', 'bussy'], 'ignore');
      children.push(unknown);
      let err2 = '';
      unknown.stderr!.on('data', (chunk: Buffer) => (err2 += chunk.toString()));
      expect(await exited(unknown)).toBe(2);
      expect(err2).toContain('unknown scenario "bussy"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
