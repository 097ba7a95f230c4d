/**
 * `dialbond config check FILE`: validates a configuration without starting anything.
 * Exit 0 when it is good; 2 with every problem listed (file, field, what is expected).
 */
import type { Command } from 'commander';
import { isDialbondError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('work with configuration files');
  config
    .command('check')
    .description('validate a configuration file without starting anything')
    .argument('<file>', 'the YAML configuration')
    .option('--json', 'print {"ok": true, ...} or {"ok": false, "problems": [...]}')
    .action((file: string, options: { json?: boolean }) => {
      try {
        const { config: parsed } = loadConfig(file);
        const kinds = parsed.links.map((l) => ('command' in l ? 'pty' : 'modem'));
        const summary = { ok: true, file, mode: parsed.bundle.mode, links: parsed.links.length, modemLinks: kinds.filter((k) => k === 'modem').length, ptyLinks: kinds.filter((k) => k === 'pty').length };
        process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${file}: ok (${summary.mode} bundle, ${summary.links} link${summary.links === 1 ? '' : 's'}: ${summary.modemLinks} modem, ${summary.ptyLinks} pty)\n`);
      } catch (error) {
        if (!isDialbondError(error)) throw error;
        const problems = (error.details.problems as string[] | undefined) ?? [error.message];
        if (options.json) process.stdout.write(`${JSON.stringify({ ok: false, file, code: error.code, problems })}\n`);
        else process.stderr.write(`${problems.join('\n')}\n`);
        process.exitCode = 2;
      }
    });
}
