import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { recordingExec, SysctlJournal } from '../sys/index.js';
import { TeqlBundle } from './teql.js';

function fakeSysctl() {
  const values = new Map<string, string>([['net.ipv4.tcp_reordering', '3'], ['net.ipv4.conf.all.rp_filter', '2'], ['net.ipv4.conf.ppp0.rp_filter', '2'], ['net.ipv4.conf.ppp1.rp_filter', '2']]);
  return { values, journal: new SysctlJournal((k) => values.get(k) ?? '0', (k, v) => void values.set(k, String(v))) };
}

const member = (i: number) => ({ name: `line${i}`, ifname: `ppp${i}`, localIp: `203.0.113.${i + 1}`, remoteIp: `198.51.100.${i + 1}`, weight: 115200 });

describe('teql bundle', () => {
  it('puts each link under teql0, brings teql0 up with its routes on the first link, and undoes it all', async () => {
    const exec = recordingExec();
    const { values, journal } = fakeSysctl();
    const present = new Set(['teql0', 'ppp0', 'ppp1']);
    const bundle = new TeqlBundle({ mode: 'teql', address: '203.0.113.100', routes: ['default'] }, { exec, sysctl: journal, exists: (i) => present.has(i), counters: () => undefined });
    await bundle.create();
    expect(values.get('net.ipv4.tcp_reordering')).toBe('127');
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    expect(values.get('net.ipv4.conf.ppp0.rp_filter')).toBe('0');
    expect(exec.calls).toEqual([
      'ip addr replace 203.0.113.100/32 dev teql0',
      'tc qdisc replace dev ppp0 root teql0',
      'ip link set teql0 up',
      'ip route replace default dev teql0',
      'tc qdisc replace dev teql0 root sfq limit 30 perturb 10',
      'tc qdisc replace dev ppp1 root teql0',
      'ip link set teql0 up',
      'ip route replace default dev teql0',
      'tc qdisc replace dev teql0 root sfq limit 60 perturb 10',
    ]);
    exec.calls.length = 0;
    present.delete('ppp1'); // that line is gone already
    await bundle.removeLink('line1');
    await bundle.removeLink('line1'); // twice is harmless
    await bundle.destroy();
    expect(exec.calls).toEqual([
      'tc qdisc del dev ppp0 root',
      'ip route del default dev teql0',
      'tc qdisc del dev teql0 root',
      'ip addr flush dev teql0',
      'ip link set teql0 down',
    ]);
    expect(values.get('net.ipv4.tcp_reordering')).toBe('3');
    expect(values.get('net.ipv4.conf.all.rp_filter')).toBe('2');
  });

  it("shapes teql0 under its lines' summed rate and follows the lines as they come and go", async () => {
    const exec = recordingExec();
    const present = new Set(['teql0', 'ppp0', 'ppp1']);
    const bundle = new TeqlBundle({ mode: 'teql', routes: ['default'], queue: { share: 1 } }, { exec, sysctl: fakeSysctl().journal, exists: (i) => present.has(i), counters: () => undefined });
    await bundle.create();
    await bundle.addLink({ ...member(0), rateBps: 115200 });
    await bundle.addLink({ ...member(1), rateBps: 115200 });
    await bundle.removeLink('line1');
    // a line 4x slower: teql deals it as many packets as the others, so a shaper at the
    // sum would overfeed it; the master keeps an SFQ until the lines are even again
    await bundle.addLink({ ...member(2), rateBps: 28800 });
    await bundle.removeLink('line2');
    expect(exec.calls.filter((c) => c.includes('dev teql0 root'))).toEqual([
      'tc qdisc replace dev teql0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc replace dev teql0 root cake bandwidth 184320bit overhead 7 memlimit 12672 besteffort flows',
      'tc qdisc replace dev teql0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc replace dev teql0 root sfq limit 60 perturb 10',
      'tc qdisc replace dev teql0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
    ]);
    exec.calls.length = 0;
    await bundle.destroy();
    expect(exec.calls).toContain('tc qdisc del dev teql0 root');
  });

  it("says a line is out once its teql qdisc is gone, before teql0 is reshaped for the lines left", async () => {
    const exec = recordingExec();
    const bundle = new TeqlBundle({ mode: 'teql', routes: ['default'], queue: { share: 1 } }, { exec, sysctl: fakeSysctl().journal, exists: () => true, counters: () => undefined });
    await bundle.create();
    await bundle.addLink({ ...member(0), rateBps: 115200 });
    await bundle.addLink({ ...member(1), rateBps: 115200 });
    exec.calls.length = 0;
    await bundle.removeLink('line1', () => exec.calls.push('(out)'));
    expect(exec.calls).toEqual(['tc qdisc del dev ppp1 root', '(out)', 'tc qdisc replace dev teql0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows']);
  });

  it('says clearly when the kernel has no teql', async () => {
    const bundle = new TeqlBundle({ mode: 'teql', routes: [] }, { exec: recordingExec(), sysctl: fakeSysctl().journal, exists: () => false, counters: () => undefined });
    await expect(bundle.create()).rejects.toMatchObject({ code: 'BUNDLE_FAILED' });
    expect(() => new TeqlBundle({ mode: 'teql', routes: [], device: 'eth0' })).toThrow(DialbondError);
  });
});
