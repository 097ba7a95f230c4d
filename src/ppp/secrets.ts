/**
 * The password for PAP/CHAP, handed to pppd without putting it on a command line. pppd
 * reads options files given with `file PATH` (pppd(8) "file name"), and an options file may
 * hold `user` and `password` (pppd(8) "password password-string"). So each link gets a small
 * options file, mode 0600 in a 0700 directory, holding exactly those two options.
 *
 * The file is written whole or not at all: a temporary file created with O_EXCL|O_NOFOLLOW
 * and mode 0600 (so nobody can pre-create it or point it elsewhere with a symlink), written,
 * synced, then renamed into place. A reader never sees a half-written file, and the password
 * never exists in a file with looser permissions.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { isLinkName } from './link-name.js';

/** A written secrets file. */
export interface PppSecretsFile {
  /** Where it is: pass as PppdOptions.optionsFile. */
  readonly path: string;
  /** Deletes it; idempotent (a second call, or a file already gone, is fine). */
  remove(): Promise<void>;
}

/** pppd's MAXNAMELEN and MAXSECRETLEN are 256 bytes with the terminating NUL: longer is silently cut. */
const MAX_BYTES = 255;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function secretsError(message: string, details: Record<string, unknown> = {}, cause?: unknown): DialbondError {
  return new DialbondError('PPP_SECRETS', message, details, cause === undefined ? undefined : { cause });
}

/**
 * One word in pppd's options-file syntax: double-quoted, with backslash and double quote
 * escaped (options.c getword(): inside quotes a backslash escapes the next character, and
 * only the opening quote character ends the word; `#` is literal there). Control characters
 * are refused before we get here, so no value needs pppd's `\n`/`\t`/octal escapes; a
 * newline in a password is a paste error, not a password.
 */
export function quotePppWord(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function checkSecretField(field: 'user' | 'password', value: unknown): string {
  // Messages never include the value: it may be (or resemble) the password.
  if (typeof value !== 'string') throw secretsError(`PPP secret: ${field} must be a string`, { field });
  if (field === 'user' && value.length === 0) throw secretsError('PPP secret: user must not be empty', { field });
  if (CONTROL.test(value)) throw secretsError(`PPP secret: ${field} must not contain newlines or other control characters`, { field });
  if (Buffer.byteLength(value, 'utf8') > MAX_BYTES) throw secretsError(`PPP secret: ${field} is longer than pppd's limit of ${MAX_BYTES} bytes`, { field });
  return value;
}

/** Makes `dir` (0700) if missing; refuses one that others could write to or that is not ours. */
async function checkDirectory(dir: string): Promise<void> {
  if (!isAbsolute(dir)) throw secretsError(`PPP secrets directory must be an absolute path: ${dir}`, { dir });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw secretsError(`cannot create the PPP secrets directory ${dir}: ${systemErrorCode(error) ?? String(error)}`, { dir }, error);
  }
  const info = await lstat(dir);
  if (!info.isDirectory()) throw secretsError(`PPP secrets directory ${dir} is not a directory (a symlink is not accepted)`, { dir });
  // Anyone who can write the directory can replace or rename our file: the password would be
  // theirs, or pppd would read their options. (A sticky /tmp still lets them pre-create names.)
  if ((info.mode & 0o022) !== 0) {
    throw secretsError(`PPP secrets directory ${dir} is group- or world-writable (mode ${(info.mode & 0o7777).toString(8)}); use a private directory (chmod 700)`, { dir });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) {
    throw secretsError(`PPP secrets directory ${dir} belongs to uid ${info.uid}, not to us (uid ${uid}) or root`, { dir });
  }
}

/**
 * Writes `<dir>/<linkName>.pppd-secrets`, a pppd options file holding `user "..."` and
 * `password "..."`, atomically and with mode 0600. Pass its path as PppdOptions.optionsFile.
 *
 * @throws DialbondError PPP_SECRETS: a control character or newline in the user or password,
 * a value over pppd's 255-byte limit, a bad link name, an unsafe directory, or an I/O error.
 */
export async function writePppSecretsFile(dir: string, linkName: string, secret: { user: string; password: string }): Promise<PppSecretsFile> {
  if (!isLinkName(linkName)) throw secretsError(`PPP secret: link name must be 1..15 of [a-zA-Z0-9_.-] (got ${JSON.stringify(linkName)})`, { field: 'linkName' });
  const user = checkSecretField('user', secret?.user);
  const password = checkSecretField('password', secret?.password);
  await checkDirectory(dir);

  const path = join(dir, `${linkName}.pppd-secrets`);
  const temp = join(dir, `.${linkName}.pppd-secrets.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const content = [
    `# dialbond: credentials for link ${linkName}, read by pppd through "file" (pppd(8)). Mode 0600; removed when the link ends.`,
    `user ${quotePppWord(user)}`,
    `password ${quotePppWord(password)}`,
    '',
  ].join('\n');

  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      // The umask can only take bits away from 0600; make it exactly 0600 regardless.
      await handle.chmod(0o600);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // rename(2) is atomic and keeps the mode: the file appears whole, already 0600.
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw secretsError(`cannot write the PPP secrets file ${path}: ${systemErrorCode(error) ?? String(error)}`, { path }, error);
  }

  let removed: Promise<void> | undefined;
  return {
    path,
    remove(): Promise<void> {
      removed ??= unlink(path).catch((error: unknown) => {
        if (systemErrorCode(error) !== 'ENOENT') {
          removed = undefined; // let a later call try again
          throw secretsError(`cannot remove the PPP secrets file ${path}: ${systemErrorCode(error) ?? String(error)}`, { path }, error);
        }
      });
      return removed;
    },
  };
}
