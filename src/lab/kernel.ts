/**
 * The lab's kernel: Debian 12's own kernel package, fetched once with apt-get into a
 * cache directory, unpacked and indexed (depmod). It has everything the host kernel may
 * lack (ppp_generic, ppp_async, eql, sch_teql, nftables, 9p, overlay) as loadable modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DialbondError } from '../errors/index.js';
import { findCommand } from './host.js';

export interface LabKernel {
  /** `uname -r` of the guest, e.g. 6.1.0-56-amd64. */
  version: string;
  vmlinuz: string;
  /** The unpacked /lib/modules/<version> (bind-mounted there in the guest). */
  modulesDir: string;
}

/** $DIALBOND_LAB_CACHE, else $XDG_CACHE_HOME/dialbond/lab, else ~/.cache/dialbond/lab. */
export function labCacheDir(): string {
  if (process.env.DIALBOND_LAB_CACHE) return process.env.DIALBOND_LAB_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dialbond', 'lab');
}

function run(command: string, args: string[], options: { cwd?: string; timeout?: number } = {}): string {
  return execFileSync(findCommand(command) ?? command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeout ?? 300_000, ...(options.cwd ? { cwd: options.cwd } : {}) });
}

function fetchError(step: string, error: unknown): DialbondError {
  const detail = error instanceof Error ? ((error as { stderr?: string }).stderr?.trim() || error.message).split('\n').slice(-3).join(' ') : String(error);
  return new DialbondError('LAB_KERNEL_FETCH', `lab kernel: ${step} failed: ${detail}`, { step });
}

/** The Debian package of the current kernel (what linux-image-amd64 depends on). */
export function kernelPackageName(log: (line: string) => void): string {
  if (process.env.DIALBOND_LAB_KERNEL_PKG) return process.env.DIALBOND_LAB_KERNEL_PKG;
  const lookup = () => /Depends:\s*(linux-image-[0-9][^\s]*-amd64)\b/.exec(run('apt-cache', ['depends', 'linux-image-amd64']))?.[1];
  let name: string | undefined;
  try {
    name = lookup();
  } catch {
    name = undefined;
  }
  if (!name && process.getuid?.() === 0) {
    log('lab: apt-cache knows no kernel package yet; running apt-get update');
    try {
      run('apt-get', ['update', '-qq']);
      name = lookup();
    } catch (error) {
      throw fetchError('apt-get update', error);
    }
  }
  if (!name) throw new DialbondError('LAB_KERNEL_FETCH', 'lab kernel: apt-cache depends linux-image-amd64 names no kernel package; run apt-get update (as root) and try again', { step: 'apt-cache' });
  return name;
}

function readyKernel(dir: string): LabKernel | undefined {
  const marker = join(dir, 'ready.json');
  if (!existsSync(marker)) return undefined;
  try {
    const kernel = JSON.parse(readFileSync(marker, 'utf8')) as LabKernel;
    return existsSync(kernel.vmlinuz) && existsSync(join(kernel.modulesDir, 'modules.dep')) ? kernel : undefined;
  } catch {
    return undefined;
  }
}

/** Returns the cached kernel, fetching and unpacking it first if needed. The work happens in
 * a private temp dir and the finished tree is moved into place, so an interrupted fetch never
 * leaves half a kernel behind as if it were ready. */
export function ensureKernel(log: (line: string) => void, cacheDir = labCacheDir()): LabKernel {
  const pkg = process.env.DIALBOND_LAB_KERNEL_PKG;
  mkdirSync(cacheDir, { recursive: true });
  const current = join(cacheDir, 'kernel');
  const cached = readyKernel(current);
  if (cached && (!pkg || cached.version === pkg.replace(/^linux-image-/, ''))) return cached;

  const name = kernelPackageName(log);
  const work = mkdtempSync(join(cacheDir, 'fetch-'));
  try {
    log(`lab: downloading ${name}`);
    try {
      run('apt-get', ['download', name], { cwd: work });
    } catch (error) {
      throw fetchError(`apt-get download ${name}`, error);
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new DialbondError('LAB_KERNEL_FETCH', `lab kernel: apt-get download ${name} left no .deb in ${work}`, { step: 'download' });
    const root = join(work, 'kernel');
    try {
      run('dpkg-deb', ['-x', join(work, deb), root]);
    } catch (error) {
      throw fetchError(`dpkg-deb -x ${deb}`, error);
    }
    rmSync(join(work, deb));
    const version = readdirSync(join(root, 'lib', 'modules'))[0];
    if (!version) throw new DialbondError('LAB_KERNEL_FETCH', `lab kernel: ${deb} has no lib/modules`, { step: 'unpack' });
    try {
      run('depmod', ['-b', root, version]);
    } catch (error) {
      throw fetchError('depmod', error);
    }
    const final = join(cacheDir, `kernel-${version}-${process.pid}`);
    const kernel: LabKernel = {
      version,
      vmlinuz: join(current, 'boot', `vmlinuz-${version}`),
      modulesDir: join(current, 'lib', 'modules', version),
    };
    writeFileSync(join(root, 'ready.json'), JSON.stringify(kernel, null, 2));
    renameSync(root, final);
    rmSync(current, { recursive: true, force: true });
    renameSync(final, current);
    log(`lab: kernel ${version} ready in ${current}`);
    return kernel;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
