/**
 * Reading secrets (login and PPP passwords) from their files. A password never comes from argv (any user can
 * read /proc/PID/cmdline): it comes from a file, like pppd's pap-secrets.
 */
import { readFileSync, statSync } from 'node:fs';
import { DialbondError, systemErrorCode } from '../errors/index.js';

/** The secret in `file`: its first line, without the line end. Warns (through `warn`)
 * when other users may read the file. */
export function readSecretFile(file: string, warn: (message: string) => void = () => undefined): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = systemErrorCode(error);
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new DialbondError('SECRET_UNREADABLE', `cannot read the password file ${file}: ${why}`, { file });
  }
  const secret = text.split(/\r?\n/, 1)[0] ?? '';
  if (secret.length === 0) throw new DialbondError('SECRET_UNREADABLE', `the password file ${file} is empty (the password is its first line)`, { file });
  try {
    if ((statSync(file).mode & 0o077) !== 0) warn(`the password file ${file} can be read by other users; chmod 600 it`);
  } catch {
    /* read succeeded; a failed stat changes nothing */
  }
  return secret;
}
