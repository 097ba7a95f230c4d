/**
 * Fakes of the supervisor's collaborators, for unit tests: links driven by hand and a
 * bundle that records what it was asked. They implement dialbond's own interfaces.
 */
import { EventEmitter } from 'node:events';
import type { BundleBackend, BundleMember, BundleStatus } from '../bundle/index.js';
import { lineRateOf, type LinkConfig, type LinkReason, type LinkState, type LinkStatus, type LinkTransition, type TranscriptEntry } from '../link/index.js';

export class FakeLink extends EventEmitter<{ transition: [LinkTransition]; dns: [servers: string[]]; ipv6: [remoteLinkLocal: string] }> {
  readonly calls: string[] = [];
  /** What transcript() answers. */
  lastDial: TranscriptEntry[] = [];
  private current: LinkStatus;

  constructor(readonly config: LinkConfig) {
    super();
    this.current = { name: config.name, state: 'idle', reason: null, ifname: null, localIp: null, remoteIp: null, failures: 0, connect: null, speed: null, connectMs: null, since: 0 };
  }

  get name(): string {
    return this.config.name;
  }

  start(): void {
    this.calls.push('start');
    this.current = { ...this.current, state: 'dialing' };
  }
  retry(options: { force?: boolean } = {}): void {
    this.calls.push(options.force ? 'retry:force' : 'retry');
  }
  hangUp(): void {
    this.calls.push('hangUp');
  }
  fault(reason: LinkReason): void {
    this.calls.push(`fault:${reason.code}`);
    this.go('down', { reason });
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
    this.go('stopping');
    this.go('stopped');
  }
  status(): LinkStatus {
    return { ...this.current };
  }
  transcript(): TranscriptEntry[] {
    return [...this.lastDial];
  }

  /** Moves the fake to `state`, as the link machine would, and announces it. */
  go(state: LinkState, changes: Partial<LinkStatus> = {}, atMs = 0): void {
    this.current = { ...this.current, ...changes, state };
    this.emit('transition', { state, ...(changes.reason ? { reason: changes.reason } : {}), atMs, ...(changes.nextDialAtMs ? { nextDialAtMs: changes.nextDialAtMs } : {}) });
  }

  /** Up with a CONNECT at `speed`, its line's rate worked out as the link does over a UART. */
  up(ifname: string, speed: number | null = 115200): void {
    this.go('up', { ifname, speed, lineRate: lineRateOf(this.config, { connectSpeed: speed, port: 'wire' }) ?? null, localIp: '203.0.113.1', remoteIp: '198.51.100.1' });
  }
  /** IPV6CP comes up, as the link machine announces it. */
  ipv6(remoteLinkLocal: string, localLinkLocal = 'fe80::1'): void {
    this.current = { ...this.current, localLinkLocal, remoteLinkLocal };
    this.emit('ipv6', remoteLinkLocal);
  }
}

export class FakeBundle implements BundleBackend {
  readonly mode = 'teql' as const;
  readonly calls: string[] = [];
  readonly members = new Map<string, BundleMember>();
  failAdd = false;
  /** While set, addLink waits for it (a slow `tc` in a busy system). */
  gate: Promise<void> | undefined;

  async create(): Promise<void> {
    this.calls.push('create');
  }
  async addLink(member: BundleMember): Promise<void> {
    await this.gate;
    if (this.failAdd) throw Object.assign(new Error(`tc failed on ${member.ifname}`), { code: 'SYS_COMMAND_FAILED' });
    this.calls.push(`add:${member.name}:${member.ifname}:${member.weight}`);
    this.members.set(member.name, member);
  }
  /** While set, removeLink waits for it after the link is out (the master's reshape). */
  tidyGate: Promise<void> | undefined;
  async removeLink(name: string, onOut?: () => void): Promise<void> {
    this.calls.push(`remove:${name}`);
    this.members.delete(name);
    onOut?.();
    await this.tidyGate;
  }
  async setWeight(name: string, weight: number): Promise<void> {
    this.calls.push(`weight:${name}:${weight}`);
  }
  async updateLink(member: BundleMember): Promise<void> {
    this.calls.push(`update:${member.name}:${member.remoteLinkLocal ?? '-'}`);
    this.members.set(member.name, member);
  }
  async status(): Promise<BundleStatus> {
    return { mode: 'teql', device: 'teql0', links: [...this.members.values()].map((m) => ({ ...m, counters: null })) };
  }
  async destroy(): Promise<void> {
    this.calls.push('destroy');
    this.members.clear();
  }
}
