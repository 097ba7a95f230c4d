import { describe, expect, it } from 'vitest';
import { recordingExec } from '../sys/index.js';
import { MlpppBundle } from './mlppp.js';

const member = (name: string, ifname: string) => ({ name, ifname, localIp: '203.0.113.1', remoteIp: '198.51.100.1', weight: 115200 });

describe('mlppp bundle', () => {
  it('routes over the bundle interface pppd made, moves the routes when that member leaves, and removes them at the end', async () => {
    const exec = recordingExec();
    const present = new Set(['ppp0', 'ppp5']);
    const bundle = new MlpppBundle({ mode: 'mlppp', address: '203.0.113.100', routes: ['default'], queue: { packetsPerLine: 0 } }, { exec, exists: (i) => present.has(i), counters: () => undefined });
    await bundle.create();
    expect(exec.calls).toEqual([]);
    await bundle.addLink(member('line0', 'ppp0'));
    await bundle.addLink(member('line1', 'ppp0')); // joins the same bundle interface
    expect(exec.calls).toEqual([
      'ip addr replace 203.0.113.100/32 dev ppp0',
      'ip route replace default dev ppp0',
      'ip addr replace 203.0.113.100/32 dev ppp0',
      'ip route replace default dev ppp0',
    ]);
    expect((await bundle.status()).device).toBe('ppp0');
    exec.calls.length = 0;
    // a bundle whose routes are on another interface: they follow the remaining member
    await bundle.removeLink('line0');
    await bundle.addLink(member('line2', 'ppp5'));
    await bundle.removeLink('line1');
    expect(exec.calls).toEqual([
      'ip addr replace 203.0.113.100/32 dev ppp0', // line0 left: line1 is still on ppp0
      'ip route replace default dev ppp0',
      'ip addr replace 203.0.113.100/32 dev ppp0', // line2 joined: applying again is harmless
      'ip route replace default dev ppp0',
      'ip addr replace 203.0.113.100/32 dev ppp5', // line1 left: the routes follow line2
      'ip route replace default dev ppp5',
      'ip addr del 203.0.113.100/32 dev ppp0',
    ]);

    exec.calls.length = 0;
    await bundle.destroy();
    expect(exec.calls).toEqual(['ip route del default dev ppp5', 'ip addr del 203.0.113.100/32 dev ppp5']);
    expect((await bundle.status()).device).toBeNull();
  });
  it("shapes the bundle interface under its lines' summed rate, and follows them", async () => {
    const exec = recordingExec();
    const bundle = new MlpppBundle({ mode: 'mlppp', routes: ['default'], queue: { share: 1 } }, { exec, exists: () => true, counters: () => undefined });
    await bundle.create();
    await bundle.addLink({ ...member('line0', 'ppp0'), rateBps: 115200 });
    await bundle.addLink({ ...member('line1', 'ppp0'), rateBps: 115200 });
    await bundle.removeLink('line1');
    await bundle.removeLink('line0');
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual([
      'tc qdisc replace dev ppp0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc replace dev ppp0 root cake bandwidth 184320bit overhead 7 memlimit 12672 besteffort flows',
      'tc qdisc replace dev ppp0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc del dev ppp0 root',
    ]);
  });

  it("shapes lines of different rates at their sum only where their ttys' rates, which fragments follow, say so", async () => {
    const exec = recordingExec();
    const bundle = new MlpppBundle({ mode: 'mlppp', routes: ['default'], queue: { share: 1 } }, { exec, exists: () => true, counters: () => undefined });
    await bundle.create();
    await bundle.addLink({ ...member('line0', 'ppp0'), rateBps: 115200, ttyRateBps: 115200 });
    await bundle.addLink({ ...member('line1', 'ppp0'), rateBps: 28800, ttyRateBps: 28800 });
    await bundle.addLink({ ...member('line2', 'ppp0'), rateBps: 28800, ttyRateBps: 115200 }); // a UART at its DTE rate
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual([
      'tc qdisc replace dev ppp0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc replace dev ppp0 root cake bandwidth 115200bit overhead 7 memlimit 7920 besteffort flows',
      'tc qdisc replace dev ppp0 root sfq limit 90 perturb 10',
    ]);
  });

  it('a link that joined before the bundle\'s IPCP is up is kept; the routes come with the link that brings it up', async () => {
    let up = false;
    const exec = recordingExec((command, args) => {
      if (args[0] === 'route' && !up) return { exitCode: 2, stderr: 'Error: Device for nexthop is not up.\n' };
      if (args[0] === '-j' && args[1] === 'link') return { stdout: JSON.stringify([{ ifname: 'ppp0', flags: up ? ['POINTOPOINT', 'UP'] : ['POINTOPOINT'] }]) };
      return undefined;
    });
    const bundle = new MlpppBundle({ mode: 'mlppp', routes: ['198.51.100.100/32'], queue: { packetsPerLine: 0 } }, { exec, exists: () => true, counters: () => undefined });
    await bundle.addLink(member('line0', 'ppp0'));
    expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0']);
    up = true;
    await bundle.addLink(member('line1', 'ppp0'));
    expect(exec.calls.filter((c) => c.startsWith('ip route'))).toEqual(['ip route replace 198.51.100.100/32 dev ppp0', 'ip route replace 198.51.100.100/32 dev ppp0']);
    // an interface that is up and still refuses the route: that error is the bundle's
    const refusing = recordingExec((command, args) => (args[0] === 'route' ? { exitCode: 2, stderr: 'Error: Invalid argument.\n' } : args[0] === '-j' ? { stdout: JSON.stringify([{ flags: ['UP'] }]) } : undefined));
    const other = new MlpppBundle({ mode: 'mlppp', routes: ['198.51.100.100/32'], queue: { packetsPerLine: 0 } }, { exec: refusing, exists: () => true, counters: () => undefined });
    await expect(other.addLink(member('line0', 'ppp0'))).rejects.toThrow('ip route replace 198.51.100.100/32 dev ppp0 failed (status 2): Error: Invalid argument.');
  });
});
