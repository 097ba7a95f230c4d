import { describe, expect, it } from 'vitest';
import { ResolvedBackend } from './resolved.js';
import { fakeExec, fakeRecordStore } from './testing.js';

describe('systemd-resolved: servers per link with resolvectl', () => {
  it('gives each interface its servers and the "~." routing domain, recorded before the commands', async () => {
    const log: string[] = [];
    const backend = new ResolvedBackend(fakeExec(log), fakeRecordStore(log));
    await backend.apply(new Map([['ppp0', ['198.51.100.53', '198.51.100.54']], ['ppp1', ['198.51.100.153']]]));
    expect(log).toEqual([
      'record ["ppp0"]',
      'resolvectl dns ppp0 198.51.100.53 198.51.100.54',
      'resolvectl domain ppp0 ~.',
      'record ["ppp0","ppp1"]',
      'resolvectl dns ppp1 198.51.100.153',
      'resolvectl domain ppp1 ~.',
    ]);
  });

  it('a line leaving is reverted alone; the last one removes the record; nothing changes twice', async () => {
    const log: string[] = [];
    const store = fakeRecordStore(log);
    const backend = new ResolvedBackend(fakeExec(log), store);
    await backend.apply(new Map([['ppp0', ['198.51.100.53']], ['ppp1', ['198.51.100.153']]]));
    log.length = 0;
    await backend.apply(new Map([['ppp0', ['198.51.100.53']], ['ppp1', ['198.51.100.153']]]));
    expect(log).toEqual([]);
    await backend.apply(new Map([['ppp0', ['198.51.100.53']]]));
    expect(log).toEqual(['resolvectl revert ppp1', 'record ["ppp0"]']);
    log.length = 0;
    await backend.apply(new Map());
    expect(log).toEqual(['resolvectl revert ppp0', 'record removed']);
    expect(store.record).toBeUndefined();
  });

  it('a revert of an interface that is already gone is not an error', async () => {
    const log: string[] = [];
    const exec = fakeExec(log);
    exec.status.set('resolvectl revert ppp0', 1);
    const backend = new ResolvedBackend(exec, fakeRecordStore(log));
    await backend.apply(new Map([['ppp0', ['198.51.100.53']]]));
    await expect(backend.apply(new Map())).resolves.toBeUndefined();
  });

  it('a failed command throws and the record still covers the interface', async () => {
    const log: string[] = [];
    const exec = fakeExec(log);
    exec.status.set('resolvectl dns ppp0 198.51.100.53', 1);
    const store = fakeRecordStore(log);
    const backend = new ResolvedBackend(exec, store);
    await expect(backend.apply(new Map([['ppp0', ['198.51.100.53']]]))).rejects.toMatchObject({ code: 'SYS_COMMAND_FAILED' });
    expect(store.record).toEqual({ version: 1, backend: 'resolved', interfaces: ['ppp0'] });
  });
});
