/**
 * `dialbond profiles`: the dialer profiles a name can reach (built-in, /etc/dialbond/dialers,
 * DIALBOND_DIALERS), each with its description and file; `dialbond profiles show NAME` prints
 * one as dialbond will use it, every default filled in. Errors elsewhere point here.
 * Exit status: 0 done; 2 no such profile or an invalid one (what is wrong, file and field).
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { isDialbondError } from '../../errors/index.js';
import { listProfiles, loadProfile, profileSearchPath } from '../../profiles/index.js';

const write = (text: string) => void process.stdout.write(text);

export function registerProfiles(program: Command): void {
  const profiles = program
    .command('profiles')
    .description('list the dialer profiles (name, description, where each comes from); "profiles show NAME" for one')
    .option('--json', 'print [{"name", "description", "file", "source", "shadows", "problem"?}]')
    .action((options: { json?: boolean }) => {
      const found = listProfiles();
      if (options.json) {
        write(`${JSON.stringify(found)}\n`);
        return;
      }
      if (found.length === 0) {
        write(`no dialer profiles in ${profileSearchPath().join(', ')}\n`);
        return;
      }
      const width = Math.max(...found.map((p) => p.name.length));
      for (const p of found) {
        const about = p.problem ? `INVALID: ${p.problem.split('\n')[0]}` : p.description || '(no description)';
        const hides = p.shadows.length > 0 ? `, hides ${p.shadows.join(', ')}` : '';
        write(`${p.name.padEnd(width)}  ${about}  [${p.source}: ${p.file}${hides}]\n`);
      }
    });

  profiles
    .command('show')
    .description('one profile as dialbond uses it: every default filled in (durations in milliseconds)')
    .argument('<name>', 'a profile name (see "dialbond profiles") or a profile file')
    .option('--json', 'print the profile as JSON')
    .action((name: string, own: { json?: boolean }) => {
      // "profiles show x --json": commander gives --json to "profiles", which has one too.
      const options = { json: own.json === true || profiles.opts<{ json?: boolean }>().json === true };
      try {
        const profile = loadProfile(name);
        const file = name.includes('/') || /\.(ya?ml|json)$/.test(name) ? name : listProfiles().find((p) => p.name === name)?.file;
        if (options.json) write(`${JSON.stringify({ file: file ?? null, profile })}\n`);
        else write(`# ${profile.name}${file ? ` from ${file}` : ''}, defaults filled in; durations in milliseconds\n${stringify(profile)}`);
      } catch (error) {
        if (!isDialbondError(error)) throw error;
        process.stderr.write(`dialbond: ${error.message} [${error.code}]\n`);
        process.exitCode = 2;
      }
    });
}
