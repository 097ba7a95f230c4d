/**
 * What a dialer profile may say. Profiles are data (dialers/*.yaml), validated here so a
 * typo is reported with its file and field instead of surfacing as a modem timeout.
 */
import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

/** A duration: milliseconds as a number, or a string with a unit ("5s"). */
export const durationSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration like "5s", "500ms" or a number of milliseconds, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** Outcomes of one dial attempt that a profile can ask to retry or to give up on. */
export const DIAL_OUTCOMES = ['busy', 'no-carrier', 'no-answer', 'no-dialtone', 'voice', 'timeout', 'error', 'delayed', 'blacklisted'] as const;
export type DialOutcome = (typeof DIAL_OUTCOMES)[number];

const checkSchema = z
  .object({
    send: z.string().min(1),
    /** Text an information line of the answer must contain, e.g. "+CPIN: READY". */
    expect: z.string().min(1).optional(),
    /** What to tell the user when `expect` is not met. */
    failure: z.string().min(1).optional(),
    timeout: durationSchema.optional(),
  })
  .strict();

const loginStepSchema = z
  .object({
    /** Text to wait for (a substring, as chat(8) matches), e.g. "ogin:". */
    expect: z.string().min(1),
    /** What to send once it is seen; may use ${user} and ${password}. Omit to only wait. */
    send: z.string().optional(),
    timeout: durationSchema.optional(),
  })
  .strict();

export const profileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case name of letters, digits, ".", "_" or "-"'),
    description: z.string().default(''),
    /** The reset command, answered with OK (after a long pause on some modems). */
    reset: z.string().min(1).default('ATZ'),
    /** Init commands, sent in order after the reset; each must answer OK. */
    init: z.array(z.string().min(1)).default([]),
    /** Commands whose answers must contain `expect` (SIM ready, signal, APN set). */
    checks: z.array(checkSchema).default([]),
    dial: z
      .object({
        prefix: z.string().min(1).default('ATDT'),
        allowSemicolon: z.boolean().default(false),
        /** The number to dial when none is given (a GSM data call's *99***1#). */
        defaultNumber: z.string().min(1).optional(),
        /** Send the last init command on the first dial's command line ("ATQ0 V1 E1DT5551234"),
         * one round trip less, where that is safe (see initOnDialLine). Off for a modem that
         * mishandles it; an ERROR to the joined line falls back to the two lines anyway. */
        withInit: z.boolean().default(true),
      })
      .strict()
      .default({}),
    timeouts: z
      .object({
        command: durationSchema.default(5000),
        /** The answer to the first AT (and to ATQ0 V1 E1): a modem in command mode answers in
         * milliseconds, so silence this long means online, quiet or dead. */
        probe: durationSchema.default(2000),
        reset: durationSchema.default(10_000),
        init: durationSchema.default(5000),
        dial: durationSchema.default(90_000),
        login: durationSchema.default(20_000),
        /** How long to watch for a refusal after the last login answer. */
        loginSettle: durationSchema.default(1500),
        /** The escape guard time (S12, 1 s by default): silence before and after "+++". */
        guard: durationSchema.default(1000),
      })
      .strict()
      .default({}),
    redial: z
      .object({
        /** Pause between two dial attempts. None by default: the modem's BUSY or NO CARRIER
         * already took its time, and a V.250 modem dials again at once (waiting for dial
         * tone itself, S6). GSM's call-repeat rules want one (dialers/gsm.yaml). */
        delay: durationSchema.default(0),
        /** The back-off a DELAYED or BLACKLISTED answer asks for (the modem refuses the number). */
        longBackoff: durationSchema.default(600_000),
        /** Outcomes after which the next attempt (next number) is tried. */
        retryOn: z.array(z.enum(DIAL_OUTCOMES)).default(['busy', 'no-carrier', 'no-answer', 'timeout']),
      })
      .strict()
      .default({}),
    login: z.array(loginStepSchema).default([]),
    /** Text that, seen during login, means the login failed. */
    loginFailures: z.array(z.string().min(1)).default(['incorrect', 'denied', 'failed']),
    /** Text that, seen after the last login answer, means the login worked (the start of
     * a PPP frame counts too). */
    loginSuccess: z.array(z.string().min(1)).default([]),
    /** Default values for ${name} variables in commands (e.g. apn). */
    variables: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string()).default({}),
    /** What `dialbond detect` knows this modem by: regular expressions, case-insensitive,
     * one of which must match its identification (the answers to ATI, ATI3, +GMI, +GMM,
     * +GMR). A profile without any is picked by no modem's name. */
    identify: z.array(z.string().min(1).refine(isRegExp, { message: 'expected a regular expression (JavaScript syntax), e.g. "courier v\\.everything"' })).default([]),
    flowControl: z.enum(['hardware', 'none']).default('hardware'),
    /** The modem raises DCD while a call is up (&C1, V.250 6.2.8): pppd then watches it
     * (`modem`) and a carrier drop ends the link at once. false: pppd ignores the line
     * (`local`) and only LCP echoes notice a lost call. Ptys have no DCD either way. */
    carrierDetect: z.boolean().default(true),
    baudRate: z.number().int().positive().default(115200),
  })
  .strict();

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type ProfileCheck = Profile['checks'][number];
export type LoginStep = Profile['login'][number];
