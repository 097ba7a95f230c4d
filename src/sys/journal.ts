/**
 * The router journal: dialbond borrows the router's routes, rules, nftables tables,
 * qdiscs, addresses and sysctls, and gives back exactly what it found.
 *
 * Before each command that changes one of them (see journal-changes.ts), the journal reads
 * what is there now (e.g. `ip -j route show table main exact default` for the one route a
 * `replace default` overwrites: the router's own default, same gateway, dev, metric, proto)
 * and writes it to a state file in the run dir, durably (temp file, fsync, rename, fsync
 * of the directory), and only then runs the command. Restoring walks the records in
 * reverse order and puts each place back as it was before its first change: the router's
 * default route comes back, ours goes, whether our device is still there or vanished with
 * its routes; a sysctl gets its old value; an nft table that did not exist is deleted and
 * one that did gets its old ruleset. Undoing a log in reverse needs no knowledge of what
 * happened in between, so the same restore serves a clean stop, a bundle's destroy and the
 * next start after a crash (kill -9, power loss): the file is still there, and is undone
 * before anything else.
 *
 * A place changed twice keeps its first record: that one holds what the router had.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { changeKey, changesOf, describeRoute, qdiscArgs, routeArgs, routeIdentity, type Change, type RouteJson } from './journal-changes.js';
import type { Exec, ExecOptions, ExecResult } from './exec.js';
import { readSysctl, writeSysctl } from './sysctl.js';

/** One record: a place and what it held before the first change. */
export type JournalRecord =
  | { kind: 'sysctl'; key: string; before: string }
  | { kind: 'routes'; family: '4' | '6'; table: string; dst: string | null; metric: number | null; before: RouteJson[] }
  | { kind: 'rule'; family: '4' | '6'; args: string[] }
  | { kind: 'nft'; family: string; name: string; before: string | null }
  | { kind: 'qdisc'; dev: string; before: string }
  | { kind: 'address'; dev: string; address: string; existed: boolean }
  | { kind: 'addresses'; dev: string; before: string[] }
  | { kind: 'link'; dev: string; mtu: number | null; up: boolean | null };

export interface RouterJournalOptions {
  /** The state file (e.g. /run/dialbond/journal.json); none keeps the journal in memory. */
  file?: string;
  /** Runs the commands and the queries (the real system, or a fake in tests). */
  exec: Exec;
  readSysctl?: (key: string) => string;
  writeSysctl?: (key: string, value: string | number) => void;
  /** Whether a network device exists (a vanished one has lost its routes and qdisc already). */
  exists?: (ifname: string) => boolean;
  /** Told what each restore put back (for the log). */
  report?: (said: string[]) => void;
}

function keyOf(record: JournalRecord): string {
  return record.kind === 'sysctl' ? `sysctl/${record.key}` : changeKey(record as Change);
}

export class RouterJournal {
  private records: JournalRecord[] = [];
  private readonly keys = new Set<string>();
  /** Records a previous run left (it did not stop cleanly): restore() undoes them too. */
  readonly inherited: number;
  /** The Exec bundles run through: it journals each change before making it. */
  readonly exec: Exec;
  private readonly inner: Exec;
  private readonly read: (key: string) => string;
  private readonly write: (key: string, value: string | number) => void;
  private readonly exists: (ifname: string) => boolean;
  /** Changes run one at a time, each with its record: a record always precedes its change. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RouterJournalOptions) {
    this.inner = options.exec;
    this.read = options.readSysctl ?? readSysctl;
    this.write = options.writeSysctl ?? writeSysctl;
    this.exists = options.exists ?? (() => true);
    this.records = this.load();
    for (const record of this.records) this.keys.add(keyOf(record));
    this.inherited = this.records.length;
    this.exec = (command, args, execOptions) => this.run(command, args, execOptions);
  }

  /** Places recorded, in order (for status and tests). */
  get changed(): string[] {
    return this.records.map(keyOf);
  }

  /** Sets a sysctl, recording its value first (the SysctlJournal contract bundles use). */
  set(key: string, value: string | number): void {
    if (!this.keys.has(`sysctl/${key}`)) this.append([{ kind: 'sysctl', key, before: this.read(key) }]);
    this.write(key, value);
  }

  /**
   * Puts every recorded place back, newest first, and forgets the records (the state file
   * goes). Best effort: a place that cannot be put back is said so in the result, and the
   * rest still are. Returns one line per thing actually put back or left.
   */
  restore(): Promise<string[]> {
    return this.serial(async () => {
      const said: string[] = [];
      for (const record of [...this.records].reverse()) {
        try {
          await this.undo(record, said);
        } catch (error) {
          said.push(`could not put back ${keyOf(record)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      this.records = [];
      this.keys.clear();
      if (this.options.file !== undefined) rmSync(this.options.file, { force: true });
      if (said.length > 0) this.options.report?.(said);
      return said;
    });
  }

  /**
   * Gives back the routes recorded so far (e.g. a bundle's last line went down: the
   * router's own default route returns until a line is up again), keeping the other records.
   */
  restoreRoutes(): Promise<string[]> {
    return this.serial(async () => {
      const said: string[] = [];
      const routes = this.records.filter((r) => r.kind === 'routes');
      for (const record of [...routes].reverse()) await this.undo(record, said);
      this.records = this.records.filter((r) => r.kind !== 'routes');
      for (const record of routes) this.keys.delete(keyOf(record));
      this.persist();
      if (said.length > 0) this.options.report?.(said);
      return said;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(command: string, args: readonly string[], execOptions?: ExecOptions): Promise<ExecResult> {
    const changes = changesOf(command, args, execOptions?.input).filter((c) => !this.keys.has(changeKey(c)));
    if (changes.length === 0) return this.inner(command, args, execOptions);
    return this.serial(async () => {
      const fresh = changesOf(command, args, execOptions?.input).filter((c) => !this.keys.has(changeKey(c)));
      const records: JournalRecord[] = [];
      for (const change of fresh) records.push(await this.snapshot(change));
      this.append(records);
      let result: ExecResult;
      try {
        result = await this.inner(command, args, execOptions);
      } catch (error) {
        this.forgetAdded(records);
        throw error;
      }
      if (result.exitCode !== 0) this.forgetAdded(records);
      return result;
    });
  }

  /** A rule or address the command failed to add is not ours to delete later (it may be the router's). */
  private forgetAdded(records: JournalRecord[]): void {
    const added = records.filter((r) => r.kind === 'rule' || r.kind === 'address');
    if (added.length === 0) return;
    this.records = this.records.filter((r) => !(added as JournalRecord[]).includes(r));
    for (const record of added) this.keys.delete(keyOf(record));
    this.persist();
  }

  private async query(command: string, args: string[]): Promise<ExecResult> {
    return this.inner(command, args, { allowFailure: true });
  }

  private async routesAt(family: '4' | '6', table: string, dst: string | null, metric: number | null): Promise<RouteJson[]> {
    const { stdout, exitCode } = await this.query('ip', ['-j', `-${family}`, 'route', 'show', 'table', table, ...(dst === null ? [] : ['exact', dst])]);
    if (exitCode !== 0) return [];
    const routes = parseJson<RouteJson[]>(stdout, []);
    return routes.filter((r) => metric === null || (r.metric ?? 0) === metric).map(({ table: _table, ...r }) => r);
  }

  /** What a place holds now. */
  private async snapshot(change: Change): Promise<JournalRecord> {
    switch (change.kind) {
      case 'routes':
        return { ...change, before: await this.routesAt(change.family, change.table, change.dst, change.metric) };
      case 'rule':
        return change;
      case 'nft': {
        const listed = await this.query('nft', ['list', 'table', change.family, change.name]);
        return { ...change, before: listed.exitCode === 0 ? listed.stdout : null };
      }
      case 'qdisc':
        return { ...change, before: this.exists(change.dev) ? (await this.query('tc', ['qdisc', 'show', 'dev', change.dev, 'root'])).stdout : '' };
      case 'address':
        return { ...change, existed: (await this.addressesOf(change.dev)).includes(change.address) };
      case 'addresses':
        return { ...change, before: await this.addressesOf(change.dev) };
      case 'link': {
        const [link] = parseJson<Array<{ mtu?: number; flags?: string[] }>>((await this.query('ip', ['-j', 'link', 'show', 'dev', change.dev])).stdout, []);
        return { ...change, mtu: link?.mtu ?? null, up: link ? (link.flags ?? []).includes('UP') : null };
      }
    }
  }

  private async addressesOf(dev: string): Promise<string[]> {
    const [link] = parseJson<Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>>((await this.query('ip', ['-j', 'addr', 'show', 'dev', dev])).stdout, []);
    return (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }

  private async undo(record: JournalRecord, said: string[]): Promise<void> {
    const run = (command: string, args: string[]) => this.inner(command, args, { allowFailure: true });
    switch (record.kind) {
      case 'sysctl':
        try {
          if (this.read(record.key) === record.before) return;
          this.write(record.key, record.before);
          said.push(`sysctl ${record.key} = ${record.before}`);
        } catch {
          /* e.g. net.ipv4.conf.ppp0.rp_filter after ppp0 went away: gone with it */
        }
        return;
      case 'routes': {
        const now = await this.routesAt(record.family, record.table, record.dst, record.metric);
        const before = new Set(record.before.map(routeIdentity));
        const present = new Set(now.map(routeIdentity));
        // Ours first (a route to a dead link must not stay), then the router's back.
        for (const route of now) {
          if (before.has(routeIdentity(route))) continue;
          if ((await run('ip', routeArgs('del', route, record.table, record.family))).exitCode === 0) said.push(`route ${describeRoute(route, record.table)} removed`);
        }
        for (const route of record.before) {
          if (present.has(routeIdentity(route))) continue;
          if (route.dev !== undefined && !this.exists(route.dev)) {
            said.push(`route ${describeRoute(route, record.table)} not put back: ${route.dev} is gone`);
            continue;
          }
          const done = await run('ip', routeArgs('replace', route, record.table, record.family));
          said.push(done.exitCode === 0 ? `route ${describeRoute(route, record.table)} put back` : `route ${describeRoute(route, record.table)} not put back: ${done.stderr.trim()}`);
        }
        return;
      }
      case 'rule':
        if ((await run('ip', [`-${record.family}`, 'rule', 'del', ...record.args])).exitCode === 0) said.push(`rule ${record.family === '6' ? '-6 ' : ''}${record.args.join(' ')} removed`);
        return;
      case 'nft':
        if (record.before === null) {
          if ((await run('nft', ['delete', 'table', record.family, record.name])).exitCode === 0) said.push(`nft table ${record.family} ${record.name} removed`);
        } else {
          const current = await this.query('nft', ['list', 'table', record.family, record.name]);
          if (current.exitCode === 0 && current.stdout === record.before) return;
          const script = `table ${record.family} ${record.name}\ndelete table ${record.family} ${record.name}\n${record.before}\n`;
          const done = await this.inner('nft', ['-f', '-'], { input: script, allowFailure: true });
          said.push(done.exitCode === 0 ? `nft table ${record.family} ${record.name} put back` : `nft table ${record.family} ${record.name} not put back: ${done.stderr.trim()}`);
        }
        return;
      case 'qdisc': {
        if (!this.exists(record.dev)) return; // gone, and its qdisc with it
        const now = (await this.query('tc', ['qdisc', 'show', 'dev', record.dev, 'root'])).stdout;
        if (now.trim() === record.before.trim()) return;
        const rebuild = qdiscArgs(record.dev, record.before);
        if (rebuild === 'default') {
          if ((await run('tc', ['qdisc', 'del', 'dev', record.dev, 'root'])).exitCode === 0) said.push(`qdisc of ${record.dev}: the kernel's default again`);
        } else if (rebuild === undefined) {
          said.push(`qdisc of ${record.dev} not put back (was: ${record.before.trim()}): set it again by hand`);
        } else {
          const done = await run('tc', rebuild);
          said.push(done.exitCode === 0 ? `qdisc of ${record.dev} put back` : `qdisc of ${record.dev} not put back: ${done.stderr.trim()}`);
        }
        return;
      }
      case 'address':
        if (!record.existed && this.exists(record.dev) && (await run('ip', ['addr', 'del', record.address, 'dev', record.dev])).exitCode === 0) said.push(`address ${record.address} removed from ${record.dev}`);
        return;
      case 'addresses': {
        if (!this.exists(record.dev)) return;
        const now = await this.addressesOf(record.dev);
        for (const address of record.before) if (!now.includes(address)) await run('ip', ['addr', 'add', address, 'dev', record.dev]);
        return;
      }
      case 'link': {
        if (!this.exists(record.dev) || record.mtu === null) return;
        await run('ip', ['link', 'set', 'dev', record.dev, 'mtu', String(record.mtu), record.up ? 'up' : 'down']);
        return;
      }
    }
  }

  private append(records: JournalRecord[]): void {
    if (records.length === 0) return;
    for (const record of records) {
      this.records.push(record);
      this.keys.add(keyOf(record));
    }
    this.persist();
  }

  /** Written whole, then renamed over the old file, after fsync: a crash leaves the old or the new, never half. */
  private persist(): void {
    const file = this.options.file;
    if (file === undefined) return;
    if (this.records.length === 0) {
      rmSync(file, { force: true });
      return;
    }
    const temporary = `${file}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, records: this.records }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  private load(): JournalRecord[] {
    if (this.options.file === undefined) return [];
    let text: string;
    try {
      text = readFileSync(this.options.file, 'utf8');
    } catch {
      return []; // none: the last run stopped cleanly
    }
    const parsed = parseJson<{ records?: unknown }>(text, {});
    return Array.isArray(parsed.records) ? (parsed.records.filter((r) => r && typeof r === 'object' && typeof (r as { kind?: unknown }).kind === 'string') as JournalRecord[]) : [];
  }
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return (JSON.parse(text || 'null') as T) ?? fallback;
  } catch {
    return fallback;
  }
}
