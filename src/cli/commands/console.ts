/**
 * `dialbond console`: the interactive console over the daemon's control socket.
 */
import type { Command } from 'commander';
import { runConsole } from '../../console/app.js';
import { DEFAULT_CONTROL_SOCKET } from '../../control/index.js';
import { DialbondError } from '../../errors/index.js';

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('the interactive console: links, balance, events, controls and an AT terminal (keys at the bottom)')
    .option('--socket <path>', 'the daemon\'s control socket', process.env.DIALBOND_SOCKET ?? DEFAULT_CONTROL_SOCKET)
    .action(async (options: { socket: string }) => {
      if (!process.stdout.isTTY) throw new DialbondError('CLI_USAGE', 'the console needs a terminal; for scripts use "dialbond status --json" and "dialbond events --json"');
      await runConsole({ socket: options.socket });
    });
}
