/**
 * `dialbond dial`: dial one modem, report, hang up (design.md contract). The standalone
 * dialer: no daemon, no pppd. Exit status 0 only when the line connected.
 */
import { Command, Option } from 'commander';
import { DialbondError, isDialbondError, type ErrorCode } from '../../errors/index.js';
import { loadProfile } from '../../profiles/index.js';
import { runDialSession, type DialReport } from '../../modem/index.js';
import { readSecretFile } from '../../config/index.js';
import { formatDuration } from '../../util/duration.js';

/** Exit statuses of `dialbond dial`, documented in its help. */
export const DIAL_EXIT = { connected: 0, notConnected: 1, usage: 2, device: 3, modemSetup: 4, login: 5, interrupted: 130 } as const;

export function exitStatusFor(code: ErrorCode | undefined): number {
  if (!code) return DIAL_EXIT.connected;
  if (code === 'MODEM_DIAL_FAILED' || code === 'MODEM_TIMEOUT') return DIAL_EXIT.notConnected;
  if (code === 'MODEM_INIT_FAILED' || code === 'MODEM_CHECK_FAILED') return DIAL_EXIT.modemSetup;
  if (code === 'MODEM_LOGIN_FAILED') return DIAL_EXIT.login;
  if (code === 'MODEM_ABORTED') return DIAL_EXIT.interrupted;
  if (code.startsWith('MODEM_')) return DIAL_EXIT.device;
  return DIAL_EXIT.usage;
}

interface DialOptions {
  device: string;
  number: string[];
  profile: string;
  baud?: number;
  attempts?: number;
  login?: string;
  passwordFile?: string;
  password?: string;
  apn?: string;
  lockDir?: string;
  json?: boolean;
  verbose?: boolean;
}

function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new DialbondError('CLI_USAGE', `${name} must be a positive whole number, got "${value}"`);
    return Number(value);
  };
}

function describe(report: DialReport): string {
  const took = formatDuration(report.elapsedMs);
  const tries = `${report.attempts} attempt${report.attempts === 1 ? '' : 's'}`;
  if (report.result === 'connected') {
    const detail = [report.speed !== null ? `${report.speed} bps` : null, report.protocol].filter(Boolean).join(', ');
    const toConnect = report.connectMs !== null ? formatDuration(report.connectMs) : took;
    return `connected: ${report.connect}${detail ? ` (${detail})` : ''} to ${report.number} on ${report.device} after ${toConnect}, ${tries}; hanging up`;
  }
  return `${report.result}: ${report.error?.message ?? 'not connected'} [${report.error?.code ?? '?'}] after ${took}, ${tries}`;
}

async function dial(options: DialOptions): Promise<number> {
  const warn = (message: string) => process.stderr.write(`dialbond: warning: ${message}\n`);
  const started = Date.now();
  const failEarly = (error: DialbondError): number => {
    const report: DialReport = {
      result: 'error', connect: null, speed: null, protocol: null, attempts: 0, elapsedMs: Date.now() - started, connectMs: null,
      device: options.device, number: null, error: { code: error.code, message: error.message },
    };
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stderr.write(`dialbond dial: ${error.message} [${error.code}]\n`);
    return exitStatusFor(error.code);
  };

  let profile;
  let login: { user: string; password: string } | undefined;
  try {
    if (options.password !== undefined) {
      throw new DialbondError('CLI_USAGE', 'a password is never taken on the command line (other users can read it there): put it in a file and give --password-file FILE');
    }
    if ((options.login === undefined) !== (options.passwordFile === undefined)) {
      throw new DialbondError('CLI_USAGE', '--login and --password-file go together');
    }
    profile = loadProfile(options.profile);
    if (options.login !== undefined && options.passwordFile !== undefined) {
      login = { user: options.login, password: readSecretFile(options.passwordFile, warn) };
    }
  } catch (error) {
    if (isDialbondError(error)) return failEarly(error);
    throw error;
  }

  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return; // a second Ctrl-C while hanging up is ignored; the hang-up is bounded
    signalled = signal;
    if (!options.json) process.stderr.write(`dialbond dial: ${signal}: hanging up\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // The verdict is printed as soon as it is known; the hang-up and close follow it.
  let printed = false;
  const print = (report: DialReport) => {
    printed = true;
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else (report.result === 'connected' ? process.stdout : process.stderr).write(`${describe(report)}\n`);
  };
  try {
    const report = await runDialSession({
      profile,
      device: options.device,
      numbers: options.number,
      ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
      ...(options.baud !== undefined ? { baudRate: options.baud } : {}),
      ...(login ? { login } : {}),
      ...(options.apn !== undefined ? { variables: { apn: options.apn } } : {}),
      ...(options.lockDir !== undefined ? { lockDir: options.lockDir } : {}),
      signal: controller.signal,
      onStaleLock: ({ file, pid }) => warn(`removed stale lock ${file} (pid ${pid ?? '?'} is gone)`),
      onVerdict: print,
      ...(options.verbose
        ? {
            onTranscript: (entry: { direction: string; text: string; atMs: number }) => {
              const arrow = entry.direction === 'tx' ? '>' : entry.direction === 'rx' ? '<' : '-';
              process.stderr.write(`[${(entry.atMs / 1000).toFixed(3).padStart(8)}] ${arrow} ${entry.text}\n`);
            },
          }
        : {}),
    });
    if (!printed) print(report);
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;
    return exitStatusFor(report.error?.code);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

export function registerDial(program: Command): void {
  program
    .command('dial')
    .description('dial a modem, report the result, hang up (exit 0 only when connected)')
    .requiredOption('-d, --device <path>', 'serial device of the modem, e.g. /dev/ttyS0 or a simulator path')
    .option('-n, --number <number>', 'number to dial; repeat to rotate through several on BUSY', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('-p, --profile <name|file>', 'dialer profile: a name from dialers/ or a file', 'generic')
    .option('-b, --baud <bps>', 'serial speed (default: the profile\'s, usually 115200)', positiveInt('--baud'))
    .option('-a, --attempts <k>', 'dial attempts in all (default: one per number)', positiveInt('--attempts'))
    .option('--login <user>', 'answer the profile\'s login chat as this user')
    .option('--password-file <file>', 'file whose first line is the login password (never give a password on the command line)')
    .addOption(new Option('--password <password>').hideHelp())
    .option('--apn <name>', 'APN for GSM profiles (the ${apn} variable)')
    .option('--lock-dir <dir>', 'UUCP lock directory (default /var/lock or $DIALBOND_LOCK_DIR)')
    .option('--json', 'print one JSON object: result, connect, speed, protocol, attempts, elapsedMs, ...')
    .option('-v, --verbose', 'print the modem transcript (passwords masked) on standard error')
    .addHelpText(
      'after',
      `
Results: connected, busy, no-carrier, no-dialtone, no-answer, delayed, blacklisted, error, timeout.
Exit status: 0 connected; 1 not connected (busy, no carrier, no answer, timeout, ...);
2 bad usage, profile or password file; 3 device problem (missing, no permission, locked,
vanished, not answering); 4 the modem refused its init or a check (e.g. SIM PIN);
5 login refused; 130/143 interrupted (the line is hung up first).`,
    )
    .action(async (options: DialOptions) => {
      process.exitCode = await dial(options);
    });
}
