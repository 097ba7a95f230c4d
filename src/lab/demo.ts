/**
 * The daemon demo, run inside the lab (`dialbond lab demo`; `npm run demo` boots the lab
 * for it): three simulated modems at 115200 bps answered by an ISP's pppd, bonded with
 * teql by a real `dialbond daemon` from a config file. It shows the lines coming up and
 * joining the bundle, an upload through the bundle, a line hanging up (out of the bundle
 * at once, redialed, back in), and SIGTERM leaving nothing behind. Every figure printed
 * is measured on the spot.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlClient } from '../control/index.js';
import { startModemBank, type ScenarioInput } from '../sim/index.js';
import type { SupervisorEvent, SupervisorStatus } from '../supervisor/index.js';
import { iperfUpload, ISP_HOST } from './iperf.js';
import { Isp } from './isp.js';
import { sh } from './shell.js';

const RATE = 115200;
const LINES = 3;
const BUNDLE_ADDRESS = '203.0.113.100';

export interface DemoOptions {
  /** The dialbond executable (bin/dialbond). */
  bin: string;
  write?: (text: string) => void;
}

/** Runs the demo; resolves with the exit status (0 when every step did what it should). */
export async function runDaemonDemo(options: DemoOptions): Promise<number> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const started = Date.now();
  const at = (ms = Date.now()) => `[${((ms - started) / 1000).toFixed(1).padStart(5)} s]`;
  const say = (text: string) => write(`${text}\n`);
  const work = mkdtempSync(join(tmpdir(), 'dialbond-demo-'));
  const lockDir = join(work, 'lock');
  const isp = await Isp.create();
  let failures = 0;
  const check = (ok: boolean, text: string) => {
    if (!ok) failures++;
    say(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
  };

  const lines = Array.from({ length: LINES }, (_, i) => ({ client: `203.0.113.${i + 1}`, server: `198.51.100.${i + 1}`, marker: `dialbond-demo-${isp.netns}-line${i}` }));
  const scenarios: ScenarioInput[] = lines.map((line) => ({
    dial: { outcome: 'connect', afterMs: 1500 },
    connect: { line: `CONNECT ${RATE}/ARQ/V34/LAPM`, rate: RATE },
    data: { type: 'command', argv: isp.pppdArgv(line) },
  }));
  const bank = await startModemBank({ count: LINES, scenarios, dir: join(work, 'modems') });
  await isp.exec(['ip', 'addr', 'add', `${ISP_HOST}/32`, 'dev', 'lo']);
  await isp.exec(['iperf3', '-s', '-D', '-B', ISP_HOST, '--pidfile', join(work, 'iperf3.pid')]);
  const config = {
    bundle: { mode: 'teql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] },
    links: bank.modems.map((m, i) => ({ name: `line${i}`, device: m.path, profile: 'zoom-v34', numbers: [`555010${i}`] })),
    supervisor: { redial: { initial: '1s', factor: 2, max: '30s', jitter: 0.1 }, health: { lcpEchoInterval: 1, lcpEchoFailure: 3 } },
    control: { socket: join(work, 'control.sock') },
  };
  const configFile = join(work, 'dialbond.yaml');
  writeFileSync(configFile, stringify(config));

  say(`dialbond demo: ${LINES} simulated modems at ${RATE} bps, answered by an ISP's pppd, bonded with teql by "dialbond daemon"`);
  say(`  config: ${configFile}`);
  const daemon = spawn(process.execPath, [options.bin, 'daemon', '-c', configFile, '--run-dir', join(work, 'run'), '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DIALBOND_LOCK_DIR: lockDir },
  });
  const daemonLog: string[] = [];
  daemon.stdout.setEncoding('utf8').on('data', (c: string) => daemonLog.push(c));
  daemon.stderr.setEncoding('utf8').on('data', (c: string) => daemonLog.push(c));
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  const events: Array<SupervisorEvent & { seenAtMs: number }> = [];

  try {
    await sh('mkdir', ['-p', lockDir]);
    const client = await connectWithin(config.control.socket, 30_000);
    client.on('event', (raw) => {
      const event = { ...(raw as SupervisorEvent), seenAtMs: Date.now() };
      events.push(event);
      const line = describe(event);
      if (line) say(`${at(event.atMs)} ${line}`);
    });
    await client.request('subscribe');
    say(`${at()} daemon started (pid ${daemon.pid}); dialing all lines at once`);

    const status = await waitFor(client, (s) => s.links.every((l) => l.state === 'up' && l.bundled), 120_000);
    check(status !== null, `all ${LINES} lines up and in the bundle after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (status) printTable(say, status);

    await isp.exec(['ip', 'route', 'replace', `${BUNDLE_ADDRESS}/32`, 'dev', (await isp.interfaceFor(lines[0]!.client)) as string]);
    say(`${at()} uploading through the bundle: iperf3, 4 TCP flows, 10 s`);
    const upload = await iperfUpload({ bind: BUNDLE_ADDRESS, parallel: 4, seconds: 10 });
    const summed = LINES * RATE;
    say(`${at()} bundle upload: ${(upload.bps / 1000).toFixed(1)} kbit/s, ${((100 * upload.bps) / summed).toFixed(0)}% of the summed line rates (${(summed / 1000).toFixed(1)} kbit/s)`);

    const victim = bank.modems[1]!;
    say(`${at()} the modem of line1 drops carrier`);
    const droppedAt = Date.now();
    await bank.drop(victim.name);
    const out = await waitForEvent(events, (e) => e.type === 'bundle' && e.link === 'line1' && e.action === 'removed', droppedAt, 10_000);
    check(out !== null && out.atMs - droppedAt < 1000, `line1 out of the bundle ${out ? out.atMs - droppedAt : '?'} ms after the drop (goal: under 1 s)`);
    const back = await waitForEvent(events, (e) => e.type === 'bundle' && e.link === 'line1' && e.action === 'added', droppedAt, 90_000);
    check(back !== null, `line1 redialed and back in the bundle ${back ? ((back.atMs - droppedAt) / 1000).toFixed(1) : '?'} s after the drop`);

    say(`${at()} SIGTERM to the daemon`);
    const termAt = Date.now();
    daemon.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    client.close();
    const leftPpp = JSON.parse((await sh('ip', ['-j', 'link', 'show', 'type', 'ppp'])).stdout || '[]') as unknown[];
    const leftQdiscs = (await sh('tc', ['qdisc', 'show'])).stdout.split('\n').filter((l) => l.includes('teql0 ') && l.includes('dev ppp'));
    check(code === 0 && Date.now() - termAt < 10_000, `daemon exited with ${code} after ${Date.now() - termAt} ms (goal: under 10 s)`);
    check(leftPpp.length === 0 && leftQdiscs.length === 0 && readdirSync(lockDir).length === 0, `left behind: ${leftPpp.length} ppp interfaces, ${leftQdiscs.length} teql slaves, ${readdirSync(lockDir).length} locks`);
  } catch (error) {
    failures++;
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    say(daemonLog.join('').split('\n').slice(-20).join('\n'));
  } finally {
    if (daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    await sh('sh', ['-c', `kill $(cat ${join(work, 'iperf3.pid')}) 2>/dev/null; true`], { reject: false });
    await bank.close();
    await isp.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  say(failures === 0 ? 'demo: every step did what it should' : `demo: ${failures} step(s) failed`);
  return failures === 0 ? 0 : 1;
}

function describe(e: SupervisorEvent): string | null {
  switch (e.type) {
    case 'link':
      if (e.state === 'stopping' || e.state === 'stopped') return null;
      return `${e.link}: ${e.state}${e.reason ? ` (${e.reason.code}: ${e.reason.message})` : ''}`;
    case 'bundle':
      return e.action === 'added' ? `${e.link}: joined the bundle on ${e.ifname} (weight ${e.weight})` : `${e.link}: left the bundle (${e.tookMs} ms after it went down)`;
    case 'bundle-error':
      return `${e.link}: bundle ${e.action} failed: ${e.message}`;
    case 'health':
      return `${e.link}: ${e.check}: ${e.detail}`;
    default:
      return null;
  }
}

function printTable(say: (text: string) => void, status: SupervisorStatus): void {
  say('  link   state  ifname  speed    bundled  dials');
  for (const l of status.links) say(`  ${l.name.padEnd(6)} ${l.state.padEnd(6)} ${(l.ifname ?? '-').padEnd(7)} ${String(l.speed ?? '-').padEnd(8)} ${String(l.bundled).padEnd(8)} ${l.dials}`);
}

async function connectWithin(path: string, ms: number): Promise<ControlClient> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await ControlClient.connect(path, 2000);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function waitFor(client: ControlClient, ready: (s: SupervisorStatus) => boolean, ms: number): Promise<SupervisorStatus | null> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const status = await client.request('status');
    if (ready(status)) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

async function waitForEvent(events: Array<SupervisorEvent & { seenAtMs: number }>, match: (e: SupervisorEvent) => boolean, sinceMs: number, ms: number): Promise<(SupervisorEvent & { atMs: number }) | null> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = events.find((e) => e.seenAtMs >= sinceMs && match(e));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}
