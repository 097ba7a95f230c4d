/**
 * Lab: the router-state helper itself (the base of the router-state tests): it gives the
 * guest a default route, a rule, an nft table, a qdisc and a resolver, and its diff sees
 * a change to any of them and nothing when nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sh } from './helpers/run.js';
import { ROUTER_GATEWAY, describeRouterDiff, routerDefaultRoute, routerDiff, routerSnapshot, setUpRouter } from './helpers/router.js';

describe('lab: a router state of its own', () => {
  let tearDown: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    tearDown = await setUpRouter();
  });
  afterAll(async () => {
    await tearDown?.();
  });

  it('has its default route, and a snapshot taken twice shows no difference', async () => {
    expect(await routerDefaultRoute()).toMatchObject({ gateway: ROUTER_GATEWAY, protocol: 'static' });
    const a = await routerSnapshot();
    expect(a.resolvConf).toContain('nameserver');
    expect(a.nft).toContain('routerfw');
    expect(describeRouterDiff(routerDiff(a, await routerSnapshot()))).toBe('');
  });

  it('shows a replaced default route as a difference', async () => {
    const a = await routerSnapshot();
    await sh('ip', ['route', 'replace', 'default', 'dev', 'lo']);
    const b = await routerSnapshot();
    expect(await routerDefaultRoute()).toBeUndefined();
    await sh('ip', ['route', 'del', 'default', 'dev', 'lo']);
    await sh('ip', ['route', 'add', 'default', 'via', ROUTER_GATEWAY, 'dev', 'wan0', 'proto', 'static']);
    const diff = routerDiff(a, b);
    expect(diff.map((d) => d.part)).toEqual(['routes']);
    expect(describeRouterDiff(diff)).toContain(ROUTER_GATEWAY);
    expect(describeRouterDiff(routerDiff(a, await routerSnapshot()))).toBe('');
  });
});
