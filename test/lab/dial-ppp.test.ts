/**
 * Lab (a): dialbond dials a simulated modem, pppd runs on the connected line it hands
 * over, ppp comes up with the ISP's addresses, and a ping crosses it. While the call is
 * up the port stays locked by dialbond; afterwards the modem is hung up and the lock gone.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialAndHold, lockFileName, type HeldLine } from '../../src/modem/index.js';
import { loadProfile } from '../../src/profiles/index.js';
import { PppClient } from './helpers/client.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { ipJson, sh } from './helpers/run.js';

describe('lab: a dialed line carries PPP', () => {
  let lab: LabLines;
  beforeAll(async () => {
    lab = await startLabLines({ count: 1 });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('dialbond dials, pppd negotiates over the held line, the addresses are right, a ping crosses', async () => {
    const line = lab.lines[0]!;
    const lockDir = mkdtempSync(join(tmpdir(), 'lab-locks-'));
    const ends: string[] = [];
    lab.bank.get(line.name).on('call-end', (reason: string) => ends.push(reason));

    const held = (await dialAndHold({ profile: loadProfile('generic'), device: line.path, numbers: ['5551234'], lockDir })) as HeldLine;
    expect(held.report).toMatchObject({ result: 'connected', speed: 115200 });
    const lock = join(lockDir, lockFileName(line.path));
    expect(readFileSync(lock, 'latin1').trim()).toBe(String(process.pid));

    const ppp = new PppClient({ fd: held.fd, local: line.client, remote: line.server });
    try {
      const ifname = await ppp.up();
      const [info] = await ipJson<Array<{ addr_info: Array<{ local: string; address?: string; prefixlen: number }> }>>(['addr', 'show', 'dev', ifname]);
      expect(info?.addr_info.find((a) => a.local === line.client)).toMatchObject({ local: line.client, address: line.server });
      const ping = await sh('ping', ['-c', '3', '-W', '5', '-I', ifname, line.server], { timeoutMs: 30_000 });
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
      // the ISP sees the client at the address it handed out
      const ispDev = await lab.isp.interfaceFor(line.client);
      expect(ispDev).toMatch(/^ppp\d+$/);
    } finally {
      expect(await ppp.stop()).toBe(5); // pppd: "terminated by a signal"
      await held.hangUp();
    }
    // generic sets &D2: the hang-up is the DTR drop of the last close (a pty's close)
    for (let i = 0; i < 40 && !ends.includes('dte-hangup'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(ends).toContain('dte-hangup');
    expect(existsSync(lock)).toBe(false);
  });
});
