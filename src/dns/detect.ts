/**
 * Which resolver this router has: systemd-resolved when resolvectl is installed and
 * resolved runs (its stub file exists, or `resolvectl status` answers), else resolvconf
 * when installed, else the plain /etc/resolv.conf. resolved is asked first because on a
 * system with it `resolvconf` is often resolvectl's compatibility link.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Exec } from '../sys/index.js';
import type { DnsBackendKind } from './backend.js';

/** resolved writes this while it runs (systemd-resolved.service(8)). */
export const RESOLVED_STUB = '/run/systemd/resolve/stub-resolv.conf';

export interface ResolverProbe {
  exec: Exec;
  /** Whether a command is installed (an executable file on PATH, /usr/sbin or /sbin). */
  installed(command: string): boolean;
  exists(path: string): boolean;
}

/** Looks for an executable file on PATH and the sbin directories. */
export function commandInstalled(command: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter(Boolean);
  return dirs.some((dir) => {
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

export function systemResolverProbe(exec: Exec): ResolverProbe {
  return { exec, installed: commandInstalled, exists: existsSync };
}

export async function detectResolver(probe: ResolverProbe): Promise<DnsBackendKind> {
  if (probe.installed('resolvectl')) {
    if (probe.exists(RESOLVED_STUB)) return 'resolved';
    const status = await probe.exec('resolvectl', ['status'], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
    if (status?.exitCode === 0) return 'resolved';
  }
  if (probe.installed('resolvconf')) return 'resolvconf';
  return 'file';
}
