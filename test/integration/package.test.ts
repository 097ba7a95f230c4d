/**
 * What the published package holds: the product, not its tests, fakes or benchmarks.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the npm package', () => {
  it('lists no test, fake or benchmark code, and has the executable, the build and the native helper', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const files = pack!.files.map((f) => f.path);
    expect(files.filter((f) => /\.test\.|\/testing(\/|\.)|(^|\/)bench(\/|-)|fake/.test(f))).toEqual([]);
    expect(files).toContain('bin/dialbond');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('native/pty.c');
    expect(files).toContain('dialers/generic.yaml');
  });
});
