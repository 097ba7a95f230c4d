/**
 * What a simulated modem does: a scenario. Scenarios are data (YAML or JSON files, or the
 * built-in ones in `builtin.ts`), validated here with zod so that a typo in a lab file is
 * reported with the file name and the path of the field, never silently ignored.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { BUILTIN_SCENARIOS, builtinScenarioNames } from './builtin.js';

/** Every way a dial can end (the modem's final result for ATD). */
export const DIAL_OUTCOMES = [
  'connect',
  'busy',
  'no-carrier',
  'no-dialtone',
  'no-answer',
  'delayed',
  'blacklisted',
  'voice',
  'error',
  'silent',
] as const;

export type DialOutcome = (typeof DIAL_OUTCOMES)[number];

/** Time from ATD to the result when a scenario does not say (roughly what real lines take). */
export const DEFAULT_AFTER_MS: Record<DialOutcome, number> = {
  connect: 2000,
  busy: 1000,
  'no-carrier': 3000,
  'no-dialtone': 1000,
  'no-answer': 5000,
  delayed: 500,
  blacklisted: 500,
  voice: 2000,
  error: 100,
  silent: Number.POSITIVE_INFINITY,
};

const ms = z.number().int().nonnegative();

const dialRuleSchema = z
  .object({
    outcome: z.enum(DIAL_OUTCOMES).optional(),
    /** Time from ATD to the result. */
    afterMs: ms.optional(),
    /** Busy-then-connect: the first N dials of this number get BUSY, later ones the outcome. */
    busyTimes: z.number().int().nonnegative().optional(),
  })
  .strict();

const dialSchema = dialRuleSchema
  .extend({
    /** Per-number overrides of the default rule; keys are compared with dial modifiers stripped. */
    numbers: z.record(z.string(), dialRuleSchema).default({}),
  })
  .strict()
  .default({});

const connectSchema = z
  .object({
    /** The CONNECT result text; `CONNECT <rate>` when absent. */
    line: z.string().min(1).optional(),
    /** Intermediate reports before CONNECT (`CARRIER 28800`, `PROTOCOL: LAP-M`, ...). */
    preLines: z.array(z.string()).default([]),
    /** Line rate in bit/s; data mode moves rate/10 bytes per second (10-bit async framing). */
    rate: z.number().int().positive().default(115200),
  })
  .strict()
  .default({});

const noiseSchema = z
  .object({
    /** Unsolicited RING this often while idle in command mode. */
    ringEveryMs: z.number().int().positive().optional(),
    /** Bytes of line-noise garbage (8-bit, NULs) sent before each final result. */
    garbageBytes: z.number().int().nonnegative().default(0),
    /** The line ends of verbose results. */
    crlf: z.enum(['crlf', 'lf', 'cr', 'crcrlf', 'lfcr']).default('crlf'),
  })
  .strict()
  .default({});

const loginSchema = z
  .object({
    banner: z.string().optional(),
    prompt: z.string().default('login:'),
    passwordPrompt: z.string().default('Password:'),
    user: z.string().min(1),
    password: z.string().min(1),
    welcome: z.string().optional(),
    failMessage: z.string().default('Login incorrect'),
    /** The banner and prompt go out in the same write as the CONNECT line, as Livingston
     * PortMasters send them, instead of crossing the line after it. */
    withConnect: z.boolean().default(false),
  })
  .strict();

const gsmSchema = z
  .object({
    /** The answer to AT+CPIN? (3GPP TS 27.007 8.3). */
    pin: z.enum(['READY', 'SIM PIN', 'SIM not inserted']).default('READY'),
    /** The answer to AT+CSQ: `<rssi>,<ber>` (27.007 8.5). */
    csq: z.string().regex(/^\d{1,2},\d{1,2}$/, 'expected "<rssi>,<ber>", e.g. "17,99"').default('17,99'),
  })
  .strict();

/** What the modem says it is: ATI0-ATI9 (vendor-defined text) and the V.250 6.1 / 27.007
 * 5.1 identification (+GMI/+CGMI manufacturer, +GMM/+CGMM model, +GMR/+CGMR revision). */
const identitySchema = z
  .object({
    manufacturer: z.string().min(1).default('dialbond'),
    model: z.string().min(1).default('dialbond simulated Hayes modem'),
    revision: z.string().min(1).default('0.1.0'),
    /** Answers to ATIn by n, over the built-in ones ("56000" for I0, ...). */
    ati: z.record(z.string().regex(/^[0-9]$/, 'expected a digit 0-9 (ATI0 to ATI9)'), z.string()).default({}),
  })
  .strict()
  .default({});

const dataSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('echo') }).strict(),
    z.object({ type: z.literal('discard') }).strict(),
    z
      .object({
        type: z.literal('command'),
        /** Program and arguments (no shell); its stdin/stdout are the far end of the line. */
        argv: z.array(z.string().min(1)).min(1),
      })
      .strict(),
  ])
  .default({ type: 'echo' });

/** The zod schema of a scenario file. Every field is optional. */
export const scenarioSchema = z
  .object({
    /** A display name (defaults to the built-in's name or the file's base name). */
    name: z.string().min(1).optional(),
    echo: z.boolean().default(true),
    verbose: z.boolean().default(true),
    quiet: z.boolean().default(false),
    /** A modem that never answers anything at all (no echo, no results). */
    dead: z.boolean().default(false),
    /** ATZ / AT&F answer after this long ("slow reset"). */
    resetDelayMs: ms.default(0),
    dial: dialSchema,
    connect: connectSchema,
    noise: noiseSchema,
    login: loginSchema.optional(),
    gsm: gsmSchema.optional(),
    identity: identitySchema,
    /** Drop carrier this long after CONNECT. */
    dropAfterMs: z.number().int().positive().optional(),
    data: dataSchema,
  })
  .strict();

/** A scenario as written in a file (every field optional). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario with every default filled in. */
export type Scenario = z.output<typeof scenarioSchema>;
export type DialRule = z.output<typeof dialRuleSchema>;
export type DataPeerSpec = Scenario['data'];
export type LoginSpec = NonNullable<Scenario['login']>;
export type GsmSpec = NonNullable<Scenario['gsm']>;
export type IdentitySpec = Scenario['identity'];
export type LineEnding = Scenario['noise']['crlf'];

/** A dial rule with everything resolved for one dial. */
export interface ResolvedDial {
  outcome: DialOutcome;
  afterMs: number;
  busyTimes: number;
}

/**
 * Strips what V.250 6.3.1.1 says is not part of the number: the T/P/W/,/@/!/; modifiers and
 * anything else unrecognised (spaces, dashes, parentheses). Keeps digits, `*`, `#`, `+` and
 * the DTMF letters A-D, so `ATDT 555-1234` and `ATDP5551234W` both dial `5551234`.
 */
export function normalizeNumber(dialString: string): string {
  return dialString.toUpperCase().replace(/[^0-9*#+ABCD]/g, '');
}

/** The rule for a number: the per-number override merged over the scenario's default. */
export function dialRuleFor(scenario: Scenario, number: string): ResolvedDial {
  const key = normalizeNumber(number);
  const override = Object.entries(scenario.dial.numbers).find(([n]) => normalizeNumber(n) === key)?.[1] ?? {};
  const outcome = override.outcome ?? scenario.dial.outcome ?? 'connect';
  // An override that changes the outcome but not the time takes the outcome's usual time.
  const afterMs =
    override.afterMs ?? (override.outcome === undefined ? scenario.dial.afterMs : undefined) ?? DEFAULT_AFTER_MS[outcome];
  const busyTimes = override.busyTimes ?? scenario.dial.busyTimes ?? 0;
  return { outcome, afterMs, busyTimes };
}

/** The CONNECT text for a scenario. */
export function connectLine(scenario: Scenario): string {
  return scenario.connect.line ?? `CONNECT ${scenario.connect.rate}`;
}

function formatIssues(where: string, error: z.ZodError): { message: string; issues: Array<{ path: string; message: string }> } {
  const issues = error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.join('.') : '(top level)',
    message: issue.message,
  }));
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  return { message: `invalid scenario ${where}:\n${lines}`, issues };
}

/**
 * Validates a scenario object. `where` names its origin (a file, `built-in "busy"`) in the
 * error. Throws DialbondError SIM_SCENARIO_INVALID naming each bad field's path.
 */
export function parseScenario(input: unknown, where = '(inline)'): Scenario {
  const result = scenarioSchema.safeParse(input ?? {});
  if (!result.success) {
    const { message, issues } = formatIssues(where, result.error);
    throw new DialbondError('SIM_SCENARIO_INVALID', message, { where, issues });
  }
  return result.data;
}

/** Reads and validates a YAML or JSON scenario file (JSON is YAML 1.2, one parser reads both). */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = systemErrorCode(error);
    throw new DialbondError(
      'SIM_SCENARIO_INVALID',
      `cannot read scenario file ${file}: ${code ?? String(error)}; give a built-in name (${builtinScenarioNames().join(', ')}) or a readable YAML/JSON file`,
      { file, cause: code },
      { cause: error },
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new DialbondError(
      'SIM_SCENARIO_INVALID',
      `scenario file ${file} is not valid YAML/JSON: ${error instanceof Error ? error.message : String(error)}`,
      { file },
      { cause: error },
    );
  }
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    throw new DialbondError('SIM_SCENARIO_INVALID', `invalid scenario ${file}:\n  (top level): expected a mapping of fields`, {
      file,
    });
  }
  const scenario = parseScenario(data, file);
  return { ...scenario, name: scenario.name ?? basename(file, extname(file)) };
}

/** A built-in scenario by name, validated. Throws SIM_SCENARIO_INVALID for an unknown name. */
export function builtinScenario(name: string): Scenario {
  const input = BUILTIN_SCENARIOS[name];
  if (!input) {
    throw new DialbondError(
      'SIM_SCENARIO_INVALID',
      `unknown scenario "${name}": built-in scenarios are ${builtinScenarioNames().join(', ')}; or give a path to a YAML/JSON file`,
      { name },
    );
  }
  return { ...parseScenario(input, `built-in "${name}"`), name };
}

/** Whether a reference looks like a file rather than a built-in name. */
function looksLikeFile(ref: string): boolean {
  return ref.includes('/') || /\.(ya?ml|json)$/i.test(ref);
}

/**
 * Resolves a scenario reference: a built-in name, a file path, or an object (validated).
 * The result always carries a `name` (for display).
 */
export async function resolveScenario(ref: string | ScenarioInput): Promise<Scenario & { name: string }> {
  if (typeof ref !== 'string') {
    const scenario = parseScenario(ref);
    return { ...scenario, name: scenario.name ?? 'custom' };
  }
  if (!looksLikeFile(ref) && BUILTIN_SCENARIOS[ref] === undefined) {
    // Not a known name and not path-like: a file in the current directory, or a typo.
    try {
      return { ...(await loadScenarioFile(ref)), name: ref };
    } catch (error) {
      if (error instanceof DialbondError && error.details['cause'] === 'ENOENT') builtinScenario(ref);
      throw error;
    }
  }
  if (!looksLikeFile(ref)) return { ...builtinScenario(ref), name: ref };
  const scenario = await loadScenarioFile(ref);
  return { ...scenario, name: scenario.name ?? ref };
}
