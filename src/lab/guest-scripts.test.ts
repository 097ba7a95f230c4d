import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { jobScript } from './guest-scripts.js';

describe('lab job script', () => {
  it('passes arguments and environment through exactly, whatever quotes or spaces they hold', () => {
    const script = jobScript({
      cwd: '/',
      env: { ODD: `it's "quoted" $HOME \`x\``, 'BAD-NAME': 'dropped' },
      argv: ['printf', '%s|', `a b`, `it's`, '$(echo no)', 'ODD'],
    });
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(out).toBe(`a b|it's|$(echo no)|ODD|`);
    const env = execFileSync('sh', ['-c', script.replace(/exec .*\n$/, 'printf %s "$ODD"\n')], { encoding: 'utf8' });
    expect(env).toBe(`it's "quoted" $HOME \`x\``);
    expect(script).not.toContain('BAD-NAME');
  });
});
