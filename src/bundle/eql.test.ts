import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { recordingExec, SysctlJournal, type EqlControl } from '../sys/index.js';
import type { QueueSettings } from './queue.js';
import { EqlBundle } from './eql.js';

function fakeSysctl() {
  const values = new Map<string, string>([['net.ipv4.tcp_reordering', '3'], ['net.ipv4.conf.all.rp_filter', '2'], ['net.ipv4.conf.ppp0.rp_filter', '2'], ['net.ipv4.conf.ppp1.rp_filter', '2']]);
  return { values, journal: new SysctlJournal((k) => values.get(k) ?? '0', (k, v) => void values.set(k, String(v))) };
}

/** Records the eql ioctls; `slaves` is what the kernel holds, so it answers like the driver. */
function fakeEql(present: Set<string>) {
  const calls: string[] = [];
  const slaves = new Set<string>();
  const fail = (errno: string) => new DialbondError('SYS_COMMAND_FAILED', `eql: ${errno}`, { errno });
  const control: EqlControl = {
    emancipate(master, slave) {
      calls.push(`emancipate ${master} ${slave}`);
      if (!present.has(slave)) throw fail('ENODEV');
      if (!slaves.delete(slave)) throw fail('EINVAL');
    },
    setPriority(master, slave, priority) {
      calls.push(`setslave ${master} ${slave} ${priority}`);
      if (!present.has(slave)) throw fail('ENODEV');
      if (!slaves.has(slave)) throw fail('EINVAL');
    },
  };
  return { calls, slaves, control };
}

const member = (i: number, weight = 115200) => ({ name: `line${i}`, ifname: `ppp${i}`, localIp: `203.0.113.${i + 1}`, remoteIp: `198.51.100.${i + 1}`, weight });

function setup(options: { enslave?: (args: readonly string[]) => { exitCode: number; stderr?: string } | undefined; present?: string[]; queuePerLine?: number; queue?: QueueSettings } = {}) {
  // Tests about enslaving leave the queues alone; tests below are about them.
  const queue = options.queue ?? { packetsPerLine: options.queuePerLine ?? 0 };
  const present = new Set(options.present ?? ['eql', 'ppp0', 'ppp1']);
  const eql = fakeEql(present);
  const exec = recordingExec((command, args) => {
    if (command === 'ip' && args[0] === '-j') return { stdout: JSON.stringify([{ ifname: 'eql', mtu: 576, flags: ['MASTER'] }]) };
    if (command === 'eql_enslave') {
      const answer = options.enslave?.(args);
      if (answer && answer.exitCode !== 0) return answer;
      if (eql.slaves.has(args[1]!)) return { exitCode: 1, stderr: 'EQL_ENSLAVE failed: Invalid argument' };
      eql.slaves.add(args[1]!);
    }
    return undefined;
  });
  const sysctl = fakeSysctl();
  const bundle = new EqlBundle(
    { mode: 'eql', address: '203.0.113.100', routes: ['default'], queue },
    { exec, sysctl: sysctl.journal, exists: (i) => present.has(i), counters: () => undefined, eql: eql.control },
  );
  return { bundle, exec, eql, present, ...sysctl };
}

describe('eql bundle', () => {
  it('matches the master MTU before enslaving, enslaves each link at its speed, and undoes it all', async () => {
    const { bundle, exec, eql, present, values } = setup();
    await bundle.create();
    await bundle.create(); // applying twice is harmless (and keeps the first saved MTU)
    expect(values.get('net.ipv4.tcp_reordering')).toBe('127');
    expect(values.get('net.ipv4.conf.all.rp_filter')).toBe('0');
    await bundle.addLink(member(0));
    await bundle.addLink(member(1, 57600.4));
    expect(values.get('net.ipv4.conf.ppp1.rp_filter')).toBe('0');
    expect(exec.calls).toEqual([
      'ip -j link show dev eql',
      'ip link set eql mtu 1500',
      'ip addr replace 203.0.113.100/32 dev eql',
      'ip link set eql up',
      'ip link set eql mtu 1500',
      'ip addr replace 203.0.113.100/32 dev eql',
      'ip link set eql up',
      'eql_enslave eql ppp0 115200',
      'ip route replace default dev eql',
      'eql_enslave eql ppp1 57600',
      'ip route replace default dev eql',
    ]);
    expect([...eql.slaves]).toEqual(['ppp0', 'ppp1']);

    await bundle.setWeight('line0', 28800);
    expect(eql.calls).toEqual(['setslave eql ppp0 28800']);
    expect((await bundle.status()).links.map((l) => [l.name, l.weight])).toEqual([
      ['line0', 28800],
      ['line1', 57600.4],
    ]);

    exec.calls.length = 0;
    eql.calls.length = 0;
    present.delete('ppp1'); // that line is gone already
    await bundle.removeLink('line1');
    await bundle.removeLink('line1'); // twice is harmless
    await bundle.destroy();
    expect(eql.calls).toEqual(['emancipate eql ppp0']);
    expect(exec.calls).toEqual(['ip route del default dev eql', 'ip addr flush dev eql', 'ip link set eql down', 'ip link set eql mtu 576']);
    expect(values.get('net.ipv4.tcp_reordering')).toBe('3');
    expect(values.get('net.ipv4.conf.all.rp_filter')).toBe('2');
    expect(values.get('net.ipv4.conf.ppp0.rp_filter')).toBe('2');
  });

  it('tolerates a slave the driver already dropped, and adding a link twice', async () => {
    const { bundle, eql } = setup();
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(0)); // eql_enslave refuses a slave twice: its priority is set instead
    expect(eql.calls).toEqual(['setslave eql ppp0 115200']);
    eql.slaves.delete('ppp0'); // eql_timer drops a slave that went down
    await expect(bundle.removeLink('line0')).resolves.toBeUndefined();
    expect((await bundle.status()).links).toEqual([]);
  });

  it('says what to do when the MTUs do not match', async () => {
    const { bundle } = setup({ enslave: () => ({ exitCode: 1, stderr: 'master (1500) and slave (1006) MTU settings do not match' }) });
    await bundle.create();
    const failure = bundle.addLink(member(0));
    await expect(failure).rejects.toMatchObject({ code: 'BUNDLE_FAILED' });
    await expect(failure).rejects.toThrow(/mtu/);
    expect((await bundle.status()).links).toEqual([]);
  });

  it('loads the module when the master is missing, and says clearly when the kernel has no eql', async () => {
    const exec = recordingExec();
    const bundle = new EqlBundle({ mode: 'eql', routes: [] }, { exec, sysctl: fakeSysctl().journal, exists: () => false, counters: () => undefined, eql: fakeEql(new Set()).control });
    await expect(bundle.create()).rejects.toMatchObject({ code: 'BUNDLE_FAILED' });
    expect(exec.calls).toEqual(['modprobe eql']);
    expect(() => new EqlBundle({ mode: 'eql', routes: [], mtu: 20 })).toThrow(DialbondError);
  });
  it('gives each slave a FIFO and the master one for all of them, and gives both back', async () => {
    const { bundle, exec } = setup({ queuePerLine: 20 });
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual([
      'tc qdisc replace dev ppp0 root sfq limit 20 perturb 10',
      'tc qdisc replace dev eql root sfq limit 20 perturb 10',
      'tc qdisc replace dev ppp1 root sfq limit 20 perturb 10',
      'tc qdisc replace dev eql root sfq limit 40 perturb 10',
    ]);
    exec.calls.length = 0;
    await bundle.removeLink('line1');
    await bundle.destroy();
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual(['tc qdisc del dev ppp1 root', 'tc qdisc del dev ppp0 root', 'tc qdisc del dev eql root']);
  });
  it("shapes each slave under its own rate and the master under their sum, which follows a line that leaves", async () => {
    const { bundle, exec } = setup({ queue: { share: 1 } });
    await bundle.create();
    await bundle.addLink({ ...member(0), rateBps: 115200 });
    await bundle.addLink({ ...member(1, 28800), rateBps: 28800 });
    await bundle.removeLink('line1');
    expect(exec.calls.filter((c) => c.startsWith('tc '))).toEqual([
      'tc qdisc replace dev ppp0 root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc replace dev eql root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
      'tc qdisc replace dev ppp1 root cake bandwidth 23040bit overhead 7 memlimit 6144 besteffort flows',
      'tc qdisc replace dev eql root cake bandwidth 115200bit overhead 7 memlimit 7920 besteffort flows',
      'tc qdisc del dev ppp1 root',
      'tc qdisc replace dev eql root cake bandwidth 92160bit overhead 7 memlimit 6336 besteffort flows',
    ]);
  });
  it("sets a slave's priority to the rate its queue passes where the line rate is known, and to the weight elsewhere", async () => {
    const shaped = setup();
    await shaped.bundle.create();
    await shaped.bundle.addLink({ ...member(0), rateBps: 115200 });
    await shaped.bundle.addLink({ ...member(1, 28800), rateBps: 28800 });
    // 8 bits of every 10 (8N1), times the shaper's share 0.95.
    expect(shaped.exec.calls.filter((c) => c.startsWith('eql_enslave'))).toEqual(['eql_enslave eql ppp0 87552', 'eql_enslave eql ppp1 21888']);
    await shaped.bundle.setWeight('line1', 14400); // the weight moves nothing when the rate is known
    expect(shaped.eql.calls).toEqual(['setslave eql ppp1 21888']);
    expect((await shaped.bundle.status()).links.map((l) => l.weight)).toEqual([115200, 14400]);

    const unshaped = setup({ queue: { shape: false } });
    await unshaped.bundle.create();
    await unshaped.bundle.addLink({ ...member(0), rateBps: 115200 });
    expect(unshaped.exec.calls.filter((c) => c.startsWith('eql_enslave'))).toEqual(['eql_enslave eql ppp0 92160']);
  });
});
