/**
 * `dialbond sim`: runs a bank of simulated Hayes modems on ptys until told to stop, so that
 * dialbond (or pppd, chat, minicom) can be tried without hardware. Prints one line per modem
 * (the stable path to open), then `ready`.
 */
import { createInterface } from 'node:readline';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isDialbondError } from '../../errors/index.js';
import { createLogger } from '../../log/index.js';
import { builtinScenarioNames, startModemBank, type ModemBank } from '../../sim/index.js';

/** Options of `dialbond sim`. */
export interface SimCommandOptions {
  modems?: number;
  scenario?: string[];
  dir?: string;
  json?: boolean;
  stdinControl?: boolean;
  /** Existing ttys to serve instead of ptys, one modem each. */
  tty?: string[];
  logLevel: string;
}

/** The streams `dialbond sim` talks on (process stdio; replaceable for tests). */
export interface SimIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `dialbond sim` to the program. */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run simulated Hayes modems on pseudo-terminals (or on existing ttys, such as USB gadget ports), to try configurations without hardware')
    .option('--modems <n>', 'how many modems (default: one per --scenario, or 1)', positiveInt)
    .option('--scenario <name|file>', 'a built-in scenario or a YAML/JSON file; repeat once per modem, or give one for all (default: connect)', collect)
    .option('--dir <dir>', 'directory for the modem links modem0, modem1, ... (default: a new temporary directory)')
    .option('--json', 'print one JSON object per line')
    .option('--tty <path>', 'serve an existing tty instead of a pty (a USB gadget port such as /dev/ttyGS0, whose far end /dev/ttyACMn is what a dialer opens); repeat once per modem', collect)
    .option('--stdin-control', 'read "drop NAME", "unplug NAME" and "quit" lines from standard input; end of input quits')
    .addOption(new Option('--log-level <level>', 'log level on standard error').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .addHelpText('after', `\nBuilt-in scenarios: ${builtinScenarioNames().join(', ')}`)
    .action(async (options: SimCommandOptions) => {
      await runSim(options);
    });
}

/**
 * Runs the simulator until SIGINT/SIGTERM/SIGHUP, or `quit`/end of input when standard input
 * is a terminal or --stdin-control is given. A closed, non-terminal stdin (CI, a service
 * manager) is ignored otherwise, or the simulator would quit the moment it started.
 */
export async function runSim(options: SimCommandOptions, io: SimIo = process): Promise<void> {
  const logger = createLogger({ level: options.logLevel });
  const bank = await startModemBank({ count: options.modems, scenarios: options.scenario, dir: options.dir, ...(options.tty?.length ? { ttys: options.tty } : {}), logger });
  const print = (human: string, json: object): void => {
    io.stdout.write(`${options.json ? JSON.stringify(json) : human}\n`);
  };
  for (const modem of bank.modems) {
    const { name, path, scenario } = modem;
    print(`${name} ${path} (${scenario})`, { name, path, pty: bank.get(name).ptsPath, scenario });
  }
  print('ready', { ready: true });
  try {
    await untilStopped(bank, options, io, print);
  } finally {
    await bank.close();
  }
}

function untilStopped(
  bank: ModemBank,
  options: SimCommandOptions,
  io: SimIo,
  print: (human: string, json: object) => void,
): Promise<void> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const control = options.stdinControl === true || io.stdin.isTTY === true;
    const lines = control ? createInterface({ input: io.stdin, terminal: false }) : undefined;
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const signal of signals) process.off(signal, stop);
      lines?.close();
      if (control && 'pause' in io.stdin) io.stdin.pause();
      resolve();
    };
    for (const signal of signals) process.once(signal, stop);
    lines?.on('close', stop);
    lines?.on('line', (line) => {
      const [command, name] = line.trim().split(/\s+/);
      if (command === 'quit' || command === 'exit') return stop();
      if (command === 'drop' && name) {
        bank.drop(name).then(
          () => print(`dropped ${name}`, { dropped: name, pty: bank.get(name).ptsPath }),
          (error: unknown) => io.stderr.write(`dialbond sim: ${isDialbondError(error) ? error.message : String(error)}\n`),
        );
        return;
      }
      if (command === 'unplug' && name) {
        bank.unplug(name).then(
          () => print(`unplugged ${name}: waiting for its device to go and come back`, { unplugged: name }),
          (error: unknown) => io.stderr.write(`dialbond sim: ${isDialbondError(error) ? error.message : String(error)}\n`),
        );
        return;
      }
      if (command) io.stderr.write(`dialbond sim: unknown command "${line.trim()}" (commands: drop NAME, unplug NAME, quit)\n`);
    });
  });
}
