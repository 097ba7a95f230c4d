/**
 * The `dialbond` command line: one executable, one subcommand per job. Each subcommand
 * lives in `commands/` and registers itself here; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { isDialbondError } from '../errors/index.js';

type Register = (program: Command) => void;

/**
 * Each subcommand's module, loaded only when it is the one run: a query such as
 * `dialbond info ppp0` need not load the daemon, the console and the simulator first (on
 * a small router, or an emulated CPU, that is seconds per call).
 */
const COMMAND_MODULES: Record<string, () => Promise<Register>> = {
  dial: async () => (await import('./commands/dial.js')).registerDial,
  sim: async () => (await import('./commands/sim.js')).registerSim,
  lab: async () => (await import('./commands/lab.js')).registerLab,
  config: async () => (await import('./commands/config.js')).registerConfig,
  daemon: async () => (await import('./commands/daemon.js')).registerDaemon,
  queries: async () => (await import('./commands/queries.js')).registerQueries,
  console: async () => (await import('./commands/console.js')).registerConsole,
  profiles: async () => (await import('./commands/profiles.js')).registerProfiles,
  'udev-rules': async () => (await import('./commands/udev-rules.js')).registerUdevRules,
  detect: async () => (await import('./commands/detect.js')).registerDetect,
};

/** The module that registers a command name (the queries module has several). */
const MODULE_OF: Record<string, string> = {
  ...Object.fromEntries(Object.keys(COMMAND_MODULES).map((m) => [m, m])),
  ...Object.fromEntries(['info', 'links', 'status', 'up', 'down', 'enslave', 'emancipate', 'events'].map((c) => [c, 'queries'])),
};

/** The program with the commands `argv` may run: the one it names, or all of them (help,
 * --version, a mistyped command, whose message lists them). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('dialbond')
    .description('dial modems, run pppd on every line, bond the links into one pipe and keep it that way')
    .version(VERSION, '-V, --version');
  const first = argv.find((a) => !a.startsWith('-'));
  const named = first !== undefined ? MODULE_OF[first] : undefined;
  const modules = named !== undefined ? [named] : Object.keys(COMMAND_MODULES);
  for (const register of await Promise.all(modules.map((m) => (COMMAND_MODULES[m] as () => Promise<Register>)()))) register(program);
  for (const command of allCommands(program)) asksForUsage(command);
  return program;
}

/** Exit status of a usage error (README: 2 bad usage), whichever command found it. */
export const USAGE_EXIT = 2;

function* allCommands(command: Command): Generator<Command> {
  yield command;
  for (const sub of command.commands) yield* allCommands(sub);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander ends the process itself (status 1) on a parse error in a subcommand unless every
 * command has its own exit override: each gets one, so main() sees the error and answers
 * with the usage status. Its messages end with the code, like dialbond's own, and the hint
 * after them names the command's help.
 */
function asksForUsage(command: Command): void {
  const path = commandPath(command);
  command
    .exitOverride()
    .showHelpAfterError(`(run "${path === 'dialbond' ? 'dialbond --help' : `dialbond help ${path.slice('dialbond '.length)}`}" for its options)`)
    // One output configuration object is shared by a command and its subcommands, so the
    // message cannot name the command; the line after it does.
    .configureOutput({ outputError: (text, write) => write(`dialbond: ${text.replace(/^error: /, '').trimEnd()} [CLI_USAGE]\n`) });
}

const VERSION = '0.1.0';

/** Runs the command line; resolves with the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with 0; anything else commander stops on is bad usage
      // (an unknown command or option, a missing argument, no command at all).
      if (error.exitCode === 0) return 0;
      // A command that only groups others given alone, or help for one that does not exist:
      // commander printed the help of the group.
      if (error.code === 'commander.help') process.stderr.write('dialbond: no command given, or no such command: pick one of those listed above [CLI_USAGE]\n');
      return USAGE_EXIT;
    }
    if (isDialbondError(error)) {
      process.stderr.write(`dialbond: ${error.message} [${error.code}]\n`);
      return 2;
    }
    process.stderr.write(`dialbond: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  }
}
