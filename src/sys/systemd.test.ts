import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { SystemdNotifier, systemdSettingsFrom } from './systemd.js';

function notifier(settings = { socket: '/run/systemd/notify', watchdogEveryMs: 5000 as number | null }) {
  const clock = new SimulatedClock();
  const sent: string[] = [];
  const errors: string[] = [];
  let fail = false;
  const n = new SystemdNotifier({
    settings,
    clock,
    send: (socket, text) => {
      if (fail) throw Object.assign(new Error('sendto: Connection refused'), { code: 'ECONNREFUSED' });
      sent.push(`${socket} ${text}`);
    },
    onError: (m) => errors.push(m),
  });
  return { n, clock, sent, errors, failing: (on: boolean) => (fail = on) };
}

describe('systemd notifications', () => {
  it('reads the service manager\'s variables, halves the watchdog, and removes them from the environment', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify/42', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '77', PATH: '/bin' };
    expect(systemdSettingsFrom(env, 77)).toEqual({ socket: '@/org/freedesktop/systemd1/notify/42', watchdogEveryMs: 15_000 });
    expect(env).toEqual({ PATH: '/bin' });
    expect(systemdSettingsFrom({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '78' }, 77)).toEqual({ socket: '/run/systemd/notify', watchdogEveryMs: null });
    expect(systemdSettingsFrom({ NOTIFY_SOCKET: '/run/systemd/notify' }, 77)).toEqual({ socket: '/run/systemd/notify', watchdogEveryMs: null });
    expect(systemdSettingsFrom({ NOTIFY_SOCKET: 'relative' }, 77)).toBeNull();
    expect(systemdSettingsFrom({}, 77)).toBeNull();
  });

  it('READY=1 with a status, a changed status only once, STOPPING=1 at the end and nothing after it', () => {
    const { n, sent } = notifier({ socket: '/s', watchdogEveryMs: null });
    n.ready('3 of 4 links up');
    n.status('3 of 4 links up');
    n.status('4 of 4 links up\nall bundled');
    n.stopping('stopping');
    n.status('0 of 4 links up');
    expect(sent).toEqual(['/s READY=1\nSTATUS=3 of 4 links up', '/s STATUS=4 of 4 links up all bundled', '/s STOPPING=1\nSTATUS=stopping']);
  });

  it('feeds the watchdog at half its period while running, and not once stopping', () => {
    const { n, clock, sent } = notifier();
    n.startWatchdog();
    clock.increment(4999);
    expect(sent).toEqual([]);
    clock.increment(1);
    expect(sent).toEqual(['/run/systemd/notify WATCHDOG=1']);
    clock.increment(5000);
    clock.increment(5000);
    expect(sent.filter((s) => s.endsWith('WATCHDOG=1'))).toHaveLength(3);
    n.stopping('stopping');
    for (let i = 0; i < 12; i++) clock.increment(5000);
    expect(sent.filter((s) => s.endsWith('WATCHDOG=1'))).toHaveLength(3);
  });

  it('a socket that refuses is reported once, not on every tick, and not fatal', () => {
    const { n, clock, errors, sent, failing } = notifier();
    failing(true);
    n.startWatchdog();
    for (let i = 0; i < 4; i++) clock.increment(5000);
    expect(errors).toEqual([expect.stringContaining('cannot notify systemd at /run/systemd/notify (ECONNREFUSED)')]);
    failing(false);
    clock.increment(5000);
    expect(sent).toEqual(['/run/systemd/notify WATCHDOG=1']);
    n.close();
  });
});
