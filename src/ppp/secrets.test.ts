import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { writePppSecretsFile } from './secrets.js';

/**
 * pppd's options-file words, as options.c getword() reads them: whitespace separates words,
 * `#` starts a comment outside quotes, "..." or '...' quote, and a backslash escapes the
 * next character (with pppd's C-like letters, which our files never need).
 */
function pppdWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    let word = '';
    const quote = c === '"' || c === "'" ? c : undefined;
    if (quote) i++;
    while (i < text.length) {
      const d = text[i]!;
      if (d === '\\') {
        const e = text[i + 1]!;
        word += ({ n: '\n', t: '\t', r: '\r', s: ' ' } as Record<string, string>)[e] ?? e;
        i += 2;
        continue;
      }
      if (quote ? d === quote : /\s/.test(d) || d === '#') break;
      word += d;
      i++;
    }
    if (quote) i++; // the closing quote
    words.push(word);
  }
  return words;
}

async function rejection(promise: Promise<unknown>): Promise<DialbondError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    return error as DialbondError;
  }
  throw new Error('expected a rejection');
}

describe('writePppSecretsFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'dialbond-ppp-secrets-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the directory 0700 and the file 0600, nothing else left behind', async () => {
    const dir = join(root, 'a', 'secrets');
    const file = await writePppSecretsFile(dir, 'modem1', { user: 'alice', password: 'secret' });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(file.path.startsWith(dir)).toBe(true);
    // Atomic: written to a temporary name and renamed; no temporary file remains.
    expect(readdirSync(dir)).toEqual(['modem1.pppd-secrets']);
  });

  it.each([
    ['plain', 'alice', 'secret'],
    ['quotes and backslashes', 'al"ice', 'pa"ss\\wo\\"rd'],
    ['shell and comment characters', 'user@isp.example', "# $HOME `id` 'x' ;"],
    ['spaces', 'John Smith', '  spaced  out  '],
    ['non-ASCII', 'jürgen', 'pässwörd€'],
    ['empty password', 'guest', ''],
  ])('content parses back with pppd\'s rules (%s)', async (_name, user, password) => {
    const file = await writePppSecretsFile(join(root, 'parse'), 'l1', { user, password });
    expect(pppdWords(readFileSync(file.path, 'utf8'))).toEqual(['user', user, 'password', password]);
  });

  it('replaces an existing file atomically', async () => {
    const dir = join(root, 'replace');
    await writePppSecretsFile(dir, 'l2', { user: 'old', password: 'old' });
    const file = await writePppSecretsFile(dir, 'l2', { user: 'new', password: 'new' });
    expect(pppdWords(readFileSync(file.path, 'utf8'))).toEqual(['user', 'new', 'password', 'new']);
    expect(readdirSync(dir)).toEqual(['l2.pppd-secrets']);
  });

  it('remove() deletes the file and is idempotent', async () => {
    const file = await writePppSecretsFile(join(root, 'remove'), 'l3', { user: 'u', password: 'p' });
    await file.remove();
    expect(existsSync(file.path)).toBe(false);
    await file.remove();
    await Promise.all([file.remove(), file.remove()]);
    const again = await writePppSecretsFile(join(root, 'remove'), 'l4', { user: 'u', password: 'p' });
    unlinkSync(again.path); // gone behind our back
    await again.remove();
  });

  it.each([
    ['a newline in the password', { user: 'u', password: 'pass\nword' }],
    ['a carriage return in the password', { user: 'u', password: 'pass\r' }],
    ['a NUL in the password', { user: 'u', password: 'pa\0ss' }],
    ['a tab in the user', { user: 'u\tv', password: 'p' }],
    ['an empty user', { user: '', password: 'p' }],
    ['a password longer than pppd keeps', { user: 'u', password: 'x'.repeat(256) }],
  ])('refuses %s (PPP_SECRETS), without writing anything or echoing the value', async (_name, secret) => {
    const dir = join(root, 'refuse');
    const error = await rejection(writePppSecretsFile(dir, 'l5', secret));
    expect(error.code).toBe('PPP_SECRETS');
    if (secret.password.length > 1) expect(error.message).not.toContain(secret.password);
    expect(existsSync(join(dir, 'l5.pppd-secrets'))).toBe(false);
  });

  it('refuses a group- or world-writable directory', async () => {
    const dir = join(root, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect((await rejection(writePppSecretsFile(dir, 'l6', { user: 'u', password: 'p' }))).code).toBe('PPP_SECRETS');
    chmodSync(dir, 0o770);
    expect((await rejection(writePppSecretsFile(dir, 'l6', { user: 'u', password: 'p' }))).code).toBe('PPP_SECRETS');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a relative directory and a bad link name', async () => {
    expect((await rejection(writePppSecretsFile('relative/dir', 'l7', { user: 'u', password: 'p' }))).code).toBe('PPP_SECRETS');
    expect((await rejection(writePppSecretsFile(join(root, 'x'), '../escape', { user: 'u', password: 'p' }))).code).toBe('PPP_SECRETS');
  });
});
