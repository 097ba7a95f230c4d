import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { parseConfig, type DialbondConfig } from '../config/index.js';
import { isDialbondError } from '../errors/index.js';
import { Supervisor } from './supervisor.js';
import { linkConfigOf } from './link-configs.js';
import { FakeBundle, FakeLink } from './testing.js';
import type { SupervisorEvent } from './types.js';

function configOf(links: Array<Record<string, unknown>>, bundle: Record<string, unknown> = { mode: 'teql', address: '203.0.113.100' }): DialbondConfig {
  return parseConfig({ bundle, links }, 'test.yaml');
}

const three = configOf([
  { name: 'line0', device: '/dev/ttyS0', numbers: ['1'] },
  { name: 'line1', device: '/dev/ttyS1', numbers: ['2'] },
  { name: 'line2', device: '/dev/ttyS2', numbers: ['3'], weight: 5 },
]);

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

function harness(config = three, clock?: SimulatedClock) {
  const bundles: FakeBundle[] = [];
  const links = new Map<string, FakeLink>();
  const created: string[] = [];
  const events: SupervisorEvent[] = [];
  const supervisor = new Supervisor(config, {
    createLink: (c) => {
      const link = new FakeLink(c);
      links.set(c.name, link);
      created.push(c.name);
      return link;
    },
    createBundle: () => {
      const b = new FakeBundle();
      bundles.push(b);
      return b;
    },
    linkConfig: (l, c) => linkConfigOf(l, c, { runDir: '/run/dialbond' }),
    ...(clock ? { clock } : {}),
  });
  supervisor.on('event', (e) => events.push(e));
  const link = (name: string) => links.get(name)!;
  const bundle = () => bundles.at(-1)!;
  return { supervisor, link, bundle, bundles, created, events };
}

describe('Supervisor', () => {
  it('creates the bundle, then starts every link at once', async () => {
    const h = harness();
    await h.supervisor.start();
    expect(h.bundle().calls).toEqual(['create']);
    expect(h.created).toEqual(['line0', 'line1', 'line2']);
    for (const name of h.created) expect(h.link(name).calls).toEqual(['start']);
    expect((await h.supervisor.status()).state).toBe('running');
  });

  it('puts a link that comes up into the bundle, weighted by its CONNECT speed unless configured', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0', 28800);
    h.link('line2').up('ppp2', 28800);
    await settle();
    expect(h.bundle().calls).toEqual(['create', 'add:line0:ppp0:28800', 'add:line2:ppp2:5']);
    const status = await h.supervisor.status();
    expect(status.links.map((l) => [l.name, l.bundled])).toEqual([
      ['line0', true],
      ['line1', false],
      ['line2', true],
    ]);
    expect(status.up).toBe(2);
  });

  it("hands the bundle each line's rate for its shaper: CONNECT speed capped by the port, or the link's own rate", async () => {
    const h = harness(
      configOf([
        { name: 'line0', device: '/dev/ttyS0', numbers: ['1'] },
        { name: 'line1', device: '/dev/ttyS1', numbers: ['2'], rate: 24000 },
        { name: 'line2', device: '/dev/ttyS2', numbers: ['3'], baud: 57600 },
      ]),
    );
    await h.supervisor.start();
    h.link('line0').up('ppp0', 28800);
    h.link('line1').up('ppp1', 28800);
    h.link('line2').up('ppp2', 7_200_000);
    await settle();
    expect([...h.bundle().members.values()].map((m) => [m.name, m.rateBps])).toEqual([
      ['line0', 28800],
      ['line1', 24000],
      ['line2', 57600],
    ]);
  });

  it("hands the bundle the rate each line's tty held as pppd attached it, which multilink fragments follow", async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').go('up', { ifname: 'ppp0', speed: 115200, lineRate: 115200, ttyRate: 115200, localIp: '203.0.113.1', remoteIp: '198.51.100.1' });
    h.link('line1').go('up', { ifname: 'ppp1', speed: 28800, lineRate: 28800, ttyRate: 28800, localIp: '203.0.113.2', remoteIp: '198.51.100.2' });
    h.link('line2').up('ppp2');
    await settle();
    expect([...h.bundle().members.values()].map((m) => [m.name, m.rateBps, m.ttyRateBps])).toEqual([
      ['line0', 115200, 115200],
      ['line1', 28800, 28800],
      ['line2', 115200, undefined],
    ]);
  });

  it("hands the bundle a line's IPv6 peer: at its add when IPV6CP came first, else as soon as it comes, only while the line is in", async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').ipv6('fe80::a');
    h.link('line0').up('ppp0');
    await settle();
    expect(h.bundle().members.get('line0')?.remoteLinkLocal).toBe('fe80::a');
    h.link('line1').up('ppp1');
    await settle();
    expect(h.bundle().members.get('line1')?.remoteLinkLocal).toBeUndefined();
    h.link('line1').ipv6('fe80::b');
    await settle();
    expect(h.bundle().members.get('line1')?.remoteLinkLocal).toBe('fe80::b');
    h.link('line2').ipv6('fe80::c'); // not up, not in: nothing to tell
    await settle();
    expect(h.bundle().calls.filter((c) => c.startsWith('update'))).toEqual(['update:line1:fe80::b']);
  });

  it('takes a link out of the bundle as soon as it leaves up, and reports how long that took', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line1').up('ppp1');
    await settle();
    h.link('line1').go('down', { reason: { code: 'PPP_HANGUP', message: 'modem hung up', fatal: false } }, 0);
    await settle();
    expect(h.bundle().calls.at(-1)).toBe('remove:line1');
    const removed = h.events.find((e) => e.type === 'bundle' && e.action === 'removed');
    expect(removed).toMatchObject({ link: 'line1', ifname: 'ppp1' });
    const down = h.events.find((e) => e.type === 'link' && e.state === 'down');
    expect(down).toMatchObject({ reason: { code: 'PPP_HANGUP' } });
    // and back in when it is up again after the redial
    h.link('line1').up('ppp4');
    await settle();
    expect(h.bundle().calls.at(-1)).toBe('add:line1:ppp4:115200');
  });

  it("reports a link out of the bundle when it gets no more traffic, not when the backend's tidying after it ends", async () => {
    const clock = new SimulatedClock();
    const h = harness(three, clock);
    await h.supervisor.start();
    h.link('line1').up('ppp1');
    await settle();
    let tidied!: () => void;
    h.bundle().tidyGate = new Promise<void>((resolve) => (tidied = resolve));
    clock.increment(1000);
    h.link('line1').go('down', { reason: { code: 'PPP_HANGUP', message: 'modem hung up', fatal: false } }, 1000);
    await settle();
    clock.increment(300); // the master's reshape takes its time
    tidied();
    await settle();
    expect(h.events.find((e) => e.type === 'bundle' && e.action === 'removed')).toMatchObject({ link: 'line1', atMs: 1000, tookMs: 0 });
    await h.supervisor.stop();
  });

  it('keeps an emancipated link out until it is enslaved again, also across redials', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    await settle();
    await h.supervisor.emancipate('line0');
    expect(h.bundle().calls.at(-1)).toBe('remove:line0');
    h.link('line0').go('down');
    h.link('line0').up('ppp0');
    await settle();
    expect(h.bundle().calls.filter((c) => c.startsWith('add:'))).toHaveLength(1);
    expect(h.supervisor.linkStatus('line0')).toMatchObject({ bundled: false, heldOut: true, state: 'up' });
    await h.supervisor.enslave('line0');
    expect(h.bundle().calls.at(-1)).toBe('add:line0:ppp0:115200');
  });

  it('answers emancipate and enslave only once the bundle holds what they say, also when a change of the link was already queued', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    await settle();
    let open!: () => void;
    h.bundle().gate = new Promise<void>((resolve) => (open = resolve));
    h.link('line1').up('ppp1'); // a slow tc: line1's add holds the bundle queue
    await settle();
    const readd = h.supervisor.readd('line0'); // starvation: line0's removal waits its turn
    let answered = false;
    const emancipated = h.supervisor.emancipate('line0').then(() => (answered = true));
    await settle();
    expect(answered).toBe(false);
    open();
    await emancipated;
    expect(h.supervisor.linkStatus('line0')).toMatchObject({ bundled: false, heldOut: true, state: 'up' });
    await readd;
    expect(h.bundle().calls.filter((c) => c.startsWith('add:line0'))).toHaveLength(1);

    // The same for enslave: its add already queued (by an up) is awaited, not skipped.
    h.bundle().gate = new Promise<void>((resolve) => (open = resolve));
    h.link('line2').up('ppp2');
    await settle();
    const slow = h.supervisor.enslave('line0');
    h.link('line0').go('down');
    h.link('line0').up('ppp3');
    answered = false;
    const enslaved = h.supervisor.enslave('line0').then(() => (answered = true));
    await settle();
    expect(answered).toBe(false);
    open();
    await enslaved;
    expect(h.supervisor.linkStatus('line0')).toMatchObject({ bundled: true, heldOut: false, ifname: 'ppp3' });
    await slow;
  });

  it('takes a bundled link out of the bundle before hanging it up, so a parked link is never reported bundled', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    await settle();
    const line0 = h.link('line0');
    const hangUp = line0.hangUp.bind(line0);
    let bundledAtHangUp: boolean | undefined;
    line0.hangUp = () => {
      bundledAtHangUp = h.supervisor.linkStatus('line0').bundled;
      hangUp();
      line0.go('parked', { reason: { code: 'LINK_HUNG_UP', message: 'hung up on request', fatal: true } });
    };
    h.supervisor.hangUp('line0');
    await settle();
    expect(line0.calls).toContain('hangUp');
    expect(bundledAtHangUp).toBe(false);
    expect(h.bundle().calls.filter((c) => c === 'remove:line0')).toHaveLength(1);
    expect(h.supervisor.linkStatus('line0')).toMatchObject({ state: 'parked', bundled: false });
    // Back up after a dial, it joins again.
    line0.up('ppp0');
    await settle();
    expect(h.supervisor.linkStatus('line0')).toMatchObject({ state: 'up', bundled: true });
  });

  it('passes dial, hang-up and faults to the link, and names the links when asked for an unknown one', async () => {
    const h = harness();
    await h.supervisor.start();
    h.supervisor.dial('line1');
    h.supervisor.hangUp('line2');
    h.supervisor.fault('line0', { code: 'LINK_PROBE_FAILED', message: 'no answer', fatal: false });
    expect(h.link('line1').calls).toContain('retry');
    expect(h.link('line2').calls).toContain('hangUp');
    expect(h.link('line0').calls).toContain('fault:LINK_PROBE_FAILED');
    let error: unknown;
    try {
      h.supervisor.dial('line9');
    } catch (e) {
      error = e;
    }
    expect(isDialbondError(error, 'LINK_UNKNOWN')).toBe(true);
    expect((error as Error).message).toContain('line0, line1, line2');
  });

  it('reports a bundle that refuses a link, and leaves the link up but not bundled', async () => {
    const h = harness();
    await h.supervisor.start();
    h.bundle().failAdd = true;
    h.link('line0').up('ppp0');
    await settle();
    expect(h.events.find((e) => e.type === 'bundle-error')).toMatchObject({ link: 'line0', action: 'add', code: 'SYS_COMMAND_FAILED' });
    expect(h.supervisor.linkStatus('line0')).toMatchObject({ bundled: false, state: 'up' });
  });

  it('stops every link, then removes the bundle', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    await settle();
    await h.supervisor.stop();
    for (const name of h.created) expect(h.link(name).calls).toContain('stop');
    // destroy() takes the members out in one pass: no removal one link at a time first.
    expect(h.bundle().calls.slice(-2)).toEqual(['add:line0:ppp0:115200', 'destroy']);
    expect(h.events.at(-1)).toMatchObject({ type: 'supervisor', state: 'stopped' });
  });

  it('stops 64 links at once, bounded: one that never ends does not keep the bundle', async () => {
    const clock = new SimulatedClock();
    let inFlight = 0;
    let most = 0;
    /** A link whose stop takes 5 s (pppd's grace, a modem's guard times), or forever. */
    class SlowLink extends FakeLink {
      forever = false;
      override async stop(): Promise<void> {
        this.calls.push('stop');
        this.go('stopping');
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => (this.forever ? undefined : clock.setTimeout(() => resolve(), 5000)));
        inFlight--;
        this.go('stopped');
      }
    }
    const config = configOf(Array.from({ length: 64 }, (_, i) => ({ name: `line${i}`, device: `/dev/ttyUSB${i}`, numbers: ['1'] })));
    const links: SlowLink[] = [];
    const bundle = new FakeBundle();
    const supervisor = new Supervisor(config, {
      createLink: (c) => {
        const link = new SlowLink(c);
        links.push(link);
        return link;
      },
      createBundle: () => bundle,
      linkConfig: (l, c) => linkConfigOf(l, c, { runDir: '/run/dialbond' }),
      clock,
    });
    await supervisor.start();
    links.forEach((l, i) => l.up(`ppp${i}`));
    await settle();
    expect(bundle.members.size).toBe(64);
    (links[7] as SlowLink).forever = true;

    let done = false;
    const stopped = supervisor.stop({ linksWithinMs: 12_000 }).then(() => (done = true));
    await settle();
    expect(most).toBe(64); // every link was stopping at the same moment
    clock.increment(5000);
    await settle();
    expect(inFlight).toBe(1); // all but the stuck one ended after one link's time
    expect(done).toBe(false);
    clock.increment(7000);
    await stopped;
    expect(bundle.calls.filter((c) => c.startsWith('remove:'))).toEqual([]);
    expect(bundle.calls.at(-1)).toBe('destroy');
    expect((await supervisor.status()).state).toBe('stopped');
  });

  it('reloads: unchanged links are not touched, changed ones restart, gone ones stop, new ones start', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    h.link('line1').up('ppp1');
    await settle();
    const oldLine1 = h.link('line1');
    const oldLine2 = h.link('line2');
    const next = configOf([
      { name: 'line0', device: '/dev/ttyS0', numbers: ['1'] },
      { name: 'line1', device: '/dev/ttyS1', numbers: ['2', '22'] },
      { name: 'line3', device: '/dev/ttyS3', numbers: ['4'] },
    ]);
    const result = await h.supervisor.reload(next);
    expect(result).toEqual({ added: ['line3'], removed: ['line2'], changed: ['line1'], bundle: false });
    expect(h.link('line0').calls).toEqual(['start']);
    expect(oldLine1.calls).toContain('stop');
    expect(oldLine2.calls).toContain('stop');
    expect(h.link('line1')).not.toBe(oldLine1);
    expect(h.link('line1').calls).toEqual(['start']);
    expect(h.link('line3').calls).toEqual(['start']);
    expect(h.bundle().calls).toContain('remove:line1');
    expect(h.bundle().calls).not.toContain('remove:line0');
    expect(h.bundles).toHaveLength(1);
    expect((await h.supervisor.status()).links.map((l) => l.name)).toEqual(['line0', 'line1', 'line3']);
  });

  it('rebuilds the bundle around the up links when its section changes', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    await settle();
    await h.supervisor.reload({ ...three, bundle: { ...three.bundle, routes: ['198.51.100.0/24'] } });
    await settle();
    expect(h.bundles).toHaveLength(2);
    expect(h.bundles[0]!.calls.at(-1)).toBe('destroy');
    expect(h.bundle().calls).toEqual(['create', 'add:line0:ppp0:115200']);
    expect(h.link('line0').calls).toEqual(['start']);
  });

  it('refuses a reload whose password file cannot be read, touching nothing', async () => {
    const h = harness();
    await h.supervisor.start();
    const next = { ...three, links: [...three.links, { ...three.links[0]!, name: 'line9', ppp: { user: 'u', passwordFile: '/nonexistent/secret' } }] } as DialbondConfig;
    await expect(h.supervisor.reload(next)).rejects.toMatchObject({ code: 'SECRET_UNREADABLE' });
    expect(h.created).toEqual(['line0', 'line1', 'line2']);
    expect(h.supervisor.currentConfig).toBe(three);
  });
  it('reports a link as bundled only once the backend has taken it, and skips an add the link outlived', async () => {
    const h = harness();
    await h.supervisor.start();
    let open!: () => void;
    h.bundle().gate = new Promise<void>((r) => (open = r));
    h.link('line0').up('ppp0');
    h.link('line1').up('ppp1');
    await settle();
    expect(h.supervisor.linkStatus('line0').bundled).toBe(false);
    h.link('line1').go('down');
    open();
    await settle();
    expect(h.supervisor.linkStatus('line0').bundled).toBe(true);
    expect(h.supervisor.linkStatus('line1').bundled).toBe(false);
    expect(h.bundle().calls).toEqual(['create', 'add:line0:ppp0:115200']);
    expect(h.events.filter((e) => e.type === 'bundle').map((e) => `${(e as { action: string }).action}:${(e as { link: string }).link}`)).toEqual(['added:line0']);
  });
  it('leaves deferred links idle until dialed (bandwidth on demand)', async () => {
    const h = harness();
    await h.supervisor.start({ deferred: ['line2'] });
    expect(h.link('line2').calls).toEqual([]);
    h.supervisor.dial('line2');
    expect(h.link('line2').calls).toEqual(['start']);
    h.link('line2').go('parked');
    h.supervisor.dial('line2');
    expect(h.link('line2').calls).toEqual(['start', 'retry']);
  });

  it("refuses to cut short the modem's own hold-off (DELAYED) unless forced, and says until when", async () => {
    const h = harness();
    await h.supervisor.start();
    const reason = { code: 'MODEM_DIAL_FAILED' as const, message: 'modem on /dev/ttyS1 refuses to dial 2 for now (DELAYED)', fatal: false, holdOff: 'delayed' as const };
    const due = Date.now() + 600_000;
    h.link('line1').go('backoff', { reason, nextDialAtMs: due, holdOffUntilMs: due }, 0);
    expect(h.events.at(-1)).toMatchObject({ type: 'link', link: 'line1', state: 'backoff', nextDialAtMs: due, reason: { holdOff: 'delayed' } });
    const refusal = () => {
      try {
        h.supervisor.dial('line1');
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const error = refusal();
    expect(isDialbondError(error, 'LINK_HOLD_OFF')).toBe(true);
    expect((error as Error).message).toContain(new Date(due).toISOString());
    // hung up meanwhile: the modem still refuses
    h.link('line1').go('parked', { reason: { code: 'LINK_HUNG_UP', message: 'hung up on request', fatal: true }, nextDialAtMs: null, holdOffUntilMs: due });
    expect(isDialbondError(refusal(), 'LINK_HOLD_OFF')).toBe(true);
    expect(h.link('line1').calls).toEqual(['start']);
    h.supervisor.dial('line1', { force: true });
    expect(h.link('line1').calls).toEqual(['start', 'retry:force']);
    // an ordinary back-off is cut short as before
    h.link('line0').go('backoff', { reason: { code: 'MODEM_DIAL_FAILED', message: 'busy', fatal: false }, nextDialAtMs: 4000 });
    h.supervisor.dial('line0');
    expect(h.link('line0').calls).toEqual(['start', 'retry']);
  });

  it("gives one link's last dial transcript on its own, not in every status", async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').lastDial = [{ direction: 'tx', text: 'ATDT1', atMs: 5 }, { direction: 'rx', text: 'DELAYED', atMs: 900 }];
    expect(h.supervisor.linkDetail('line0')).toMatchObject({ name: 'line0', state: 'dialing', transcript: [{ text: 'ATDT1' }, { text: 'DELAYED' }] });
    expect((await h.supervisor.status()).links[0]).not.toHaveProperty('transcript');
  });
});

describe('Supervisor: DNS servers of the links', () => {
  it('publishes the servers a link\'s peer offered, and restarts the links when "dns: peer" comes or goes', async () => {
    const h = harness();
    await h.supervisor.start();
    h.link('line0').up('ppp0');
    h.link('line0').emit('dns', ['198.51.100.53']);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'dns', link: 'line0', servers: ['198.51.100.53'] }));
    const list = parseConfig({ bundle: { mode: 'teql', address: '203.0.113.100' }, links: three.links, dns: ['192.0.2.53'] }, 'test.yaml');
    expect((await h.supervisor.reload(list)).changed).toEqual(['line0', 'line1', 'line2']);
    const otherList = parseConfig({ bundle: { mode: 'teql', address: '203.0.113.100' }, links: three.links, dns: ['192.0.2.54'] }, 'test.yaml');
    expect((await h.supervisor.reload(otherList)).changed).toEqual([]);
  });
});
