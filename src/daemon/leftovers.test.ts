import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { cleanLeftovers, findOurPppd, removeLeftoverSecrets, type ProcessTable } from './leftovers.js';

function table(processes: Array<{ pid: number; argv: string[]; diesOn?: NodeJS.Signals[] }>) {
  const alive = new Set(processes.map((p) => p.pid));
  const signals: string[] = [];
  const t: ProcessTable = {
    list: () => processes.filter((p) => alive.has(p.pid)).map(({ pid, argv }) => ({ pid, argv })),
    kill: (pid, signal) => {
      signals.push(`${pid}:${signal}`);
      if ((processes.find((p) => p.pid === pid)?.diesOn ?? ['SIGTERM', 'SIGKILL']).includes(signal)) alive.delete(pid);
    },
    alive: (pid) => alive.has(pid),
  };
  return { t, signals, alive };
}

const pppd = (link: string) => ['/usr/sbin/pppd', 'nodetach', 'nopersist', 'linkname', link, 'ipparam', link, 'logfd', '2'];

describe('leftovers of a crashed daemon', () => {
  it('finds the pppd of our links only: not other pppd, not look-alikes', () => {
    const { t } = table([
      { pid: 10, argv: pppd('line0') },
      { pid: 11, argv: pppd('other') },
      { pid: 12, argv: ['pppd', 'notty', 'ipparam', 'line0'] },
      { pid: 13, argv: ['vim', 'linkname', 'line0', 'ipparam', 'line0'] },
      { pid: 14, argv: ['pppd', 'linkname', 'line1', 'ipparam', 'line1'] },
    ]);
    expect(findOurPppd(t, ['line0', 'line1'])).toEqual([
      { pid: 10, link: 'line0' },
      { pid: 14, link: 'line1' },
    ]);
  });

  it('ends orphan pppd (SIGKILL for one that ignores SIGTERM) and removes locks whose owner is gone', async () => {
    const lockDir = mkdtempSync(join(tmpdir(), 'dialbond-leftovers-'));
    const { t, signals } = table([
      { pid: 10, argv: pppd('line0') },
      { pid: 11, argv: pppd('line1'), diesOn: ['SIGKILL'] },
      { pid: 99, argv: ['minicom'] },
    ]);
    writeFileSync(join(lockDir, 'LCK..ttyS0'), '        10\n');
    writeFileSync(join(lockDir, 'LCK..ttyS1'), '      4242\n');
    writeFileSync(join(lockDir, 'LCK..ttyS2'), '        99\n');
    const clock = new SimulatedClock();
    const cleaning = cleanLeftovers({ linkNames: ['line0', 'line1'], devices: ['/dev/ttyS0', '/dev/ttyS1', '/dev/ttyS2', '/dev/ttyS3'], lockDir, table: t, clock, graceMs: 1000 });
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setImmediate(r));
      clock.increment(50);
    }
    const found = await cleaning;
    expect(signals).toEqual(['10:SIGTERM', '11:SIGTERM', '11:SIGKILL']);
    expect(found).toEqual([
      'pppd 10 of link line0 still running: ended',
      'pppd 11 of link line1 still running: ended',
      `stale lock ${join(lockDir, 'LCK..ttyS0')} (pid 10 is gone): removed`,
      `stale lock ${join(lockDir, 'LCK..ttyS1')} (pid 4242 is gone): removed`,
    ]);
    // a live process's lock (another program using that port) is not ours to take
    expect(existsSync(join(lockDir, 'LCK..ttyS2'))).toBe(true);
  });
});

describe('secrets files a crashed run left', () => {
  it('removes the pppd secrets files and their temporary files, nothing else, and says which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-secrets-'));
    for (const name of ['line0.pppd-secrets', '.line1.pppd-secrets.4242.a1b2c3d4e5f6.tmp', 'notes.txt', 'line0.pppd-secrets.bak']) writeFileSync(join(dir, name), 'password "x"\n');
    const { t } = table([]);
    const found = await cleanLeftovers({ linkNames: ['line0'], devices: [], lockDir: dir, table: t, clock: new SimulatedClock(), secretsDir: dir });
    expect(found).toEqual([
      `pppd secrets file ${join(dir, '.line1.pppd-secrets.4242.a1b2c3d4e5f6.tmp')} left behind: removed`,
      `pppd secrets file ${join(dir, 'line0.pppd-secrets')} left behind: removed`,
    ]);
    expect(existsSync(join(dir, 'line0.pppd-secrets'))).toBe(false);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    expect(existsSync(join(dir, 'line0.pppd-secrets.bak'))).toBe(true);
    expect(removeLeftoverSecrets(join(dir, 'none'))).toEqual([]);
  });
});
