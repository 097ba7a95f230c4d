import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { whenPathExists } from './path-watch.js';

const seen = (path: string) =>
  new Promise<number>((resolve) => {
    const started = Date.now();
    whenPathExists(path, () => resolve(Date.now() - started));
  });

describe('whenPathExists', () => {
  it('answers at once for a path that is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-watch-'));
    writeFileSync(join(dir, 'ttyACM0'), '');
    expect(await seen(join(dir, 'ttyACM0'))).toBeLessThan(1000);
    rmSync(dir, { recursive: true });
  });

  it('waits for a device to appear, also below directories that do not exist yet, and through a symlink only once its target is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-watch-'));
    const byId = join(dir, 'serial', 'by-id', 'usb-Modem_1234-if00');
    let fired = false;
    const appeared = new Promise<void>((resolve) => whenPathExists(byId, () => ((fired = true), resolve())));
    await new Promise((r) => setTimeout(r, 50));
    mkdirSync(join(dir, 'serial', 'by-id'), { recursive: true });
    symlinkSync(join(dir, 'ttyACM1'), byId); // a dangling link: not yet
    await new Promise((r) => setTimeout(r, 100));
    expect(fired).toBe(false);
    writeFileSync(join(dir, 'ttyACM1'), '');
    await appeared;
    expect(fired).toBe(true);
    rmSync(dir, { recursive: true });
  });

  it('stops when asked, and then never calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-watch-'));
    let fired = false;
    const stop = whenPathExists(join(dir, 'ttyUSB0'), () => (fired = true));
    stop();
    writeFileSync(join(dir, 'ttyUSB0'), '');
    await new Promise((r) => setTimeout(r, 100));
    expect(fired).toBe(false);
    rmSync(dir, { recursive: true });
  });
});
