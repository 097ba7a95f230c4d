/**
 * `dialbond console`: a terminal UI over the daemon's control socket, and nothing else.
 * A row per link, the balance bar, the selected link's details, an event log, an AT
 * terminal to an idle modem, and keys for the controls. It fits 80x24 (over SSH), redraws
 * only what changed (blessed's smartCSR), follows resizes, and when the daemon goes away
 * it says "disconnected" and reconnects by itself.
 */
import blessed from 'blessed';
import { ControlClient } from '../control/index.js';
import type { SupervisorEvent, SupervisorStatus } from '../supervisor/index.js';
import { balance, eventLine, firstVisible, headerLine, HELP, lastDialLines, linkRows, placeLine, RateTracker, rowLine, selectedLine, utf8Terminal } from './view-model.js';

export interface ConsoleOptions {
  socket: string;
  /** How often the status (and the counters behind the rates) is read. */
  refreshMs?: number;
}

const COLORS = ['green', 'yellow', 'cyan', 'magenta', 'blue', 'red', 'white'];

/** Runs until the user quits; resolves then. */
export function runConsole(options: ConsoleOptions): Promise<void> {
  const unicode = utf8Terminal();
  const block = unicode ? '█' : '#';
  const screen = blessed.screen({ smartCSR: true, fullUnicode: unicode, title: 'dialbond console', autoPadding: false });
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, style: { fg: 'white', bg: 'blue' } });
  const table = blessed.box({ parent: screen, top: 1, left: 0, width: '100%', height: 8, tags: true, border: { type: 'line' }, label: ' links ' });
  const bar = blessed.box({ parent: screen, top: 9, left: 0, width: '100%', height: 2, tags: true });
  const detail = blessed.box({ parent: screen, top: 11, left: 0, width: '100%', height: 1, tags: true });
  const log = blessed.log({ parent: screen, top: 12, left: 0, width: '100%', bottom: 1, tags: false, border: { type: 'line' }, label: ' events ', scrollback: 500 });
  const help = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, content: HELP, style: { fg: 'black', bg: 'white' } });
  void help;

  const rates = new RateTracker();
  let client: ControlClient | undefined;
  let status: SupervisorStatus | undefined;
  let selected = 0;
  let connected = false;
  let quitting = false;
  let terminalOpen = false;
  const say = (line: string) => log.log(line);

  const render = () => {
    const width = (screen.width as number) || 80;
    const now = Date.now();
    if (!status) {
      header.setContent(` dialbond console  ${connected ? 'connected' : '{red-fg}disconnected: retrying{/red-fg}'}  ${options.socket}`);
      screen.render();
      return;
    }
    const rows = linkRows(status, (n) => rates.get(n), now, Object.fromEntries(status.links.map((l) => [l.name, l.where])), unicode);
    selected = Math.min(selected, Math.max(0, rows.length - 1));
    const state = connected ? `${status.mode} bundle${status.bundle?.device ? ` on ${status.bundle.device}` : ''}, ${status.up}/${status.total} up` : '{red-fg}disconnected: retrying{/red-fg}';
    // the state first: a long socket path is what gets cut at 80 columns
    header.setContent(` dialbond console  ${state}  ${options.socket}`);
    const inner = width - 2;
    // Each link takes two lines (its figures, then where it goes and why it is not up); with
    // more links than fit, the window follows the selection.
    const room = Math.max(2, ((screen.height as number) || 24) - 15);
    const from = firstVisible(selected, rows.length, room);
    const shown = rows.slice(from, from + Math.max(1, Math.floor(room / 2)));
    const lines = [
      headerLine(inner),
      ...shown.flatMap((r, k) => {
        const text = blessed.escape(rowLine(r, inner, rates.get(r.name)));
        const place = `{gray-fg}${blessed.escape(placeLine(r, inner))}{/gray-fg}`;
        const first = from + k === selected ? `{inverse}${text}{/inverse}` : r.state.startsWith('up') ? text : `{yellow-fg}${text}{/yellow-fg}`;
        return [first, place];
      }),
    ];
    table.height = lines.length + 2;
    table.setLabel(rows.length > shown.length ? ` links ${from + 1}-${from + shown.length} of ${rows.length} ` : ' links ');
    table.setContent(lines.join('\n'));
    const top = (table.top as number) + (table.height as number);
    bar.top = top;
    detail.top = top + 2;
    log.top = top + 3;
    const bundled = status.links.filter((l) => l.bundled).map((l) => l.name);
    const segments = balance(bundled, (n) => rates.get(n), Math.max(10, width - 10));
    bar.setContent(
      ` balance ${segments.map((s, i) => `{${COLORS[i % COLORS.length]}-fg}${block.repeat(s.cells)}{/}`).join('') || '(nothing bundled)'}\n         ${segments.map((s, i) => `{${COLORS[i % COLORS.length]}-fg}${block}{/} ${s.name} ${Math.round(s.share * 100)}%`).join('  ')}`,
    );
    const link = status.links[selected];
    detail.setContent(link ? blessed.escape(selectedLine(link, now).slice(0, width)) : '');
    screen.render();
  };

  const refresh = async () => {
    if (!client || !connected) return;
    try {
      const next = await client.request('status');
      rates.update(next, Date.now());
      status = next;
      render();
    } catch {
      /* the close handler reconnects */
    }
  };

  const connect = async (): Promise<void> => {
    while (!quitting) {
      try {
        const c = await ControlClient.connect(options.socket, 2000);
        client = c;
        connected = true;
        c.on('event', (event) => {
          say(eventLine(event as SupervisorEvent));
          void refresh();
        });
        c.on('close', () => {
          if (client !== c) return;
          connected = false;
          say('disconnected from the daemon; reconnecting');
          render();
          if (!quitting) setTimeout(() => void connect(), 1000);
        });
        await c.request('subscribe');
        say(`connected to ${options.socket}`);
        await refresh();
        return;
      } catch {
        connected = false;
        render();
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  const act = async (cmd: 'dial' | 'hangup' | 'enslave' | 'emancipate' | 'reload') => {
    const name = status?.links[selected]?.name;
    if (!client || !connected || (!name && cmd !== 'reload')) return;
    try {
      if (cmd === 'reload') await client.request('reload');
      else await client.request(cmd, { link: name as string });
      if (cmd === 'reload') say('configuration reloaded');
      await refresh();
    } catch (error) {
      say(`${cmd} ${name ?? ''}: ${(error as Error).message}`);
    }
  };

  /** The selected link's last dial (AT exchange and login chat), into the event log. */
  const lastDial = async () => {
    const name = status?.links[selected]?.name;
    if (!name || !client || !connected) return;
    try {
      for (const line of lastDialLines(await client.request('link', { link: name }))) say(line);
    } catch (error) {
      say(`last dial of ${name}: ${(error as Error).message}`);
    }
  };

  const terminal = () => {
    const name = status?.links[selected]?.name;
    if (!name || !client || terminalOpen) return;
    terminalOpen = true;
    const prompt = blessed.textbox({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, style: { fg: 'white', bg: 'black' } });
    say(`AT terminal to ${name}'s modem (Enter sends, Escape closes)`);
    const ask = () => {
      prompt.clearValue();
      prompt.focus();
      prompt.readInput(async (error, value) => {
        if (error || value === undefined || value === null) {
          prompt.destroy();
          terminalOpen = false;
          screen.render();
          return;
        }
        if (value.trim() !== '') {
          say(`> ${value}`);
          try {
            const answer = await client!.request('at', { link: name, command: value });
            for (const line of answer.lines) say(`< ${line}`);
            say(`< ${answer.final ?? '(no answer)'}`);
          } catch (e) {
            say(`! ${(e as Error).message}`);
          }
        }
        ask();
      });
      screen.render();
    };
    ask();
  };

  return new Promise<void>((resolve) => {
    const quit = () => {
      quitting = true;
      clearInterval(timer);
      client?.close();
      screen.destroy();
      resolve();
    };
    screen.key(['q', 'C-c'], () => !terminalOpen && quit());
    screen.key(['up', 'k'], () => {
      if (terminalOpen) return;
      selected = Math.max(0, selected - 1);
      render();
    });
    screen.key(['down', 'j'], () => {
      if (terminalOpen) return;
      selected = Math.min((status?.links.length ?? 1) - 1, selected + 1);
      render();
    });
    const keys: Array<[string, () => void]> = [
      ['d', () => void act('dial')],
      ['h', () => void act('hangup')],
      ['e', () => void act('enslave')],
      ['x', () => void act('emancipate')],
      ['r', () => void act('reload')],
      ['t', terminal],
      ['l', () => void lastDial()],
    ];
    for (const [key, fn] of keys) screen.key(key, () => !terminalOpen && fn());
    screen.on('resize', render);
    const timer = setInterval(() => void refresh(), options.refreshMs ?? 1000);
    render();
    void connect();
  });
}
