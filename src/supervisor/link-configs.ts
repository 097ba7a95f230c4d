/**
 * From the configuration file to what the link machines run: each configured link becomes
 * a LinkConfig with the supervisor's redial policy, its profile loaded, its passwords read
 * from their files (never kept in the config itself), and the pppd health settings.
 */
import { readSecretFile, type ConfigLink, type DialbondConfig } from '../config/index.js';
import { pppDnsOptions } from '../dns/index.js';
import type { LinkConfig, PppLinkOptions } from '../link/index.js';

/** The passwords of a link (one definition, in src/link). */
export { secretsOf } from '../link/index.js';
import { describeMatch, resolveUsbMatch, type UsbMatch } from '../modem/index.js';
import { loadProfile } from '../profiles/index.js';

export interface LinkConfigOptions {
  /** pppd's options files with passwords go here (0700). */
  runDir: string;
  /** UUCP lock directory (tests); /var/lock by default. */
  lockDir?: string;
  /** Reads a password file; warns about loose permissions through `warn`. */
  readSecret?: (file: string) => string;
}

/** The pppd options of one configured link, with the supervisor's LCP echo defaults. */
function pppOf(link: ConfigLink, config: DialbondConfig, readSecret: (file: string) => string): PppLinkOptions {
  const { passwordFile, ...ppp } = link.ppp;
  const health = config.supervisor.health;
  return {
    ...ppp,
    lcpEchoInterval: ppp.lcpEchoInterval ?? health.lcpEchoInterval,
    lcpEchoFailure: ppp.lcpEchoFailure ?? health.lcpEchoFailure,
    // IPv6: the link's own word, else the bundle's (false there says nothing to pppd).
    ...(ppp.ipv6 !== undefined ? { ipv6: ppp.ipv6 } : config.bundle.ipv6 ? { ipv6: true } : {}),
    ...(passwordFile !== undefined ? { password: readSecret(passwordFile) } : {}),
    // dns: peer asks each peer for its servers (src/dns).
    ...pppDnsOptions(config.dns),
    // Multilink: every line joins pppd's one bundle (src/bundle/mlppp.ts).
    ...(config.bundle.mode === 'mlppp' ? { multilink: config.bundle.endpoint !== undefined ? { endpoint: config.bundle.endpoint } : {} } : {}),
  };
}

/** One configured link as its link machine runs it. */
export function linkConfigOf(link: ConfigLink, config: DialbondConfig, options: LinkConfigOptions): LinkConfig {
  const readSecret = options.readSecret ?? ((file: string) => readSecretFile(file));
  const redial = config.supervisor.redial;
  const base = {
    name: link.name,
    ppp: pppOf(link, config, readSecret),
    backoff: { initialMs: redial.initial, factor: redial.factor, maxMs: redial.max, jitter: redial.jitter },
    parkAfter: config.supervisor.parkAfter,
    negotiationTimeoutMs: config.supervisor.negotiationTimeout,
    runDir: options.runDir,
    ...(link.rate !== undefined ? { rate: link.rate } : {}),
  };
  if ('command' in link) return { ...base, kind: 'pty', command: link.command };
  return {
    ...base,
    kind: 'modem',
    // A match is resolved at each dial; until then it names the modem in messages.
    device: link.device ?? `(${describeMatch(link.match as UsbMatch)})`,
    ...(link.match ? { match: link.match } : {}),
    profile: loadProfile(link.profile),
    numbers: link.numbers,
    ...(link.baud !== undefined ? { baudRate: link.baud } : {}),
    ...(link.login ? { login: { user: link.login.user, password: readSecret(link.login.passwordFile) } } : {}),
    ...(link.variables ? { variables: link.variables } : {}),
    ...(options.lockDir !== undefined ? { lockDir: options.lockDir } : {}),
  };
}

/** A configured modem's device as it is numbered now: its path, or what its match finds
 * (undefined when nothing fits, e.g. unplugged). */
export function currentDeviceOf(link: Exclude<ConfigLink, { command: string[] }>): string | undefined {
  if (link.device !== undefined) return link.device;
  try {
    return resolveUsbMatch(link.match as UsbMatch);
  } catch {
    return undefined;
  }
}
