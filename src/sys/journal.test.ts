import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changesOf, qdiscArgs, routeArgs, routeIdentity, type RouteJson } from './journal-changes.js';
import { RouterJournal } from './journal.js';
import { FakeRouter, type Route } from './testing.js';

const routerDefault: Route = { dst: 'default', gateway: '192.0.2.1', dev: 'wan0', protocol: 'static', flags: [], table: 'main' };
const backupDefault: Route = { dst: 'default', gateway: '192.0.2.2', dev: 'wan0', protocol: 'static', metric: 100, flags: [], table: 'main' };

function setUp(file?: string) {
  const router = new FakeRouter();
  router.routes = [{ ...routerDefault }, { ...backupDefault }];
  const journal = new RouterJournal({
    exec: router.exec,
    ...(file !== undefined ? { file } : {}),
    readSysctl: (key) => router.sysctls.get(key) ?? '0',
    writeSysctl: (key, value) => void router.sysctls.set(key, String(value)),
    exists: (dev) => router.devices.has(dev),
  });
  return { router, journal };
}

const stateFile = () => join(mkdtempSync(join(tmpdir(), 'dialbond-journal-')), 'journal.json');
const mainDefaults = (router: FakeRouter) => router.routes.filter((r) => r.table === 'main' && r.dst === 'default');
/** The main table's default routes as what makes them what they are (the kernel's own fields aside). */
const defaults = (router: FakeRouter, metric?: number) => mainDefaults(router).filter((r) => metric === undefined || (r.metric ?? 0) === metric).map(routeIdentity).sort();
const the = (...routes: RouteJson[]) => routes.map(routeIdentity).sort();

describe('RouterJournal', () => {
  it('records the router default route in its file before a bundle replaces it, and puts it back exactly on restore', async () => {
    const file = stateFile();
    const { router, journal } = setUp(file);
    let fileWhenReplaced = '';
    router.onChange = (line) => {
      if (line.startsWith('ip route replace default')) fileWhenReplaced = readFileSync(file, 'utf8');
    };
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'teql0']);
    expect(mainDefaults(router).map((r) => r.dev)).toEqual(['wan0', 'teql0']); // the backup (metric 100) coexists
    expect(mainDefaults(router).find((r) => (r.metric ?? 0) === 0)?.dev).toBe('teql0');
    expect(JSON.parse(fileWhenReplaced).records[0]).toMatchObject({ kind: 'routes', table: 'main', dst: 'default', metric: 0, before: [{ gateway: '192.0.2.1', dev: 'wan0', protocol: 'static' }] });

    const said = await journal.restore();
    expect(defaults(router)).toEqual(the(routerDefault, backupDefault));
    // ours goes first (no route to a dead link), then the router's comes back
    expect(said).toEqual(['route default dev teql0 metric 0 (table main) removed', 'route default via 192.0.2.1 dev wan0 proto static metric 0 (table main) put back']);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps the first record when a place is changed again, so restore gives the router its own route, not an earlier one of ours', async () => {
    const { router, journal } = setUp();
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'teql0']);
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'ppp0']);
    expect(journal.changed).toEqual(['routes/4/main/default/0']);
    await journal.restore();
    expect(defaults(router, 0)).toEqual(the(routerDefault));
  });

  it('after a crash, a new journal reads the file and restore undoes the dead run: sysctls, routes, rules, nft tables', async () => {
    const file = stateFile();
    const { router, journal } = setUp(file);
    journal.set('net.ipv4.tcp_reordering', 127);
    await journal.exec('ip', ['rule', 'add', 'pref', '32000', 'lookup', '100']);
    await journal.exec('ip', ['route', 'replace', 'default', 'proto', '201', 'nexthop', 'via', '198.51.100.1', 'dev', 'ppp0', 'weight', '1']);
    await journal.exec('nft', ['-f', '-'], { input: 'table inet dialbond\ndelete table inet dialbond\ntable inet dialbond {\n}\n' });
    // kill -9 here: nothing was restored. The next start:
    const { journal: next } = { journal: new RouterJournal({ file, exec: router.exec, readSysctl: (k) => router.sysctls.get(k)!, writeSysctl: (k, v) => void router.sysctls.set(k, String(v)), exists: (d) => router.devices.has(d) }) };
    expect(next.inherited).toBe(4);
    const said = await next.restore();
    expect(router.sysctls.get('net.ipv4.tcp_reordering')).toBe('3');
    expect(router.rules).toEqual([]);
    expect(router.nft.has('inet dialbond')).toBe(false);
    expect(defaults(router)).toEqual(the(routerDefault, backupDefault));
    expect(said).toEqual([
      'nft table inet dialbond removed',
      'route default via 198.51.100.1 dev ppp0 proto 201 metric 0 (table main) removed',
      'route default via 192.0.2.1 dev wan0 proto static metric 0 (table main) put back',
      'rule pref 32000 lookup 100 removed',
      'sysctl net.ipv4.tcp_reordering = 3',
    ]);
    expect(existsSync(file)).toBe(false);
  });

  it('after a crash, gives back IPv6 routes and rules as IPv4 ones, and says which family', async () => {
    const file = stateFile();
    const { router, journal } = setUp(file);
    await journal.exec('ip', ['-6', 'rule', 'add', 'pref', '32000', 'lookup', 'main', 'suppress_prefixlength', '0']);
    await journal.exec('ip', ['rule', 'add', 'pref', '32000', 'lookup', 'main', 'suppress_prefixlength', '0']);
    await journal.exec('ip', ['route', 'replace', '::/0', 'proto', '201', 'via', 'fe80::1', 'dev', 'ppp0']);
    const next = new RouterJournal({ file, exec: router.exec, readSysctl: (k) => router.sysctls.get(k)!, writeSysctl: (k, v) => void router.sysctls.set(k, String(v)), exists: (d) => router.devices.has(d) });
    const said = await next.restore();
    expect(router.rules).toEqual([]);
    expect(router.routes.filter((r) => r.dst === 'default' && r.dev === 'ppp0')).toEqual([]);
    expect(said).toEqual([
      'route default via fe80::1 dev ppp0 proto 201 metric 1024 (table main) removed',
      'rule pref 32000 lookup main suppress_prefixlength 0 removed',
      'rule -6 pref 32000 lookup main suppress_prefixlength 0 removed',
    ]);
  });

  it('does not fail when our device vanished with its routes, and never leaves a route to a dead link', async () => {
    const { router, journal } = setUp();
    await journal.exec('ip', ['route', 'replace', '198.51.100.100/32', 'dev', 'ppp1']);
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'ppp0']);
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'ppp1', 'table', '101']);
    router.removeDevice('ppp0');
    const said = await journal.restore();
    expect(router.routes.filter((r) => r.dev === 'ppp1' || r.dev === 'ppp0')).toEqual([]);
    expect(mainDefaults(router)).toHaveLength(2);
    expect(said).toContain('route default via 192.0.2.1 dev wan0 proto static metric 0 (table main) put back');
  });

  it('says so, and adds nothing, when the router route\'s own device is gone', async () => {
    const { router, journal } = setUp();
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'teql0']);
    router.removeDevice('wan0');
    const said = await journal.restore();
    expect(router.routes).toEqual([]);
    expect(said).toEqual(['route default dev teql0 metric 0 (table main) removed', 'route default via 192.0.2.1 dev wan0 proto static metric 0 (table main) not put back: wan0 is gone']);
  });

  it('forgets a rule it failed to add: the one there is the router\'s and stays', async () => {
    const { router, journal } = setUp();
    router.rules = ['pref 32000 lookup 100'];
    await journal.exec('ip', ['rule', 'add', 'pref', '32000', 'lookup', '100'], { allowFailure: true });
    await expect(journal.exec('ip', ['rule', 'add', 'pref', '32000', 'lookup', '100'])).rejects.toThrow();
    expect(journal.changed).toEqual([]);
    await journal.restore();
    expect(router.rules).toEqual(['pref 32000 lookup 100']);
  });

  it('puts back an nft table that existed before it was replaced', async () => {
    const { router, journal } = setUp();
    const theirs = 'table inet dialbond {\n\tchain x {\n\t}\n}';
    router.nft.set('inet dialbond', theirs);
    await journal.exec('nft', ['-f', '-'], { input: 'table inet dialbond\ndelete table inet dialbond\ntable inet dialbond {\n}\n' });
    expect(router.nft.get('inet dialbond')).not.toBe(theirs);
    await journal.restore();
    expect(router.nft.get('inet dialbond')).toBe(theirs);
  });

  it('gives a device its default qdisc back, or rebuilds the one it had', async () => {
    const { router, journal } = setUp();
    router.qdiscs.set('ppp1', 'qdisc pfifo 8001: root refcnt 2 limit 77p\n');
    await journal.exec('tc', ['qdisc', 'replace', 'dev', 'teql0', 'root', 'sfq', 'limit', '60', 'perturb', '10']);
    await journal.exec('tc', ['qdisc', 'replace', 'dev', 'ppp1', 'root', 'teql0']);
    const said = await journal.restore();
    expect(router.changes.slice(-2)).toEqual(['tc qdisc replace dev ppp1 root handle 8001: pfifo limit 77', 'tc qdisc del dev teql0 root']);
    expect(said).toEqual(['qdisc of ppp1 put back', "qdisc of teql0: the kernel's default again"]);
  });

  it('restoreRoutes gives the routes back and keeps the other records; the next replace is journaled afresh', async () => {
    const { router, journal } = setUp();
    journal.set('net.ipv4.tcp_reordering', 127);
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'teql0']);
    await journal.restoreRoutes();
    expect(defaults(router, 0)).toEqual(the(routerDefault));
    expect(journal.changed).toEqual(['sysctl/net.ipv4.tcp_reordering']);
    await journal.exec('ip', ['route', 'replace', 'default', 'dev', 'teql0']);
    await journal.restore();
    expect(defaults(router, 0)).toEqual(the(routerDefault));
    expect(router.sysctls.get('net.ipv4.tcp_reordering')).toBe('3');
  });

  it('passes queries through without recording them', async () => {
    const { router, journal } = setUp();
    await journal.exec('ip', ['-j', 'route', 'show', 'table', 'main']);
    await journal.exec('conntrack', ['-D', '--mark', '0x101'], { allowFailure: true });
    expect(journal.changed).toEqual([]);
    expect(router.changes).toEqual([]);
  });
});

describe('what a command changes', () => {
  it('keys routes by table, destination and metric, as the kernel does', () => {
    expect(changesOf('ip', ['route', 'replace', 'default', 'dev', 'teql0'])).toEqual([{ kind: 'routes', family: '4', table: 'main', dst: 'default', metric: 0 }]);
    expect(changesOf('ip', ['route', 'replace', 'default', 'proto', '201', 'nexthop', 'via', '198.51.100.1', 'dev', 'ppp0'])).toEqual([{ kind: 'routes', family: '4', table: 'main', dst: 'default', metric: 0 }]);
    expect(changesOf('ip', ['route', 'replace', '10.0.0.0/8', 'dev', 'ppp0', 'table', '101', 'metric', '5'])).toEqual([{ kind: 'routes', family: '4', table: '101', dst: '10.0.0.0/8', metric: 5 }]);
    expect(changesOf('ip', ['route', 'del', 'default', 'proto', '201'])).toEqual([{ kind: 'routes', family: '4', table: 'main', dst: 'default', metric: null }]);
    expect(changesOf('ip', ['route', 'flush', 'table', '100'])).toEqual([{ kind: 'routes', family: '4', table: '100', dst: null, metric: null }]);
    expect(changesOf('ip', ['-6', 'route', 'replace', '2001:db8::/32', 'dev', 'ppp0'])[0]).toMatchObject({ family: '6', dst: '2001:db8::/32' });
  });

  it('sees rules added, nft tables in scripts, root qdiscs, addresses and links; not queries', () => {
    expect(changesOf('ip', ['rule', 'add', 'pref', '32000', 'lookup', '100'])).toEqual([{ kind: 'rule', family: '4', args: ['pref', '32000', 'lookup', '100'] }]);
    expect(changesOf('nft', ['-f', '-'], 'table inet dialbond\ndelete table inet dialbond\ntable inet dialbond {\n}')).toEqual([{ kind: 'nft', family: 'inet', name: 'dialbond' }]);
    expect(changesOf('tc', ['qdisc', 'replace', 'dev', 'ppp0', 'root', 'teql0'])).toEqual([{ kind: 'qdisc', dev: 'ppp0' }]);
    expect(changesOf('ip', ['addr', 'replace', '203.0.113.100/32', 'dev', 'teql0'])).toEqual([{ kind: 'address', dev: 'teql0', address: '203.0.113.100/32' }]);
    expect(changesOf('ip', ['link', 'set', 'eql', 'mtu', '1500'])).toEqual([{ kind: 'link', dev: 'eql' }]);
    expect(changesOf('ip', ['-j', 'route', 'show'])).toEqual([]);
    expect(changesOf('ip', ['-j', 'rule', 'show'])).toEqual([]);
    expect(changesOf('tc', ['qdisc', 'show', 'dev', 'ppp0'])).toEqual([]);
  });

  it('builds the route back with everything that made it what it was', () => {
    expect(routeArgs('replace', { dst: 'default', gateway: '192.0.2.1', dev: 'wan0', protocol: 'dhcp', prefsrc: '192.0.2.10', metric: 1024, flags: ['onlink'] }, 'main', '4')).toEqual([
      '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'dev', 'wan0', 'proto', 'dhcp', 'src', '192.0.2.10', 'metric', '1024', 'table', 'main', 'onlink',
    ]);
    expect(qdiscArgs('wan0', 'qdisc sfq 8002: root refcnt 2 limit 30p quantum 1514b depth 127 divisor 1024 perturb 10sec\n')).toEqual([
      'qdisc', 'replace', 'dev', 'wan0', 'root', 'handle', '8002:', 'sfq', 'limit', '30', 'quantum', '1514', 'depth', '127', 'divisor', '1024', 'perturb', '10',
    ]);
    expect(qdiscArgs('wan0', 'qdisc fq_codel 0: root refcnt 2 limit 10240p\n')).toBe('default');
    expect(qdiscArgs('wan0', 'qdisc htb 1: root refcnt 2 r2q 10 default 0\n')).toBeUndefined();
  });
});
