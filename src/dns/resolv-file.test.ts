import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DnsJournal } from './journal.js';
import { ResolvFileBackend } from './resolv-file.js';
import { restoreDnsAfterCrash } from './restore.js';
import { fakeRecordStore } from './testing.js';

const ORIGINAL = '# the router\'s own\nnameserver 192.0.2.53\nsearch lan.example\noptions edns0 timeout:2\n';

function setUp(original?: string): { dir: string; path: string; runDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-resolv-'));
  const path = join(dir, 'resolv.conf');
  if (original !== undefined) {
    writeFileSync(path, original);
    chmodSync(path, 0o644);
  }
  return { dir, path, runDir: dir };
}

const twoLines = new Map([['ppp0', ['198.51.100.53', '198.51.100.54']], ['ppp1', ['198.51.100.153']]]);

describe('/etc/resolv.conf by hand', () => {
  it('holds the bundle\'s servers and the original\'s search and options lines, then gives the original back byte for byte', async () => {
    const { path } = setUp(ORIGINAL);
    const store = fakeRecordStore();
    const backend = new ResolvFileBackend(store, path);
    await backend.apply(twoLines);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('nameserver'))).toEqual(['nameserver 198.51.100.53', 'nameserver 198.51.100.54', 'nameserver 198.51.100.153']);
    expect(text).toContain('search lan.example');
    expect(text).toContain('options edns0 timeout:2');
    expect(text).not.toContain('192.0.2.53');
    expect(lstatSync(path).mode & 0o777).toBe(0o644);
    expect(store.record).toMatchObject({ backend: 'file', path, original: { kind: 'file', content: ORIGINAL, mode: 0o644 } });

    await backend.apply(new Map([['ppp0', ['198.51.100.53', '198.51.100.54']]]));
    expect(readFileSync(path, 'utf8')).not.toContain('198.51.100.153');

    await backend.apply(new Map());
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    expect(store.record).toBeUndefined();
    expect(backend.lastRestore).toBe('restored');
  });

  it('a symlink comes back as the symlink, not as a copy of what it pointed to', async () => {
    const { dir, path } = setUp();
    writeFileSync(join(dir, 'stub-resolv.conf'), ORIGINAL);
    symlinkSync('stub-resolv.conf', path);
    const backend = new ResolvFileBackend(fakeRecordStore(), path);
    await backend.apply(twoLines);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toContain('search lan.example');
    expect(readFileSync(join(dir, 'stub-resolv.conf'), 'utf8')).toBe(ORIGINAL);
    await backend.apply(new Map());
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path)).toBe('stub-resolv.conf');
  });

  it('no file before: none after', async () => {
    const { path } = setUp();
    const backend = new ResolvFileBackend(fakeRecordStore(), path);
    await backend.apply(twoLines);
    expect(existsSync(path)).toBe(true);
    await backend.apply(new Map());
    expect(existsSync(path)).toBe(false);
  });

  it('someone else\'s edit while the bundle was up is left alone', async () => {
    const { path } = setUp(ORIGINAL);
    const backend = new ResolvFileBackend(fakeRecordStore(), path);
    await backend.apply(twoLines);
    writeFileSync(path, 'nameserver 192.0.2.99\n');
    await backend.apply(new Map());
    expect(readFileSync(path, 'utf8')).toBe('nameserver 192.0.2.99\n');
    expect(backend.lastRestore).toBe('changed-by-someone-else');
  });

  it('after a crash (the backend gone, its record on disk) the next start gives the original back', async () => {
    const { path, runDir } = setUp(ORIGINAL);
    const journal = new DnsJournal(runDir);
    const backend = new ResolvFileBackend(journal, path);
    await backend.apply(twoLines);
    await backend.apply(new Map([['ppp1', ['198.51.100.153']]]));
    expect(existsSync(journal.file)).toBe(true);
    // kill -9 here: nothing of the backend runs again.
    const found = await restoreDnsAfterCrash(runDir);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    expect(found).toEqual([`${path} as a previous run wrote it: the original is back`]);
    expect(existsSync(journal.file)).toBe(false);
    expect(await restoreDnsAfterCrash(runDir)).toEqual([]);
  });

  it('a crash between the record and the rename still restores (the record names the content in flight)', async () => {
    const { path, runDir } = setUp(ORIGINAL);
    const journal = new DnsJournal(runDir);
    const backend = new ResolvFileBackend(journal, path);
    await backend.apply(twoLines);
    const record = journal.load();
    expect(record).toMatchObject({ backend: 'file' });
    // The file as the first write left it is one of the recorded contents.
    expect(record?.backend === 'file' && record.written.includes(readFileSync(path, 'utf8'))).toBe(true);
    // Before the first write landed: the file is still the original, nothing to do.
    writeFileSync(path, ORIGINAL);
    expect(await restoreDnsAfterCrash(runDir)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });
});
