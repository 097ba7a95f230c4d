import { describe, expect, it } from 'vitest';
import { recordingExec, SysctlJournal } from '../sys/index.js';
import { MultipathBundle, nexthopWeights } from './multipath.js';

function fakeSysctl() {
  const values = new Map<string, string>([
    ['net.ipv4.fib_multipath_hash_policy', '0'],
    ['net.ipv4.conf.all.rp_filter', '2'],
    ['net.ipv4.conf.ppp0.rp_filter', '2'],
    ['net.ipv4.conf.ppp1.rp_filter', '2'],
  ]);
  return { values, journal: new SysctlJournal((k) => values.get(k) ?? '0', (k, v) => void values.set(k, String(v))) };
}

const member = (i: number, weight = 115200) => ({ name: `line${i}`, ifname: `ppp${i}`, localIp: `203.0.113.${i + 1}`, remoteIp: `198.51.100.${i + 1}`, weight });

describe('nexthop weights', () => {
  it('scales link weights to 1..256, proportional', () => {
    expect(nexthopWeights([115200, 115200])).toEqual([256, 256]);
    expect(nexthopWeights([115200, 57600, 28800])).toEqual([256, 128, 64]);
    expect(nexthopWeights([1_000_000, 100])).toEqual([256, 1]);
    expect(nexthopWeights([0, 10])).toEqual([1, 256]);
  });
});

describe('multipath bundle', () => {
  it('routes each destination over weighted nexthops, re-issues the route as links come and go, and undoes it all', async () => {
    const exec = recordingExec();
    const { values, journal } = fakeSysctl();
    const present = new Set(['ppp0', 'ppp1']);
    const bundle = new MultipathBundle({ mode: 'multipath', routes: ['198.51.100.100/32', 'default'], queue: { packetsPerLine: 0 } }, { exec, sysctl: journal, exists: (i) => present.has(i), counters: () => undefined });
    await bundle.create();
    await bundle.create(); // applying twice is harmless
    expect(values.get('net.ipv4.fib_multipath_hash_policy')).toBe('1');
    expect(values.get('net.ipv4.conf.all.rp_filter')).toBe('0');
    await bundle.addLink(member(0));
    await bundle.addLink(member(1, 57600));
    expect(values.get('net.ipv4.conf.ppp1.rp_filter')).toBe('0');
    const both = (w0: number, w1: number) => `nexthop via 198.51.100.1 dev ppp0 weight ${w0} nexthop via 198.51.100.2 dev ppp1 weight ${w1}`;
    expect(exec.calls).toEqual([
      'ip route replace 198.51.100.100/32 proto 201 via 198.51.100.1 dev ppp0',
      'ip route replace default proto 201 via 198.51.100.1 dev ppp0',
      `ip route replace 198.51.100.100/32 proto 201 ${both(256, 128)}`,
      `ip route replace default proto 201 ${both(256, 128)}`,
    ]);

    exec.calls.length = 0;
    await bundle.setWeight('line1', 115200);
    await bundle.setWeight('line1', 115200); // unchanged: nothing to do
    expect(exec.calls).toEqual([`ip route replace 198.51.100.100/32 proto 201 ${both(256, 256)}`, `ip route replace default proto 201 ${both(256, 256)}`]);

    exec.calls.length = 0;
    present.delete('ppp0'); // that line is gone already
    await bundle.removeLink('line0');
    await bundle.removeLink('line0'); // twice is harmless
    expect(exec.calls).toEqual(['ip route replace 198.51.100.100/32 proto 201 via 198.51.100.2 dev ppp1', 'ip route replace default proto 201 via 198.51.100.2 dev ppp1']);
    expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line1']);

    exec.calls.length = 0;
    await bundle.removeLink('line1'); // the last one: no route left
    await bundle.destroy();
    expect(exec.calls).toEqual([
      'ip route del 198.51.100.100/32 proto 201',
      'ip route del default proto 201',
      'ip route del 198.51.100.100/32 proto 201',
      'ip route del default proto 201',
    ]);
    expect(values.get('net.ipv4.fib_multipath_hash_policy')).toBe('0');
    expect(values.get('net.ipv4.conf.all.rp_filter')).toBe('2');
    expect(values.get('net.ipv4.conf.ppp1.rp_filter')).toBe('2');
  });

  it('leaves out a link whose interface is gone when re-issuing the route', async () => {
    const exec = recordingExec();
    const present = new Set(['ppp0', 'ppp1']);
    const bundle = new MultipathBundle({ mode: 'multipath', routes: ['default'], queue: { packetsPerLine: 0 } }, { exec, sysctl: fakeSysctl().journal, exists: (i) => present.has(i), counters: () => undefined });
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    present.delete('ppp1'); // dropped, not yet removed by the supervisor
    exec.calls.length = 0;
    await bundle.setWeight('line0', 28800);
    expect(exec.calls).toEqual(['ip route replace default proto 201 via 198.51.100.1 dev ppp0']);
  });

  it('needs a destination', () => {
    expect(() => new MultipathBundle({ mode: 'multipath', routes: [] })).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
  });
  it('gives each member a FIFO of 30 packets by default, and the kernel\'s default back when it leaves', async () => {
    const exec = recordingExec();
    const bundle = new MultipathBundle({ mode: 'multipath', routes: ['default'] }, { exec, sysctl: fakeSysctl().journal, exists: () => true, counters: () => undefined });
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.removeLink('line0');
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual(['tc qdisc replace dev ppp0 root sfq limit 30 perturb 10', 'tc qdisc del dev ppp0 root']);
  });
  it('replaces an SFQ that is there already in two steps (tc cannot change one in place)', async () => {
    const exec = recordingExec((command, args) => (command === 'tc' && args[1] === 'replace' ? { exitCode: 2, stderr: 'Error: Change operation not supported by specified qdisc.' } : undefined));
    const bundle = new MultipathBundle({ mode: 'multipath', routes: ['default'], queue: { packetsPerLine: 10 } }, { exec, sysctl: fakeSysctl().journal, exists: () => true, counters: () => undefined });
    await bundle.addLink(member(0));
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual(['tc qdisc replace dev ppp0 root sfq limit 10 perturb 10', 'tc qdisc del dev ppp0 root', 'tc qdisc add dev ppp0 root sfq limit 10 perturb 10']);
  });
  it('shapes each line under its own rate with CAKE, and takes it off with the line', async () => {
    const exec = recordingExec();
    const bundle = new MultipathBundle({ mode: 'multipath', routes: ['default'] }, { exec, sysctl: fakeSysctl().journal, exists: () => true, counters: () => undefined });
    await bundle.create();
    await bundle.addLink({ ...member(0), rateBps: 115200 });
    await bundle.addLink({ ...member(1, 28800), rateBps: 28800 });
    await bundle.removeLink('line1');
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual([
      'tc qdisc replace dev ppp0 root cake bandwidth 87552bit overhead 7 memlimit 6144 besteffort flows',
      'tc qdisc replace dev ppp1 root cake bandwidth 21888bit overhead 7 memlimit 6144 besteffort flows',
      'tc qdisc del dev ppp1 root',
    ]);
  });

  it('routes IPv6 destinations via each line\'s link-local peer, over the lines that have one, taking a late one when it comes', async () => {
    const exec = recordingExec();
    const { values, journal } = fakeSysctl();
    const bundle = new MultipathBundle({ mode: 'multipath', routes: ['198.51.100.100/32', '::/0'], queue: { packetsPerLine: 0 } }, { exec, sysctl: journal, exists: () => true, counters: () => undefined });
    await bundle.create();
    expect(values.get('net.ipv6.fib_multipath_hash_policy')).toBe('1');
    await bundle.addLink({ ...member(0), remoteLinkLocal: 'fe80::a' });
    await bundle.addLink(member(1)); // its IPV6CP is not up yet
    exec.calls.length = 0;
    await bundle.updateLink({ ...member(1), remoteLinkLocal: 'fe80::b' });
    await bundle.updateLink({ ...member(1), remoteLinkLocal: 'fe80::b' }); // unchanged: nothing to do
    expect(exec.calls).toEqual([
      'ip route replace 198.51.100.100/32 proto 201 nexthop via 198.51.100.1 dev ppp0 weight 256 nexthop via 198.51.100.2 dev ppp1 weight 256',
      'ip route replace ::/0 proto 201 nexthop via fe80::a dev ppp0 weight 256 nexthop via fe80::b dev ppp1 weight 256',
    ]);
    // the one IPv6 line leaves: IPv4 stays on the other, the IPv6 route goes
    exec.calls.length = 0;
    await bundle.removeLink('line0');
    await bundle.updateLink({ ...member(0), remoteLinkLocal: 'fe80::z' }); // not a member: ignored
    await bundle.addLink(member(2));
    await bundle.removeLink('line1');
    expect(exec.calls).toEqual([
      'ip route replace 198.51.100.100/32 proto 201 via 198.51.100.2 dev ppp1',
      'ip route replace ::/0 proto 201 via fe80::b dev ppp1',
      'ip route replace 198.51.100.100/32 proto 201 nexthop via 198.51.100.2 dev ppp1 weight 256 nexthop via 198.51.100.3 dev ppp2 weight 256',
      'ip route replace ::/0 proto 201 via fe80::b dev ppp1',
      'ip route replace 198.51.100.100/32 proto 201 via 198.51.100.3 dev ppp2',
      'ip route del ::/0 proto 201',
    ]);
  });
});

