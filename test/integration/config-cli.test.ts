/**
 * `dialbond config check FILE` as a user runs it: exit 0 and a summary for a good file,
 * exit 2 and every problem (file, field, what is expected) for a bad one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('accepts every shipped example as it is, from any directory', () => {
    const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      const run = spawnSync(process.execPath, [bin, 'config', 'check', join(examples, name)], { encoding: 'utf8', cwd: tmpdir() });
      expect(run.stderr, name).toBe('');
      expect(run.status, name).toBe(0);
    }
  });

  it('refuses two links on one modem, also through a symlink', () => {
    const alias = join(dir, 'modem');
    symlinkSync('/dev/null', alias);
    const run = check(`bundle: { mode: perconn }\nlinks:\n  - { name: a, device: /dev/null, numbers: ["1"] }\n  - { name: b, device: ${alias}, numbers: ["1"] }\n`);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${run.file}: links[1].device: ${alias} is the device of links[0].device too (both are /dev/null)`);
  });

  it('says so when the file is missing', () => {
    const run = spawnSync(process.execPath, [bin, 'config', 'check', join(dir, 'nope.yaml')], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no such file');
  });
});

describe('dialbond profiles', () => {
  const dialers = mkdtempSync(join(tmpdir(), 'dialbond-dialers-'));
  writeFileSync(join(dialers, 'generic.yaml'), 'name: generic\ndescription: my own generic modem\ninit: [ATE1]\n');
  writeFileSync(join(dialers, 'broken.yaml'), 'name: broken\ntimeouts: { dial: soon }\n');
  const profiles = (...args: string[]) => spawnSync(process.execPath, [bin, 'profiles', ...args], { encoding: 'utf8', env: { ...process.env, DIALBOND_DIALERS: dialers } });

  it('lists every reachable profile with its description and file; one earlier in the path hides a built-in', () => {
    const run = profiles('--json');
    expect(run.status).toBe(0);
    const list = JSON.parse(run.stdout) as Array<{ name: string; description: string; file: string; source: string; shadows: string[]; problem?: string }>;
    expect(list.map((p) => p.name)).toEqual(expect.arrayContaining(['broken', 'generic', 'gsm', 'usr-courier', 'zoom-v34']));
    expect(list.find((p) => p.name === 'generic')).toMatchObject({ description: 'my own generic modem', file: join(dialers, 'generic.yaml'), source: 'DIALBOND_DIALERS', shadows: [expect.stringMatching(/dialers\/generic\.yaml$/)] });
    expect(list.find((p) => p.name === 'zoom-v34')).toMatchObject({ source: 'built-in', description: expect.stringContaining('eql HOWTO') });
    expect(list.find((p) => p.name === 'broken')?.problem).toContain('timeouts.dial: expected a duration');
    const human = profiles();
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^zoom-v34 +Zoom V\.34 .*\[built-in: .*zoom-v34\.yaml\]$/m);
    expect(human.stdout).toMatch(/^broken +INVALID: /m);
  });

  it('shows one profile with every default filled in, as YAML or JSON; an unknown name is exit 2', () => {
    const json = profiles('show', 'zoom-v34', '--json');
    expect(json.status).toBe(0);
    const shown = JSON.parse(json.stdout) as { file: string; profile: { name: string; timeouts: Record<string, number>; dial: { prefix: string; allowSemicolon: boolean }; loginFailures: string[] } };
    expect(shown.file).toMatch(/dialers\/zoom-v34\.yaml$/);
    expect(shown.profile.timeouts).toMatchObject({ reset: 30_000, loginSettle: 1500 });
    expect(shown.profile.dial).toEqual({ prefix: 'ATDT', allowSemicolon: false, withInit: true });
    const yaml = profiles('show', 'generic');
    expect(yaml.stdout).toContain(`# generic from ${join(dialers, 'generic.yaml')}`);
    expect(yaml.stdout).toMatch(/^init:\n {2}- ATE1$/m);
    const missing = profiles('show', 'no-such-modem');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('[PROFILE_NOT_FOUND]');
    expect(missing.stderr).toContain('see "dialbond profiles"');
  });
});
