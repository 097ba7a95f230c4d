/**
 * The plain /etc/resolv.conf, for routers with neither systemd-resolved nor resolvconf.
 * Before the first change its original is recorded (a file with its content and mode, a
 * symlink with its target, or no file at all); while the bundle is up the file holds the
 * bundle's servers and the original's search/domain/options/sortlist lines
 * (resolv.conf(5)); when the last server goes, the original comes back, a symlink as the
 * symlink itself. Every write is a rename over the file, never a rewrite in place, so a
 * reader never sees half a file. The original is put back only while the file still holds
 * what dialbond wrote: someone else's later edit is left alone.
 */
import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { allServers, type DnsRecordStore, type DnsServersByInterface, type ResolverBackend } from './backend.js';
import { syncDirectory, type OriginalResolvConf } from './journal.js';

export const RESOLV_CONF = '/etc/resolv.conf';

/** resolv.conf(5) lines other than nameserver that still apply with other servers. */
const KEPT = /^\s*(search|domain|options|sortlist)\s/;

function fsFailure(action: string, path: string, error: unknown): DialbondError {
  const code = systemErrorCode(error) ?? String(error);
  return new DialbondError('DNS_FAILED', `cannot ${action} ${path}: ${code} (dialbond needs root to manage the resolver; "dns: none" leaves it alone)`, { path, errno: code });
}

/** What `path` is now: the original to give back later. */
export function readOriginalResolvConf(path: string): OriginalResolvConf {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(path) };
    return { kind: 'file', content: readFileSync(path, 'utf8'), mode: stat.mode & 0o7777 };
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return { kind: 'absent' };
    throw fsFailure('read', path, error);
  }
}

/** The lines of the original worth keeping (read through a symlink; none if dangling). */
function keptLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => KEPT.test(l)).map((l) => l.trim());
  } catch {
    return [];
  }
}

/** resolv.conf's text for the bundle's servers. */
export function renderResolvConf(servers: readonly string[], kept: readonly string[]): string {
  return ['# dialbond: the DNS servers of its bundle while the bundle is up; the original comes back when it stops', ...servers.map((s) => `nameserver ${s}`), ...kept, ''].join('\n');
}

function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.dialbond-tmp`);
}

/** Replaces `path` with a regular file (a symlink there is replaced, not followed). */
function writeResolvConf(path: string, content: string, mode: number): void {
  const temporary = temporaryBeside(path);
  try {
    rmSync(temporary, { force: true });
    const fd = openSync(temporary, 'wx', mode);
    try {
      fchmodSync(fd, mode); // the umask does not decide who may read the resolver's file
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw fsFailure('write', path, error);
  }
  syncDirectory(dirname(path));
}

function putBack(path: string, original: OriginalResolvConf): void {
  if (original.kind === 'file') return writeResolvConf(path, original.content, original.mode);
  try {
    if (original.kind === 'absent') {
      rmSync(path, { force: true });
    } else {
      const temporary = temporaryBeside(path);
      rmSync(temporary, { force: true });
      symlinkSync(original.target, temporary);
      renameSync(temporary, path);
    }
  } catch (error) {
    throw fsFailure('restore', path, error);
  }
  syncDirectory(dirname(path));
}

/** What restoreResolvConf did. */
export type ResolvConfRestore = 'restored' | 'unchanged' | 'changed-by-someone-else';

/**
 * Puts the original back if the file still holds one of `written` (dialbond's content);
 * says `unchanged` when it already is the original, and leaves it when someone else has
 * changed it since.
 */
export function restoreResolvConf(path: string, original: OriginalResolvConf, written: readonly string[]): ResolvConfRestore {
  const now = readOriginalResolvConf(path);
  if (JSON.stringify(now) === JSON.stringify(original)) return 'unchanged';
  if (now.kind !== 'file' || !written.includes(now.content)) return 'changed-by-someone-else';
  putBack(path, original);
  return 'restored';
}

export class ResolvFileBackend implements ResolverBackend {
  readonly kind = 'file' as const;
  private original: OriginalResolvConf | undefined;
  private kept: string[] = [];
  private written: string | undefined;
  /** Set when the last restore found someone else's content: said once, then forgotten. */
  lastRestore: ResolvConfRestore | undefined;

  constructor(
    private readonly journal: DnsRecordStore,
    readonly path: string = RESOLV_CONF,
  ) {}

  async apply(wanted: DnsServersByInterface): Promise<void> {
    const servers = allServers(wanted);
    if (servers.length === 0) {
      if (this.original === undefined) return;
      this.lastRestore = restoreResolvConf(this.path, this.original, this.written !== undefined ? [this.written] : []);
      this.original = undefined;
      this.written = undefined;
      this.journal.remove();
      return;
    }
    if (this.original === undefined) {
      this.original = readOriginalResolvConf(this.path);
      this.kept = keptLines(this.path);
    }
    const text = renderResolvConf(servers, this.kept);
    if (text === this.written) return;
    // Recorded first, with the content in flight: a crash after the rename but before the
    // next record still finds the file holding something dialbond wrote.
    this.journal.save({ version: 1, backend: 'file', path: this.path, original: this.original, written: [...(this.written !== undefined ? [this.written] : []), text] });
    const mode = this.original.kind === 'file' ? this.original.mode : 0o644;
    writeResolvConf(this.path, text, mode);
    this.written = text;
  }
}
