/**
 * A writer for the "newc" cpio format, the one the Linux kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Writing it ourselves keeps
 * the lab free of one more host tool, and it is a few dozen lines.
 */

export interface CpioEntry {
  /** Path inside the archive, without a leading slash ("bin/busybox"). */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o755...). */
  mode: number;
  /** File contents, or the link target for symlinks. */
  data?: Buffer | string;
}

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const;

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(entry: { path: string; mode: number; size: number; ino: number; nlink: number }): Buffer {
  const name = Buffer.from(`${entry.path}\0`, 'utf8');
  const fields = [
    entry.ino, // c_ino
    entry.mode, // c_mode
    0, // c_uid
    0, // c_gid
    entry.nlink, // c_nlink
    0, // c_mtime: fixed, so the same inputs give the same archive
    entry.size, // c_filesize
    0, // c_devmajor
    0, // c_devminor
    0, // c_rdevmajor
    0, // c_rdevminor
    name.length, // c_namesize (with the NUL)
    0, // c_check
  ];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  const both = Buffer.concat([head, name]);
  return Buffer.concat([both, pad4(both.length)]);
}

/** The archive for `entries`, in order (parents before children), with the trailer. */
export function buildCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of entries) {
    if (entry.path.startsWith('/') || entry.path.split('/').includes('..')) throw new Error(`cpio: bad path ${entry.path}`);
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    parts.push(header({ path: entry.path, mode: TYPE_BITS[entry.type] | (entry.mode & 0o7777), size: data.length, ino: ino++, nlink: entry.type === 'dir' ? 2 : 1 }));
    parts.push(data, pad4(data.length));
  }
  parts.push(header({ path: 'TRAILER!!!', mode: 0, size: 0, ino: 0, nlink: 1 }));
  return Buffer.concat(parts);
}
