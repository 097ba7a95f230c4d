/**
 * `dialbond daemon --config FILE`: the supervisor, in the foreground (systemd's Type=notify;
 * see ppp/dialbond.service). Logs are JSON lines on standard output with secrets masked.
 * Under systemd (NOTIFY_SOCKET set) it says READY=1 once its control socket listens and
 * every link has started, keeps STATUS= up to date, feeds the watchdog (WATCHDOG_USEC) and
 * says STOPPING=1 when it stops.
 * SIGTERM and SIGINT end it cleanly within 20 s; SIGHUP reloads the configuration.
 * Exit status: 0 after a clean stop, 1 when stopping overran, 2 for a bad configuration or
 * a daemon already running, 70 for an internal failure.
 */
import { destination } from 'pino';
import { Option, type Command } from 'commander';
import { errorCodeOf } from '../../errors/index.js';
import { Daemon } from '../../daemon/index.js';
import { createLogger, SecretMask } from '../../log/index.js';
import { SystemdNotifier } from '../../sys/index.js';

/** SIGTERM to exit, at most: links stop in parallel (pppd gets SIGTERM, then SIGKILL after
 * 5 s; a modem's hang-up takes its guard times), and the unit's TimeoutStopSec (30 s) leaves
 * room above this before systemd kills what is left. */
const STOP_DEADLINE_MS = 20_000;

interface DaemonCliOptions {
  config: string;
  socket?: string;
  runDir?: string;
  logLevel: string;
}

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('bring every configured link up, bond them, and keep them that way')
    .requiredOption('-c, --config <file>', 'the YAML configuration (check it with "dialbond config check")', '/etc/dialbond/dialbond.yaml')
    .option('--socket <path>', 'control socket path (overrides control.socket)')
    .option('--run-dir <dir>', 'state directory (pppd password files, sysctl journal)', '/run/dialbond')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'))
    .action(async (options: DaemonCliOptions) => {
      // Exit now: a pppd that would not die, or a stuck handle, must not keep us running.
      process.exit(await runDaemon(options));
    });
}

async function runDaemon(options: DaemonCliOptions): Promise<number> {
  const secrets = new SecretMask();
  const logger = createLogger({ level: options.logLevel, secrets, destination: destination({ dest: 1, sync: true }) });
  // Read (and removed from the environment, so no pppd inherits it) before anything starts.
  const systemd = SystemdNotifier.fromEnvironment({ onError: (message) => logger.warn(message) });
  systemd?.startWatchdog();
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      configFile: options.config,
      logger,
      secrets,
      ...(options.socket !== undefined ? { socketPath: options.socket } : {}),
      ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
    });
  } catch (error) {
    systemd?.close();
    throw error;
  }
  // Start has returned: the control socket listens and every link's machine has started.
  if (systemd) {
    systemd.ready(daemon.summary());
    daemon.onEvent((event) => {
      if (event.type === 'link' || event.type === 'bundle' || event.type === 'reload') systemd.status(daemon.summary());
    });
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string, status: number) => {
      if (stopping) {
        logger.warn({ signal: why }, 'already stopping');
        return;
      }
      stopping = true;
      logger.info({ signal: why }, 'stopping');
      systemd?.stopping(`stopping (${why})`);
      const overrun = setTimeout(() => {
        logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'stopping took too long; exiting anyway');
        resolve(1);
      }, STOP_DEADLINE_MS);
      daemon
        .stop()
        .then(() => resolve(status))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'stopping failed');
          resolve(1);
        })
        .finally(() => clearTimeout(overrun));
    };
    process.on('SIGTERM', () => stop('SIGTERM', 0));
    process.on('SIGINT', () => stop('SIGINT', 0));
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the configuration');
      daemon.reload().then(
        (result) => logger.info({ result }, 'reloaded'),
        (error: unknown) => logger.error({ err: error, code: errorCodeOf(error, 'CONFIG_INVALID') }, 'reload refused; the running configuration stays'),
      );
    });
    process.on('uncaughtException', (error) => {
      logger.fatal({ err: error }, 'internal failure');
      stop('uncaughtException', 70);
    });
    process.on('unhandledRejection', (error) => {
      logger.fatal({ err: error }, 'internal failure (unhandled rejection)');
      stop('unhandledRejection', 70);
    });
  });
}
