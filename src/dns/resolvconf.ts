/**
 * resolvconf (Debian's resolvconf or openresolv): one record per interface,
 * `resolvconf -a IFACE.dialbond` with "nameserver X" lines on its standard input, and
 * `resolvconf -d IFACE.dialbond` to take it away (resolvconf(8)). resolvconf merges the
 * records into /etc/resolv.conf itself, after its interface-order (ppp* ranks high).
 */
import type { Exec } from '../sys/index.js';
import type { DnsRecordStore, DnsServersByInterface, ResolverBackend } from './backend.js';

/** The record name of an interface: ours, and sorted by resolvconf as the interface. */
export function resolvconfRecord(ifname: string): string {
  return `${ifname}.dialbond`;
}

/** Deletes one record; one that is not there is not an error. */
export async function deleteResolvconfRecord(exec: Exec, record: string): Promise<void> {
  await exec('resolvconf', ['-d', record], { allowFailure: true, timeoutMs: 10_000 });
}

export class ResolvconfBackend implements ResolverBackend {
  readonly kind = 'resolvconf' as const;
  /** Record -> the text it was given. */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly exec: Exec,
    private readonly journal: DnsRecordStore,
  ) {}

  async apply(wanted: DnsServersByInterface): Promise<void> {
    const wantedRecords = new Map([...wanted].filter(([, servers]) => servers.length > 0).map(([ifname, servers]) => [resolvconfRecord(ifname), servers.map((s) => `nameserver ${s}\n`).join('')]));
    for (const record of [...this.applied.keys()]) {
      if (wantedRecords.has(record)) continue;
      await deleteResolvconfRecord(this.exec, record);
      this.applied.delete(record);
      this.record();
    }
    for (const [record, text] of wantedRecords) {
      if (this.applied.get(record) === text) continue;
      this.record(record);
      await this.exec('resolvconf', ['-a', record], { input: text, timeoutMs: 10_000 });
      this.applied.set(record, text);
    }
  }

  private record(adding?: string): void {
    const records = [...new Set([...this.applied.keys(), ...(adding !== undefined ? [adding] : [])])];
    if (records.length === 0) this.journal.remove();
    else this.journal.save({ version: 1, backend: 'resolvconf', records });
  }
}
