/**
 * Lab: dialbond gives the router back exactly what it had. The guest is a router of its
 * own before the daemon starts (an uplink with its default route via a gateway at metric
 * 0, a backup default at metric 100, a policy rule and table, an nft table, a qdisc, a
 * resolver: see helpers/router.ts). For teql, eql and multipath with `routes: [default]`
 * and for perconn (rules, nft), the daemon is run through three faults:
 * - a clean stop (SIGTERM);
 * - kill -9, then a new start (which must put the router back before anything else) and a stop;
 * - its lines going down while it runs (the router's default returns until a line is up).
 * After each, the router's state is compared with what it was, item by item.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupervisorStatus } from '../../src/supervisor/index.js';
import { BUNDLE_ADDRESS } from './helpers/bundle-lab.js';
import { DaemonProcess } from './helpers/daemon.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { sh } from './helpers/run.js';
import { describeRouterDiff, ROUTER_GATEWAY, ROUTER_TABLE, routerDefaultRoute, routerDiff, routerSnapshot, setUpRouter, type RouterSnapshot } from './helpers/router.js';

const LINKS = ['line0', 'line1'];
const allBundled = (s: SupervisorStatus) => LINKS.every((n) => s.links.some((l) => l.name === n && l.state === 'up' && l.bundled));
const noneUp = (s: SupervisorStatus) => s.links.every((l) => !l.bundled && l.state === 'parked');

/** What the matrix in the report is made of: mode, fault, what the daemon changed, what was put back. */
const matrix: string[] = [];
const row = (line: string) => {
  matrix.push(line);
  console.log(`lab: router state: ${line}`);
};

describe('lab: the router gets back exactly what it had', () => {
  let lab: LabLines;
  let tearDownRouter: (() => Promise<void>) | undefined;
  let daemon: DaemonProcess | undefined;
  let before: RouterSnapshot;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-router-'));
  const configFile = join(dir, 'dialbond.yaml');
  const socket = join(dir, 'control.sock');
  const runDir = join(dir, 'run');
  const lockDir = join(dir, 'lock');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 'not-on-disk-after-a-crash\n', { mode: 0o600 });

  const writeConfig = (mode: string) => {
    const bundle = mode === 'teql' || mode === 'eql' ? { mode, address: BUNDLE_ADDRESS, routes: ['default'] } : { mode, routes: ['default'] };
    writeFileSync(
      configFile,
      stringify({
        bundle,
        // line0 has a PAP password (the ISP does not ask for it): pppd gets it in an options file.
        links: LINKS.map((name, i) => ({ name, device: lab.lines[i]!.path, profile: 'generic', numbers: ['5551234'], ...(i === 0 ? { ppp: { user: 'dialbond', passwordFile } } : {}) })),
        supervisor: { redial: { initial: '1s', factor: 2, max: '5s', jitter: 0.1 }, health: { lcpEchoInterval: 1, lcpEchoFailure: 3 } },
        control: { socket, mode: '0660' },
      }),
    );
  };
  const start = async () => {
    daemon = await DaemonProcess.start({ config: configFile, socket, runDir, timeoutMs: 150_000 });
    await daemon.until(allBundled, 120_000, 'both lines up and bundled');
    return daemon;
  };
  /** SIGTERM; the exit status is checked after the router's state (the point of these tests). */
  const stop = async () => {
    daemon!.signal('SIGTERM');
    // Generous: in the emulated lab every ip/tc run takes a while, and stop puts each place back.
    const exit = await daemon!.exited(60_000);
    daemon = undefined;
    return () => expect(exit).toEqual({ code: 0, signal: null });
  };
  /** The differences from the router's own state, as text ("" when none). */
  const changed = async () => describeRouterDiff(routerDiff(before, await routerSnapshot()));
  const short = (text: string) => text.split('\n').filter((l) => /^\s+[-+]/.test(l)).length;
  /** The main table's default routes (the router's: via 192.0.2.1 at metric 0 and the backup at 100). */
  const mainDefaults = async () => JSON.parse((await sh('ip', ['-j', '-4', 'route', 'show', 'default'])).stdout || '[]') as unknown[];
  let defaultsBefore: unknown[];

  beforeAll(async () => {
    process.env.DIALBOND_LOCK_DIR = lockDir;
    await sh('mkdir', ['-p', lockDir]);
    await sh('modprobe', ['-a', 'sch_teql', 'eql'], { reject: false });
    lab = await startLabLines({ count: 2 });
    tearDownRouter = await setUpRouter();
    before = await routerSnapshot();
    defaultsBefore = await mainDefaults();
    expect(defaultsBefore).toHaveLength(2);
  }, 90_000);

  afterAll(async () => {
    await DaemonProcess.stopIfRunning(daemon);
    await lab?.close();
    await tearDownRouter?.();
    delete process.env.DIALBOND_LOCK_DIR;
    console.log(['lab: router state matrix (mode | fault | router items the daemon changed while up | left changed after)', ...matrix].join('\n'));
  });

  describe.each(['teql', 'eql', 'multipath', 'perconn'])('%s with routes: [default]', (mode) => {
    it('a clean stop (SIGTERM) gives everything back', async () => {
      writeConfig(mode);
      await start();
      const whileUp = await changed();
      if (mode !== 'perconn') {
        // The bundle carries the default route while up: the router's own one (metric 0) is displaced.
        expect(await routerDefaultRoute()).toBeUndefined();
        expect(await mainDefaults()).not.toEqual(defaultsBefore);
      } else {
        expect(whileUp).toMatch(/rules:/);
      }
      const exitedCleanly = await stop();
      const after = await changed();
      row(`${mode} | SIGTERM | ${short(whileUp)} | ${after ? after.replace(/\n/g, ' ') : 'none'}`);
      expect(after).toBe('');
      exitedCleanly();
      expect(await routerDefaultRoute()).toBeDefined();
    });

    it('after kill -9 the router is put back at the next start, and again on its stop', async () => {
      writeConfig(mode);
      await start();
      daemon!.signal('SIGKILL');
      await daemon!.exited(10_000);
      const journal = JSON.parse(readFileSync(join(runDir, 'journal.json'), 'utf8')) as { records: Array<{ kind: string }> };
      expect(journal.records.length).toBeGreaterThan(0);
      const leftByCrash = await changed();
      expect(leftByCrash).not.toBe('');
      expect(readdirSync(join(runDir, 'ppp'))).toContain('line0.pppd-secrets');
      await start();
      const cleanup = daemon!.log.map((l) => JSON.parse(l) as { msg?: string; found?: string[] }).find((l) => l.msg?.startsWith('cleaned up'));
      const putBack = cleanup?.found?.find((f) => f.startsWith('router state a previous run changed'));
      console.log(`lab: ${mode}: after kill -9, the next start: ${putBack}`);
      expect(putBack).toBeDefined();
      if (mode !== 'perconn') expect(putBack).toContain(`default via ${ROUTER_GATEWAY} dev wan0`);
      expect(cleanup?.found).toContain(`pppd secrets file ${join(runDir, 'ppp', 'line0.pppd-secrets')} left behind: removed`);
      const exitedCleanly = await stop();
      const after = await changed();
      row(`${mode} | kill -9 + start + SIGTERM | ${short(leftByCrash)} left by the crash | ${after ? after.replace(/\n/g, ' ') : 'none'}`);
      expect(after).toBe('');
      exitedCleanly();
    });

    it('with every line down while it runs, the router has its own default route; after stop, everything', async () => {
      writeConfig(mode);
      await start();
      for (const link of LINKS) await daemon!.control.request('hangup', { link });
      await daemon!.until(noneUp, 30_000, 'both lines parked');
      const whileDown = await changed();
      // No line: the router's own default routes and nothing else in main (perconn never touches main's).
      expect(await mainDefaults()).toEqual(defaultsBefore);
      // The router's policy table (100, which perconn uses too) has its own route again.
      expect((await sh('ip', ['-4', 'route', 'show', 'table', String(ROUTER_TABLE)])).stdout).toContain(`default via ${ROUTER_GATEWAY} dev wan0`);
      for (const link of LINKS) await daemon!.control.request('dial', { link });
      await daemon!.until(allBundled, 90_000, 'both lines back');
      if (mode !== 'perconn') expect(await routerDefaultRoute()).toBeUndefined();
      const exitedCleanly = await stop();
      const after = await changed();
      row(`${mode} | all lines down, redialed, SIGTERM | ${short(whileDown)} items changed while down (main's defaults: the router's) | ${after ? after.replace(/\n/g, ' ') : 'none'}`);
      expect(after).toBe('');
      exitedCleanly();
    });
  });
});
