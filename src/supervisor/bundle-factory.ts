/**
 * The bundle backend a configuration asks for.
 */
import { EqlBundle, MlpppBundle, MultipathBundle, PerconnBundle, TeqlBundle, type BundleBackend, type BundleConfig, type BundleDeps } from '../bundle/index.js';
import type { DialbondConfig } from '../config/index.js';

/**
 * The destinations a bundle routes, as `ip route` takes them: with IPv6 on, `default` is
 * the default of both families (`::/0` is how `ip` knows an IPv6 one without -6).
 */
export function bundleRoutesOf(routes: readonly string[], ipv6: boolean): string[] {
  return routes.flatMap((route) => (route === 'default' && ipv6 ? ['default', '::/0'] : [route]));
}

export function bundleConfigOf(config: DialbondConfig): BundleConfig {
  const b = config.bundle;
  return {
    mode: b.mode,
    routes: bundleRoutesOf(b.routes, b.ipv6),
    ...(b.ipv6 ? { ipv6: true } : {}),
    ...(b.address !== undefined ? { address: b.address } : {}),
    ...(b.device !== undefined ? { device: b.device } : {}),
    ...(b.mtu !== undefined ? { mtu: b.mtu } : {}),
    ...(b.tcpReordering !== undefined ? { tcpReordering: b.tcpReordering } : {}),
    queue: { shape: b.queue.shape, share: b.queue.share, ...(b.queuePerLine !== undefined ? { packetsPerLine: b.queuePerLine } : {}) },
  };
}

export function createBundle(config: BundleConfig, deps: Partial<BundleDeps> = {}): BundleBackend {
  switch (config.mode) {
    case 'eql':
      return new EqlBundle(config, deps);
    case 'teql':
      return new TeqlBundle(config, deps);
    case 'perconn':
      return new PerconnBundle(config, deps);
    case 'mlppp':
      return new MlpppBundle(config, deps);
    case 'multipath':
      return new MultipathBundle(config, deps);
  }
}
