/**
 * `dialbond detect`: finds the modems on a machine and proposes a configuration for them.
 * The candidate ports are probed in parallel (a few at a time), each within its own bound,
 * so that N ports take about as long as the slowest one, not N times as long.
 */
import { listProfiles, loadProfile, type Profile } from '../profiles/index.js';
import { listSerialPorts, type SysfsRoots } from '../modem/index.js';
import { modemManagerPids, type PortHolder } from '../sys/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { detectCandidates, type Candidate } from './candidates.js';
import { pickProfile } from './identify.js';
import { probePort, type ProbeOptions, type ProbeResult } from './probe.js';
import { proposeConfig, type DetectedModem, type Proposal, type ProposeOptions } from './propose.js';

export { proposalYaml, type DetectedModem, type Proposal } from './propose.js';
export { describeIdentity, type ModemIdentity } from './identify.js';
export type { Candidate } from './candidates.js';
export type { ProbeResult } from './probe.js';

export interface DetectOptions extends Omit<ProbeOptions, 'clock'>, ProposeOptions {
  paths?: readonly string[];
  scan?: boolean;
  roots?: SysfsRoots;
  holders?: (device: string) => PortHolder[];
  /** Ports probed at once. */
  parallel?: number;
  clock?: Clock;
}

export interface DetectReport {
  /** Every port looked at, probed or not (with why not). */
  candidates: Candidate[];
  /** What each probed port gave, in the candidates' order. */
  probes: ProbeResult[];
  modems: DetectedModem[];
  proposal: Proposal;
  /** Running ModemManager daemons (they probe and hold ttyACM/ttyUSB ports). */
  modemManager: number[];
  elapsedMs: number;
}

/** Runs `work` over `items`, at most `limit` at once, keeping their order. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The valid profiles by name, in search-path order (a user's own first). */
function usableProfiles(): Profile[] {
  const profiles: Profile[] = [];
  for (const listing of listProfiles()) {
    if (listing.problem) continue;
    try {
      profiles.push(loadProfile(listing.name));
    } catch {
      /* listed as valid a moment ago; gone or changed since: not a candidate */
    }
  }
  return profiles;
}

function usesVariable(profile: Profile, name: string): boolean {
  const texts = [profile.reset, ...profile.init, ...profile.checks.map((c) => c.send), profile.dial.prefix, profile.dial.defaultNumber ?? ''];
  return texts.some((t) => t.includes(`\${${name}}`));
}

export async function detectModems(options: DetectOptions = {}): Promise<DetectReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const listed = listSerialPorts(options.roots ?? {});
  const candidates = detectCandidates({
    listed,
    ...(options.paths ? { paths: options.paths } : {}),
    ...(options.scan !== undefined ? { scan: options.scan } : {}),
    ...(options.roots ? { roots: options.roots } : {}),
    ...(options.lockDir !== undefined ? { lockDir: options.lockDir } : {}),
    ...(options.holders ? { holders: options.holders } : {}),
  });
  const probed = candidates.filter((c) => c.skip === undefined);
  const probes = await inParallel(probed, options.parallel ?? 8, (c) => probePort(c.device, { ...options, clock }));
  const profiles = usableProfiles();
  const modems: DetectedModem[] = [];
  probes.forEach((probe, index) => {
    if (probe.status !== 'modem') return;
    const candidate = probed[index] as Candidate;
    const choice = pickProfile(probe.identity, profiles);
    const profile = profiles.find((p) => p.name === choice.profile);
    modems.push({
      device: probe.device,
      ...(candidate.usb ? { usb: candidate.usb } : {}),
      rate: probe.rate,
      identity: probe.identity,
      choice,
      profileRate: profile?.baudRate ?? 115200,
      profileHasNumber: profile?.dial.defaultNumber !== undefined,
      usesApn: profile !== undefined && usesVariable(profile, 'apn'),
      ...(profile?.variables.apn !== undefined ? { apnDefault: profile.variables.apn } : {}),
    });
  });
  const ports = [...listed, ...candidates];
  return { candidates, probes, modems, proposal: proposeConfig(modems, ports, options), modemManager: modemManagerPids(), elapsedMs: clock.now() - started };
}
