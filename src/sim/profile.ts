/**
 * A modem's settings: the active profile the commands change, the stored one ATZ reloads
 * (AT&W writes it), and the factory one AT&F loads. Parameters per V.250 6.2 and the Hayes
 * set; S-registers 0-255.
 */

/** The settings a modem keeps. */
export interface Profile {
  /** E: echo command characters (V.250 6.2.4). */
  echo: boolean;
  /** V: verbose (1) or numeric (0) result codes (V.250 6.2.6). */
  verbose: boolean;
  /** Q: suppress result codes (V.250 6.2.5). */
  quiet: boolean;
  /** &C: 1 = DCD follows carrier, 0 = DCD always on (V.250 6.2.8). */
  dcd: number;
  /** &D: what a DTR drop does (V.250 6.2.9); 2 = hang up, 3 = also reset. */
  dtr: number;
  /** S-registers 0-255. */
  s: number[];
}

/** S-register defaults (V.250 6.2 and the Hayes set). */
const S_DEFAULTS: Readonly<Record<number, number>> = {
  0: 0, // rings to auto-answer (0 = off)
  2: 43, // escape character '+'
  3: 13, // command line terminator CR
  4: 10, // response formatting LF
  5: 8, // command line editing BS
  6: 2, // wait for dial tone, s
  7: 50, // wait for carrier, s
  8: 2, // comma dial modifier pause, s
  10: 14, // lost carrier to hang up delay, 1/10 s
  12: 50, // escape guard time, 1/50 s
};

/** The answers to ATI0-ATI9 (product code, ROM checksum, ...; vendor-defined). */
export const IDENTIFICATION: readonly string[] = [
  '56000',
  '255',
  'dialbond',
  'dialbond simulated Hayes modem 0.1.0',
  'dialbond',
  'dialbond',
  'dialbond',
  'dialbond',
  'dialbond',
  'dialbond',
];

/** The factory profile (AT&F): E1 V1 Q0 &C1 &D2, S-registers at their defaults. */
export function factoryProfile(): Profile {
  const s = Array.from({ length: 256 }, (_, i) => S_DEFAULTS[i] ?? 0);
  return { echo: true, verbose: true, quiet: false, dcd: 1, dtr: 2, s };
}

/** A copy that shares nothing with `profile`. */
export function cloneProfile(profile: Profile): Profile {
  return { ...profile, s: [...profile.s] };
}

/**
 * Sets a basic parameter (E, V, Q, &C, &D). Answers false for a value out of range and
 * undefined when `name` is not one of these parameters.
 */
export function setParameter(profile: Profile, name: string, value: number): boolean | undefined {
  switch (name) {
    case 'E':
    case 'V':
    case 'Q': {
      if (value > 1) return false;
      const key = name === 'E' ? 'echo' : name === 'V' ? 'verbose' : 'quiet';
      profile[key] = value === 1;
      return true;
    }
    case '&C':
      if (value > 1) return false;
      profile.dcd = value;
      return true;
    case '&D':
      if (value > 3) return false;
      profile.dtr = value;
      return true;
    default:
      return undefined;
  }
}

/** The AT&V listing of a profile. */
export function describeProfile(profile: Profile, eol: string): string {
  const p = profile;
  return `ACTIVE PROFILE:${eol}E${+p.echo} Q${+p.quiet} V${+p.verbose} &C${p.dcd} &D${p.dtr} S02:${p.s[2]} S12:${p.s[12]}`;
}
