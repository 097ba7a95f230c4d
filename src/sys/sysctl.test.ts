import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SysctlJournal } from './sysctl.js';

function fakeProc(initial: Record<string, string>) {
  const values = new Map(Object.entries(initial));
  return { values, read: (k: string) => values.get(k) ?? '0', write: (k: string, v: string | number) => void values.set(k, String(v)) };
}

describe('SysctlJournal', () => {
  it('restores the first value of every setting it changed, last changed first', () => {
    const proc = fakeProc({ 'net.ipv4.tcp_reordering': '3', 'net.ipv4.ip_forward': '0' });
    const journal = new SysctlJournal(proc.read, proc.write);
    journal.set('net.ipv4.tcp_reordering', 127);
    journal.set('net.ipv4.tcp_reordering', 100);
    journal.set('net.ipv4.ip_forward', 1);
    expect(journal.changed).toEqual(['net.ipv4.tcp_reordering', 'net.ipv4.ip_forward']);
    journal.restore();
    expect(Object.fromEntries(proc.values)).toEqual({ 'net.ipv4.tcp_reordering': '3', 'net.ipv4.ip_forward': '0' });
  });

  it('keeps the first values on disk, so a run after a crash restores the values from before it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dialbond-sysctl-')), 'sysctl.json');
    const proc = fakeProc({ 'net.ipv4.tcp_reordering': '3' });
    const crashed = new SysctlJournal(proc.read, proc.write, file);
    crashed.set('net.ipv4.tcp_reordering', 127);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'net.ipv4.tcp_reordering': '3' });
    // killed here: nothing restored. The next run sets the same setting again.
    const next = new SysctlJournal(proc.read, proc.write, file);
    expect(next.inherited).toEqual(['net.ipv4.tcp_reordering']);
    next.set('net.ipv4.tcp_reordering', 127);
    next.restore();
    expect(proc.values.get('net.ipv4.tcp_reordering')).toBe('3');
    expect(existsSync(file)).toBe(false);
  });

  it('ignores a state file that is not what it wrote', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dialbond-sysctl-')), 'sysctl.json');
    writeFileSync(file, '{"../../etc/passwd": "x", "net.ipv4.ip_forward": 5, "ok.key": "1"');
    expect(new SysctlJournal(() => '0', () => undefined, file).inherited).toEqual([]);
    writeFileSync(file, '{"../../etc/passwd": "x", "net.ipv4.ip_forward": 5, "net.ipv4.tcp_reordering": "3"}');
    expect(new SysctlJournal(() => '0', () => undefined, file).inherited).toEqual(['net.ipv4.tcp_reordering']);
  });
});
