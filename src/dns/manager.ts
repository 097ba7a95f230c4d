/**
 * Keeps the router's resolver in step with the bundle: the servers of the links that are
 * up and in the bundle (their peers' with `dns: peer`, the configured ones with a list),
 * nothing of dialbond's once none is. The daemon calls update() whenever the supervisor
 * reports a change; updates are serialized, and one asked for while another runs is run
 * once after it with the state as it is then. A failed update is reported and tried again
 * at the next one.
 */
import { DialbondError, errorCodeOf, errorMessageOf } from '../errors/index.js';
import { type Exec } from '../sys/index.js';
import { allServers, type DnsBackendKind, type DnsServersByInterface, type ResolverBackend } from './backend.js';
import { detectResolver, systemResolverProbe, type ResolverProbe } from './detect.js';
import { DnsJournal } from './journal.js';
import { ResolvedBackend } from './resolved.js';
import { ResolvconfBackend } from './resolvconf.js';
import { ResolvFileBackend, RESOLV_CONF } from './resolv-file.js';
import type { DnsSetting } from './setting.js';

/** A link that is up and in the bundle, with the servers its peer offered. */
export interface DnsLink {
  name: string;
  ifname: string;
  servers: readonly string[];
}

/** What the resolver holds of dialbond's now (no servers: the original is back), or why not. */
export interface DnsChange {
  backend: DnsBackendKind;
  servers: string[];
  error?: { code: string; message: string };
}

/** The servers a setting wants on each interface, for these links (pure). */
export function wantedServers(setting: DnsSetting, links: readonly DnsLink[]): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  if (setting === 'none') return wanted;
  for (const link of links) {
    // mlppp: the lines share one interface, and it gets all their servers.
    const servers = setting === 'peer' ? link.servers : setting;
    if (servers.length === 0) continue;
    wanted.set(link.ifname, [...new Set([...(wanted.get(link.ifname) ?? []), ...servers])]);
  }
  return wanted;
}

function keyOf(wanted: DnsServersByInterface): string {
  return JSON.stringify([...wanted].sort(([a], [b]) => a.localeCompare(b)));
}

export interface DnsManagerOptions {
  setting: DnsSetting;
  /** The links up and in the bundle now. */
  links: () => DnsLink[];
  /** Makes the backend, at the first change (never with `dns: none`). */
  backend: () => Promise<ResolverBackend>;
  onChange?: (change: DnsChange) => void;
}

export class DnsManager {
  private setting: DnsSetting;
  private backend: ResolverBackend | undefined;
  private appliedKey = keyOf(new Map());
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: DnsManagerOptions) {
    this.setting = options.setting;
  }

  /** Brings the resolver in step with the links; resolves when it is (or has failed). */
  update(): Promise<void> {
    if (this.closed) return this.running ?? Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reconcile(wantedServers(this.setting, this.options.links()));
      } while (this.again && !this.closed);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** A reloaded configuration's setting. */
  setSetting(setting: DnsSetting): Promise<void> {
    this.setting = setting;
    return this.update();
  }

  /** Gives everything back (the daemon is stopping); no update after this. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    await this.reconcile(new Map());
  }

  private async reconcile(wanted: Map<string, string[]>): Promise<void> {
    const key = keyOf(wanted);
    if (key === this.appliedKey) return;
    let kind: DnsBackendKind | undefined = this.backend?.kind;
    try {
      this.backend ??= await this.options.backend();
      kind = this.backend.kind;
      await this.backend.apply(wanted);
      this.appliedKey = key;
      this.options.onChange?.({ backend: kind, servers: allServers(wanted) });
    } catch (error) {
      this.options.onChange?.({ backend: kind ?? 'file', servers: allServers(wanted), error: { code: errorCodeOf(error, 'DNS_FAILED'), message: errorMessageOf(error) } });
    }
  }
}

/** A backend of the given kind, recording into `runDir`. */
export function createResolverBackend(kind: DnsBackendKind, deps: { exec: Exec; runDir: string; resolvConf?: string }): ResolverBackend {
  const journal = new DnsJournal(deps.runDir);
  if (kind === 'resolved') return new ResolvedBackend(deps.exec, journal);
  if (kind === 'resolvconf') return new ResolvconfBackend(deps.exec, journal);
  return new ResolvFileBackend(journal, deps.resolvConf ?? RESOLV_CONF);
}

/** The backend this router's resolver needs, recording into `runDir`. */
export async function detectResolverBackend(deps: { exec: Exec; runDir: string; probe?: ResolverProbe }): Promise<ResolverBackend> {
  // A record still there means the start could not give back what a crashed run changed:
  // a new change would record the crashed run's servers as the router's own.
  const journal = new DnsJournal(deps.runDir);
  if (journal.exists()) {
    throw new DialbondError('DNS_FAILED', `the resolver as a previous run left it is not given back yet (${journal.file}): dialbond leaves the resolver alone until a start has given it back`, { file: journal.file });
  }
  return createResolverBackend(await detectResolver(deps.probe ?? systemResolverProbe(deps.exec)), deps);
}
