/**
 * Runs one command in the lab: a Debian kernel under QEMU (software emulation: KVM is not
 * needed) whose root is the host's own filesystem, read-only over 9p with a tmpfs overlay,
 * so the guest sees this checkout, node and every installed tool at their usual paths.
 * The command's output streams back over the serial console; its exit status comes back
 * in a marker line. Every wait is bounded, and QEMU never outlives the call.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { DialbondError } from '../errors/index.js';
import { jobScript, MARK } from './guest-scripts.js';
import { ensureHostPackages, findCommand } from './host.js';
import { buildInitramfs } from './initramfs.js';
import { ensureKernel, labCacheDir } from './kernel.js';

export interface LabRunOptions {
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Host directories the guest may write to (mounted at the same paths). */
  shares?: string[];
  /** From QEMU start to the guest being ready to run the job. */
  bootTimeoutMs?: number;
  /** From QEMU start to the job's end. */
  timeoutMs?: number;
  memoryMb?: number;
  cpus?: number;
  /** Each line the job prints (console line ends normalised). */
  onOutput?: (line: string) => void;
  /** Progress of the lab itself (package installs, kernel fetch, boot time). */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface LabRunResult {
  exitCode: number;
  /** QEMU start to the guest ready for the job. */
  bootMs: number;
  totalMs: number;
}

/** Environment passed into the guest: the caller's, minus what only makes sense here. */
function guestEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = ['CI', 'DEBUG', 'NODE_OPTIONS', 'FORCE_COLOR', 'NO_COLOR'];
  const env: Record<string, string> = { DIALBOND_IN_LAB: '1' };
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key] as string;
  for (const [key, value] of Object.entries(process.env)) if (key.startsWith('DIALBOND_') && value !== undefined && !key.startsWith('DIALBOND_LAB_')) env[key] = value;
  return { ...env, ...extra };
}

/** Makes sure packages and kernel are there (used by `dialbond lab prepare` too). */
export function prepareLab(log: (line: string) => void = () => undefined) {
  ensureHostPackages(log);
  return ensureKernel(log);
}

export async function runInLab(options: LabRunOptions): Promise<LabRunResult> {
  const log = options.onLog ?? (() => undefined);
  const kernel = prepareLab(log);
  const qemu = findCommand('qemu-system-x86_64') as string;
  // The initramfs file is only read by QEMU on the host; keep it beside the kernel.
  const jobs = join(labCacheDir(), 'jobs');
  mkdirSync(jobs, { recursive: true });
  const job = mkdtempSync(join(jobs, 'job-'));
  const shares = (options.shares ?? []).map((s) => resolve(s));
  try {
    const script = jobScript({ cwd: resolve(options.cwd ?? process.cwd()), env: guestEnv(options.env), argv: options.argv });
    const initrd = join(job, 'initramfs.gz');
    writeFileSync(initrd, buildInitramfs({ kernel, shares, job: script }));

    const args = [
      '-accel', process.env.DIALBOND_LAB_ACCEL || 'tcg',
      '-m', String(options.memoryMb ?? 2048),
      '-smp', String(options.cpus ?? Math.min(2, cpus().length)),
      '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-chardev', 'stdio,id=console,signal=off',
      '-serial', 'chardev:console',
      '-nic', 'none',
      '-kernel', kernel.vmlinuz,
      '-initrd', initrd,
      '-append', 'console=ttyS0 quiet loglevel=1 panic=-1',
      '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
      ...shares.flatMap((path, i) => ['-virtfs', `local,path=${path},mount_tag=share${i},security_model=none,multidevs=remap`]),
    ];

    const started = Date.now();
    const bootTimeout = options.bootTimeoutMs ?? 180_000;
    const totalTimeout = options.timeoutMs ?? 30 * 60_000;
    const controller = new AbortController();
    const child = execa(qemu, args, {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      cancelSignal: controller.signal,
      forceKillAfterDelay: 3000,
    });

    let ready = false;
    let bootMs = 0;
    let exitCode: number | undefined;
    let failure: string | undefined;
    let stopReason: DialbondError | undefined;
    const bootLines: string[] = [];
    const stop = (error: DialbondError) => {
      stopReason ??= error;
      controller.abort();
    };

    const bootTimer = setTimeout(() => {
      if (!ready) stop(new DialbondError('LAB_BOOT_FAILED', `lab: the VM did not come up within ${Math.round(bootTimeout / 1000)} s (last console lines: ${bootLines.slice(-5).join(' | ') || 'none'})`, { step: 'boot' }));
    }, bootTimeout);
    const totalTimer = setTimeout(() => stop(new DialbondError('LAB_TIMEOUT', `lab: the job did not finish within ${Math.round(totalTimeout / 1000)} s; the VM was killed`, { step: 'job' })), totalTimeout);
    const onAbort = () => stop(new DialbondError('LAB_INTERRUPTED', 'lab: interrupted; the VM was killed', { step: 'job' }));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    let pending = '';
    const onLine = (raw: string) => {
      const line = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc/g, '');
      if (line.includes(MARK.ready)) {
        ready = true;
        bootMs = Date.now() - started;
        log(`lab: guest ready after ${(bootMs / 1000).toFixed(1)} s`);
        return;
      }
      const exit = new RegExp(`${MARK.exit} (\\d+)@@`).exec(line);
      if (exit) {
        exitCode = Number(exit[1]);
        return;
      }
      const failed = new RegExp(`${MARK.fail} (.*)@@`).exec(line);
      if (failed) {
        failure = failed[1];
        return;
      }
      if (line.includes(MARK.stage1)) return;
      if (ready && exitCode === undefined) options.onOutput?.(line);
      else {
        bootLines.push(line);
        if (bootLines.length > 50) bootLines.shift();
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l.replace(/\r/g, ''));
    });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString('utf8'));
      if (stderr.length > 20) stderr.shift();
    });

    const result = await child;
    clearTimeout(bootTimer);
    clearTimeout(totalTimer);
    options.signal?.removeEventListener('abort', onAbort);
    if (pending) onLine(pending.replace(/\r/g, ''));
    const totalMs = Date.now() - started;

    if (stopReason) throw stopReason;
    if (failure) throw new DialbondError('LAB_BOOT_FAILED', `lab: the guest failed to start: ${failure}`, { step: failure });
    if (exitCode === undefined) {
      const why = result.exitCode !== 0 ? `qemu exited with status ${result.exitCode}: ${stderr.join('').trim().split('\n').slice(-3).join(' ')}` : `last console lines: ${bootLines.slice(-5).join(' | ')}`;
      throw new DialbondError('LAB_BOOT_FAILED', `lab: the guest ended without reporting the job's status (${why})`, { step: ready ? 'job' : 'boot' });
    }
    return { exitCode, bootMs, totalMs };
  } finally {
    rmSync(job, { recursive: true, force: true });
  }
}
