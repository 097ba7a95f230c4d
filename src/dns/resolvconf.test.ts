import { describe, expect, it } from 'vitest';
import { ResolvconfBackend } from './resolvconf.js';
import { fakeExec, fakeRecordStore } from './testing.js';

describe('resolvconf: a record per interface', () => {
  it('adds IFACE.dialbond with nameserver lines on standard input, recorded first', async () => {
    const log: string[] = [];
    const backend = new ResolvconfBackend(fakeExec(log), fakeRecordStore(log));
    await backend.apply(new Map([['ppp0', ['198.51.100.53', '198.51.100.54']]]));
    expect(log).toEqual(['record ["ppp0.dialbond"]', 'resolvconf -a ppp0.dialbond <<"nameserver 198.51.100.53\\nnameserver 198.51.100.54\\n"']);
  });

  it('deletes the record of a line that leaves, and the record file with the last', async () => {
    const log: string[] = [];
    const store = fakeRecordStore(log);
    const backend = new ResolvconfBackend(fakeExec(log), store);
    await backend.apply(new Map([['ppp0', ['198.51.100.53']], ['ppp1', ['198.51.100.153']]]));
    log.length = 0;
    await backend.apply(new Map([['ppp1', ['198.51.100.153']]]));
    expect(log).toEqual(['resolvconf -d ppp0.dialbond', 'record ["ppp1.dialbond"]']);
    log.length = 0;
    await backend.apply(new Map([['ppp1', ['198.51.100.154']]]));
    expect(log).toEqual(['record ["ppp1.dialbond"]', 'resolvconf -a ppp1.dialbond <<"nameserver 198.51.100.154\\n"']);
    log.length = 0;
    await backend.apply(new Map());
    expect(log).toEqual(['resolvconf -d ppp1.dialbond', 'record removed']);
    expect(store.record).toBeUndefined();
  });
});
