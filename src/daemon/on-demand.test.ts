import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { parseConfig } from '../config/index.js';
import type { LinkReason, LinkState } from '../link/index.js';
import type { InterfaceCounters } from '../sys/index.js';
import type { SupervisorEvent } from '../supervisor/index.js';
import { OnDemand } from './on-demand.js';

describe('OnDemand', () => {
  const config = parseConfig(
    { bundle: { mode: 'perconn' }, links: ['a', 'b', 'c'].map((name, i) => ({ name, device: `/dev/ttyS${i}`, numbers: ['1'] })), supervisor: { onDemand: { minLinks: 1, upAbove: 0.8, for: '30s', idleDown: '5m' } } },
    't.yaml',
  );

  function harness() {
    const clock = new SimulatedClock();
    const states: Record<string, LinkState> = { a: 'up', b: 'idle', c: 'idle' };
    const reasons: Record<string, LinkReason> = {};
    const holdOff: Record<string, number> = {};
    const bytes: Record<string, InterfaceCounters> = {};
    const actions: string[] = [];
    const events: SupervisorEvent[] = [];
    const supervisor = {
      bundledLinks: () => Object.keys(states).filter((n) => states[n] === 'up').map((name) => ({ name, ifname: `ppp-${name}`, remoteIp: null, weight: 1 })),
      linkStatus: (name: string) => ({ state: states[name], reason: reasons[name] ?? null, holdOffUntilMs: holdOff[name] ?? null, speed: 28_800 }) as never,
      dial: (name: string) => {
        actions.push(`dial:${name}`);
        states[name] = 'up';
      },
      hangUp: (name: string) => {
        actions.push(`hangup:${name}`);
        states[name] = 'parked';
        reasons[name] = { code: 'LINK_HUNG_UP', message: 'hung up on request', fatal: true };
      },
      notify: (e: SupervisorEvent) => void events.push(e),
      currentConfig: config,
    };
    const monitor = new OnDemand(supervisor, { minLinks: 1, upAbove: 0.8, forMs: 30_000, idleDownMs: 300_000, sampleMs: 5000, clock, counters: (ifname) => bytes[ifname] ?? { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 } });
    /** `seconds` of traffic at `bps` received on every up link, in 5 s steps. */
    const run = (seconds: number, bps: number) => {
      for (let t = 0; t < seconds; t += 5) {
        for (const name of Object.keys(states)) {
          if (states[name] !== 'up') continue;
          const c = bytes[`ppp-${name}`] ?? { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 };
          bytes[`ppp-${name}`] = { ...c, rxBytes: c.rxBytes + (bps * 5) / 8 };
        }
        clock.increment(5000);
        monitor.step();
      }
    };
    return { monitor, run, actions, events, states, reasons, holdOff, clock };
  }

  it('lists the links beyond the minimum as deferred', () => {
    expect(OnDemand.deferred(['a', 'b', 'c'], 1)).toEqual(['b', 'c']);
  });

  it('dials the next link after use stays above the threshold for the configured time, one at a time', () => {
    const h = harness();
    h.monitor.step();
    h.run(25, 27_000); // 94% of one line: not yet 30 s
    expect(h.actions).toEqual([]);
    h.run(5, 27_000);
    expect(h.actions).toEqual(['dial:b']);
    h.run(25, 27_000); // both lines at 94%: the next one after another 30 s
    expect(h.actions).toEqual(['dial:b']);
    h.run(5, 27_000);
    expect(h.actions).toEqual(['dial:b', 'dial:c']);
    h.run(60, 27_000);
    expect(h.actions).toEqual(['dial:b', 'dial:c']); // none left to dial
    expect(h.events[0]).toMatchObject({ type: 'on-demand', link: 'b', action: 'dial' });
  });

  it('hangs up the last link dialed on demand after use stays low for idleDown, never the minimum', () => {
    const h = harness();
    h.monitor.step();
    h.run(30, 27_000);
    expect(h.actions).toEqual(['dial:b']);
    h.run(295, 1000);
    expect(h.actions).toEqual(['dial:b']);
    h.run(5, 1000);
    expect(h.actions).toEqual(['dial:b', 'hangup:b']);
    h.run(900, 0);
    expect(h.actions).toEqual(['dial:b', 'hangup:b']);
  });

  it('does nothing while use is between the thresholds', () => {
    const h = harness();
    h.monitor.step();
    h.run(900, 17_000); // 59%
    expect(h.actions).toEqual([]);
  });

  it('redials a link it hung up itself, but never one parked by its modem (BLACKLISTED) or holding off (DELAYED)', () => {
    const h = harness();
    h.states.b = 'parked';
    h.reasons.b = { code: 'MODEM_DIAL_FAILED', message: 'the modem refuses to dial (BLACKLISTED)', fatal: true, holdOff: 'blacklisted' };
    h.states.c = 'backoff';
    h.reasons.c = { code: 'MODEM_DIAL_FAILED', message: 'the modem refuses to dial for now (DELAYED)', fatal: false, holdOff: 'delayed' };
    h.monitor.step();
    h.run(120, 27_000);
    expect(h.actions).toEqual([]);
    h.states.c = 'parked';
    h.reasons.c = { code: 'LINK_HUNG_UP', message: 'hung up on request', fatal: true };
    h.run(30, 27_000);
    expect(h.actions).toEqual(['dial:c']);
  });

  it('does not redial a link it hung up while its modem still holds dials off (DELAYED)', () => {
    const h = harness();
    h.states.b = 'parked';
    h.reasons.b = { code: 'LINK_HUNG_UP', message: 'hung up on request', fatal: true };
    h.holdOff.b = 200_000;
    h.states.c = 'backoff';
    h.monitor.step();
    h.run(150, 27_000);
    expect(h.actions).toEqual([]);
    h.run(60, 27_000);
    expect(h.actions).toEqual(['dial:b']);
  });
});
