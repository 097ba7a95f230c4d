/**
 * A whole link's calls, on a simulated clock (testing/link-world.ts): dial, hand-over, pppd
 * up, the ways a call ends (hang-up, pppd's exit, STOP, HANGUP, a fault), and a pty link.
 */
import { describe, expect, it } from 'vitest';
import { modemLink, noD2, ptyLink, start } from './testing/link-world.js';

describe('a whole link: its calls', () => {
  it('dials with the modem machine as its child, hands the connected line to pppd, and is up when IPCP gives the remote address', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    expect(link.state()).toBe('negotiating');
    expect(link.far.ports[0]!.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
    expect(link.far.log).toEqual(['pppd.start fd=100']);
    expect(link.lockFiles()).toEqual(['LCK..ttyS0']);
    await link.upWith();
    expect(link.state()).toBe('up');
    expect(link.actor.getSnapshot().context).toMatchObject({ ifname: 'ppp0', localIp: '203.0.113.1', remoteIp: '198.51.100.1', failures: 0 });
    expect(link.actor.getSnapshot().context.connect).toMatchObject({ result: 'connected', connect: 'CONNECT 28800', speed: 28800, number: '5551234', connectMs: 2000 });
    expect(link.transitions.map((t) => t.state)).toEqual(['dialing', 'negotiating', 'up']);
    // the dial's transcript reaches the link from its child
    expect(link.transcript).toEqual(expect.arrayContaining(['tx ATZ', 'rx OK', 'rx CONNECT 28800']));
  });

  it("tells the line's tty the rate it carries before pppd attaches it, where the port's rate moves nothing, and reports that rate", async () => {
    const onFree = start(modemLink({ device: '/dev/ttyACM0' }), ['CONNECT 28800'], { portRateRole: () => 'free' });
    await onFree.run(2500);
    expect(onFree.far.log).toEqual(['tty.rate fd=100 28800', 'pppd.start fd=100']);
    expect(onFree.actor.getSnapshot().context).toMatchObject({ lineRate: 28800, ttyRate: 28800 });
    // a UART's rate is the wire's: it stays, and the line is known at CONNECT capped by the port
    const onUart = start(modemLink(), ['CONNECT 7200000']);
    await onUart.run(2500);
    expect(onUart.far.log).toEqual(['pppd.start fd=100']);
    expect(onUart.actor.getSnapshot().context).toMatchObject({ lineRate: 115200, ttyRate: 115200 });
    // a rate the tty refuses is no reason not to go on (multilink then splits evenly)
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as import('../log/index.js').Logger;
    const refused = start(modemLink({ device: '/dev/ttyACM0', rate: 24000 }), ['CONNECT 28800'], {
      portRateRole: () => 'free',
      setTtyRate: () => {
        throw new Error('TCSETS2: Inappropriate ioctl for device');
      },
      logger,
    });
    await refused.run(2500);
    expect(refused.far.log).toEqual(['pppd.start fd=100']);
    expect(warnings).toEqual(['could not set the tty rate of /dev/ttyACM0 to 24000 bit/s']);
    expect(refused.actor.getSnapshot().context).toMatchObject({ lineRate: 24000, ttyRate: 115200 });
    await refused.upWith();
    await refused.say({ type: 'hangup' });
    await refused.run(600);
    expect(refused.state()).toBe('backoff');
    expect(refused.actor.getSnapshot().context.lineRate).toBeNull();
  });

  it('with ppp.ipv6, readies the interface for router advertisements as pppd names it, and keeps the link-local addresses of the call', async () => {
    const readied: string[] = [];
    const link = start(modemLink({ ppp: { ipv6: true } }), ['CONNECT 28800'], { acceptRouterAdvertisements: (ifname) => readied.push(ifname) });
    const announced: string[] = [];
    link.actor.on('ipv6', (e) => announced.push(e.remoteLinkLocal));
    await link.run(2500);
    expect(link.far.pppd.options.args).toContain('+ipv6');
    await link.say({ type: 'interface', ifname: 'ppp4' });
    expect(readied).toEqual(['ppp4']);
    await link.say({ type: 'local-ip', address: '203.0.113.1' });
    await link.say({ type: 'remote-ip', address: '198.51.100.1' });
    await link.say({ type: 'local-ll', address: 'fe80::1:2:3:4' });
    await link.say({ type: 'remote-ll', address: 'fe80::5:6:7:8' });
    expect(link.actor.getSnapshot().context).toMatchObject({ localLinkLocal: 'fe80::1:2:3:4', remoteLinkLocal: 'fe80::5:6:7:8' });
    expect(announced).toEqual(['fe80::5:6:7:8']);
    await link.say({ type: 'hangup' });
    await link.run(600);
    expect(link.actor.getSnapshot().context).toMatchObject({ localLinkLocal: null, remoteLinkLocal: null });
    // a link without ipv6 leaves its interface's settings alone; one the kernel refuses is a warning
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as import('../log/index.js').Logger;
    const plain = start(modemLink(), ['CONNECT 28800'], { acceptRouterAdvertisements: (ifname) => readied.push(`plain ${ifname}`) });
    await plain.run(2500);
    await plain.upWith();
    expect(readied).toEqual(['ppp4']);
    const refused = start(modemLink({ ppp: { ipv6: true } }), ['CONNECT 28800'], {
      acceptRouterAdvertisements: () => {
        throw new Error('cannot set /proc/sys/net/ipv6/conf/ppp0/accept_ra to 2: ENOENT');
      },
      logger,
    });
    await refused.run(2500);
    await refused.upWith();
    expect(refused.state()).toBe('up');
    expect(warnings).toEqual(['ppp0 will not take an IPv6 prefix from router advertisements: cannot set /proc/sys/net/ipv6/conf/ppp0/accept_ra to 2: ENOENT']);
  });

  it('carries the DNS servers the peer offered and forgets them when it goes down', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    const announced: string[][] = [];
    link.actor.on('dns', (e) => announced.push(e.servers));
    await link.run(2500);
    await link.upWith();
    await link.say({ type: 'dns', rank: 'secondary', address: '198.51.100.54' });
    await link.say({ type: 'dns', rank: 'primary', address: '198.51.100.53' });
    expect(link.actor.getSnapshot().context.dns).toEqual(['198.51.100.53', '198.51.100.54']);
    expect(announced).toEqual([['198.51.100.54'], ['198.51.100.53', '198.51.100.54']]);
    await link.say({ type: 'hangup' });
    await link.run(600);
    expect(link.actor.getSnapshot().context.dns).toEqual([]);
  });

  it('with ppp.ipv6 and usepeerdns, asks the line\'s router for its IPv6 DNS servers once IPV6CP is up, after the peer\'s own, and forgets them with the call', async () => {
    const asked: string[] = [];
    let answer: (servers: string[]) => void = () => {};
    const routerDns = (ifname: string) => {
      asked.push(ifname);
      return new Promise<{ servers: string[]; lifetimeS: number | null; searchDomains: string[] }>((resolve) => {
        answer = (servers) => resolve({ servers, lifetimeS: 600, searchDomains: [] });
      });
    };
    const link = start(modemLink({ ppp: { ipv6: true, usePeerDns: true } }), ['CONNECT 28800'], { acceptRouterAdvertisements: () => {}, routerDns });
    const announced: string[][] = [];
    link.actor.on('dns', (e) => announced.push(e.servers));
    await link.run(2500);
    await link.say({ type: 'interface', ifname: 'ppp4' });
    await link.say({ type: 'local-ip', address: '203.0.113.1' });
    await link.say({ type: 'remote-ip', address: '198.51.100.1' });
    await link.say({ type: 'dns', rank: 'primary', address: '198.51.100.53' });
    expect(asked).toEqual([]);
    await link.say({ type: 'remote-ll', address: 'fe80::5:6:7:8' });
    expect(asked).toEqual(['ppp4']);
    answer(['2001:db8:53::1', '198.51.100.53']);
    await link.run(0);
    expect(link.actor.getSnapshot().context.routerDns).toEqual(['2001:db8:53::1', '198.51.100.53']);
    expect(announced.at(-1)).toEqual(['198.51.100.53', '2001:db8:53::1']);
    // IPCP starting again voids its own servers, not the router's
    await link.say({ type: 'local-ip', address: '203.0.113.1' });
    await link.say({ type: 'dns', rank: 'primary', address: '198.51.100.54' });
    expect(announced.at(-1)).toEqual(['198.51.100.54', '2001:db8:53::1', '198.51.100.53']);
    await link.say({ type: 'hangup' });
    await link.run(600);
    expect(link.actor.getSnapshot().context).toMatchObject({ dns: [], routerDns: [] });
    // without usepeerdns (dns: none or a list) the router is not asked; a failed ask is a warning
    const quiet = start(modemLink({ ppp: { ipv6: true } }), ['CONNECT 28800'], { acceptRouterAdvertisements: () => {}, routerDns });
    await quiet.run(2500);
    await quiet.say({ type: 'interface', ifname: 'ppp5' });
    await quiet.say({ type: 'remote-ll', address: 'fe80::5:6:7:8' });
    expect(asked).toEqual(['ppp4']);
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as import('../log/index.js').Logger;
    const failing = start(modemLink({ ppp: { ipv6: true, usePeerDns: true } }), ['CONNECT 28800'], {
      acceptRouterAdvertisements: () => {},
      routerDns: () => Promise.reject(new Error('rdisc6 is not installed')),
      logger,
    });
    await failing.run(2500);
    await failing.upWith();
    await failing.say({ type: 'remote-ll', address: 'fe80::5:6:7:8' });
    await failing.run(0);
    expect(failing.state()).toBe('up');
    expect(warnings).toEqual(['no IPv6 DNS servers from the router on ppp0: rdisc6 is not installed']);
  });

  it('on a hang-up: down at once with the reason, pppd stopped before the line is taken back, DTR held low, the lock released, then back-off and a redial', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    const lostAt = link.clock.now();
    await link.say({ type: 'hangup' });
    const down = link.transitions.find((t) => t.state === 'down');
    // down as soon as pppd logs the hang-up, before it has finished exiting
    expect(down).toMatchObject({ atMs: lostAt, reason: { code: 'PPP_HANGUP', fatal: false } });
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack']);
    // with &D2 the close was the hang-up: DTR stays low 0.5 s with the lock still ours
    expect(link.lockFiles()).toEqual(['LCK..ttyS0']);
    await link.run(500);
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack', 'port.close']);
    expect(link.lockFiles()).toEqual([]);
    expect(link.state()).toBe('backoff');
    expect(link.transitions.find((t) => t.state === 'backoff')).toMatchObject({ retryInMs: 1000 });
    await link.run(1000);
    expect(link.state()).toBe('dialing');
    await link.run(2500);
    expect(link.dials()).toBe(2);
    expect(link.state()).toBe('negotiating');
    expect(link.actor.getSnapshot().context.failures).toBe(1);
  });

  it('without &D2, hangs up with the escape and ATH on the port taken back', async () => {
    const link = start(modemLink({ profile: noD2 }), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    await link.say({ type: 'hangup' });
    await link.run(5000);
    expect(link.far.log.slice(1, 3)).toEqual(['pppd.stop', 'port.takeBack reopen']);
    expect(link.far.ports[0]!.commands.slice(-2)).toEqual(['+++', 'ATH']);
    expect(link.state()).toBe('backoff');
    expect(link.lockFiles()).toEqual([]);
  });

  it('takes the reason from the exit status when pppd ends without saying why (kill -9)', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.far.pppd.exit(null, 'SIGKILL');
    await link.run(600);
    expect(link.state()).toBe('backoff');
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_KILLED', fatal: false, pppStatus: null });
  });

  it('reads a peer-dead line reported by pppd as 16 as peer dead, from its log', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    // while negotiating, a peer-dead line is only known when pppd exits (as 16 or 15)
    await link.say({ type: 'peer-dead', missed: 3 });
    link.far.pppd.exit(16);
    await link.run(600);
    expect(link.state()).toBe('backoff');
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_PEER_DEAD', fatal: false });
  });

  it('stops from up: pppd is stopped before the line is taken back and the modem hung up, and the machine ends', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.actor.send({ type: 'STOP' });
    await link.run(600);
    expect(link.state()).toBe('stopped');
    expect(link.actor.getSnapshot().status).toBe('done');
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack', 'port.close']);
    expect(link.transitions.map((t) => t.state).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(link.lockFiles()).toEqual([]);
  });

  it('stops in the middle of a dial: the dial is aborted, the port closed, the lock released', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(1000);
    expect(link.state()).toBe('dialing');
    link.actor.send({ type: 'STOP' });
    await link.run(3000);
    expect(link.state()).toBe('stopped');
    expect(link.far.log).toEqual(['port.close']);
    expect(link.far.pppds.started).toEqual([]);
    expect(link.lockFiles()).toEqual([]);
  });

  it('a pty link skips dialing: pppd runs the command itself, and a restart after its exit', async () => {
    const link = start(ptyLink);
    await link.run(50);
    expect(link.state()).toBe('negotiating');
    expect(link.far.log).toEqual(['pppd.start']);
    link.far.pppd.exit(16);
    await link.run(50);
    expect(link.state()).toBe('backoff');
    await link.run(1000);
    expect(link.far.log).toEqual(['pppd.start', 'pppd.start']);
    expect(link.transitions.map((t) => t.state)).toEqual(['negotiating', 'down', 'backoff', 'negotiating']);
  });

  it('gives up negotiating after the configured time and goes down with a reason', async () => {
    const link = start(modemLink({ negotiationTimeoutMs: 30_000 }), ['CONNECT 28800']);
    await link.run(2500);
    const negotiating = link.clock.now();
    await link.run(30_000);
    const down = link.transitions.find((t) => t.state === 'down');
    expect(down).toMatchObject({ reason: { code: 'PPP_NEGOTIATION_TIMEOUT' } });
    expect(down!.atMs - negotiating).toBeLessThanOrEqual(30_050);
    expect(link.far.log).toContain('pppd.stop');
    expect(link.state()).toBe('backoff');
  });

  it('hangs up on request: pppd ends, the modem hangs up, and it stays parked until dialed again', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.actor.send({ type: 'HANGUP' });
    await link.run(600);
    expect(link.state()).toBe('parked');
    expect(link.transitions.at(-1)).toMatchObject({ state: 'parked', reason: { code: 'LINK_HUNG_UP', fatal: true } });
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack', 'port.close']);
    await link.run(60_000);
    expect(link.dials()).toBe(1);
    link.actor.send({ type: 'RETRY' });
    await link.run(2500);
    expect(link.state()).toBe('negotiating');
    expect(link.dials()).toBe(2);
  });

  it('hangs up during a dial: the dial is aborted and the link parked', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(1000);
    link.actor.send({ type: 'HANGUP' });
    await link.run(3000);
    expect(link.state()).toBe('parked');
    expect(link.transitions.at(-1)?.reason).toMatchObject({ code: 'LINK_HUNG_UP' });
    expect(link.far.pppds.started).toEqual([]);
    expect(link.lockFiles()).toEqual([]);
  });

  it('hangs up from back-off without dialing again', async () => {
    const link = start(modemLink(), ['BUSY']);
    await link.run(800);
    expect(link.state()).toBe('backoff');
    link.actor.send({ type: 'HANGUP' });
    await link.run(60_000);
    expect(link.state()).toBe('parked');
    expect(link.dials()).toBe(1);
  });

  it('goes down and redials when the supervisor reports a fault on an up line', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.actor.send({ type: 'FAULT', reason: { code: 'LINK_PROBE_FAILED', message: 'no answer to 3 probes', fatal: false } });
    await link.run(600);
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'LINK_PROBE_FAILED' });
    expect(link.state()).toBe('backoff');
    expect(link.far.log).toContain('pppd.stop');
    await link.run(3500);
    expect(link.dials()).toBe(2);
  });

  it('a multilink line that joins a bundle is up on the bundle interface without IPCP of its own', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.say({ type: 'bundle-joined', ifname: 'ppp3' });
    expect(link.state()).toBe('up');
    expect(link.actor.getSnapshot().context).toMatchObject({ ifname: 'ppp3', remoteIp: null });
  });
});
