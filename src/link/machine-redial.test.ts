/**
 * A whole link between calls, on a simulated clock (testing/link-world.ts): back-off,
 * parking, numbers in rotation, the modem's own hold-off, and waiting for a missing device.
 */
import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { startsCall } from '../hayes/index.js';
import { modemLink, start } from './testing/link-world.js';
import { backoffDelay } from './types.js';
import { rotatedNumbers } from './vocabulary.js';

describe('a whole link: redial, park, wait', () => {
  it('backs off longer after each consecutive failure, up to the maximum', async () => {
    const link = start(modemLink(), ['BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY']);
    const dialsAt: number[] = [];
    for (let t = 0; t <= 20_000; t += 100) {
      await link.run(100);
      while (dialsAt.length < link.dials()) dialsAt.push(t);
    }
    // each pause as announced, and as kept: from entering back-off to the next dial
    const pauses = link.transitions.filter((t) => t.state === 'backoff').map((t) => t.retryInMs);
    expect(pauses.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    const kept = link.transitions.flatMap((t, i) => (t.state === 'backoff' && link.transitions[i + 1] ? [link.transitions[i + 1]!.atMs - t.atMs] : [])).slice(0, 3);
    expect(kept).toEqual([1000, 2000, 4000]);
    expect(dialsAt.length).toBeGreaterThanOrEqual(4);
    expect(backoffDelay({ initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0 }, 10)).toBe(8000);
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'MODEM_DIAL_FAILED', fatal: false });
  });

  it('parks on a fatal reason (we failed to authenticate, pppd 19) and does not redial by itself', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.say({ type: 'auth-failed', by: 'peer' });
    link.far.pppd.exit(19);
    await link.run(600);
    expect(link.state()).toBe('parked');
    expect(link.transitions.at(-1)?.reason).toMatchObject({ fatal: true, pppStatus: 19 });
    await link.run(60_000);
    expect(link.dials()).toBe(1);
    link.actor.send({ type: 'RETRY' });
    await link.run(2500);
    expect(link.dials()).toBe(2);
  });

  it('waits for a missing device instead of parking, watching for it, and dials once it is back and settled', async () => {
    const link = start(modemLink({ parkAfter: 2 }), ['CONNECT 28800']);
    link.far.unplug(); // before the first open, which follows the claim
    await link.run(100);
    expect(link.state()).toBe('waiting');
    expect(link.transitions.at(-1)).toMatchObject({ state: 'waiting', reason: { code: 'MODEM_NO_DEVICE', awaitsDevice: true } });
    expect(link.lockFiles()).toEqual([]);
    expect(link.watching).toHaveLength(1);
    expect(link.watching[0]).toMatchObject({ device: '/dev/ttyS0', stopped: false });
    // however long it takes: no dial, no park (parkAfter does not count it)
    await link.run(3_600_000);
    expect(link.state()).toBe('waiting');
    expect(link.far.ports).toHaveLength(1);
    link.far.replug();
    link.watching[0]!.back();
    await link.run(50);
    expect(link.watching[0]!.stopped).toBe(true);
    expect(link.state()).toBe('waiting'); // settling
    await link.run(1000);
    await link.run(2500);
    expect(link.state()).toBe('negotiating');
  });

  it('a USB modem named by its match is found at each dial, renumbered or not, and waited for while no port fits', async () => {
    let present: string | null = null;
    let appeared: (() => void) | undefined;
    const config = modemLink({ device: '(usb 0525:a4a7)', match: { usb: '0525:a4a7' } });
    const link = start(config, ['CONNECT 28800'], {
      resolveMatch: () => {
        if (present === null) throw new DialbondError('MODEM_NO_DEVICE', 'no serial port of usb 0525:a4a7 is there (is the modem plugged in?)', {});
        return present;
      },
      whenMatchAppears: (_match, back) => ((appeared = back), () => undefined),
    });
    await link.run(100);
    expect(link.state()).toBe('waiting');
    expect(link.transitions.at(-1)?.reason).toMatchObject({ code: 'MODEM_NO_DEVICE' });
    present = '/dev/ttyACM3'; // it came back under another number
    appeared!();
    await link.run(1000 + 2500);
    expect(link.state()).toBe('negotiating');
    expect(link.lockFiles()).toEqual(['LCK..ttyACM3']);
    expect(link.actor.getSnapshot().context.connect).toMatchObject({ device: '/dev/ttyACM3' });
  });

  it('a device that vanishes between CONNECT and the hand-over: waiting for it, not a redial', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(1000);
    link.far.unplug(); // the dial goes on; the hand-over at CONNECT finds the device gone
    await link.run(1500);
    expect(link.far.pppds.started).toEqual([]);
    expect(link.state()).toBe('waiting');
    expect(link.transitions.at(-1)?.reason).toMatchObject({ code: 'MODEM_VANISHED', awaitsDevice: true });
    expect(link.lockFiles()).toEqual([]);
  });

  it('a device that vanishes during a call: down, then waiting for it, and a STOP while waiting ends the link', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.far.unplug();
    await link.say({ type: 'hangup' });
    await link.run(1500); // back-off 1 s, then the open fails
    expect(link.state()).toBe('waiting');
    link.actor.send({ type: 'STOP' });
    await link.run(50);
    expect(link.state()).toBe('stopped');
    expect(link.watching.at(-1)!.stopped).toBe(true);
  });

  it('stops from back-off and from parked without dialing again', async () => {
    const link = start(modemLink(), ['BUSY']);
    await link.run(800);
    expect(link.state()).toBe('backoff');
    link.actor.send({ type: 'STOP' });
    await link.run(10_000);
    expect(link.state()).toBe('stopped');
    expect(link.dials()).toBe(1);
  });

  it('parks after parkAfter failures in a row, saying so', async () => {
    const link = start(modemLink({ parkAfter: 3 }), ['BUSY', 'BUSY', 'BUSY', 'BUSY']);
    await link.run(30_000);
    expect(link.state()).toBe('parked');
    expect(link.dials()).toBe(3);
    expect(link.transitions.at(-1)?.reason?.message).toMatch(/parked after 3 failures in a row/);
  });

  it('starts each redial with the next number, so a failing number does not lead every time', async () => {
    const link = start(modemLink({ numbers: ['111', '222', '333'] }), ['BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY']);
    await link.run(30_000);
    // the profile's redial takes the next number after each BUSY within a dial, too
    const firstOfEachDial = link.far.ports.map((p) => /D[TP]?([0-9]+)$/.exec(p.commands.find((c) => startsCall(c)) ?? '')?.[1]);
    expect(firstOfEachDial.slice(0, 3)).toEqual(['111', '222', '333']);
    expect(rotatedNumbers(['1'], 5)).toEqual(['1']);
    expect(rotatedNumbers(['1', '2', '3'], 4)).toEqual(['2', '3', '1']);
  });

  describe("the modem's own hold-off", () => {
    it("DELAYED: no redial before the modem's hold-off, whatever the redial policy says, and the pause is announced", async () => {
      const link = start(modemLink(), ['DELAYED', 'BUSY']);
      await link.run(800);
      expect(link.state()).toBe('backoff');
      expect(link.transitions.find((t) => t.state === 'backoff')).toMatchObject({ retryInMs: 600_000, reason: { holdOff: 'delayed', fatal: false } });
      await link.run(590_000);
      expect(link.dials()).toBe(1);
      // a plain RETRY (bandwidth on demand, a redial from elsewhere) does not cut it short
      link.actor.send({ type: 'RETRY' });
      await link.run(100);
      expect(link.dials()).toBe(1);
      expect(link.state()).toBe('backoff');
      // a forced one does
      link.actor.send({ type: 'RETRY', force: true });
      await link.run(1000);
      expect(link.dials()).toBe(2);
      // and the next back-off is the redial policy's again
      expect(link.transitions.filter((t) => t.state === 'backoff').map((t) => t.retryInMs)).toEqual([600_000, 2000]);
    });

    it('BLACKLISTED: parked with the reason, no redial in an hour, dialed again only when asked', async () => {
      const link = start(modemLink(), ['BLACKLISTED', 'CONNECT 28800']);
      await link.run(800);
      expect(link.state()).toBe('parked');
      expect(link.transitions.at(-1)).toMatchObject({ state: 'parked', reason: { holdOff: 'blacklisted', fatal: true } });
      expect(link.transitions.at(-1)?.reason?.message).toContain('dialbond up line0');
      await link.run(3_600_000);
      expect(link.dials()).toBe(1);
      link.actor.send({ type: 'RETRY' });
      await link.run(2500);
      expect(link.dials()).toBe(2);
      expect(link.state()).toBe('negotiating');
    });
  });
});
