/**
 * Quoting an argument vector into one string for `/bin/sh -c`. pppd runs its `pty`,
 * `connect`, `init` and `disconnect` commands that way (main.c device_script:
 * execl("/bin/sh", "sh", "-c", program)), so a pty link's argv has to become one string.
 *
 * Every word is wrapped in single quotes. Inside single quotes the shell expands nothing
 * at all: no $, no backticks, no backslash escapes, no globbing, no word splitting
 * (POSIX XCU 2.2.2). The only character that ends a single-quoted string is the single
 * quote itself, so each `'` in a word is written as `'\''`: close the quotes, an escaped
 * quote, reopen. Nothing from configuration is ever interpreted by the shell, which then
 * only splits the string back into the exact argv we started from.
 */

/** One word, single-quoted for sh. The empty word becomes `''`, which sh keeps as an empty argument. */
export function quoteShellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one sh command string that splits back into exactly these words. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(quoteShellWord).join(' ');
}
