/**
 * What a crashed (kill -9) daemon leaves behind, found and cleaned before a new one
 * starts: pppd processes still running for our links (pppd outlives us: it has its own
 * process group), UUCP locks of our devices whose owner is dead, pppd options files that
 * hold a link's password (removed when the link ends, so after kill -9 they stay), a socket
 * file, and the router state the crashed run changed (the router journal's state file,
 * undone by the daemon, see RouterJournal).
 *
 * Only a live daemon's absence makes this safe: the caller checks the control socket first.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lockFileName, parseLockPid, pidAlive } from '../modem/index.js';
import { systemClock, sleep, type Clock } from '../util/index.js';

export interface ProcessTable {
  /** PIDs with their argv (from /proc/PID/cmdline). */
  list(): Array<{ pid: number; argv: string[] }>;
  kill(pid: number, signal: NodeJS.Signals): void;
  alive(pid: number): boolean;
}

export const systemProcessTable: ProcessTable = {
  list() {
    const out: Array<{ pid: number; argv: string[] }> = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
        out.push({ pid: Number(entry), argv });
      } catch {
        /* ended while we looked */
      }
    }
    return out;
  },
  kill: (pid, signal) => {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  },
  alive: pidAlive,
};

/** The pppd processes that run one of `linkNames` (dialbond passes `linkname NAME ipparam NAME`). */
export function findOurPppd(table: ProcessTable, linkNames: string[]): Array<{ pid: number; link: string }> {
  const names = new Set(linkNames);
  const found: Array<{ pid: number; link: string }> = [];
  for (const { pid, argv } of table.list()) {
    if (pid === process.pid || !argv[0] || !/(^|\/)pppd$/.test(argv[0])) continue;
    const at = argv.indexOf('linkname');
    const link = at >= 0 ? argv[at + 1] : undefined;
    if (link !== undefined && names.has(link) && argv[argv.indexOf('ipparam') + 1] === link) found.push({ pid, link });
  }
  return found;
}

export interface LeftoverOptions {
  linkNames: string[];
  devices: string[];
  lockDir: string;
  table?: ProcessTable;
  clock?: Clock;
  /** How long an orphan pppd gets to end after SIGTERM before SIGKILL. */
  graceMs?: number;
  /** Where pppd's secrets files are written (see writePppSecretsFile): any left there are removed. */
  secretsDir?: string;
}

/** A secrets file of writePppSecretsFile's, or its temporary file (`.NAME.pppd-secrets.PID.HEX.tmp`). */
const SECRETS_FILE = /^(?:[A-Za-z0-9_.-]{1,15}\.pppd-secrets|\.[A-Za-z0-9_.-]{1,15}\.pppd-secrets\.\d+\.[0-9a-f]+\.tmp)$/;

/**
 * Removes pppd secrets files a run left in `dir` (its pppd are gone: they read them at
 * their start). A password must not outlive the run that needed it.
 */
export function removeLeftoverSecrets(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no directory: nothing left
  }
  const found: string[] = [];
  for (const name of names.filter((n) => SECRETS_FILE.test(n)).sort()) {
    rmSync(join(dir, name), { force: true });
    found.push(`pppd secrets file ${join(dir, name)} left behind: removed`);
  }
  return found;
}

/** Ends orphan pppd of our links and removes stale locks of our devices; says what it found. */
export async function cleanLeftovers(options: LeftoverOptions): Promise<string[]> {
  const table = options.table ?? systemProcessTable;
  const clock = options.clock ?? systemClock;
  const found: string[] = [];
  const orphans = findOurPppd(table, options.linkNames);
  for (const { pid, link } of orphans) {
    found.push(`pppd ${pid} of link ${link} still running: ended`);
    table.kill(pid, 'SIGTERM');
  }
  const deadline = clock.now() + (options.graceMs ?? 5000);
  for (const { pid } of orphans) {
    while (table.alive(pid) && clock.now() < deadline) await sleep(clock, 50);
    if (!table.alive(pid)) continue;
    table.kill(pid, 'SIGKILL');
    const killDeadline = clock.now() + 2000;
    while (table.alive(pid) && clock.now() < killDeadline) await sleep(clock, 50);
  }
  if (options.secretsDir !== undefined) found.push(...removeLeftoverSecrets(options.secretsDir));
  for (const device of options.devices) {
    const file = join(options.lockDir, lockFileName(device));
    let pid: number | undefined;
    try {
      pid = parseLockPid(readFileSync(file));
    } catch {
      continue; // no lock
    }
    if (pid !== undefined && table.alive(pid)) continue; // someone else's live lock: not ours to take
    rmSync(file, { force: true });
    found.push(`stale lock ${file} (pid ${pid ?? '?'} is gone): removed`);
  }
  return found;
}
