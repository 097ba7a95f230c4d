/**
 * `dialbond detect [PATH...]`: finds the modems (ttyS*, ttyUSB*, ttyACM* and the paths
 * given), says what each port is, and prints a configuration for the modems found, or
 * writes it (--write FILE). Ports that are locked or open elsewhere are not touched.
 * Exit status: 0 at least one modem found; 1 none; 2 bad usage or a file not written.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DialbondError, systemErrorCode } from '../../errors/index.js';
import { describeIdentity, detectModems, proposalYaml, type DetectReport } from '../../detect/index.js';

const write = (text: string) => void process.stdout.write(text);

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 600_000) throw new InvalidArgumentError('expected a whole number of milliseconds from 100 to 600000');
  return n;
}

/** One line per port: what it is, or why it was not probed. */
function portLines(report: DetectReport): string[] {
  const width = Math.max(0, ...report.candidates.map((c) => c.device.length));
  const probes = new Map(report.probes.map((p) => [p.device, p]));
  return report.candidates.map((candidate) => {
    const probe = probes.get(candidate.device);
    const what = (() => {
      if (candidate.skip !== undefined) return `skipped: ${candidate.skip}`;
      if (!probe) return 'not probed';
      if (probe.status === 'silent') return `no answer at ${probe.rates.join(', ')} bps`;
      if (probe.status === 'error') return `${probe.message} [${probe.code}]`;
      const modem = report.modems.find((m) => m.device === probe.device);
      return `${describeIdentity(probe.identity)} at ${probe.rate} bps -> profile ${modem?.choice.profile ?? '?'}`;
    })();
    const took = probe ? ` (${(probe.elapsedMs / 1000).toFixed(1)} s)` : '';
    return `${candidate.device.padEnd(width)}  ${what}${took}`;
  });
}

function modemManagerWarning(report: DetectReport): string | undefined {
  if (report.modemManager.length === 0) return undefined;
  return `ModemManager is running (pid ${report.modemManager.join(', ')}): it probes and holds ttyACM and ttyUSB ports; "dialbond udev-rules" prints a rule that keeps it off the configured modems`;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('find the modems on the serial ports (ttyS*, ttyUSB*, ttyACM*, and PATHs) and print a configuration for them')
    .argument('[paths...]', 'more ports to probe (a pty, a /dev/serial/by-id link)')
    .option('--no-scan', 'probe only the PATHs given, not the ports sysfs lists')
    .option('--json', 'print {"ports": [...], "modems": [...], "config": {...}} instead')
    .option('--write <file>', 'write the configuration to FILE (not over an existing one unless --force)')
    .option('--force', 'with --write, replace an existing file')
    .addOption(new Option('--mode <mode>', 'the bundle mode of the configuration').choices(['eql', 'teql', 'perconn', 'mlppp', 'multipath']).default('perconn'))
    .option('--address <ip>', "the bundle's own address (eql and teql need one)")
    .option('--number <number...>', "the ISP's number(s) for the dial-up links")
    .option('--apn <apn>', "the provider's APN for the cellular links")
    .option('--timeout <ms>', 'the bound on probing one port', milliseconds, 20_000)
    .action(async (paths: string[], options: { scan: boolean; json?: boolean; write?: string; force?: boolean; mode: 'eql' | 'teql' | 'perconn' | 'mlppp' | 'multipath'; address?: string; number?: string[]; apn?: string; timeout: number }) => {
      if (options.scan === false && paths.length === 0) throw new DialbondError('CLI_USAGE', 'detect --no-scan needs the ports to probe: give their paths', {});
      if ((options.mode === 'eql' || options.mode === 'teql') && options.address === undefined) throw new DialbondError('CLI_USAGE', `an ${options.mode} bundle needs its own address: give --address`, {});
      const report = await detectModems({
        paths,
        scan: options.scan,
        mode: options.mode,
        ...(options.address !== undefined ? { address: options.address } : {}),
        deadlineMs: options.timeout,
        ...(options.number ? { numbers: options.number } : {}),
        ...(options.apn !== undefined ? { apn: options.apn } : {}),
      });
      const warning = modemManagerWarning(report);
      const found = `${report.modems.length} modem${report.modems.length === 1 ? '' : 's'} on ${report.candidates.length} port${report.candidates.length === 1 ? '' : 's'} in ${(report.elapsedMs / 1000).toFixed(1)} s`;
      if (options.json) {
        write(`${JSON.stringify({ ports: report.candidates.map((c) => ({ ...c, probe: report.probes.find((p) => p.device === c.device) ?? null })), modems: report.modems, config: report.proposal.config, todo: report.proposal.todo, modemManager: report.modemManager, elapsedMs: report.elapsedMs })}\n`);
      } else {
        const lines = portLines(report);
        if (report.modems.length === 0) {
          process.stderr.write(`${lines.join('\n')}${lines.length > 0 ? '\n' : ''}dialbond: no modem answered (${found})${warning ? `\n${warning}` : ''}\n`);
        } else {
          const yaml = proposalYaml(report.proposal, report.modems, [`dialbond configuration proposed by "dialbond detect": ${found}`, ...lines, ...(warning ? [warning] : []), 'check it with: dialbond config check FILE']);
          if (options.write !== undefined) {
            try {
              writeFileSync(options.write, yaml, { flag: options.force ? 'w' : 'wx', mode: 0o644 });
            } catch (error) {
              const code = systemErrorCode(error);
              throw new DialbondError('CLI_USAGE', `cannot write ${options.write}: ${code === 'EEXIST' ? 'it exists (add --force to replace it)' : (code ?? String(error))}`, { file: options.write });
            }
            write(`${lines.join('\n')}\nwrote ${options.write}: ${found}${warning ? `\n${warning}` : ''}\n`);
          } else {
            write(yaml);
          }
        }
      }
      process.exitCode = report.modems.length > 0 ? 0 : 1;
    });
}
