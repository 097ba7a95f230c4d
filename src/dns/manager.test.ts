import { describe, expect, it } from 'vitest';
import type { DnsServersByInterface, ResolverBackend } from './backend.js';
import { DnsManager, wantedServers, type DnsChange, type DnsLink } from './manager.js';

/** A backend that records the states it was asked for. */
class RecordingBackend implements ResolverBackend {
  readonly kind = 'file' as const;
  readonly applied: Array<Record<string, readonly string[]>> = [];
  fail = false;
  gate: Promise<void> | undefined;
  async apply(wanted: DnsServersByInterface): Promise<void> {
    await this.gate;
    if (this.fail) throw Object.assign(new Error('cannot write /etc/resolv.conf: EROFS'), { code: 'DNS_FAILED' });
    this.applied.push(Object.fromEntries(wanted));
  }
}

const line0: DnsLink = { name: 'line0', ifname: 'ppp0', servers: ['198.51.100.53', '198.51.100.54'] };
const line1: DnsLink = { name: 'line1', ifname: 'ppp1', servers: ['198.51.100.153'] };

describe('wantedServers', () => {
  it('peer: each line\'s own servers on its interface; lines without any add nothing', () => {
    expect(wantedServers('peer', [line0, line1, { name: 'line2', ifname: 'ppp2', servers: [] }])).toEqual(new Map([['ppp0', line0.servers], ['ppp1', line1.servers]]));
  });
  it('a list: the same servers on every bundled line, whatever the peers offered', () => {
    expect(wantedServers(['192.0.2.53'], [line0, line1])).toEqual(new Map([['ppp0', ['192.0.2.53']], ['ppp1', ['192.0.2.53']]]));
  });
  it('none: nothing; mlppp lines sharing one interface: all their servers there, once', () => {
    expect(wantedServers('none', [line0]).size).toBe(0);
    expect(wantedServers('peer', [line0, { name: 'line1', ifname: 'ppp0', servers: ['198.51.100.54', '198.51.100.55'] }])).toEqual(new Map([['ppp0', ['198.51.100.53', '198.51.100.54', '198.51.100.55']]]));
  });
});

describe('DnsManager', () => {
  function manager(setting: 'peer' | 'none' | string[] = 'peer') {
    const backend = new RecordingBackend();
    let links: DnsLink[] = [];
    let made = 0;
    const changes: DnsChange[] = [];
    const m = new DnsManager({ setting, links: () => links, backend: async () => (made++, backend), onChange: (c) => changes.push(c) });
    return { m, backend, changes, set: (l: DnsLink[]) => (links = l), made: () => made };
  }

  it('follows the bundle: a line joining adds its servers, one leaving takes them, close gives all back', async () => {
    const t = manager();
    t.set([line0]);
    await t.m.update();
    t.set([line0, line1]);
    await t.m.update();
    t.set([line1]);
    await t.m.update();
    await t.m.update(); // nothing changed: nothing applied
    await t.m.close();
    expect(t.backend.applied).toEqual([{ ppp0: line0.servers }, { ppp0: line0.servers, ppp1: line1.servers }, { ppp1: line1.servers }, {}]);
    expect(t.changes.map((c) => c.servers)).toEqual([line0.servers, [...line0.servers, ...line1.servers], line1.servers, []]);
    t.set([line0]);
    await t.m.update();
    expect(t.backend.applied).toHaveLength(4);
  });

  it('"none" never even looks for a resolver', async () => {
    const t = manager('none');
    t.set([line0]);
    await t.m.update();
    await t.m.close();
    expect(t.made()).toBe(0);
    expect(t.backend.applied).toEqual([]);
  });

  it('updates asked for while one runs are folded into one more, with the state as it is then', async () => {
    const t = manager();
    let open!: () => void;
    t.backend.gate = new Promise((r) => (open = r));
    t.set([line0]);
    const first = t.m.update();
    t.set([line0, line1]);
    void t.m.update();
    t.set([line1]);
    const last = t.m.update();
    open();
    await Promise.all([first, last]);
    expect(t.backend.applied).toEqual([{ ppp0: line0.servers }, { ppp1: line1.servers }]);
  });

  it('a failure is reported with its code and tried again at the next update', async () => {
    const t = manager();
    t.backend.fail = true;
    t.set([line0]);
    await t.m.update();
    expect(t.changes).toEqual([{ backend: 'file', servers: line0.servers, error: { code: 'DNS_FAILED', message: 'cannot write /etc/resolv.conf: EROFS' } }]);
    t.backend.fail = false;
    await t.m.update();
    expect(t.backend.applied).toEqual([{ ppp0: line0.servers }]);
  });

  it('a reload to "none" takes dialbond\'s servers away while the lines stay up', async () => {
    const t = manager();
    t.set([line0]);
    await t.m.update();
    await t.m.setSetting('none');
    expect(t.backend.applied).toEqual([{ ppp0: line0.servers }, {}]);
  });
});
