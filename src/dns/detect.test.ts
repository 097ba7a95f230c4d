import { describe, expect, it } from 'vitest';
import { detectResolver, RESOLVED_STUB, type ResolverProbe } from './detect.js';
import { fakeExec } from './testing.js';

function probe(installed: string[], files: string[] = [], statusExit = 1): ResolverProbe & { log: string[] } {
  const exec = fakeExec();
  exec.status.set('resolvectl status', statusExit);
  return { exec, log: exec.log, installed: (c) => installed.includes(c), exists: (p) => files.includes(p) };
}

describe('detectResolver', () => {
  it('systemd-resolved when resolvectl is installed and resolved runs (its stub file, or status answering)', async () => {
    expect(await detectResolver(probe(['resolvectl', 'resolvconf'], [RESOLVED_STUB]))).toBe('resolved');
    expect(await detectResolver(probe(['resolvectl'], [], 0))).toBe('resolved');
  });
  it('resolvconf when resolved does not run (resolvectl installed but silent)', async () => {
    const p = probe(['resolvectl', 'resolvconf']);
    expect(await detectResolver(p)).toBe('resolvconf');
    expect(p.log).toEqual(['resolvectl status']);
  });
  it('the plain file when neither is installed, without running anything', async () => {
    const p = probe([]);
    expect(await detectResolver(p)).toBe('file');
    expect(p.log).toEqual([]);
  });
});
