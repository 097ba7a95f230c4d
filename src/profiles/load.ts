import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { validateCommand } from '../hayes/index.js';
import { describeZodError } from '../util/validation.js';
import { profileSchema, type Profile } from './schema.js';
import { fillTemplate, templateVariables } from './template.js';

/** The profiles shipped with dialbond (`dialers/` at the package root; src/ and dist/ are
 * both two levels below it). */
export const BUILTIN_PROFILE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dialers');

/** Where a profile name is looked up, in order. */
export function profileSearchPath(): string[] {
  const extra = process.env.DIALBOND_DIALERS?.split(':').filter(Boolean) ?? [];
  return [...extra, '/etc/dialbond/dialers', BUILTIN_PROFILE_DIR];
}

/** Variables a profile may use that are filled per call, not by the profile. */
const CALL_VARIABLES = new Set(['user', 'password', 'number']);

/** Checks what the schema cannot: every command is one valid AT command, every variable is
 * known, and the password is only ever sent by a login step. */
function checkCommands(profile: Profile, source: string): void {
  const placeholders: Record<string, string> = { user: 'user', number: '5551234' };
  for (const name of Object.keys(profile.variables)) placeholders[name] = profile.variables[name] ?? '';
  const check = (text: string, where: string, isCommand: boolean): void => {
    const label = `${source}: ${where}`;
    for (const name of templateVariables(text)) {
      if (name === 'password' && !where.startsWith('login')) {
        throw new DialbondError('PROFILE_INVALID', `${label}: \${password} may only be sent by a login step`, { source, where });
      }
      if (!(name in profile.variables) && !CALL_VARIABLES.has(name)) {
        throw new DialbondError('PROFILE_INVALID', `${label}: unknown variable \${${name}} (known: ${[...CALL_VARIABLES, ...Object.keys(profile.variables)].join(', ')})`, { source, where });
      }
    }
    if (!isCommand) return;
    try {
      validateCommand(fillTemplate(text, { ...placeholders, password: 'x' }, label), label);
    } catch (error) {
      if (error instanceof DialbondError) throw new DialbondError('PROFILE_INVALID', error.message, { source, where }, { cause: error });
      throw error;
    }
  };
  check(profile.reset, 'reset', true);
  profile.init.forEach((command, i) => check(command, `init[${i}]`, true));
  profile.checks.forEach((step, i) => check(step.send, `checks[${i}].send`, true));
  check(`${profile.dial.prefix}5551234`, 'dial.prefix', true);
  profile.login.forEach((step, i) => {
    if (step.send !== undefined) {
      check(step.send, `login[${i}].send`, false);
      if (/[\x00-\x1f\x7f]/.test(step.send)) {
        throw new DialbondError('PROFILE_INVALID', `${source}: login[${i}].send: control characters are not allowed (a CR is added when sending)`, { source, where: `login[${i}].send` });
      }
    }
  });
}

/** Validates a parsed profile object; `source` names where it came from in errors. */
export function parseProfile(data: unknown, source: string): Profile {
  const result = profileSchema.safeParse(data);
  if (!result.success) {
    const problems = describeZodError(source, result.error);
    throw new DialbondError('PROFILE_INVALID', problems.join('\n'), { source, problems });
  }
  checkCommands(result.data, source);
  return result.data;
}

/** Reads and validates a profile file (YAML or JSON). */
export function loadProfileFile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = systemErrorCode(error);
    throw new DialbondError('PROFILE_NOT_FOUND', `cannot read profile ${file}: ${code === 'ENOENT' ? 'no such file' : String(error)}`, { source: file });
  }
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line ?? '?'}` : '';
    throw new DialbondError('PROFILE_INVALID', `${file}: not valid YAML${where}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { source: file });
  }
  return parseProfile(data, file);
}

/** A profile by name (searched in profileSearchPath()) or by file path (contains a "/" or
 * ends in .yaml/.yml/.json). */
export function loadProfile(nameOrPath: string): Profile {
  if (nameOrPath.includes('/') || /\.(ya?ml|json)$/.test(nameOrPath)) return loadProfileFile(nameOrPath);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(nameOrPath)) {
    throw new DialbondError('PROFILE_NOT_FOUND', `"${nameOrPath}" is not a profile name (letters, digits, ".", "_", "-")`, { name: nameOrPath });
  }
  const searched = profileSearchPath();
  for (const dir of searched) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const file = join(dir, nameOrPath + ext);
      if (existsSync(file)) return loadProfileFile(file);
    }
  }
  throw new DialbondError('PROFILE_NOT_FOUND', `no dialer profile named "${nameOrPath}" in ${searched.join(', ')} (see "dialbond profiles")`, { name: nameOrPath, searched });
}
