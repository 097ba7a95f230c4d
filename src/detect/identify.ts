/**
 * What a modem says it is, and the dialer profile that fits it. The identification
 * commands are vendor-defined (ATI, ATI3) or standard (V.250 6.1: +GMI manufacturer, +GMM
 * model, +GMR revision; 3GPP TS 27.007 5.1: the same as +CGMI, +CGMM, +CGMR). A modem that
 * answers AT+CPIN? (27.007 8.3) has a SIM: it is a cellular modem, dialed as a packet data
 * call. A profile names the modems it is for with `identify:` patterns.
 */
import type { Profile } from '../profiles/index.js';

/** A SIM's state as +CPIN? tells it (or the +CME ERROR instead of an answer). */
export type SimState = 'ready' | 'pin' | 'puk' | 'not-inserted' | 'failure' | 'busy' | 'other';

export interface ModemIdentity {
  /** ATI (often a product code) and ATI3 (often the product's name). */
  ati: string[];
  ati3: string[];
  manufacturer?: string;
  model?: string;
  revision?: string;
  /** Set for a cellular modem: what AT+CPIN? said of its SIM. */
  sim?: { state: SimState; text: string };
}

/** "+GMI: Sierra Wireless" and "Sierra Wireless" both give "Sierra Wireless". */
export function identificationValue(info: readonly string[], command: string): string | undefined {
  const prefix = new RegExp(`^\\${command.replace(/^AT/i, '')}\\s*:\\s*`, 'i');
  const text = info.map((line) => line.replace(prefix, '').trim()).filter((line) => line !== '').join(' ');
  return text === '' ? undefined : text;
}

/** 27.007 9.2.1 codes of the SIM states. */
const CME_SIM: Record<number, SimState> = { 10: 'not-inserted', 11: 'pin', 12: 'puk', 13: 'failure', 14: 'busy', 15: 'failure' };

/** The SIM state of a +CPIN? answer: its information line, or the +CME ERROR that came
 * instead (numeric with AT+CMEE=1, text with AT+CMEE=2); undefined for a plain ERROR (no
 * SIM commands: not a cellular modem). */
export function simStateOf(answer: { info: readonly string[]; final?: { result: string; text: string; errorCode?: number; errorText?: string } }): ModemIdentity['sim'] {
  const line = answer.info.find((l) => /^\+CPIN\s*:/i.test(l));
  if (line !== undefined) {
    const value = line.replace(/^\+CPIN\s*:\s*/i, '').trim();
    const upper = value.toUpperCase();
    const state: SimState = upper === 'READY' ? 'ready' : /PUK/.test(upper) ? 'puk' : /PIN/.test(upper) ? 'pin' : 'other';
    return { state, text: value };
  }
  const final = answer.final;
  if (final?.result !== 'cme-error') return undefined;
  const byCode = final.errorCode !== undefined ? CME_SIM[final.errorCode] : undefined;
  const text = (final.errorText ?? '').toLowerCase();
  const byText: SimState | undefined = /not inserted/.test(text) ? 'not-inserted' : /puk/.test(text) ? 'puk' : /pin/.test(text) ? 'pin' : /busy/.test(text) ? 'busy' : /failure|wrong/.test(text) ? 'failure' : undefined;
  return { state: byCode ?? byText ?? 'other', text: final.text };
}

/** Everything the modem said of itself, one item a line, for the profiles' patterns. */
export function identityText(identity: ModemIdentity): string {
  return [identity.manufacturer, identity.model, identity.revision, ...identity.ati, ...identity.ati3].filter((t): t is string => t !== undefined && t !== '').join('\n');
}

/** "U.S. Robotics Courier V.Everything", or the ATI3 text, or the ATI text. */
export function describeIdentity(identity: ModemIdentity): string {
  const { manufacturer, model } = identity;
  // Many models repeat the maker's name ("Sierra Wireless" / "Sierra Wireless MC7710").
  const named = manufacturer && model ? (model.toLowerCase().startsWith(manufacturer.toLowerCase()) ? model : `${manufacturer} ${model}`) : (manufacturer ?? model ?? '');
  return named || identity.ati3.join(' ') || identity.ati.join(' ') || 'a modem that does not name itself';
}

export interface ProfileChoice {
  profile: string;
  /** Why this one, for the report. */
  why: string;
}

/**
 * The profile for a modem: the first whose `identify:` patterns match what it said of itself
 * (profiles in search-path order, so a user's own profile wins over a built-in one), else
 * `gsm` for a modem with a SIM, else `generic`.
 */
export function pickProfile(identity: ModemIdentity, profiles: readonly Pick<Profile, 'name' | 'identify'>[]): ProfileChoice {
  const text = identityText(identity);
  for (const profile of profiles) {
    const pattern = profile.identify.find((source) => new RegExp(source, 'im').test(text));
    if (pattern !== undefined) return { profile: profile.name, why: `its identification matches /${pattern}/ of profile ${profile.name}` };
  }
  if (identity.sim) return { profile: 'gsm', why: `it answers AT+CPIN? (SIM ${identity.sim.text}): a cellular modem` };
  return { profile: 'generic', why: 'no profile names it: a Hayes-compatible modem' };
}
