/**
 * Lab (c): a line that drops ends pppd with "modem hangup" (exit 16) at once; a line that
 * goes silent ends it with "peer dead" (exit 15) within its LCP echo bounds (interval x
 * failures). Both dialed the classic way, chat(8) through pppd's connect option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PppClient } from './helpers/client.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { sh } from './helpers/run.js';

describe('lab: line faults as pppd sees them', () => {
  let lab: LabLines;
  beforeAll(async () => {
    lab = await startLabLines({ count: 2 });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('the simulator dropping carrier ends pppd with exit 16 (modem hangup) within seconds', async () => {
    const line = lab.lines[0]!;
    const ppp = new PppClient({ device: line.path, local: line.client, remote: line.server });
    try {
      await ppp.up();
      const dropped = Date.now();
      await lab.bank.drop(line.name);
      expect(await ppp.exited).toBe(16);
      const tookMs = Date.now() - dropped;
      console.log(`lab: hang-up to pppd exit 16: ${tookMs} ms`);
      expect(tookMs).toBeLessThan(5000);
      expect(ppp.lines.join('\n')).toMatch(/Modem hangup/);
    } finally {
      await ppp.stop();
    }
  });

  it('the ISP going silent: pppd declares the peer dead after the LCP echoes (1 s x 3) and ends', async () => {
    const line = lab.lines[1]!;
    const ppp = new PppClient({ device: line.path, local: line.client, remote: line.server, lcpEchoInterval: 1, lcpEchoFailure: 3 });
    const simEvents: string[] = [];
    try {
      await ppp.up();
      const modem = lab.bank.get(line.name);
      modem.on('drop', (reason) => simEvents.push(`drop ${reason}`));
      modem.on('call-end', (reason) => simEvents.push(`call-end ${reason}`));
      const silenced = Date.now();
      await sh('pkill', ['-STOP', '-f', line.marker]);
      await ppp.waitFor(/No response to 3 echo-requests/, 15_000);
      const detectedMs = Date.now() - silenced;
      console.log(`lab: silence to "peer dead": ${detectedMs} ms`);
      // 3 unanswered echoes, one a second: not before about 2 s, well within 15 s
      expect(detectedMs).toBeGreaterThanOrEqual(2000);
      expect(detectedMs).toBeLessThan(15_000);
      const code = await ppp.exited;
      // pppd 2.4.9 ends with 15 (peer dead), or with 16 when, tearing the link down after
      // declaring the peer dead, it closes the tty and then reads end of file on its own
      // channel. Either way the line was not dropped under it: the simulator saw pppd
      // close the port, and never dropped carrier itself.
      expect([15, 16], ppp.lines.join('\n')).toContain(code);
      expect(ppp.lines.join('\n')).toMatch(/No response to 3 echo-requests[\s\S]*Serial link appears to be disconnected/);
      expect(simEvents.some((e) => e.startsWith('drop'))).toBe(false);
      expect(simEvents[0]).toBe('call-end dte-hangup');
    } finally {
      await sh('pkill', ['-CONT', '-f', line.marker], { reject: false });
      await ppp.stop();
    }
  });
});
