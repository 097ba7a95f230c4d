import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteShellWord, shellJoin } from './shell.js';

/** Words that would go wrong with naive quoting. */
const TRICKY = ["it's", 'two words', '$HOME', '`id`', '$(echo pwned)', '"dq"', 'back\\slash', '', '*', ';rm -rf /', "a'b'c", "'", "''", 'ü ñ', '-1', '!', '~', '#not a comment', '&&', '|', '>out', '\\', '%s'];

describe('shell quoting for pppd\'s /bin/sh -c', () => {
  it('single-quotes every word', () => {
    expect(quoteShellWord('slirp')).toBe("'slirp'");
    expect(quoteShellWord("it's")).toBe("'it'\\''s'");
    expect(quoteShellWord('')).toBe("''");
  });

  it('sh splits the joined string back into the exact words (printf round trip)', () => {
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\000' ${shellJoin(TRICKY)}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(TRICKY);
  });

  it('a command run as pppd runs a pty command receives exactly its argv', () => {
    const argv = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...TRICKY];
    // pppd: execl("/bin/sh", "sh", "-c", program) (main.c device_script)
    const out = execFileSync('/bin/sh', ['-c', shellJoin(argv)], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(JSON.parse(out)).toEqual(TRICKY);
  });
});
