/**
 * The lab's initramfs: a static busybox, the few modules needed to reach the host's root
 * (virtio PCI, 9p, overlay), and the two stage scripts. Built fresh for every boot: it is
 * about 1.5 MB and takes well under a second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildCpio, type CpioEntry } from './cpio.js';
import { stage1Script, stage2Script } from './guest-scripts.js';
import { findCommand } from './host.js';
import type { LabKernel } from './kernel.js';
import { moduleLoadOrder, parseModulesDep } from './modules.js';

/** What stage 1 needs to mount the host root; dependencies are added from modules.dep. */
export const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'];

/** What stage 2 loads for the tests (others, like nf_tables, load on demand). */
export const GUEST_MODULES = ['ppp_async', 'ppp_synctty', 'ppp_generic', 'ppp_deflate', 'bsd_comp', 'eql', 'sch_teql', 'veth', 'tun'];

export interface InitramfsOptions {
  kernel: LabKernel;
  /** The job script (see jobScript); it travels in the initramfs, so the guest needs no
   * host path to find it. */
  job: string;
  shares: string[];
  overlaySize?: string;
}

export function buildInitramfs(options: InitramfsOptions): Buffer {
  const busybox = findCommand('busybox');
  if (!busybox) throw new Error('busybox is not installed');
  const order = moduleLoadOrder(parseModulesDep(readFileSync(join(options.kernel.modulesDir, 'modules.dep'), 'utf8')), BOOT_MODULES);
  const entries: CpioEntry[] = [
    { path: 'bin', type: 'dir', mode: 0o755 },
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: readFileSync(busybox) },
    { path: 'modules', type: 'dir', mode: 0o755 },
    ...order.map((m): CpioEntry => ({ path: `modules/${m.name}.ko`, type: 'file', mode: 0o644, data: readFileSync(join(options.kernel.modulesDir, m.path)) })),
    {
      path: 'init',
      type: 'file',
      mode: 0o755,
      data: stage1Script({
        modules: order.map((m) => m.name),
        kernelVersion: options.kernel.version,
        hostModulesDir: options.kernel.modulesDir,
        shares: options.shares,
        overlaySize: options.overlaySize ?? '4g',
      }),
    },
    { path: 'stage2.sh', type: 'file', mode: 0o755, data: stage2Script(GUEST_MODULES) },
    { path: 'job.sh', type: 'file', mode: 0o755, data: options.job },
  ];
  return gzipSync(buildCpio(entries), { level: 1 });
}
