/**
 * Fakes of src/dns's collaborators for unit tests: an Exec that records each command with
 * what it was given on standard input, and a record store that logs into the same list,
 * so a test can see that a change was recorded before it was made.
 */
import type { Exec, ExecOptions, ExecResult } from '../sys/index.js';
import type { DnsRecordStore } from './backend.js';
import type { DnsRecord } from './journal.js';

export interface FakeExec extends Exec {
  /** "command arg arg" per call, and "<<stdin" lines for input, in order, shared with the store. */
  log: string[];
  /** Exit status per command line (default 0). */
  status: Map<string, number>;
}

export function fakeExec(log: string[] = []): FakeExec {
  const status = new Map<string, number>();
  const exec = (async (command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
    const line = [command, ...args].join(' ');
    log.push(options.input !== undefined ? `${line} <<${JSON.stringify(options.input)}` : line);
    const exitCode = status.get(line) ?? 0;
    if (exitCode !== 0 && !options.allowFailure) throw Object.assign(new Error(`${line} failed (status ${exitCode})`), { code: 'SYS_COMMAND_FAILED' });
    return { stdout: '', stderr: '', exitCode };
  }) as FakeExec;
  exec.log = log;
  exec.status = status;
  return exec;
}

export interface FakeRecordStore extends DnsRecordStore {
  record: DnsRecord | undefined;
}

export function fakeRecordStore(log: string[] = []): FakeRecordStore {
  const store: FakeRecordStore = {
    record: undefined,
    save(record) {
      store.record = record;
      log.push(`record ${JSON.stringify(record.backend === 'resolved' ? record.interfaces : record.backend === 'resolvconf' ? record.records : record.path)}`);
    },
    remove() {
      store.record = undefined;
      log.push('record removed');
    },
  };
  return store;
}
