/**
 * The supervisor: one link machine per configured link, all started at once, and the
 * bundle kept in step with them. A link that comes up joins the bundle; one that leaves
 * up (pppd logged the hang-up, the peer stopped answering, a health check failed) is
 * taken out at once, before its pppd has even finished ending, and the link machine
 * redials it with back-off. Bundle changes go through one queue so they happen in the
 * order the links changed.
 *
 * It owns no I/O of its own: links, the bundle and the clock come from outside.
 */
import { EventEmitter } from 'node:events';
import type { BundleBackend, BundleMember } from '../bundle/index.js';
import type { ConfigLink, DialbondConfig } from '../config/index.js';
import { DialbondError, errorCodeOf, errorMessageOf } from '../errors/index.js';
import type { LinkConfig, LinkReason, LinkTransition } from '../link/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { describeMatch, type UsbMatch } from '../modem/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { bundleConfigOf } from './bundle-factory.js';
import { linkIdentity, STOP_LINKS_WITHIN_MS, type Entry, type SupervisorDeps } from './entry.js';
import { isBundled, nextMembership, nextStep, OUT } from './membership.js';
import type { SupervisedLinkDetail, SupervisedLinkStatus, ReloadResult, SupervisorEvent, SupervisorState, SupervisorStatus } from './types.js';

export { STOP_LINKS_WITHIN_MS, type SupervisorDeps } from './entry.js';

export class Supervisor extends EventEmitter<{ event: [SupervisorEvent] }> {
  private config: DialbondConfig;
  private bundle: BundleBackend;
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<void> = Promise.resolve();
  private state: SupervisorState = 'starting';
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly startedAtMs: number;

  constructor(
    config: DialbondConfig,
    private readonly deps: SupervisorDeps,
  ) {
    super();
    this.config = config;
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger ?? silentLogger();
    this.startedAtMs = this.clock.now();
    this.bundle = deps.createBundle(bundleConfigOf(config));
  }

  /** Creates the bundle and starts every link at once, except `deferred` ones (bandwidth
   * on demand), which wait idle until dialed. */
  async start(options: { deferred?: readonly string[] } = {}): Promise<void> {
    this.publish({ type: 'supervisor', state: 'starting', atMs: this.clock.now() });
    await this.bundle.create();
    const deferred = new Set(options.deferred ?? []);
    for (const configured of this.config.links) this.addEntry(configured, undefined, !deferred.has(configured.name));
    this.state = 'running';
    this.publish({ type: 'supervisor', state: 'running', atMs: this.clock.now() });
  }

  /**
   * Ends every link (pppd, modem, lock) and removes the bundle. All links stop at once, and
   * the bundle is not asked to drop them one by one as they go: destroy() takes them all
   * out in one pass (64 lines, each removal a `tc` or `ip` run, would otherwise take their
   * turns in the bundle queue). Links still stopping after `linksWithinMs` are left to
   * themselves (their names are logged) so that the bundle is still removed in time.
   */
  async stop(options: { linksWithinMs?: number } = {}): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.publish({ type: 'supervisor', state: 'stopping', atMs: this.clock.now() });
    const pending = new Set<string>();
    const stops = [...this.entries.values()].map((e) => {
      pending.add(e.link.name);
      return e.link.stop().finally(() => pending.delete(e.link.name));
    });
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(), options.linksWithinMs ?? STOP_LINKS_WITHIN_MS);
    });
    await Promise.race([Promise.allSettled(stops), deadline]);
    this.clock.clearTimeout(timer);
    if (pending.size > 0) this.log.warn({ links: [...pending], withinMs: options.linksWithinMs ?? STOP_LINKS_WITHIN_MS }, 'links still stopping; removing the bundle anyway');
    await this.queue;
    await this.bundle.destroy();
    this.state = 'stopped';
    this.publish({ type: 'supervisor', state: 'stopped', atMs: this.clock.now() });
  }

  get currentConfig(): DialbondConfig {
    return this.config;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Dials a link now: a deferred one for the first time, one parked or hung up, or one
   * waiting out its back-off. One whose modem answered DELAYED waits out the modem's
   * hold-off unless forced: each refused attempt brings BLACKLISTED closer.
   * @throws DialbondError LINK_HOLD_OFF (held off and not forced), LINK_UNKNOWN. */
  dial(name: string, options: { force?: boolean } = {}): void {
    const link = this.entry(name).link;
    const status = link.status();
    if (status.state === 'idle') return link.start();
    const until = status.holdOffUntilMs;
    if (until && until > this.clock.now() && !options.force) {
      throw new DialbondError(
        'LINK_HOLD_OFF',
        `${name}: the modem refuses to dial until ${new Date(until).toISOString()} (it answered DELAYED); wait for it, or force the dial ("dialbond up --force ${name}") at the risk of BLACKLISTED`,
        { link: name, holdOffUntilMs: until },
      );
    }
    link.retry(options.force ? { force: true } : {});
  }

  /** Hangs a link up; it stays down until dialed. A bundled link leaves the bundle first and
   * is hung up after: no traffic goes onto a line being hung up, and the link cannot be
   * parked while its removal still waits its turn (a DTR drop can end the call sooner than a
   * busy bundle queue gets to the removal: it would be reported parked and bundled). */
  hangUp(name: string): void {
    const e = this.entry(name);
    if (!e.membership.wanted) return e.link.hangUp();
    void this.leave(e, this.clock.now()).then(() => e.link.hangUp());
  }

  /** Takes an up link out of the bundle and keeps it out (the line stays up). Resolves once
   * the bundle no longer holds it: a removal already queued (a re-add for starvation, a
   * drop) is awaited too, so that the caller's answer does not say "bundled" for a link
   * on its way out. */
  async emancipate(name: string): Promise<void> {
    const e = this.entry(name);
    e.heldOut = true;
    if (e.membership.wanted) await this.leave(e, this.clock.now());
    else await this.queue;
  }

  /** Puts a link back into the bundle (when it is up) and lets it join by itself again.
   * Resolves once the bundle has it, also when its add was already queued. */
  async enslave(name: string): Promise<void> {
    const e = this.entry(name);
    e.heldOut = false;
    if (e.up && !e.membership.wanted) await this.join(e);
    else await this.queue;
  }

  /** Takes a link out of the bundle and puts it back in (starvation's first remedy). */
  async readd(name: string): Promise<void> {
    const e = this.entry(name);
    if (!e.membership.wanted) return;
    await this.leave(e, this.clock.now());
    if (e.up && !e.heldOut) await this.join(e);
  }

  /** Declares an up link unusable: it leaves the bundle and is redialed. */
  fault(name: string, reason: LinkReason): void {
    this.entry(name).link.fault(reason);
  }

  /** Changes a bundled link's share of traffic. */
  async setWeight(name: string, weight: number): Promise<void> {
    const e = this.entry(name);
    if (Math.round(weight) === Math.round(e.weight)) return;
    e.weight = weight;
    if (!e.membership.wanted) return;
    await this.enqueue(async () => {
      try {
        await this.bundle.setWeight(name, weight);
        this.publish({ type: 'weight', link: name, weight, atMs: this.clock.now() });
      } catch (error) {
        this.bundleError(name, 'weight', error);
      }
    });
  }

  /** The bundled links and their interfaces, for health checks and traffic sampling. */
  bundledLinks(): Array<{ name: string; ifname: string; remoteIp: string | null; weight: number }> {
    return [...this.entries.values()]
      .filter((e) => isBundled(e.membership))
      .map((e) => {
        const s = e.link.status();
        return { name: e.link.name, ifname: s.ifname ?? '', remoteIp: s.remoteIp, weight: e.weight };
      })
      .filter((l) => l.ifname !== '');
  }

  /** Up links (bundled or not), for health probes. */
  upLinks(): Array<{ name: string; ifname: string; remoteIp: string | null; remoteLinkLocal?: string | null }> {
    return [...this.entries.values()]
      .filter((e) => e.up)
      .map((e) => {
        const s = e.link.status();
        return { name: e.link.name, ifname: s.ifname ?? '', remoteIp: s.remoteIp, remoteLinkLocal: s.remoteLinkLocal ?? null };
      })
      .filter((l) => l.ifname !== '');
  }

  linkStatus(name: string): SupervisedLinkStatus {
    const e = this.entry(name);
    const c = e.configured;
    const where = 'command' in c ? c.command.join(' ') : `${c.device ?? describeMatch(c.match as UsbMatch)}${c.numbers[0] ? ` ${c.numbers[0]}` : ''}`;
    return { ...e.link.status(), bundled: isBundled(e.membership), heldOut: e.heldOut, weight: e.weight, where, dials: e.dials, drops: e.drops };
  }

  /** One link's status with the last dial's transcript (kept out of `status`: it is long). */
  linkDetail(name: string): SupervisedLinkDetail {
    return { ...this.linkStatus(name), transcript: this.entry(name).link.transcript() };
  }

  async status(): Promise<SupervisorStatus> {
    const links = [...this.entries.keys()].map((name) => this.linkStatus(name));
    let bundle: SupervisorStatus['bundle'] = null;
    try {
      bundle = await this.bundle.status();
    } catch (error) {
      this.log.warn({ err: error }, 'bundle status failed');
    }
    return {
      state: this.state,
      pid: process.pid,
      startedAtMs: this.startedAtMs,
      mode: this.config.bundle.mode,
      bundle,
      links,
      up: links.filter((l) => l.state === 'up').length,
      total: links.length,
    };
  }

  /**
   * Applies a new configuration: links that are gone are stopped, new ones started,
   * changed ones restarted; unchanged links are not touched. A changed bundle section
   * rebuilds the bundle around the links that are up.
   */
  async reload(next: DialbondConfig): Promise<ReloadResult> {
    if (this.state !== 'running') throw new DialbondError('DAEMON_STATE', `cannot reload while ${this.state}`, { state: this.state });
    const previous = this.config;
    const nextByName = new Map(next.links.map((l) => [l.name, l]));
    const removed = [...this.entries.keys()].filter((name) => !nextByName.has(name));
    const changed = [...this.entries.entries()].filter(([name, e]) => nextByName.has(name) && linkIdentity(e.configured, previous) !== linkIdentity(nextByName.get(name)!, next)).map(([name]) => name);
    const added = next.links.filter((l) => !this.entries.has(l.name)).map((l) => l.name);
    const bundleChanged = JSON.stringify(previous.bundle) !== JSON.stringify(next.bundle);
    // Link configs are built first: a password file that cannot be read fails the reload
    // before anything was touched.
    const fresh = new Map([...added, ...changed].map((name) => [name, this.deps.linkConfig(nextByName.get(name)!, next)]));

    this.config = next;
    await Promise.all([...removed, ...changed].map((name) => this.removeEntry(name)));
    if (bundleChanged) await this.rebuildBundle();
    for (const name of [...changed, ...added]) this.addEntry(nextByName.get(name)!, fresh.get(name));
    for (const [name, e] of this.entries) {
      const weight = nextByName.get(name)?.weight;
      e.configured = nextByName.get(name) ?? e.configured;
      if (weight !== undefined) await this.setWeight(name, weight);
    }
    const result = { added, removed, changed, bundle: bundleChanged };
    this.publish({ type: 'reload', ...result, atMs: this.clock.now() });
    return result;
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new DialbondError('LINK_UNKNOWN', `no link named "${name}" (links: ${[...this.entries.keys()].join(', ') || 'none'})`, { link: name });
    return e;
  }

  private addEntry(configured: ConfigLink, prepared?: LinkConfig, start = true): void {
    const link = this.deps.createLink(prepared ?? this.deps.linkConfig(configured, this.config));
    const e: Entry = { configured, link, up: false, membership: OUT, heldOut: false, weight: configured.weight ?? 1, dials: 0, drops: 0 };
    this.entries.set(configured.name, e);
    link.on('transition', (t) => this.onTransition(e, t));
    link.on('dns', (servers) => {
      if (this.entries.get(configured.name) === e) this.publish({ type: 'dns', link: configured.name, servers, atMs: this.clock.now() });
    });
    // IPV6CP can finish after IPCP, once the link is in: a backend that routes IPv6 by each
    // line's peer takes the peer then.
    link.on('ipv6', () => {
      if (this.entries.get(configured.name) === e && this.bundle.updateLink) void this.refresh(e);
    });
    if (start) link.start();
  }

  private async removeEntry(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    await e.link.stop();
    if (e.membership.wanted) await this.leave(e, this.clock.now());
  }

  private async rebuildBundle(): Promise<void> {
    const members = [...this.entries.values()].filter((e) => e.membership.wanted);
    await this.enqueue(async () => {
      await this.bundle.destroy();
      for (const e of members) e.membership = nextMembership(e.membership, { type: 'bundle-gone' });
      this.bundle = this.deps.createBundle(bundleConfigOf(this.config));
      await this.bundle.create();
    });
    for (const e of members) if (e.up && !e.heldOut) await this.join(e);
  }

  private onTransition(e: Entry, t: LinkTransition): void {
    this.publish({ type: 'link', link: e.link.name, state: t.state, ...(t.reason ? { reason: t.reason } : {}), atMs: t.atMs, ...(t.nextDialAtMs !== undefined ? { nextDialAtMs: t.nextDialAtMs } : {}) });
    if (this.entries.get(e.link.name) !== e) return; // removed by a reload: its bundle exit is already queued
    if (t.state === 'dialing' || (t.state === 'negotiating' && e.link.config.kind === 'pty')) e.dials++;
    if (t.state === 'up') {
      e.up = true;
      const status = e.link.status();
      e.weight = e.configured.weight ?? status.speed ?? (e.link.config.kind === 'modem' ? e.link.config.baudRate : undefined) ?? 1;
      if (!e.heldOut && this.state !== 'stopping') void this.join(e);
    } else if (e.up) {
      e.up = false;
      e.drops++;
      // The member the bundle holds is this run's interface: a redial comes back with
      // another, so it leaves even if the link is wanted again before the queue gets to it.
      e.membership = nextMembership(e.membership, { type: 'dropped' });
      // While stopping, the bundle's destroy() takes every member out at once.
      if (e.membership.wanted && this.state !== 'stopping') void this.leave(e, t.atMs);
    }
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return this.queue;
  }

  /** The link should be in the bundle; the queue adds it at its turn. */
  private join(e: Entry): Promise<void> {
    e.membership = nextMembership(e.membership, { type: 'want', wanted: true });
    return this.sync(e, this.clock.now());
  }

  /** The link should leave the bundle; `sinceMs` is when it stopped being usable, to
   * report how long its removal took. */
  private leave(e: Entry, sinceMs: number): Promise<void> {
    e.membership = nextMembership(e.membership, { type: 'want', wanted: false });
    return this.sync(e, sinceMs);
  }

  /** At its turn in the queue, does what the link's membership needs now: nothing, an add,
   * a removal, or a removal and then an add (a stale member leaves before the new one). */
  private sync(e: Entry, sinceMs: number): Promise<void> {
    return this.enqueue(async () => {
      for (let step = nextStep(e.membership); step !== null; step = nextStep(e.membership)) {
        if (step === 'add' && !(await this.add(e))) return;
        if (step === 'remove') await this.remove(e, sinceMs);
      }
    });
  }

  /** The bundle member the link is now (null while it has no interface). */
  private memberOf(e: Entry): BundleMember | null {
    const s = e.link.status();
    if (!s.ifname) return null;
    // The rates are the link's, worked out as the call was handed to pppd (src/link/line-rate.ts).
    return {
      name: e.link.name,
      ifname: s.ifname,
      localIp: s.localIp ?? '',
      remoteIp: s.remoteIp ?? '',
      weight: e.weight,
      ...(typeof s.lineRate === 'number' ? { rateBps: s.lineRate } : {}),
      ...(typeof s.ttyRate === 'number' ? { ttyRateBps: s.ttyRate } : {}),
      ...(s.remoteLinkLocal ? { remoteLinkLocal: s.remoteLinkLocal } : {}),
    };
  }

  /** Tells the bundle what a member learned, at its turn in the queue, if it is still in. */
  private refresh(e: Entry): Promise<void> {
    return this.enqueue(async () => {
      const member = this.memberOf(e);
      if (e.membership.phase !== 'in' || !member || !this.bundle.updateLink) return;
      try {
        await this.bundle.updateLink(member);
      } catch (error) {
        this.bundleError(member.name, 'update', error);
      }
    });
  }

  /** Adds the link with what it has now; false when it cannot be (down, no interface, refused). */
  private async add(e: Entry): Promise<boolean> {
    const member = e.up ? this.memberOf(e) : null;
    if (!member) return false;
    const started = this.clock.now();
    e.membership = nextMembership(e.membership, { type: 'add-started' });
    try {
      await this.bundle.addLink(member);
      e.membership = nextMembership(e.membership, { type: 'add-done', ok: true });
      this.publish({ type: 'bundle', link: member.name, action: 'added', ifname: member.ifname, weight: member.weight, atMs: this.clock.now(), tookMs: this.clock.now() - started });
      return true;
    } catch (error) {
      e.membership = nextMembership(e.membership, { type: 'add-done', ok: false });
      this.bundleError(member.name, 'add', error);
      return false;
    }
  }

  private async remove(e: Entry, sinceMs: number): Promise<void> {
    const ifname = e.link.status().ifname ?? '';
    e.membership = nextMembership(e.membership, { type: 'remove-started' });
    try {
      // Out is when the line gets no more traffic, which may come before the backend's tidying.
      let outAt: number | undefined;
      await this.bundle.removeLink(e.link.name, () => (outAt ??= this.clock.now()));
      const out = outAt ?? this.clock.now();
      this.publish({ type: 'bundle', link: e.link.name, action: 'removed', ifname, atMs: out, tookMs: out - sinceMs });
    } catch (error) {
      this.bundleError(e.link.name, 'remove', error);
    } finally {
      e.membership = nextMembership(e.membership, { type: 'remove-done' });
    }
  }

  private bundleError(link: string, action: 'add' | 'remove' | 'weight' | 'update', error: unknown): void {
    this.publish({ type: 'bundle-error', link, action, code: errorCodeOf(error, 'BUNDLE_FAILED'), message: errorMessageOf(error), atMs: this.clock.now() });
  }

  /** Publishes an event of a monitor working for the supervisor (health, traffic). */
  notify(event: SupervisorEvent): void {
    this.publish(event);
  }

  private publish(event: SupervisorEvent): void {
    this.emit('event', event);
  }
}
