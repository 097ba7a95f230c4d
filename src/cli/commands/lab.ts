/**
 * `dialbond lab`: a real Linux kernel (with PPP, eql, teql, nftables) in QEMU, running
 * this machine's own userspace read-only, for end-to-end tests and the demo on machines
 * whose kernel lacks those modules or cannot load modules at all.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { DialbondError } from '../../errors/index.js';
import { prepareLab, runInLab } from '../../lab/index.js';
import { runDaemonDemo } from '../../lab/demo.js';

interface LabRunFlags {
  timeout?: string;
  memory?: string;
  share: string[];
  quiet?: boolean;
}

function seconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new DialbondError('CLI_USAGE', `${name} must be a whole number of seconds, got "${value}"`);
  return Number(value) * 1000;
}

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('run commands on a real kernel with PPP, eql and teql (QEMU, no KVM needed)');

  lab
    .command('prepare')
    .description('install the Debian packages the lab needs (as root) and fetch its kernel')
    .action(() => {
      const kernel = prepareLab((line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`lab kernel ${kernel.version}: ${kernel.vmlinuz}\n`);
    });

  lab
    .command('run')
    .description('boot the lab and run a command in it as root, in the current directory; exits with its status')
    .argument('<command...>', 'the command and its arguments (put -- before it)')
    .option('-t, --timeout <seconds>', 'kill the VM after this long (default 1800)')
    .option('-m, --memory <mb>', 'guest memory in MB (default 2048)')
    .option('-s, --share <dir>', 'a host directory the guest may write to (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('-q, --quiet', 'do not print the lab\'s own progress (boot time...)')
    .action(async (argv: string[], flags: LabRunFlags) => {
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const timeoutMs = seconds(flags.timeout, '--timeout');
        const memory = flags.memory === undefined ? undefined : Number(flags.memory);
        if (memory !== undefined && (!Number.isInteger(memory) || memory < 256)) throw new DialbondError('CLI_USAGE', `--memory must be at least 256 (MB), got "${flags.memory}"`);
        const result = await runInLab({
          argv,
          shares: flags.share,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          ...(memory !== undefined ? { memoryMb: memory } : {}),
          onOutput: (line) => process.stdout.write(`${line}\n`),
          onLog: flags.quiet ? () => undefined : (line) => process.stderr.write(`${line}\n`),
          signal: controller.signal,
        });
        if (!flags.quiet) process.stderr.write(`lab: boot ${(result.bootMs / 1000).toFixed(1)} s, total ${(result.totalMs / 1000).toFixed(1)} s, exit status ${result.exitCode}\n`);
        process.exitCode = result.exitCode;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  lab
    .command('demo')
    .description('inside the lab: the daemon bonding three simulated modems (npm run demo boots the lab for it)')
    .option('--here', 'run on this machine\'s own kernel instead (root; it creates a network namespace, ppp interfaces and teql0 here)')
    .action(async (flags: { here?: boolean }) => {
      if (process.env.DIALBOND_IN_LAB !== '1' && !flags.here) {
        throw new DialbondError('CLI_USAGE', 'the demo changes the kernel\'s network setup: run it in the lab ("dialbond lab run -- dialbond lab demo", or npm run demo), or pass --here');
      }
      if (process.getuid?.() !== 0) throw new DialbondError('CLI_USAGE', 'the demo needs root (pppd, network namespaces, teql)');
      process.exitCode = await runDaemonDemo({ bin: join(import.meta.dirname, '..', '..', '..', 'bin', 'dialbond') });
    });
}
