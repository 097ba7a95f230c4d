/**
 * The two shell scripts that bring the lab guest up. Stage 1 runs from the initramfs
 * (busybox): load virtio and 9p, mount the host's root read-only with a tmpfs overlay on
 * top, mount the writable shares, and switch_root into it. Stage 2 runs in the host's own
 * userspace: the usual mounts, the PPP/eql/teql modules, then the job; it reports the
 * job's exit status on the console and powers off.
 */

/** Console markers the host watches for. */
export const MARK = {
  stage1: '@@DIALBOND-LAB-STAGE1@@',
  ready: '@@DIALBOND-LAB-READY@@',
  exit: '@@DIALBOND-LAB-EXIT',
  fail: '@@DIALBOND-LAB-FAIL',
} as const;

export interface Stage1Options {
  /** Modules to insmod from /modules in the initramfs, in order. */
  modules: string[];
  kernelVersion: string;
  /** Where the kernel's modules are on the host (bind-mounted at /lib/modules/<version>). */
  hostModulesDir: string;
  /** Writable host directories, mounted at the same path in the guest (9p tags share0..). */
  shares: string[];
  /** Size of the tmpfs that takes the guest's writes. */
  overlaySize: string;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function stage1Script(options: Stage1Options): string {
  const shares = options.shares
    .map(
      (path, i) =>
        `mkdir -p /newroot${shellQuote(path)} && mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 share${i} /newroot${shellQuote(path)} || fail "mount share ${path}"`,
    )
    .join('\n');
  return `#!/bin/busybox sh
# dialbond lab, stage 1 (initramfs)
/bin/busybox --install -s /bin
fail() { echo "${MARK.fail} stage1: $1@@"; sync; poweroff -f; sleep 5; }
mkdir -p /proc /sys /dev /lower /upperfs /newroot
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${options.modules.join(' ')}; do insmod /modules/$m.ko || fail "insmod $m"; done
echo "${MARK.stage1}"
# cache=loose: the host root is read-only for the guest's life, so caching it is safe and
# makes loading node_modules over 9p several times faster.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower || fail "mount host root over 9p"
mount -t tmpfs -o size=${options.overlaySize},mode=0755 tmpfs /upperfs || fail "tmpfs"
mkdir -p /upperfs/upper /upperfs/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upperfs/upper,workdir=/upperfs/work /newroot || fail "overlay"
mkdir -p /newroot/lib/modules/${options.kernelVersion}
mount --bind /lower${shellQuote(options.hostModulesDir)} /newroot/lib/modules/${options.kernelVersion} || fail "bind modules"
${shares}
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
cp /stage2.sh /newroot/.dialbond-stage2.sh || fail "copy stage2"
cp /job.sh /newroot/.dialbond-job.sh || fail "copy job"
exec switch_root /newroot /bin/sh /.dialbond-stage2.sh
fail "switch_root"
`;
}

/** Stage 2: `modules` are modprobed (PPP, eql, teql...), then the job that stage 1 copied
 * from the initramfs runs. */
export function stage2Script(modules: string[]): string {
  return `#!/bin/sh
# dialbond lab, stage 2 (the host's userspace, read-only, under a tmpfs overlay)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
fail() { echo "${MARK.fail} stage2: $1@@"; sync; echo o > /proc/sysrq-trigger; sleep 5; }
# /tmp stays the host's (read-only under the overlay, so writable here): the checkout a
# job runs in may well be under it. /run is fresh: nothing of the host's belongs there.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm /run/lock /run/netns /var/lock 2>/dev/null
# As Debian's tmpfiles.d has it: a dialer running as a user (wvdial) takes its UUCP lock here.
chmod 1777 /run/lock
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts || fail "devpts"
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
hostname dialbond-lab
ip link set lo up
echo 1 > /proc/sys/kernel/sysrq
for m in ${modules.join(' ')}; do modprobe -q $m || echo "lab: modprobe $m failed"; done
[ -r /.dialbond-job.sh ] || fail "no job file"
echo "${MARK.ready}"
sh /.dialbond-job.sh < /dev/null
rc=$?
echo "${MARK.exit} $rc@@"
sync
echo o > /proc/sysrq-trigger
sleep 10
`;
}

/** The job: a shell script that changes directory, sets the environment and runs argv. */
export function jobScript(options: { cwd: string; env: Record<string, string>; argv: string[] }): string {
  const exports = Object.entries(options.env)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => `export ${key}=${shellQuote(value)}`)
    .join('\n');
  return `cd ${shellQuote(options.cwd)} || exit 97\n${exports}\nexec ${options.argv.map(shellQuote).join(' ')}\n`;
}
