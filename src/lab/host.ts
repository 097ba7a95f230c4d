/**
 * What the lab needs on the host, and getting it. The guest runs the host's own userspace
 * (mounted read-only over 9p), so every tool a lab test uses must be installed here.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DialbondError } from '../errors/index.js';

export interface HostNeed {
  /** A program on PATH (or in /usr/sbin, /sbin) that shows the package is there. */
  command: string;
  /** The Debian package that provides it. */
  pkg: string;
  why: string;
}

export const LAB_NEEDS: HostNeed[] = [
  { command: 'qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'boots the lab kernel (software emulation)' },
  { command: 'busybox', pkg: 'busybox-static', why: 'the initramfs shell and tools (must be static)' },
  { command: 'depmod', pkg: 'kmod', why: 'module index for the lab kernel, modprobe in the guest' },
  { command: 'pppd', pkg: 'ppp', why: 'PPP on every line' },
  { command: 'eql_enslave', pkg: 'eql', why: 'eql bundles' },
  { command: 'socat', pkg: 'socat', why: 'pty pairs and byte pipes in tests' },
  { command: 'ip', pkg: 'iproute2', why: 'links, addresses, routes, rules, namespaces' },
  { command: 'tc', pkg: 'iproute2', why: 'teql qdiscs' },
  { command: 'nft', pkg: 'nftables', why: 'per-connection marks and NAT' },
  { command: 'conntrack', pkg: 'conntrack', why: 'perconn bundles: moving connections off a removed line' },
  { command: 'radvd', pkg: 'radvd', why: 'the lab ISP\'s IPv6 router advertisements' },
  { command: 'rdisc6', pkg: 'ndisc6', why: 'IPv6 DNS servers from router advertisements (dns: peer)' },
  { command: 'iperf3', pkg: 'iperf3', why: 'traffic for throughput tests' },
  { command: 'ping', pkg: 'iputils-ping', why: 'reachability over links, the daemon\'s health probe' },
  { command: 'tmux', pkg: 'tmux', why: 'the console\'s end-to-end test reads its screen' },
  { command: 'slirp-fullbolt', pkg: 'slirp', why: 'slirp as the far end of pty links' },
  { command: 'wvdial', pkg: 'wvdial', why: 'the dialing benchmark compares dialbond dial with wvdial' },
  { command: 'dpkg-deb', pkg: 'dpkg', why: 'unpacks the kernel package' },
  { command: 'apt-get', pkg: 'apt', why: 'downloads the kernel package' },
];

const SEARCH = () => [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter(Boolean);

/** The full path of `command`, if it is installed and executable. */
export function findCommand(command: string): string | undefined {
  for (const dir of SEARCH()) {
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Whether an ELF binary is statically linked (has no PT_INTERP program header). */
export function isStaticElf(file: string): boolean {
  const elf = readFileSync(file);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false; // not ELF64
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  }
  return true;
}

/** The needs that are not met. */
export function missingNeeds(needs: HostNeed[] = LAB_NEEDS): HostNeed[] {
  return needs.filter((need) => {
    const path = findCommand(need.command);
    if (!path) return true;
    return need.pkg === 'busybox-static' && !isStaticElf(path);
  });
}

/** Installs what is missing with apt-get when we are root; otherwise says what to run. */
export function ensureHostPackages(log: (line: string) => void, needs: HostNeed[] = LAB_NEEDS): void {
  let missing = missingNeeds(needs);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  const command = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0 || !findCommand('apt-get')) {
    throw new DialbondError('LAB_MISSING_PACKAGES', `the lab needs Debian packages that are not installed: ${pkgs.join(', ')}; run as root: ${command}`, { packages: pkgs });
  }
  log(`lab: installing ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 900_000 });
  } catch (error) {
    throw new DialbondError('LAB_MISSING_PACKAGES', `installing ${pkgs.join(' ')} failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); run: ${command}`, { packages: pkgs });
  }
  missing = missingNeeds(needs);
  if (missing.length > 0) {
    throw new DialbondError('LAB_MISSING_PACKAGES', `still missing after apt-get: ${missing.map((n) => `${n.command} (${n.pkg})`).join(', ')}`, { packages: missing.map((n) => n.pkg) });
  }
}
