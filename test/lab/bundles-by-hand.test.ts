/**
 * Lab (b): two dialed lines bundled by hand, the classic recipes, both carry traffic:
 * teql (tc qdisc add dev pppN root teql0) and eql (eql_enslave, master MTU matched first).
 * Only the upload is ours to spread (the ISP knows nothing of bonding), so the test sends
 * from the bundle's address and checks that both links' transmit counters grow.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PppClient } from './helpers/client.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { counters, sh } from './helpers/run.js';

const BUNDLE = '203.0.113.100';
const TARGET = '198.51.100.100';

/** Sends `count` UDP datagrams of `size` bytes from the bundle address to the ISP host. */
async function upload(count: number, size: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.bind({ address: BUNDLE }, () => resolve()).once('error', reject));
  const payload = Buffer.alloc(size, 0x55);
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => socket.send(payload, 9, TARGET, () => resolve()));
  }
  socket.close();
}

describe('lab: two links bundled by hand both carry traffic', () => {
  let lab: LabLines;
  const clients: PppClient[] = [];
  const ifnames: string[] = [];

  beforeAll(async () => {
    lab = await startLabLines({ count: 2 });
    for (const line of lab.lines) clients.push(new PppClient({ device: line.path, local: line.client, remote: line.server }));
    for (const client of clients) ifnames.push(await client.up());
    // the ISP: a host address behind both lines, and the bundle's address routed back
    await lab.isp.exec(['ip', 'addr', 'add', `${TARGET}/32`, 'dev', 'lo']);
    const back = await lab.isp.interfaceFor(lab.lines[0]!.client);
    await lab.isp.exec(['ip', 'route', 'add', `${BUNDLE}/32`, 'dev', back as string]);
  });
  afterAll(async () => {
    for (const client of clients) await client.stop();
    await lab?.close();
  });

  it('teql0 round-robins the upload over both ppp links', async () => {
    for (const ifname of ifnames) await sh('tc', ['qdisc', 'add', 'dev', ifname, 'root', 'teql0']);
    await sh('ip', ['addr', 'add', `${BUNDLE}/32`, 'dev', 'teql0']);
    await sh('ip', ['link', 'set', 'teql0', 'up']);
    await sh('ip', ['route', 'add', `${TARGET}/32`, 'dev', 'teql0']);
    try {
      const before = await Promise.all(ifnames.map((i) => counters(i)));
      await upload(60, 300);
      const after = await Promise.all(ifnames.map((i) => counters(i)));
      const sent = after.map((a, i) => a.tx - before[i]!.tx);
      console.log(`lab: teql0 tx bytes per link: ${sent.join(', ')}`);
      for (const bytes of sent) expect(bytes).toBeGreaterThan(5000);
    } finally {
      await sh('ip', ['route', 'del', `${TARGET}/32`, 'dev', 'teql0'], { reject: false });
      await sh('ip', ['addr', 'flush', 'dev', 'teql0'], { reject: false });
      await sh('ip', ['link', 'set', 'teql0', 'down'], { reject: false });
      for (const ifname of ifnames) await sh('tc', ['qdisc', 'del', 'dev', ifname, 'root'], { reject: false });
    }
  });

  it('eql spreads the upload over both ppp links once its MTU matches theirs', async () => {
    // The master starts at MTU 576; eql_enslave refuses a 1500-byte slave until it matches.
    const refused = await sh('eql_enslave', ['eql', ifnames[0]!, '115200'], { reject: false });
    expect(refused.exitCode).not.toBe(0);
    await sh('ip', ['link', 'set', 'eql', 'mtu', '1500']);
    await sh('ip', ['addr', 'add', `${BUNDLE}/32`, 'dev', 'eql']);
    await sh('ip', ['link', 'set', 'eql', 'up']);
    for (const ifname of ifnames) await sh('eql_enslave', ['eql', ifname, '115200']);
    await sh('ip', ['route', 'add', `${TARGET}/32`, 'dev', 'eql']);
    try {
      const before = await Promise.all(ifnames.map((i) => counters(i)));
      await upload(60, 300);
      const after = await Promise.all(ifnames.map((i) => counters(i)));
      const sent = after.map((a, i) => a.tx - before[i]!.tx);
      console.log(`lab: eql tx bytes per link: ${sent.join(', ')}`);
      for (const bytes of sent) expect(bytes).toBeGreaterThan(3000);
    } finally {
      await sh('ip', ['route', 'del', `${TARGET}/32`, 'dev', 'eql'], { reject: false });
      await sh('ip', ['addr', 'flush', 'dev', 'eql'], { reject: false });
      await sh('ip', ['link', 'set', 'eql', 'down'], { reject: false });
    }
  });
});
