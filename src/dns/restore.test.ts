import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DnsJournal } from './journal.js';
import { detectResolverBackend } from './manager.js';
import { restoreDnsAfterCrash } from './restore.js';
import { fakeExec } from './testing.js';

describe('restoreDnsAfterCrash', () => {
  it('reverts the systemd-resolved interfaces a killed run recorded, then drops the record', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'dialbond-dns-run-'));
    new DnsJournal(runDir).save({ version: 1, backend: 'resolved', interfaces: ['ppp0', 'ppp1'] });
    const exec = fakeExec();
    const found = await restoreDnsAfterCrash(runDir, { exec });
    expect(exec.log).toEqual(['resolvectl revert ppp0', 'resolvectl revert ppp1']);
    expect(found).toHaveLength(1);
    expect(existsSync(join(runDir, 'dns.json'))).toBe(false);
  });

  it('deletes the resolvconf records a killed run recorded', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'dialbond-dns-run-'));
    new DnsJournal(runDir).save({ version: 1, backend: 'resolvconf', records: ['ppp0.dialbond'] });
    const exec = fakeExec();
    await restoreDnsAfterCrash(runDir, { exec });
    expect(exec.log).toEqual(['resolvconf -d ppp0.dialbond']);
  });

  it('finds nothing after a clean stop, and runs no command for a record it cannot trust', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'dialbond-dns-run-'));
    const exec = fakeExec();
    expect(await restoreDnsAfterCrash(runDir, { exec })).toEqual([]);
    writeFileSync(join(runDir, 'dns.json'), JSON.stringify({ version: 1, backend: 'resolved', interfaces: ['ppp0; rm -rf /'] }));
    expect(await restoreDnsAfterCrash(runDir, { exec })).toEqual([expect.stringMatching(/does not parse/)]);
    expect(exec.log).toEqual([]);
    expect(existsSync(join(runDir, 'dns.json'))).toBe(false);
  });

  it('a restore that fails is reported, and the record kept for the next start', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'dialbond-dns-run-'));
    writeFileSync(join(runDir, 'not-a-dir'), '');
    const path = join(runDir, 'not-a-dir', 'resolv.conf');
    new DnsJournal(runDir).save({ version: 1, backend: 'file', path, original: { kind: 'file', content: 'nameserver 192.0.2.53\n', mode: 0o644 }, written: [] });
    expect(await restoreDnsAfterCrash(runDir, { exec: fakeExec() })).toEqual([expect.stringMatching(/^could not give back the resolver .*DNS_FAILED.*ENOTDIR/)]);
    expect(existsSync(join(runDir, 'dns.json'))).toBe(true);
  });

  it('while such a record is there, no new run touches the resolver', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'dialbond-dns-run-'));
    const probe = { exec: fakeExec(), installed: () => false, exists: () => false };
    await expect(detectResolverBackend({ exec: probe.exec, runDir, probe })).resolves.toMatchObject({ kind: 'file' });
    new DnsJournal(runDir).save({ version: 1, backend: 'resolved', interfaces: ['ppp0'] });
    await expect(detectResolverBackend({ exec: probe.exec, runDir, probe })).rejects.toMatchObject({ code: 'DNS_FAILED' });
  });
});
