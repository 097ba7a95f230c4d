/**
 * The dialing-robustness benchmark: the same simulated modems dialed by dialbond
 * (`dialbond dial`), by wvdial 1.61 and by pppd's chat(8) with a typical script. Per
 * scenario and dialer it records whether the line came up, whether the dialer classified
 * what happened correctly, and the time to CONNECT. Every dial gets a fresh simulated
 * modem, so scenario state (busyTimes) starts over and no dialer inherits another's
 * half-finished call. Runs on the host (ptys, no kernel PPP needed); bench/dialing.lab.ts
 * runs it in the lab.
 *
 * This module holds the pure parts (the cases, how wvdial's log and chat's exit status are
 * read, the summary and the table); dialers.ts spawns the real programs.
 */
import { barChartSvg } from './chart.js';
import { formatSpread, spread, type Spread } from './stats.js';

export const DIALERS = ['dialbond', 'wvdial', 'chat'] as const;
export type Dialer = (typeof DIALERS)[number];

export type Outcome = 'connected' | 'busy' | 'no-dialtone' | 'no-carrier' | 'no-answer' | 'not-responding' | 'timeout' | 'error';

/** One scenario of the benchmark and what a dialer should make of it. */
export interface DialCase {
  /** A built-in simulator scenario (src/sim/builtin.ts). */
  scenario: string;
  expect: Outcome;
  /** The far end asks for a login after CONNECT: success also needs the login accepted. */
  login?: boolean;
  /** Only a dialer that redials BUSY can connect; one without a redial policy that says
   * "busy" has read the line right (it was busy when it dialed) but did not connect. */
  needsRedial?: boolean;
}

export const DIAL_CASES: readonly DialCase[] = [
  { scenario: 'connect', expect: 'connected' },
  { scenario: 'busy', expect: 'busy' },
  { scenario: 'busy-then-connect', expect: 'connected', needsRedial: true },
  { scenario: 'no-dialtone', expect: 'no-dialtone' },
  { scenario: 'noise', expect: 'connected' },
  { scenario: 'numeric', expect: 'connected' },
  { scenario: 'slow-reset', expect: 'connected' },
  { scenario: 'login', expect: 'connected', login: true },
  { scenario: 'portmaster', expect: 'connected', login: true },
  { scenario: 'quiet', expect: 'connected' },
  { scenario: 'no-carrier', expect: 'no-carrier' },
  { scenario: 'dead', expect: 'not-responding' },
];

/** The number every dialer dials, the login the `login` scenario's terminal server wants
 * (src/sim/builtin.ts). The password only ever goes into 0600 files, never into argv. */
export const NUMBER = '5551234';
export const LOGIN = { user: 'dialuser', password: 's3cret-pw' } as const;
/** Dial attempts for dialers that redial (dialbond --attempts, wvdial Dial Attempts). */
export const ATTEMPTS = 3;
/** chat's timeout per expect string: what ppp's provider.chatscript and most HOWTOs use. */
export const CHAT_TIMEOUT_S = 60;

/** One dial of one scenario by one dialer. */
export interface DialRun {
  dialer: Dialer;
  scenario: string;
  run: number;
  outcome: Outcome;
  correct: boolean;
  /** Wall time from spawning the dialer to the line being up (after the login where
   * there is one): the same yardstick for all three, process start-up included. */
  connectMs?: number;
  /** Wall time from spawning the dialer to its verdict, whatever it was. */
  outcomeMs: number;
  /** dialbond only: its own connectMs (from opening the port, without Node's start-up). */
  selfConnectMs?: number;
  /** connectMs and outcomeMs again, but from the moment the simulated modem received the
   * dialer's first byte: the yardstick that judges every dialer alike, whatever its
   * program's start-up costs (Node's seconds in the emulated lab, a C program's none). */
  modemConnectMs?: number;
  modemOutcomeMs?: number;
  /** Login scenarios: whether the simulated terminal server accepted the login (its own
   * word, the modem's `logged-in`), not what the dialer claims. */
  loggedIn?: boolean;
  detail?: string;
}

// ---------------------------------------------------------------------------------------
// Reading the dialers' verdicts (pure)

/** The ABORT strings of the typical chat script, in order: chat exits 4 + their index. */
export const CHAT_ABORTS = ['BUSY', 'NO CARRIER', 'NO DIALTONE', 'NO ANSWER', 'ERROR'] as const;

const ABORT_OUTCOMES: Record<string, Outcome> = {
  BUSY: 'busy',
  'NO CARRIER': 'no-carrier',
  'NO DIALTONE': 'no-dialtone',
  'NO ANSWER': 'no-answer',
  ERROR: 'error',
};

/**
 * chat's verdict from its exit status (chat(8): 0 script done, 1 bad parameters, 2 I/O
 * error, 3 timeout, 4 + n the n-th ABORT string matched). A timeout while expecting the
 * first `OK` means the modem never answered ATZ: that is "not responding", which is what a
 * person reading chat's log concludes too; a timeout later is just a timeout.
 */
export function chatOutcome(exitCode: number | undefined, lastExpect: string | undefined, aborts: readonly string[] = CHAT_ABORTS): Outcome {
  if (exitCode === 0) return 'connected';
  if (exitCode === 3) return lastExpect === 'OK' ? 'not-responding' : 'timeout';
  if (exitCode !== undefined && exitCode >= 4) {
    const matched = aborts[exitCode - 4];
    return (matched && ABORT_OUTCOMES[matched]) || 'error';
  }
  return 'error';
}

/** The last `expect (X)` in chat's verbose log (-v -s), i.e. what it was waiting for. */
export function chatLastExpect(log: string): string | undefined {
  const all = [...log.matchAll(/^expect \((.*)\)$/gm)];
  return all.at(-1)?.[1];
}

/** What one line of wvdial's output says. wvdial 1.61 prints `--> ` before its own lines
 * and copies the modem's lines as they are, so only `-->` lines (and its crash) count. */
export type WvdialEvent = 'pppd' | 'busy' | 'no-carrier' | 'no-dialtone' | 'not-responding' | 'give-up' | 'auth-error' | 'crash' | 'cannot-open';

export function wvdialEvent(line: string): WvdialEvent | undefined {
  if (/Assertion .* failed|Segmentation fault/.test(line)) return 'crash';
  if (!line.startsWith('--> ')) return undefined;
  const text = line.slice(4);
  if (text.startsWith('Starting pppd')) return 'pppd';
  if (text.startsWith('The line is busy')) return 'busy';
  if (text.startsWith('No Carrier!')) return 'no-carrier';
  if (text.startsWith('No dial tone')) return 'no-dialtone';
  if (text.startsWith('Modem not responding')) return 'not-responding';
  if (text.startsWith('Maximum Attempts Exceeded')) return 'give-up';
  if (text.startsWith('Authentication error')) return 'auth-error';
  if (text.startsWith('Cannot open')) return 'cannot-open';
  return undefined;
}

/** Reading wvdial's log line by line: counts of retried failures, and a verdict once one
 * is final. */
export interface WvdialState {
  busy: number;
  noCarrier: number;
  outcome?: Outcome;
  detail?: string;
}

/**
 * One step of reading wvdial's log. wvdial redials BUSY and NO CARRIER by itself, and
 * 1.61 ignores `Dial Attempts` for BUSY (it redials a busy line forever), so the runner
 * stands in for the budget: the `attempts`-th busy signal (or lost carrier) is the verdict,
 * as it would be for dialbond --attempts. "No dial tone" is final (Abort on No Dialtone is
 * on by default), as are "Modem not responding" and "Starting pppd" (the line is up).
 */
export function wvdialStep(state: WvdialState, line: string, attempts: number = ATTEMPTS): WvdialState {
  if (state.outcome) return state;
  const event = wvdialEvent(line);
  switch (event) {
    case 'pppd':
      return { ...state, outcome: 'connected' };
    case 'busy': {
      const busy = state.busy + 1;
      return busy >= attempts ? { ...state, busy, outcome: 'busy', detail: `${busy} busy signals (wvdial would redial forever)` } : { ...state, busy };
    }
    case 'no-carrier': {
      const noCarrier = state.noCarrier + 1;
      return noCarrier >= attempts ? { ...state, noCarrier, outcome: 'no-carrier' } : { ...state, noCarrier };
    }
    case 'no-dialtone':
      return { ...state, outcome: 'no-dialtone' };
    case 'not-responding':
      return { ...state, outcome: 'not-responding' };
    case 'give-up':
      return { ...state, outcome: state.busy > 0 ? 'busy' : state.noCarrier > 0 ? 'no-carrier' : 'error', detail: 'Maximum Attempts Exceeded' };
    case 'crash':
      return { ...state, outcome: 'error', detail: `wvdial crashed: ${line.replace(/^wvdial: /, '').trim()}` };
    case 'auth-error':
    case 'cannot-open':
      return { ...state, outcome: 'error', detail: `wvdial: ${line.replace(/^--> /, '').trim()}` };
    default:
      return state;
  }
}

/** The `dialbond dial --json` report fields the benchmark reads (design.md contract). */
export interface DialbondReport {
  result: string;
  connectMs?: number | null;
  elapsedMs: number;
  attempts?: number;
  error?: { code: string; message: string };
}

/** dialbond's verdict: its result, except that a modem that never answered (result
 * "timeout" or "error" with MODEM_NO_RESPONSE) is "not responding". */
export function dialbondOutcome(report: DialbondReport): Outcome {
  if (report.error?.code === 'MODEM_NO_RESPONSE') return 'not-responding';
  const known: readonly string[] = ['connected', 'busy', 'no-dialtone', 'no-carrier', 'no-answer', 'timeout'];
  return known.includes(report.result) ? (report.result as Outcome) : 'error';
}

/** Whether a dialer read the scenario right. A login scenario also needs the login done. */
export function isCorrect(c: DialCase, outcome: Outcome, loggedIn?: boolean): boolean {
  if (c.needsRedial && outcome === 'busy') return true;
  if (outcome !== c.expect) return false;
  return !c.login || outcome !== 'connected' || loggedIn === true;
}

/** Whether the line came up as the scenario allows (and the login went through). */
export function isSuccess(c: DialCase, r: Pick<DialRun, 'outcome' | 'loggedIn'>): boolean {
  return r.outcome === 'connected' && (!c.login || r.loggedIn === true);
}

// ---------------------------------------------------------------------------------------
// Summary and table (pure)

export interface CellSummary {
  dialer: Dialer;
  scenario: string;
  runs: number;
  successes: number;
  correct: number;
  /** Outcome -> how many runs ended so. */
  outcomes: Partial<Record<Outcome, number>>;
  connectMs?: Spread;
  outcomeMs?: Spread;
  /** The same from the modem's first received byte (see DialRun). */
  modemConnectMs?: Spread;
  modemOutcomeMs?: Spread;
  /** The dialer is not on this machine. */
  missing?: boolean;
  details: string[];
}

export function summarise(runs: readonly DialRun[], cases: readonly DialCase[] = DIAL_CASES, missing: readonly Dialer[] = []): CellSummary[] {
  const cells: CellSummary[] = [];
  for (const c of cases) {
    for (const dialer of DIALERS) {
      const mine = runs.filter((r) => r.dialer === dialer && r.scenario === c.scenario);
      if (mine.length === 0 && !missing.includes(dialer)) continue;
      const outcomes: Partial<Record<Outcome, number>> = {};
      for (const r of mine) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      const connect = spread(mine.filter((r) => isSuccess(c, r) && r.connectMs !== undefined).map((r) => r.connectMs as number));
      const verdict = spread(mine.map((r) => r.outcomeMs));
      const modemConnect = spread(mine.filter((r) => isSuccess(c, r) && r.modemConnectMs !== undefined).map((r) => r.modemConnectMs as number));
      const modemVerdict = spread(mine.flatMap((r) => (r.modemOutcomeMs !== undefined ? [r.modemOutcomeMs] : [])));
      cells.push({
        dialer,
        scenario: c.scenario,
        runs: mine.length,
        successes: mine.filter((r) => isSuccess(c, r)).length,
        correct: mine.filter((r) => r.correct).length,
        outcomes,
        ...(connect ? { connectMs: connect } : {}),
        ...(verdict ? { outcomeMs: verdict } : {}),
        ...(modemConnect ? { modemConnectMs: modemConnect } : {}),
        ...(modemVerdict ? { modemOutcomeMs: modemVerdict } : {}),
        ...(missing.includes(dialer) ? { missing: true } : {}),
        details: [...new Set(mine.map((r) => r.detail).filter((d): d is string => Boolean(d)))],
      });
    }
  }
  return cells;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** Which times a table shows: from the modem's first received byte (every dialer judged
 * alike) or wall time from starting the dialer (program start-up included). */
export type Yardstick = 'modem' | 'wall';

/** One table cell: "ok 3/3, 2.3 s (2.2–2.5)" where the line should come up, "busy 3/3 in
 * 1.2 s" where it should not; what went wrong otherwise. */
export function formatCell(cell: CellSummary | undefined, c: DialCase, yardstick: Yardstick = 'wall'): string {
  if (!cell) return '-';
  if (cell.missing) return 'not installed';
  if (yardstick === 'modem') cell = { ...cell, connectMs: cell.modemConnectMs, outcomeMs: cell.modemOutcomeMs } as CellSummary;
  const got = Object.entries(cell.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ${n}/${cell.runs}`)
    .join(', ');
  if (c.expect === 'connected') {
    if (cell.successes === cell.runs) return `ok ${cell.successes}/${cell.runs}, ${formatSpread(cell.connectMs, seconds, ' s')}`;
    const wrong = cell.correct < cell.runs ? ' ✗' : '';
    const times = cell.connectMs ? `, ${formatSpread(cell.connectMs, seconds, ' s')}` : '';
    return `ok ${cell.successes}/${cell.runs}${times}; ${got}${wrong}`;
  }
  const mark = cell.correct === cell.runs ? '' : ' ✗';
  return `${got} in ${formatSpread(cell.outcomeMs, seconds, ' s')}${mark}`;
}

/** Rows scenarios, columns dialers. */
export function markdownTable(cells: readonly CellSummary[], cases: readonly DialCase[] = DIAL_CASES, yardstick: Yardstick = 'wall'): string {
  const lines = [`| scenario (expected) | ${DIALERS.join(' | ')} |`, `| --- | ${DIALERS.map(() => '---').join(' | ')} |`];
  for (const c of cases) {
    const row = DIALERS.map((d) => formatCell(cells.find((x) => x.dialer === d && x.scenario === c.scenario), c, yardstick));
    if (row.every((v) => v === '-')) continue;
    const expected = c.login ? 'connected + login' : c.expect;
    lines.push(`| ${c.scenario} (${expected}) | ${row.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** What the table's cells mean, for the line under it. */
export const TABLE_LEGEND =
  '"ok k/n, T (min–max)": the line came up (and the login went through) in k of n runs, T is the median time to CONNECT ' +
  '(to the end of the login for `login` and `portmaster`). Elsewhere: the outcomes the dialer reported and the median time to that verdict. ✗: at least one run misread the line. ' +
  'busy-then-connect is BUSY twice, then connects: dialbond and wvdial redial (3 attempts); chat has no redial, so its "busy" is a right reading but no connection. ' +
  'portmaster sends its login prompt in the same write as CONNECT; quiet starts in Q1 (no result codes, and ATZ restores that).';

/** wvdial's configuration for one dial (its own file, written 0600). */
export function wvdialConf(o: { device: string; login: boolean; pppdPath: string }): string {
  const user = o.login ? LOGIN : { user: 'bench', password: 'bench' }; // wvdial insists on both
  return [
    '[Dialer Defaults]',
    `Modem = ${o.device}`,
    'Baud = 115200',
    'Init1 = ATZ',
    'Init2 = ATQ0 V1 E1 S0=0 &C1 &D2',
    `Phone = ${NUMBER}`,
    `Username = ${user.user}`,
    `Password = ${user.password}`,
    // Stupid Mode starts pppd right at CONNECT; off, wvdial answers login prompts itself.
    `Stupid Mode = ${o.login ? 'off' : 'on'}`,
    // A pty has no DCD line: with the check on, wvdial would never see a carrier.
    'Carrier Check = no',
    `Dial Attempts = ${ATTEMPTS}`,
    // Our stand-in pppd exits at once; wvdial would then redial.
    'Auto Reconnect = off',
    `PPPD Path = ${o.pppdPath}`,
    '',
  ].join('\n');
}

/** The typical chat script (pppd's provider.chatscript style), plus the login lines.
 * Strings are quoted for chat; `\q` keeps the password out of chat's own log. */
export function chatScript(login: boolean): string {
  const q = (s: string): string => {
    if (/['\n]/.test(s)) throw new Error('chat strings here may not hold quotes or newlines');
    return `'${s.replaceAll('\\', '\\\\')}'`;
  };
  const lines = [...CHAT_ABORTS.map((a) => `ABORT ${q(a)}`), `'' ATZ`, `OK ATDT${NUMBER}`, `CONNECT ''`];
  if (login) lines.push(`ogin: ${q(LOGIN.user)}`, `ssword: '\\q${LOGIN.password.replaceAll('\\', '\\\\')}'`);
  return `${lines.join('\n')}\n`;
}

/** Time to the outcome per scenario, one bar per dialer: to CONNECT where the line came
 * up, else to the dialer's verdict (median, min–max). */
export function dialingSvg(cells: readonly CellSummary[], cases: readonly DialCase[] = DIAL_CASES): string {
  const groups = cases.map((c) => ({
    label: c.scenario,
    bars: DIALERS.flatMap((dialer) => {
      const cell = cells.find((x) => x.dialer === dialer && x.scenario === c.scenario);
      const s = cell?.modemConnectMs ?? cell?.modemOutcomeMs ?? cell?.connectMs ?? cell?.outcomeMs;
      return s ? [{ label: dialer, value: s.median / 1000, low: s.min / 1000, high: s.max / 1000 }] : [];
    }),
  }));
  const top = Math.max(10, ...groups.flatMap((g) => g.bars.map((b) => b.high)));
  return barChartSvg({ title: 'Dialing: seconds to CONNECT, or to the verdict where there is none (median, min-max)', yLabel: "seconds from the modem's first received byte", yMax: Math.ceil(top / 10) * 10, groups, unit: ' s' });
}
