import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { recordingExec, SysctlJournal, type ExecOptions } from '../sys/index.js';
import { PerconnBundle, perconnRanges, perconnRuleset, weightRanges } from './perconn.js';
import { spreadOrder } from './perconn-ruleset.js';

function fakeSysctl() {
  const values = new Map<string, string>([
    ['net.ipv4.ip_forward', '0'],
    ['net.ipv4.conf.all.rp_filter', '2'],
    ['net.ipv4.conf.ppp0.rp_filter', '2'],
    ['net.ipv4.conf.ppp1.rp_filter', '2'],
  ]);
  return { values, journal: new SysctlJournal((k) => values.get(k) ?? '0', (k, v) => void values.set(k, String(v))) };
}

const member = (i: number, weight = 115200) => ({ name: `line${i}`, ifname: `ppp${i}`, localIp: `203.0.113.${i + 1}`, remoteIp: `198.51.100.${i + 1}`, weight });

/** A recording exec that also keeps what was fed to `nft -f -`. */
function execWithInput(rulesJson = '[]') {
  const inner = recordingExec((command, args) => (command === 'ip' && args.join(' ') === '-j rule show' ? { stdout: rulesJson } : undefined));
  const inputs: string[] = [];
  const exec = Object.assign(
    async (command: string, args: readonly string[], options?: ExecOptions) => {
      if (options?.input !== undefined) inputs.push(options.input);
      return inner(command, args, options);
    },
    { calls: inner.calls, inputs },
  );
  return exec;
}

function bundleWith(exec = execWithInput(), routes = ['default'], ipv6 = false) {
  const sysctl = fakeSysctl();
  const bundle = new PerconnBundle({ mode: 'perconn', routes, queue: { packetsPerLine: 0 }, ...(ipv6 ? { ipv6 } : {}) }, { exec, sysctl: sysctl.journal, exists: () => true, counters: (i) => ({ rxBytes: 1, txBytes: i === 'ppp0' ? 10 : 20, rxPackets: 1, txPackets: 1 }) });
  return { bundle, exec, values: sysctl.values };
}

describe('weightRanges', () => {
  it('splits 100 in proportion to the weights, by largest remainder', () => {
    expect(weightRanges([1, 1])).toEqual([50, 50]);
    expect(weightRanges([115200, 28800])).toEqual([80, 20]);
    expect(weightRanges([1, 1, 1])).toEqual([34, 33, 33]);
    expect(weightRanges([33600, 28800, 14400])).toEqual([44, 37, 19]);
    expect(weightRanges([5])).toEqual([100]);
    expect(weightRanges([])).toEqual([]);
  });

  it('gives every link at least 1, taken from the largest', () => {
    expect(weightRanges([1_000_000, 1])).toEqual([99, 1]);
    expect(weightRanges([1_000_000, 1, 1])).toEqual([98, 1, 1]);
    for (const ws of [[3, 7, 11, 13], [1e9, 1, 2, 3, 4], Array.from({ length: 100 }, (_, i) => i + 1)]) {
      const r = weightRanges(ws);
      expect(r.reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.min(...r)).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses weights that are not positive numbers and more links than slices', () => {
    for (const bad of [[0, 1], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]]) expect(() => weightRanges(bad)).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    expect(() => weightRanges(Array.from({ length: 101 }, () => 1))).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
  });
});

describe('perconnRuleset', () => {
  it('marks new connections by weight, carries the mark on every packet, and masquerades on the links', () => {
    expect(perconnRuleset([{ ifname: 'ppp0', slot: 1, weight: 115200 }, { ifname: 'ppp1', slot: 2, weight: 115200 }])).toBe(
      [
        'table inet dialbond',
        'delete table inet dialbond',
        'table inet dialbond {',
        '\tchain prerouting {',
        '\t\ttype filter hook prerouting priority mangle; policy accept;',
        '\t\tmeta nfproto ipv4 ct state new ct mark set iifname map { "ppp0" : 0x101, "ppp1" : 0x102 }',
        '\t\tmeta nfproto ipv4 ct state new ct mark 0x0 fib daddr oifname { "ppp0", "ppp1" } ct mark set numgen inc mod 100 map { 0 : 0x101, 1 : 0x102, 2 : 0x101, 3 : 0x102, 4 : 0x101, 5 : 0x102, 6 : 0x101, 7 : 0x102, 8 : 0x101, 9 : 0x102, 10 : 0x101, 11 : 0x102, 12 : 0x101, 13 : 0x102, 14 : 0x101, 15 : 0x102, 16 : 0x101, 17 : 0x102, 18 : 0x101, 19 : 0x102, 20 : 0x101, 21 : 0x102, 22 : 0x101, 23 : 0x102, 24 : 0x101, 25 : 0x102, 26 : 0x101, 27 : 0x102, 28 : 0x101, 29 : 0x102, 30 : 0x101, 31 : 0x102, 32 : 0x101, 33 : 0x102, 34 : 0x101, 35 : 0x102, 36 : 0x101, 37 : 0x102, 38 : 0x101, 39 : 0x102, 40 : 0x101, 41 : 0x102, 42 : 0x101, 43 : 0x102, 44 : 0x101, 45 : 0x102, 46 : 0x101, 47 : 0x102, 48 : 0x101, 49 : 0x102, 50 : 0x101, 51 : 0x102, 52 : 0x101, 53 : 0x102, 54 : 0x101, 55 : 0x102, 56 : 0x101, 57 : 0x102, 58 : 0x101, 59 : 0x102, 60 : 0x101, 61 : 0x102, 62 : 0x101, 63 : 0x102, 64 : 0x101, 65 : 0x102, 66 : 0x101, 67 : 0x102, 68 : 0x101, 69 : 0x102, 70 : 0x101, 71 : 0x102, 72 : 0x101, 73 : 0x102, 74 : 0x101, 75 : 0x102, 76 : 0x101, 77 : 0x102, 78 : 0x101, 79 : 0x102, 80 : 0x101, 81 : 0x102, 82 : 0x101, 83 : 0x102, 84 : 0x101, 85 : 0x102, 86 : 0x101, 87 : 0x102, 88 : 0x101, 89 : 0x102, 90 : 0x101, 91 : 0x102, 92 : 0x101, 93 : 0x102, 94 : 0x101, 95 : 0x102, 96 : 0x101, 97 : 0x102, 98 : 0x101, 99 : 0x102 }',
        '\t\tct mark & 0xffffff00 == 0x100 meta mark set ct mark',
        '\t}',
        '\tchain output {',
        '\t\ttype route hook output priority mangle; policy accept;',
        '\t\tmeta nfproto ipv4 ct state new ct mark 0x0 oifname { "ppp0", "ppp1" } ct mark set numgen inc mod 100 map { 0 : 0x101, 1 : 0x102, 2 : 0x101, 3 : 0x102, 4 : 0x101, 5 : 0x102, 6 : 0x101, 7 : 0x102, 8 : 0x101, 9 : 0x102, 10 : 0x101, 11 : 0x102, 12 : 0x101, 13 : 0x102, 14 : 0x101, 15 : 0x102, 16 : 0x101, 17 : 0x102, 18 : 0x101, 19 : 0x102, 20 : 0x101, 21 : 0x102, 22 : 0x101, 23 : 0x102, 24 : 0x101, 25 : 0x102, 26 : 0x101, 27 : 0x102, 28 : 0x101, 29 : 0x102, 30 : 0x101, 31 : 0x102, 32 : 0x101, 33 : 0x102, 34 : 0x101, 35 : 0x102, 36 : 0x101, 37 : 0x102, 38 : 0x101, 39 : 0x102, 40 : 0x101, 41 : 0x102, 42 : 0x101, 43 : 0x102, 44 : 0x101, 45 : 0x102, 46 : 0x101, 47 : 0x102, 48 : 0x101, 49 : 0x102, 50 : 0x101, 51 : 0x102, 52 : 0x101, 53 : 0x102, 54 : 0x101, 55 : 0x102, 56 : 0x101, 57 : 0x102, 58 : 0x101, 59 : 0x102, 60 : 0x101, 61 : 0x102, 62 : 0x101, 63 : 0x102, 64 : 0x101, 65 : 0x102, 66 : 0x101, 67 : 0x102, 68 : 0x101, 69 : 0x102, 70 : 0x101, 71 : 0x102, 72 : 0x101, 73 : 0x102, 74 : 0x101, 75 : 0x102, 76 : 0x101, 77 : 0x102, 78 : 0x101, 79 : 0x102, 80 : 0x101, 81 : 0x102, 82 : 0x101, 83 : 0x102, 84 : 0x101, 85 : 0x102, 86 : 0x101, 87 : 0x102, 88 : 0x101, 89 : 0x102, 90 : 0x101, 91 : 0x102, 92 : 0x101, 93 : 0x102, 94 : 0x101, 95 : 0x102, 96 : 0x101, 97 : 0x102, 98 : 0x101, 99 : 0x102 }',
        '\t\tct mark & 0xffffff00 == 0x100 meta mark set ct mark',
        '\t}',
        '\tchain postrouting {',
        '\t\ttype nat hook postrouting priority srcnat; policy accept;',
        '\t\tmeta nfproto ipv4 oifname { "ppp0", "ppp1" } masquerade',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('orders links by slot, writes a one-wide slice as a single value, and has no maps without links', () => {
    const text = perconnRuleset([{ ifname: 'ppp7', slot: 3, weight: 1 }, { ifname: 'ppp2', slot: 1, weight: 1_000_000 }]);
    // one value of 100 for the slow link, in the middle of the round, not at its end
    expect(text).toMatch(/map \{ 0-\d+ : 0x101, (\d+) : 0x103, \d+-99 : 0x101 \}/);
    expect(text).toContain('oifname { "ppp2", "ppp7" } masquerade');
    const empty = perconnRuleset([]);
    expect(empty).not.toContain('map');
    expect(empty).not.toContain('masquerade');
    expect(empty.match(/meta mark set ct mark/g)).toHaveLength(2);
    expect(perconnRanges([{ ifname: 'a', slot: 2, weight: 3 }, { ifname: 'b', slot: 1, weight: 1 }])).toEqual([
      { ifname: 'b', slot: 1, mark: 0x101, from: 0, to: 24 },
      { ifname: 'a', slot: 2, mark: 0x102, from: 25, to: 99 },
    ]);
  });

  it('refuses interface names that are not names (nothing reaches nft unchecked)', () => {
    for (const ifname of ['ppp0" } ; flush ruleset ; {', '', 'a'.repeat(16), 'ppp 0', '..']) {
      expect(() => perconnRuleset([{ ifname, slot: 1, weight: 1 }])).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    }
    expect(() => perconnRuleset([{ ifname: 'ppp0', slot: 256, weight: 1 }])).toThrow(DialbondError);
  });
});

describe('perconn bundle', () => {
  it('sets up rules, per-link tables and the ruleset, and undoes it all', async () => {
    const { bundle, exec, values } = bundleWith();
    await bundle.create();
    expect(values.get('net.ipv4.ip_forward')).toBe('1');
    expect(values.get('net.ipv4.conf.all.rp_filter')).toBe('0');
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    expect(values.get('net.ipv4.conf.ppp1.rp_filter')).toBe('0');
    expect(exec.calls).toEqual([
      'conntrack --version',
      'ip -j rule show',
      'ip rule add pref 32000 lookup main suppress_prefixlength 0',
      'ip rule add pref 32002 lookup 100',
      'nft -f -',
      'ip route replace default dev ppp0 table 101',
      'ip rule add pref 32001 fwmark 0x101 lookup 101',
      'ip route replace default dev ppp0 table 100',
      'nft -f -',
      'ip route replace default dev ppp1 table 102',
      'ip rule add pref 32001 fwmark 0x102 lookup 102',
      'nft -f -',
    ]);
    expect(exec.inputs.at(-1)).toBe(perconnRuleset([{ ifname: 'ppp0', slot: 1, weight: 115200 }, { ifname: 'ppp1', slot: 2, weight: 115200 }]));
    exec.calls.length = 0;
    await bundle.destroy();
    expect(exec.calls).toEqual([
      'nft -f -',
      'ip rule del pref 32001 fwmark 0x101 lookup 101',
      'ip route flush table 101',
      'ip rule del pref 32001 fwmark 0x102 lookup 102',
      'ip route flush table 102',
      'ip rule del pref 32000 lookup main suppress_prefixlength 0',
      'ip rule del pref 32002 lookup 100',
      'ip route flush table 100',
      'conntrack -D --mark 0x100/0xffffff00',
      'conntrack -L --mark 0x100/0xffffff00',
    ]);
    expect(exec.inputs.at(-1)).toBe('table inet dialbond\ndelete table inet dialbond\n');
    expect(Object.fromEntries(values)).toEqual({
      'net.ipv4.ip_forward': '0',
      'net.ipv4.conf.all.rp_filter': '2',
      'net.ipv4.conf.ppp0.rp_filter': '2',
      'net.ipv4.conf.ppp1.rp_filter': '2',
    });
  });

  it('with IPv6, keeps IPv6 rules and tables beside the IPv4 ones, deals and masquerades IPv6 connections too, and undoes it all', async () => {
    const { bundle, exec, values } = bundleWith(execWithInput(), ['default', '::/0'], true);
    await bundle.create();
    expect(values.get('net.ipv6.conf.all.forwarding')).toBe('1');
    await bundle.addLink(member(0));
    expect(exec.calls).toEqual([
      'conntrack --version',
      'ip -j rule show',
      'ip rule add pref 32000 lookup main suppress_prefixlength 0',
      'ip rule add pref 32002 lookup 100',
      'ip -6 -j rule show',
      'ip -6 rule add pref 32000 lookup main suppress_prefixlength 0',
      'ip -6 rule add pref 32002 lookup 100',
      'nft -f -',
      'ip route replace default dev ppp0 table 101',
      'ip route replace ::/0 dev ppp0 table 101',
      'ip rule add pref 32001 fwmark 0x101 lookup 101',
      'ip -6 rule add pref 32001 fwmark 0x101 lookup 101',
      'ip route replace default dev ppp0 table 100',
      'ip route replace ::/0 dev ppp0 table 100',
      'nft -f -',
    ]);
    const ruleset = exec.inputs.at(-1) as string;
    expect(ruleset).toContain('\t\tmeta nfproto { ipv4, ipv6 } oifname { "ppp0" } masquerade');
    expect(ruleset).not.toContain('meta nfproto ipv4 ');
    exec.calls.length = 0;
    await bundle.removeLink('line0', () => exec.calls.push('(out)'));
    expect(exec.calls).toEqual([
      'nft -f -',
      'ip route flush table 100',
      'ip -6 route flush table 100',
      'ip rule del pref 32001 fwmark 0x101 lookup 101',
      'ip route flush table 101',
      'ip -6 rule del pref 32001 fwmark 0x101 lookup 101',
      'ip -6 route flush table 101',
      '(out)',
      'conntrack -D --mark 0x101',
      'conntrack -L --mark 0x101',
      'conntrack -D -f ipv6 --mark 0x101',
      'conntrack -L -f ipv6 --mark 0x101',
    ]);
    await bundle.destroy();
    expect(values.get('net.ipv6.conf.all.forwarding')).toBe('0');
    // IPv4 only: its ruleset says so, as before
    expect(perconnRuleset([{ ifname: 'ppp0', slot: 1, weight: 1 }])).toContain('\t\tmeta nfproto ipv4 oifname { "ppp0" } masquerade');
  });

  it('removes a link at once: map rebuilt, its rule and table gone, its connections forgotten', async () => {
    const { bundle, exec } = bundleWith();
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    exec.calls.length = 0;
    await bundle.removeLink('line0');
    await bundle.removeLink('line0'); // twice is harmless
    await bundle.removeLink('nonesuch');
    expect(exec.calls).toEqual([
      'nft -f -',
      'ip route replace default dev ppp1 table 100', // the first lookup moves to a link that is there
      'ip rule del pref 32001 fwmark 0x101 lookup 101',
      'ip route flush table 101',
      'conntrack -D --mark 0x101',
      'conntrack -L --mark 0x101',
    ]);
    expect(exec.inputs.at(-1)).toContain('map { 0-99 : 0x102 }');
    expect(exec.inputs.at(-1)).not.toContain('ppp0');
    // the last link goes: no marking at all, table 100 emptied
    exec.calls.length = 0;
    await bundle.removeLink('line1');
    expect(exec.calls).toContain('ip route flush table 100');
    expect(exec.inputs.at(-1)).not.toContain('numgen');
  });

  it('deletes a mark\'s connections again while a delete leaves some behind, a few times at most', async () => {
    const left = ['tcp 6 431999 ESTABLISHED src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=5201 mark=258', ''];
    const exec = execWithInput();
    const listed = Object.assign(
      async (command: string, args: readonly string[], options?: ExecOptions) => {
        const result = await exec(command, args, options);
        return command === 'conntrack' && args[0] === '-L' ? { ...result, stdout: left.shift() ?? '' } : result;
      },
      { calls: exec.calls, inputs: exec.inputs },
    );
    const { bundle } = bundleWith(listed);
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    exec.calls.length = 0;
    await bundle.removeLink('line1');
    expect(exec.calls.filter((c) => c.startsWith('conntrack'))).toEqual(['conntrack -D --mark 0x102', 'conntrack -L --mark 0x102', 'conntrack -D --mark 0x102', 'conntrack -L --mark 0x102']);
    // a connection that will not go: four rounds, then it is left to time out
    left.push('a', 'b', 'c', 'd', 'e');
    exec.calls.length = 0;
    await bundle.removeLink('line0');
    expect(exec.calls.filter((c) => c.startsWith('conntrack -D'))).toHaveLength(4);
  });

  it('keeps a link name on its mark and table across redials, with a new interface', async () => {
    const { bundle, exec } = bundleWith();
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    await bundle.removeLink('line0');
    await bundle.addLink({ name: 'line2', ifname: 'ppp2', localIp: '203.0.113.3', remoteIp: '198.51.100.3', weight: 115200 });
    exec.calls.length = 0;
    await bundle.addLink({ ...member(0), ifname: 'ppp4' }); // line0 redialed, now ppp4
    expect(exec.calls).toEqual(['ip route replace default dev ppp4 table 101', 'ip rule add pref 32001 fwmark 0x101 lookup 101', 'ip route replace default dev ppp4 table 100', 'nft -f -']);
    const status = await bundle.status();
    expect(status.links.map((l) => [l.name, l.ifname, l.mark, l.table, l.share])).toEqual([
      ['line0', 'ppp4', 0x101, 101, 34],
      ['line1', 'ppp1', 0x102, 102, 33],
      ['line2', 'ppp2', 0x103, 103, 33],
    ]);
    expect(status.mode).toBe('perconn');
    expect(status.links[1]?.counters?.txBytes).toBe(20);
  });

  it('rebuilds the map when a weight changes', async () => {
    const { bundle, exec } = bundleWith();
    await bundle.create();
    await bundle.addLink(member(0, 115200));
    await bundle.addLink(member(1, 115200));
    exec.calls.length = 0;
    await bundle.setWeight('line1', 28800);
    expect(exec.calls).toEqual(['nft -f -']);
    // 80/20: one connection in five to line1, spread through the round
    const map = /numgen inc mod 100 map \{ ([^}]*) \}/.exec(exec.inputs.at(-1) ?? '')?.[1] ?? '';
    const marks = map.split(', ').flatMap((e) => {
      const [values, mark] = e.split(' : ');
      const [a, b] = (values as string).split('-').map(Number);
      return Array.from({ length: (b ?? (a as number)) - (a as number) + 1 }, () => mark);
    });
    expect(marks).toHaveLength(100);
    expect(marks.filter((m) => m === '0x102')).toHaveLength(20);
    expect(marks.slice(0, 5).filter((m) => m === '0x102')).toHaveLength(1);
    await bundle.setWeight('gone', 1); // a link that is not there: nothing to do
    expect(exec.calls).toEqual(['nft -f -']);
    await expect(bundle.setWeight('line1', 0)).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
  });

  it('routes only the configured prefixes when given, in every table', async () => {
    const { bundle, exec } = bundleWith(execWithInput(), ['198.51.100.0/24', '192.0.2.0/24']);
    await bundle.create();
    await bundle.addLink(member(0));
    expect(exec.calls.filter((c) => c.startsWith('ip route'))).toEqual([
      'ip route replace 198.51.100.0/24 dev ppp0 table 101',
      'ip route replace 192.0.2.0/24 dev ppp0 table 101',
      'ip route replace 198.51.100.0/24 dev ppp0 table 100',
      'ip route replace 192.0.2.0/24 dev ppp0 table 100',
    ]);
  });

  it('takes over a previous run: its rules (by priority) and their tables are removed first', async () => {
    const leftovers = JSON.stringify([
      { priority: 0, src: 'all', table: 'local' },
      { priority: 32000, src: 'all', table: 'main', suppress_prefixlength: 0 },
      { priority: 32001, src: 'all', fwmark: '0x105', table: '105' },
      { priority: 32002, src: 'all', table: '100' },
      { priority: 32766, src: 'all', table: 'main' },
    ]);
    const { bundle, exec } = bundleWith(execWithInput(leftovers));
    await bundle.create();
    expect(exec.calls.slice(1, 7)).toEqual([
      'ip -j rule show',
      'ip rule del pref 32000',
      'ip rule del pref 32001',
      'ip route flush table 105',
      'ip rule del pref 32002',
      'ip rule add pref 32000 lookup main suppress_prefixlength 0',
    ]);
  });

  it('validates what it is given', async () => {
    const { bundle } = bundleWith();
    expect(() => new PerconnBundle({ mode: 'perconn', routes: ['default; rm -rf /'] })).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    expect(() => new PerconnBundle({ mode: 'perconn', routes: ['10.0.0.0/33'] })).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    expect(() => new PerconnBundle({ mode: 'perconn', routes: [] })).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    expect(() => new PerconnBundle({ mode: 'teql', routes: ['default'] })).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    await expect(bundle.addLink({ ...member(0), ifname: 'ppp0"; flush ruleset' })).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
    await expect(bundle.addLink({ ...member(0), localIp: '203.0.113' })).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
    await expect(bundle.addLink({ ...member(0), remoteIp: '::1' })).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
    await expect(bundle.addLink({ ...member(0), weight: -5 })).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
    await expect(bundle.addLink({ ...member(0), name: '' })).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
  });

  it('says clearly when conntrack is not installed', async () => {
    const exec = recordingExec();
    const missing = Object.assign(async (command: string, args: readonly string[], options?: ExecOptions) => {
      if (command === 'conntrack') throw new DialbondError('SYS_NOT_FOUND', 'conntrack is not installed', { command });
      return exec(command, args, options);
    });
    const bundle = new PerconnBundle({ mode: 'perconn', routes: ['default'] }, { exec: missing, sysctl: fakeSysctl().journal, exists: () => true, counters: () => undefined });
    await expect(bundle.create()).rejects.toMatchObject({ code: 'BUNDLE_FAILED' });
    expect(exec.calls).toEqual([]);
  });
});

describe('perconn spread order', () => {
  it('deals new connections round robin in proportion to the shares, interleaved', () => {
    expect(spreadOrder([50, 50]).slice(0, 8)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    const weighted = spreadOrder([25, 75]);
    expect(weighted.slice(0, 4).sort()).toEqual([0, 1, 1, 1]);
    expect(weighted.filter((i) => i === 0)).toHaveLength(25);
    // any 8 consecutive connections over two equal lines split 4 + 4
    const even = spreadOrder([50, 50]);
    for (let start = 0; start < 92; start++) expect(even.slice(start, start + 8).filter((i) => i === 0)).toHaveLength(4);
  });
});
