/**
 * Every dialer profile a name can reach: the files in each directory of the search path,
 * the first one of a name winning (as loadProfile() looks them up), so that `dialbond
 * profiles` shows what `--profile NAME` and a link's `profile:` would really use.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDialbondError } from '../errors/index.js';
import { BUILTIN_PROFILE_DIR, loadProfileFile, profileSearchPath } from './load.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ProfileListing {
  /** The name to give to --profile (the file's name without its extension). */
  name: string;
  /** The profile's own one-line description ('' when it has none or is invalid). */
  description: string;
  file: string;
  /** Where the file is: built-in (dialers/ of this installation), /etc/dialbond/dialers or DIALBOND_DIALERS. */
  source: 'built-in' | 'system' | 'DIALBOND_DIALERS';
  /** Files of the same name further down the search path, which this one hides. */
  shadows: string[];
  /** Why the profile cannot be used, when it cannot (its file and field). */
  problem?: string;
}

function sourceOf(dir: string): ProfileListing['source'] {
  if (dir === BUILTIN_PROFILE_DIR) return 'built-in';
  if (dir === '/etc/dialbond/dialers') return 'system';
  return 'DIALBOND_DIALERS';
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => EXTENSIONS.some((ext) => f.endsWith(ext))).sort();
  } catch {
    return []; // a directory of the search path that does not exist holds no profiles
  }
}

/** The profiles reachable by name, sorted by name; an invalid one is listed with its problem. */
export function listProfiles(): ProfileListing[] {
  const found = new Map<string, ProfileListing>();
  for (const dir of profileSearchPath()) {
    for (const entry of filesIn(dir)) {
      const ext = EXTENSIONS.find((e) => entry.endsWith(e)) as string;
      const name = entry.slice(0, -ext.length);
      const file = join(dir, entry);
      const earlier = found.get(name);
      if (earlier) {
        earlier.shadows.push(file);
        continue;
      }
      const listing: ProfileListing = { name, description: '', file, source: sourceOf(dir), shadows: [] };
      try {
        listing.description = loadProfileFile(file).description;
      } catch (error) {
        if (!isDialbondError(error)) throw error;
        listing.problem = error.message;
      }
      found.set(name, listing);
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
