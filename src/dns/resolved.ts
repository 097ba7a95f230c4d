/**
 * systemd-resolved: each line's servers on its own interface (`resolvectl dns IFACE ...`)
 * with the routing domain "~." (`resolvectl domain IFACE '~.'`), so resolved sends every
 * query there while the line is in the bundle, over that line. `resolvectl revert IFACE`
 * gives the interface back when the line leaves (resolvectl(1)); an interface that is
 * already gone has nothing left to revert.
 */
import type { Exec } from '../sys/index.js';
import type { DnsRecordStore, DnsServersByInterface, ResolverBackend } from './backend.js';

/** Takes dialbond's servers off one interface; a vanished interface is not an error. */
export async function revertResolvedInterface(exec: Exec, ifname: string): Promise<void> {
  await exec('resolvectl', ['revert', ifname], { allowFailure: true, timeoutMs: 10_000 });
}

export class ResolvedBackend implements ResolverBackend {
  readonly kind = 'resolved' as const;
  /** Interface -> the servers it was given (joined, to compare). */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly exec: Exec,
    private readonly journal: DnsRecordStore,
  ) {}

  async apply(wanted: DnsServersByInterface): Promise<void> {
    for (const ifname of [...this.applied.keys()]) {
      if (wanted.has(ifname)) continue;
      await revertResolvedInterface(this.exec, ifname);
      this.applied.delete(ifname);
      this.record();
    }
    for (const [ifname, servers] of wanted) {
      if (servers.length === 0 || this.applied.get(ifname) === servers.join(' ')) continue;
      // Recorded first: a crash between here and the command leaves at worst a revert
      // of an interface that had nothing of ours.
      this.record(ifname);
      await this.exec('resolvectl', ['dns', ifname, ...servers], { timeoutMs: 10_000 });
      await this.exec('resolvectl', ['domain', ifname, '~.'], { timeoutMs: 10_000 });
      this.applied.set(ifname, servers.join(' '));
    }
  }

  private record(adding?: string): void {
    const interfaces = [...new Set([...this.applied.keys(), ...(adding !== undefined ? [adding] : [])])];
    if (interfaces.length === 0) this.journal.remove();
    else this.journal.save({ version: 1, backend: 'resolved', interfaces });
  }
}
