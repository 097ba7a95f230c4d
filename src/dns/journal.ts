/**
 * The DNS record of a running daemon, kept durably in its run directory so that a daemon
 * killed with -9 is undone at the next start (restoreDnsAfterCrash). It is written before
 * each change to the resolver (temporary file, fsync, rename, fsync of the directory), so
 * whatever moment the crash comes, the record covers every change that may have been made,
 * and it is removed once everything is given back. Self-contained on purpose: a general
 * journal of router changes can take it over as one more kind of entry.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { systemErrorCode } from '../errors/index.js';
import { isInterfaceName } from '../sys/ifname.js';

/** What /etc/resolv.conf was before dialbond first wrote it. */
export type OriginalResolvConf = { kind: 'file'; content: string; mode: number } | { kind: 'symlink'; target: string } | { kind: 'absent' };

export type DnsRecord =
  /** systemd-resolved: the interfaces given servers with `resolvectl dns`. */
  | { version: 1; backend: 'resolved'; interfaces: string[] }
  /** resolvconf: the records added with `resolvconf -a`. */
  | { version: 1; backend: 'resolvconf'; records: string[] }
  /** The plain file: its original, and what dialbond may have written last (the change in
   * flight and the one before it), to tell dialbond's content from someone else's. */
  | { version: 1; backend: 'file'; path: string; original: OriginalResolvConf; written: string[] };

/** The record's file in a run directory. */
export function dnsRecordFile(runDir: string): string {
  return join(runDir, 'dns.json');
}

/**
 * Writes `content` to `path` so that after a crash the file holds either its old or its
 * new content, never a part: a temporary file beside it, fsync, rename over, fsync of the
 * directory (rename(2) is atomic; the directory's fsync makes the rename itself durable).
 */
export function writeFileDurably(path: string, content: string, mode = 0o600): void {
  const temporary = join(dirname(path), `.${basename(path)}.dialbond-tmp`);
  const fd = openSync(temporary, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncDirectory(dirname(path));
}

/** fsync of a directory, so a rename or unlink in it survives a power cut. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* some file systems (9p, some tmpfs setups) refuse fsync on a directory: the rename stands */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The DNS record in a run directory. */
export class DnsJournal {
  readonly file: string;

  constructor(runDir: string) {
    this.file = dnsRecordFile(runDir);
  }

  /** Saves the record durably (before the change it covers). */
  save(record: DnsRecord): void {
    writeFileDurably(this.file, `${JSON.stringify(record)}\n`);
  }

  /** The record a previous run left, if any; undefined for none or an unreadable one. */
  load(): DnsRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return parseDnsRecord(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  /** Everything is given back: no record. */
  remove(): void {
    rmSync(this.file, { force: true });
    syncDirectory(dirname(this.file));
  }
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A record read back from disk, checked (it drives commands and file writes). */
export function parseDnsRecord(value: unknown): DnsRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (r.version !== 1) return undefined;
  if (r.backend === 'resolved' && isStrings(r.interfaces) && r.interfaces.every(isInterfaceName)) return { version: 1, backend: 'resolved', interfaces: r.interfaces };
  if (r.backend === 'resolvconf' && isStrings(r.records) && r.records.every((i) => /^[A-Za-z0-9_.-]{1,64}$/.test(i))) return { version: 1, backend: 'resolvconf', records: r.records };
  if (r.backend === 'file' && typeof r.path === 'string' && r.path.startsWith('/') && isStrings(r.written)) {
    const o = r.original as Record<string, unknown> | undefined;
    let original: OriginalResolvConf | undefined;
    if (o?.kind === 'absent') original = { kind: 'absent' };
    else if (o?.kind === 'symlink' && typeof o.target === 'string' && o.target !== '') original = { kind: 'symlink', target: o.target };
    else if (o?.kind === 'file' && typeof o.content === 'string' && typeof o.mode === 'number') original = { kind: 'file', content: o.content, mode: o.mode & 0o7777 };
    if (original) return { version: 1, backend: 'file', path: r.path, original, written: r.written };
  }
  return undefined;
}
