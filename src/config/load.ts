/**
 * Reading and checking a configuration file. Every problem is reported with the file, the
 * path of the field and what is expected; checks that need more than one field (unique
 * link names and devices, a profile that exists, a readable password file) come after the
 * schema.
 */
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { DialbondError, isDialbondError, systemErrorCode } from '../errors/index.js';
import { loadProfile } from '../profiles/index.js';
import { describeZodError } from '../util/validation.js';
import { describeMatch } from '../modem/usb-ports.js';
import { configSchema, isModemLink, type ConfigUsbMatch, type DialbondConfig } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: DialbondConfig;
}

function problemsOf(file: string, config: DialbondConfig): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const devices = new Map<string, { index: number; device: string; field: string }>();
  config.links.forEach((link, i) => {
    const where = `${file}: links[${i}]`;
    const first = seen.get(link.name);
    if (first !== undefined) problems.push(`${where}.name: "${link.name}" is already the name of links[${first}]`);
    else seen.set(link.name, i);
    if (isModemLink(link)) {
      // Two links on one modem would fight over its lock and redial each other off the line.
      const field = link.device !== undefined ? 'device' : 'match';
      const named = link.device ?? describeMatch(link.match as ConfigUsbMatch);
      const real = link.device !== undefined ? realDevice(link.device) : named;
      const other = devices.get(real);
      if (other) {
        const via = real !== named || real !== other.device ? ` (both are ${real})` : '';
        problems.push(`${where}.${field}: ${named} is the ${field === 'device' ? 'device' : 'modem'} of links[${other.index}].${other.field} too${via}: one modem serves one link; remove one of them or give it another device`);
      } else devices.set(real, { index: i, device: named, field });
      try {
        const profile = loadProfile(link.profile);
        if (link.numbers.length === 0 && !profile.dial.defaultNumber) problems.push(`${where}.numbers: expected at least one number (profile ${profile.name} has no default number)`);
      } catch (error) {
        if (!isDialbondError(error)) throw error;
        problems.push(`${where}.profile: ${error.message}`);
      }
      if (link.login) checkReadable(link.login.passwordFile, `${where}.login.passwordFile`, problems);
    }
    if (link.ppp.passwordFile) checkReadable(link.ppp.passwordFile, `${where}.ppp.passwordFile`, problems);
  });
  if ((config.bundle.mode === 'eql' || config.bundle.mode === 'teql') && !config.bundle.address) {
    problems.push(`${file}: bundle.address: expected the bundle's own IPv4 address (an ${config.bundle.mode} master needs one)`);
  }
  return problems;
}

/** The device a path names, through symlinks (/dev/modem -> /dev/ttyS0); the path itself
 * when it does not exist (yet): a modem plugged in later is still checked by name. */
function realDevice(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function checkReadable(path: string, where: string, problems: string[]): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    problems.push(`${where}: cannot read ${path} (${systemErrorCode(error) === 'ENOENT' ? 'no such file' : (systemErrorCode(error) ?? 'unreadable')})`);
  }
}

/** The configuration with every relative password file made absolute against `dir`. */
function withAbsoluteSecrets(config: DialbondConfig, dir: string): DialbondConfig {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
  return {
    ...config,
    links: config.links.map((link) => ({
      ...link,
      ppp: link.ppp.passwordFile !== undefined ? { ...link.ppp, passwordFile: at(link.ppp.passwordFile) } : link.ppp,
      ...(isModemLink(link) && link.login ? { login: { ...link.login, passwordFile: at(link.login.passwordFile) } } : {}),
    })),
  };
}

/** Validates already-parsed data; `file` names the source in errors, and relative password
 * files are found beside it. */
export function parseConfig(data: unknown, file: string): DialbondConfig {
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const problems = describeZodError(file, result.error);
    throw new DialbondError('CONFIG_INVALID', problems.join('\n'), { file, problems });
  }
  const config = withAbsoluteSecrets(result.data, dirname(resolve(file)));
  const problems = problemsOf(file, config);
  if (problems.length > 0) throw new DialbondError('CONFIG_INVALID', problems.join('\n'), { file, problems });
  return config;
}

/** Reads, parses and checks a configuration file. */
export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = systemErrorCode(error);
    throw new DialbondError('CONFIG_UNREADABLE', `cannot read configuration ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`, { file });
  }
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const line = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line ?? '?'}` : '';
    throw new DialbondError('CONFIG_INVALID', `${file}: not valid YAML${line}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { file });
  }
  return { file, config: parseConfig(data, file) };
}
