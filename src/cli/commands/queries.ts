/**
 * The queries and control commands (getpppinfo, checklinks.sh and the daemon's controls):
 *   dialbond info IFACE [local|remote|all]   a ppp link's addresses, from the kernel
 *   dialbond links [--watch]                 bytes, rates and share bars of every link
 *   dialbond status [LINK]                   the daemon and its links, or one link with its last dial
 *   dialbond up|down|enslave|emancipate LINK ask the daemon
 *   dialbond events                          follow the daemon's events
 * Human tables by default, --json for scripts. Exit status: 0 done; 1 the daemon could
 * not do it; 2 bad usage; 3 no such link or interface (or not a ppp one); 4 no daemon
 * answers; 5 permission denied on the socket.
 */
import type { Command } from 'commander';
import { ControlClient, DEFAULT_CONTROL_SOCKET } from '../../control/index.js';
import { isDialbondError, systemErrorCode } from '../../errors/index.js';
import { formatEvent, formatInfo, formatLinkDetail, formatLinks, formatStatus, listPppInterfaces, readPppInterface, trafficOf } from '../../query/index.js';
import type { SupervisedLinkDetail, SupervisedLinkStatus, SupervisorEvent, SupervisorStatus } from '../../supervisor/index.js';
import { readCounters } from '../../sys/index.js';

export const QUERY_EXIT = { ok: 0, failed: 1, usage: 2, unknown: 3, noDaemon: 4, denied: 5 } as const;

/** A query's failure: a DialbondError, or a daemon's error whose code this client does not
 * know (a newer daemon); anything else is a bug and is thrown on. */
function failureOf(error: unknown): { code: string; text: string; errno: string | undefined } {
  if (isDialbondError(error)) return { code: error.code, text: error.message, errno: typeof error.details.code === 'string' ? error.details.code : undefined };
  const code = systemErrorCode(error);
  if (error instanceof Error && code !== undefined) return { code, text: error.message, errno: undefined };
  throw error;
}

/** The exit status and message for an error of a query, and its code and bare text. */
export function queryFailure(error: unknown): { status: number; message: string; code: string; text: string } {
  const { code, text, errno } = failureOf(error);
  const status = code === 'LINK_UNKNOWN' ? QUERY_EXIT.unknown : code === 'CONTROL_UNAVAILABLE' ? (errno === 'EACCES' ? QUERY_EXIT.denied : QUERY_EXIT.noDaemon) : code === 'CLI_USAGE' ? QUERY_EXIT.usage : QUERY_EXIT.failed;
  return { status, message: `dialbond: ${text} [${code}]`, code, text };
}

function socketOf(options: { socket?: string }): string {
  return options.socket ?? process.env.DIALBOND_SOCKET ?? DEFAULT_CONTROL_SOCKET;
}

/** Runs `body`, printing a failure as one line on stderr with its exit status. */
async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const { status, message } = queryFailure(error);
    process.stderr.write(`${message}\n`);
    process.exitCode = status;
  }
}

async function withDaemon<T>(options: { socket?: string }, body: (client: ControlClient) => Promise<T>): Promise<T> {
  const client = await ControlClient.connect(socketOf(options));
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

const write = (text: string) => void process.stdout.write(text);

/** The links to watch: the daemon's bundled ones when a daemon answers, else every ppp interface. */
async function watchedLinks(socket: string | undefined): Promise<Array<{ name: string; ifname: string }>> {
  try {
    const status = await withDaemon({ ...(socket !== undefined ? { socket } : {}) }, (c) => c.request('status'));
    return status.links.filter((l): l is SupervisedLinkStatus & { ifname: string } => l.state === 'up' && l.ifname !== null).map((l) => ({ name: l.name, ifname: l.ifname }));
  } catch (error) {
    if (!isDialbondError(error, 'CONTROL_UNAVAILABLE')) throw error;
    return (await listPppInterfaces()).map((i) => ({ name: i.ifname, ifname: i.ifname }));
  }
}

export function registerQueries(program: Command): void {
  program
    .command('info')
    .description('a ppp link\'s local or remote address, MTU, state and pppd (like getpppinfo), from the kernel')
    .argument('<iface>', 'the ppp interface, e.g. ppp0')
    .argument('[what]', 'local, remote or all', 'all')
    .option('--json', 'print {"ifname", "local", "remote", "mtu", "state", "up", "pid", "sinceMs"}')
    .action((iface: string, what: string, options: { json?: boolean }) =>
      run(async () => {
        if (!['local', 'remote', 'all'].includes(what)) {
          process.stderr.write(`dialbond: info: "${what}" is not one of local, remote, all\n`);
          process.exitCode = QUERY_EXIT.usage;
          return;
        }
        const info = await readPppInterface(iface);
        write(options.json ? `${JSON.stringify(info)}\n` : formatInfo(info, what as 'local' | 'remote' | 'all', Date.now()));
      }),
    );

  program
    .command('links')
    .description('every link\'s bytes, rates and share of the bundle\'s traffic (like checklinks.sh)')
    .option('--watch', 'redraw every interval until interrupted')
    .option('--interval <seconds>', 'measuring interval', '1')
    .option('--json', 'print {"atMs", "links": [{name, ifname, rxBytes, txBytes, rxBps, txBps, txShare, rxShare}]} (one line per interval with --watch)')
    .option('--socket <path>', 'the daemon\'s control socket (for link names)')
    .action((options: { watch?: boolean; interval: string; json?: boolean; socket?: string }) =>
      run(async () => {
        const seconds = Number(options.interval);
        if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
          process.stderr.write(`dialbond: links: --interval must be 0.1 to 3600 seconds, got "${options.interval}"\n`);
          process.exitCode = QUERY_EXIT.usage;
          return;
        }
        let stop = false;
        process.once('SIGINT', () => (stop = true));
        do {
          const links = await watchedLinks(options.socket);
          const before = links.map((l) => readCounters(l.ifname));
          const started = Date.now();
          await new Promise((r) => setTimeout(r, seconds * 1000));
          const rows = links.flatMap((l, i) => {
            const after = readCounters(l.ifname);
            const first = before[i];
            return after && first ? [{ ...l, before: first, after }] : [];
          });
          const traffic = trafficOf(rows, Date.now() - started);
          if (options.json) write(`${JSON.stringify({ atMs: Date.now(), links: traffic })}\n`);
          else write(`${options.watch ? '\x1b[H\x1b[2J' : ''}${formatLinks(traffic)}`);
        } while (options.watch && !stop);
      }),
    );

  program
    .command('status')
    .description('the daemon: its state, the bundle and every link; or one link, why it waits, when it dials next, and its last dial\'s transcript')
    .argument('[link]', 'one link\'s name in the configuration')
    .option('--json', 'print the daemon\'s status object, or the link\'s with "transcript" (see README: control socket)')
    .option('--socket <path>', 'the daemon\'s control socket')
    .action(async (link: string | undefined, options: { json?: boolean; socket?: string }) => {
      const ask = () => withDaemon<SupervisorStatus | SupervisedLinkDetail>(options, (c) => (link === undefined ? c.request('status') : c.request('link', { link })));
      if (!options.json) {
        await run(async () => {
          const answer = await ask();
          write(link === undefined ? formatStatus(answer as SupervisorStatus, Date.now()) : formatLinkDetail(answer as SupervisedLinkDetail, Date.now()));
        });
        return;
      }
      // A script reading stdout gets JSON either way: the status, or why there is none.
      try {
        write(`${JSON.stringify(await ask())}\n`);
      } catch (error) {
        const { status, message, code, text } = queryFailure(error);
        write(`${JSON.stringify({ error: { code, message: text, exitStatus: status } })}\n`);
        process.stderr.write(`${message}\n`);
        process.exitCode = status;
      }
    });

  const control: Array<[string, 'dial' | 'hangup' | 'enslave' | 'emancipate', string]> = [
    ['up', 'dial', 'ask the daemon to dial a link now and keep it up'],
    ['down', 'hangup', 'ask the daemon to hang a link up and keep it down'],
    ['enslave', 'enslave', 'put an up link into the bundle'],
    ['emancipate', 'emancipate', 'take an up link out of the bundle and keep it out'],
  ];
  for (const [name, cmd, description] of control) {
    const command = program
      .command(name)
      .description(description)
      .argument('<link>', 'the link\'s name in the configuration')
      .option('--json', 'print the link\'s status after the request')
      .option('--socket <path>', 'the daemon\'s control socket');
    if (cmd === 'dial') command.option('--force', 'dial even while the modem holds the number off (DELAYED): it may answer BLACKLISTED next');
    command.action((link: string, options: { json?: boolean; socket?: string; force?: boolean }) =>
      run(async () => {
        const status = await withDaemon(options, (c) => c.request(cmd, { link, ...(options.force ? { force: true } : {}) }));
        write(options.json ? `${JSON.stringify(status)}\n` : `${status.name}: ${status.state}${status.bundled ? ', in the bundle' : ''}${status.reason ? ` (${status.reason.code}: ${status.reason.message})` : ''}\n`);
      }),
    );
  }

  program
    .command('events')
    .description('follow the daemon\'s events until interrupted')
    .option('--json', 'one JSON event per line')
    .option('--socket <path>', 'the daemon\'s control socket')
    .action((options: { json?: boolean; socket?: string }) =>
      run(async () => {
        const client = await ControlClient.connect(socketOf(options));
        let interrupted = false;
        const closed = new Promise<void>((resolve) => {
          client.on('close', () => resolve());
          process.once('SIGINT', () => {
            interrupted = true;
            client.close();
          });
        });
        client.on('event', (event) => write(options.json ? `${JSON.stringify(event)}\n` : `${formatEvent(event as SupervisorEvent)}\n`));
        await client.request('subscribe');
        await closed;
        if (!interrupted) {
          process.stderr.write('dialbond: the daemon closed the connection (it stopped?) [CONTROL_UNAVAILABLE]\n');
          process.exitCode = QUERY_EXIT.noDaemon;
        }
      }),
    );
}
