import { describe, expect, it } from 'vitest';
import { buildCpio } from './cpio.js';

/** Reads a newc archive back: the fields the kernel uses, to check what we wrote. */
function readNewc(archive: Buffer): Array<{ name: string; mode: number; data: string }> {
  const out: Array<{ name: string; mode: number; data: string }> = [];
  let at = 0;
  const align = (n: number) => (n + 3) & ~3;
  for (;;) {
    expect(archive.toString('ascii', at, at + 6)).toBe('070701');
    const field = (i: number) => parseInt(archive.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = archive.toString('utf8', at + 110, at + 110 + nameSize - 1);
    const dataAt = align(at + 110 + nameSize);
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, data: archive.toString('utf8', dataAt, dataAt + size) });
    at = align(dataAt + size);
  }
}

describe('newc cpio writer', () => {
  it('writes directories, files and symlinks with their modes, aligned to 4 bytes, and a trailer', () => {
    const archive = buildCpio([
      { path: 'bin', type: 'dir', mode: 0o755 },
      { path: 'bin/hello', type: 'file', mode: 0o755, data: 'echo hi\n' },
      { path: 'init', type: 'file', mode: 0o700, data: 'abcde' },
      { path: 'sh', type: 'symlink', mode: 0o777, data: 'bin/hello' },
    ]);
    expect(archive.length % 4).toBe(0);
    expect(readNewc(archive)).toEqual([
      { name: 'bin', mode: 0o040755, data: '' },
      { name: 'bin/hello', mode: 0o100755, data: 'echo hi\n' },
      { name: 'init', mode: 0o100700, data: 'abcde' },
      { name: 'sh', mode: 0o120777, data: 'bin/hello' },
    ]);
  });

  it('is deterministic (no timestamps) and refuses paths that escape the archive', () => {
    const entries = [{ path: 'a', type: 'file' as const, mode: 0o644, data: 'x' }];
    expect(buildCpio(entries).equals(buildCpio(entries))).toBe(true);
    expect(() => buildCpio([{ path: '/etc/passwd', type: 'file', mode: 0o644 }])).toThrow(/bad path/);
    expect(() => buildCpio([{ path: 'a/../../x', type: 'file', mode: 0o644 }])).toThrow(/bad path/);
  });
});
