/**
 * `${name}` placeholders in profile strings: `AT+CGDCONT=1,"IP","${apn}"`, a login step's
 * `${user}`. Substitution happens before a command is validated, so a variable's value
 * can no more inject a second AT command than the profile text can.
 */
import { DialbondError } from '../errors/index.js';

const PLACEHOLDER = /\$\{([a-z][a-z0-9_]*)\}/g;

/** The variable names a template uses. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** `template` with every `${name}` replaced; an unknown name is an error naming `where`. */
export function fillTemplate(template: string, values: Readonly<Record<string, string | undefined>>, where: string): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new DialbondError('PROFILE_INVALID', `${where}: \${${name}} has no value (give it in the profile's variables or on the command line)`, {
        where,
        variable: name,
      });
    }
    return value;
  });
}
