/**
 * One interface for the three ways a Linux router's resolver is fed: systemd-resolved
 * (servers per link, `resolvectl`), resolvconf (a record per interface) and the plain
 * /etc/resolv.conf. A backend is told the whole wanted state each time and works out the
 * difference itself; it records what it changes (DnsJournal) before changing it.
 */
import type { DnsRecord } from './journal.js';

export type DnsBackendKind = 'resolved' | 'resolvconf' | 'file';

/** The servers wanted on each interface: a line's own servers on its own interface. */
export type DnsServersByInterface = ReadonlyMap<string, readonly string[]>;

export interface ResolverBackend {
  readonly kind: DnsBackendKind;
  /**
   * Makes the resolver hold exactly `wanted` on top of what the router had. An empty map
   * gives everything back (and drops the crash record).
   * @throws DialbondError SYS_COMMAND_FAILED or DNS_FAILED; what succeeded stays recorded.
   */
  apply(wanted: DnsServersByInterface): Promise<void>;
}

/** The journal as a backend uses it (DnsJournal, or a fake in tests). */
export interface DnsRecordStore {
  save(record: DnsRecord): void;
  remove(): void;
}

/** Every server of every interface, each once, in order. */
export function allServers(wanted: DnsServersByInterface): string[] {
  return [...new Set([...wanted.values()].flat())];
}
