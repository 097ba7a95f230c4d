/**
 * The `dialbond` command line: one executable, one subcommand per job. Each subcommand
 * lives in `commands/` and registers itself here; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { registerDial } from './commands/dial.js';
import { registerSim } from './commands/sim.js';
import { registerLab } from './commands/lab.js';
import { registerConfig } from './commands/config.js';
import { registerDaemon } from './commands/daemon.js';
import { registerQueries } from './commands/queries.js';
import { registerConsole } from './commands/console.js';
import { isDialbondError } from '../errors/index.js';

export function buildProgram(): Command {
  const program = new Command('dialbond')
    .description('dial modems, run pppd on every line, bond the links into one pipe and keep it that way')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run "dialbond help <command>" for its options)');
  registerDial(program);
  registerSim(program);
  registerLab(program);
  registerConfig(program);
  registerDaemon(program);
  registerQueries(program);
  registerConsole(program);
  return program;
}

const VERSION = '0.1.0';

/** Runs the command line; resolves with the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    if (isDialbondError(error)) {
      process.stderr.write(`dialbond: ${error.message} [${error.code}]\n`);
      return 2;
    }
    process.stderr.write(`dialbond: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  }
}
