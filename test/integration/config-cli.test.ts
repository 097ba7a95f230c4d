/**
 * `dialbond config check FILE` as a user runs it: exit 0 and a summary for a good file,
 * exit 2 and every problem (file, field, what is expected) for a bad one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/dialbond', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dialbond-config-cli-'));

function check(content: string, ...flags: string[]) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, content);
  const run = spawnSync(process.execPath, [bin, 'config', 'check', file, ...flags], { encoding: 'utf8' });
  return { file, ...run };
}

describe('dialbond config check', () => {
  it('accepts a good file with a summary, exit 0', () => {
    const run = check('bundle: { mode: teql, address: 203.0.113.100 }\nlinks:\n  - { name: slirp0, command: [slirp-fullbolt, ppp] }\n', '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, mode: 'teql', links: 1, ptyLinks: 1 });
  });

  it('lists every problem with the file and field, exit 2', () => {
    const shape = check('bundle: { mode: eql }\nlinks:\n  - { name: line0, device: /dev/ttyS0, profile: zoom-v34, baud: fast }\n');
    expect(shape.status).toBe(2);
    expect(shape.stderr).toContain(`${shape.file}: links[0].baud: Expected number, received string`);
    // once the shape is right, the checks across fields
    const sense = check('bundle: { mode: eql }\nlinks:\n  - { name: line0, device: /dev/ttyS0, profile: zoom-v34 }\n');
    expect(sense.status).toBe(2);
    expect(sense.stderr).toContain(`${sense.file}: links[0].numbers: expected at least one number`);
    expect(sense.stderr).toContain(`${sense.file}: bundle.address:`);
  });

  it('says so when the file is missing', () => {
    const run = spawnSync(process.execPath, [bin, 'config', 'check', join(dir, 'nope.yaml')], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no such file');
  });
});
