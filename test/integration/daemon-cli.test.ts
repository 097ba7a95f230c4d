/**
 * `dialbond daemon` refusing to start, as a user sees it: a bad or missing configuration
 * and a daemon already answering on the socket each end with exit 2 and a message that
 * says what and where, before anything was changed. (The running daemon is tested on a
 * real kernel in the lab: test/lab/daemon.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ControlServer } from '../../src/control/index.js';

const bin = fileURLToPath(new URL('../../bin/dialbond', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dialbond-daemon-cli-'));

function daemon(config: string, ...flags: string[]) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  return { file, ...spawnSync(process.execPath, [bin, 'daemon', '-c', file, '--run-dir', join(dir, 'run'), ...flags], { encoding: 'utf8', timeout: 30_000 }) };
}

describe('dialbond daemon (refusals)', () => {
  it('refuses a bad configuration with the file and field, exit 2', () => {
    const run = daemon('bundle: { mode: teql, address: 203.0.113.100 }\nlinks:\n  - { name: line0, device: /dev/ttyS0, numbers: ["1"], baud: fast }\n');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${run.file}: links[0].baud: Expected number, received string`);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });

  it('says so when the configuration file is missing', () => {
    const run = spawnSync(process.execPath, [bin, 'daemon', '-c', join(dir, 'nope.yaml')], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/cannot read configuration .*nope\.yaml: no such file \[CONFIG_UNREADABLE\]/);
  });

  it('refuses to start beside a daemon that answers on the same socket', async () => {
    const socket = join(dir, 'control.sock');
    const { server } = await ControlServer.listen({ path: socket }, { handle: async () => ({}), subscribe: () => () => undefined });
    try {
      const config = `bundle: { mode: teql, address: 203.0.113.100 }\nlinks:\n  - { name: slirp0, command: [slirp-fullbolt, ppp] }\ncontrol: { socket: ${socket} }\n`;
      const file = join(dir, 'running.yaml');
      writeFileSync(file, config);
      // spawnSync would block the event loop that answers the probe: run it asynchronously
      const { execa } = await import('execa');
      const run = await execa(process.execPath, [bin, 'daemon', '-c', file, '--run-dir', join(dir, 'run2')], { reject: false, timeout: 30_000 });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(`another dialbond daemon answers on ${socket}`);
      expect(existsSync(join(dir, 'run2'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('is listed in the help', () => {
    const run = spawnSync(process.execPath, [bin, 'daemon', '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--config <file>');
    expect(run.stdout).toContain('--socket <path>');
  });
});
