/**
 * Every backend that carries the router's default route (`routes: [default]`) through the
 * router journal, over a router that has one of its own (metric 0, the key a bundle's route
 * lands on) and a backup (metric 100): the bundle's route wins while a line is up, the
 * router's comes back when the last line is gone and when the bundle is destroyed.
 */
import { describe, expect, it } from 'vitest';
import { RouterJournal, routeIdentity, type RouteJson } from '../sys/index.js';
import { FakeRouter, type Route } from '../sys/testing.js';
import type { BundleBackend, BundleConfig } from './backend.js';
import type { BundleDeps } from './deps.js';
import { EqlBundle } from './eql.js';
import { MlpppBundle } from './mlppp.js';
import { MultipathBundle } from './multipath.js';
import { PerconnBundle } from './perconn.js';
import { TeqlBundle } from './teql.js';

const routerDefault: Route = { dst: 'default', gateway: '192.0.2.1', dev: 'wan0', protocol: 'static', table: 'main' };
const backupDefault: Route = { dst: 'default', gateway: '192.0.2.2', dev: 'wan0', protocol: 'static', metric: 100, table: 'main' };
const member = (i: number) => ({ name: `line${i}`, ifname: `ppp${i}`, localIp: `203.0.113.${i + 1}`, remoteIp: `198.51.100.${i + 1}`, weight: 115200 });

const backends: Array<[string, (config: BundleConfig, deps: Partial<BundleDeps>) => BundleBackend, string]> = [
  ['teql', (c, d) => new TeqlBundle({ ...c, mode: 'teql' }, d), 'teql0'],
  ['eql', (c, d) => new EqlBundle({ ...c, mode: 'eql' }, { ...d, eql: { emancipate: () => undefined, setPriority: () => undefined } }), 'eql'],
  ['multipath', (c, d) => new MultipathBundle({ ...c, mode: 'multipath' }, d), 'ppp0'],
  ['mlppp', (c, d) => new MlpppBundle({ ...c, mode: 'mlppp' }, d), 'ppp0'],
];

describe.each(backends)('%s bundle with routes: [default] over the router\'s own default route', (_mode, make, ourDevice) => {
  const setUp = () => {
    const router = new FakeRouter();
    router.devices.add('eql');
    router.routes = [{ ...routerDefault }, { ...backupDefault }];
    const journal = new RouterJournal({
      exec: router.exec,
      readSysctl: (k) => router.sysctls.get(k) ?? '2',
      writeSysctl: (k, v) => void router.sysctls.set(k, String(v)),
      exists: (d) => router.devices.has(d),
    });
    const bundle = make({ mode: 'teql', routes: ['default'], queue: { packetsPerLine: 0 } }, { exec: journal.exec, sysctl: journal, exists: (d) => router.devices.has(d), counters: () => undefined });
    const metric0 = () => router.routes.filter((r) => r.table === 'main' && r.dst === 'default' && (r.metric ?? 0) === 0);
    const all = () => router.routes.map(routeIdentity).sort();
    return { router, journal, bundle, metric0, all };
  };
  const the = (...routes: RouteJson[]) => routes.map(routeIdentity).sort();

  it('wins while a line is up, gives the router its route back when the last line is gone, takes it again for the next', async () => {
    const { router, bundle, metric0, all } = setUp();
    const before = all();
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.addLink(member(1));
    expect(metric0().map((r) => r.dev)).toEqual([ourDevice]);
    await bundle.removeLink('line1');
    router.removeDevice('ppp1');
    await bundle.removeLink('line0');
    router.removeDevice('ppp0');
    expect(all()).toEqual(before);
    router.devices.add('ppp0');
    await bundle.addLink(member(0));
    expect(metric0().map((r) => r.dev)).toEqual([ourDevice]);
    expect(router.routes.map(routeIdentity)).toContain(routeIdentity(backupDefault));
  });

  it('leaves the router exactly as it found it when destroyed, sysctls included', async () => {
    const { router, journal, bundle, all } = setUp();
    const before = all();
    const sysctls = new Map(router.sysctls);
    await bundle.create();
    await bundle.addLink(member(0));
    await bundle.destroy();
    router.removeDevice('ppp0');
    expect(all()).toEqual(before);
    expect(all()).toEqual(the(routerDefault, backupDefault));
    for (const [key, value] of sysctls) expect(router.sysctls.get(key)).toBe(value);
    expect(journal.changed).toEqual([]);
  });
});

describe('perconn bundle over a router whose own policy table is 100 (perconn\'s first table)', () => {
  it('takes the table while a line is up, gives the router its route back when the last line is gone and on destroy', async () => {
    const router = new FakeRouter();
    const tableRoute: Route = { dst: 'default', gateway: '192.0.2.1', dev: 'wan0', protocol: 'static', table: '100' };
    router.routes = [{ ...routerDefault }, { ...tableRoute }];
    router.rules = ['from 192.0.2.128/25 lookup 100 pref 900'];
    const journal = new RouterJournal({ exec: router.exec, readSysctl: (k) => router.sysctls.get(k) ?? '2', writeSysctl: (k, v) => void router.sysctls.set(k, String(v)), exists: (d) => router.devices.has(d) });
    const bundle = new PerconnBundle({ mode: 'perconn', routes: ['default'], queue: { packetsPerLine: 0 } }, { exec: journal.exec, sysctl: journal, exists: (d) => router.devices.has(d), counters: () => undefined });
    const table100 = () => router.routes.filter((r) => r.table === '100').map(routeIdentity);
    const all = () => router.routes.map(routeIdentity).sort();
    const before = all();
    await bundle.create();
    await bundle.addLink(member(0));
    expect(router.routes.filter((r) => r.table === '100').map((r) => r.dev)).toEqual(['ppp0']);
    await bundle.removeLink('line0');
    router.removeDevice('ppp0');
    expect(table100()).toEqual([routeIdentity(tableRoute)]);
    router.devices.add('ppp0');
    await bundle.addLink(member(0));
    await bundle.destroy();
    router.removeDevice('ppp0');
    expect(all()).toEqual(before);
    expect(router.rules).toEqual(['from 192.0.2.128/25 lookup 100 pref 900']);
    expect(router.nft.size).toBe(0);
  });
});
