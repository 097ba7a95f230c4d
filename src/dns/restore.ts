/**
 * After a crash: the resolver as a killed daemon left it is given back before the next run
 * changes anything (the record in the run directory says what to undo, see DnsJournal).
 */
import { errorCodeOf, errorMessageOf } from '../errors/index.js';
import { systemExec, type Exec } from '../sys/index.js';
import { DnsJournal, type DnsRecord } from './journal.js';
import { revertResolvedInterface } from './resolved.js';
import { deleteResolvconfRecord } from './resolvconf.js';
import { restoreResolvConf } from './resolv-file.js';

/**
 * Undoes what a previous run recorded and did not give back; returns what it found, one
 * line each (empty when the previous run stopped cleanly).
 */
export async function restoreDnsAfterCrash(runDir: string, deps: { exec?: Exec } = {}): Promise<string[]> {
  const exec = deps.exec ?? systemExec;
  const journal = new DnsJournal(runDir);
  const record = journal.load();
  if (!record) {
    if (!journal.exists()) return [];
    journal.remove();
    return [`a DNS record that does not parse (${journal.file}): removed without acting on it; check the resolver by hand`];
  }
  const found: string[] = [];
  try {
    await undo(record, exec, found);
  } catch (error) {
    // The router runs on without it; the record stays, so the next start tries again.
    return [`could not give back the resolver as a previous run left it (${errorCodeOf(error, 'DNS_FAILED')}: ${errorMessageOf(error)}); tried again at the next start`];
  }
  journal.remove();
  return found;
}

async function undo(record: DnsRecord, exec: Exec, found: string[]): Promise<void> {
  switch (record.backend) {
    case 'resolved':
      for (const ifname of record.interfaces) await revertResolvedInterface(exec, ifname);
      found.push(`DNS servers a previous run gave systemd-resolved on ${record.interfaces.join(', ')}: reverted`);
      break;
    case 'resolvconf':
      for (const name of record.records) await deleteResolvconfRecord(exec, name);
      found.push(`resolvconf records of a previous run (${record.records.join(', ')}): deleted`);
      break;
    case 'file': {
      const result = restoreResolvConf(record.path, record.original, record.written);
      if (result === 'restored') found.push(`${record.path} as a previous run wrote it: the original is back`);
      else if (result === 'changed-by-someone-else') found.push(`${record.path} was changed by someone else after a previous run wrote it: left as it is`);
      break;
    }
  }
}
