/**
 * Running the dialing benchmark's dialers for real: a fresh simulated modem per dial, then
 * `dialbond dial`, wvdial or chat on it (see dialing.ts for the cases and how their output
 * is read). No password on any command line: dialbond reads a 0600 file, chat a 0600 -f
 * script, wvdial its own 0600 config.
 */
import { chmodSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { findCommand } from '../../src/lab/index.js';
import { errorMessage, pollFor } from './harness.js';
import { BUILTIN_SCENARIOS, startModemBank, type ScenarioInput } from '../../src/sim/index.js';
import {
  ATTEMPTS, CHAT_TIMEOUT_S, DIAL_CASES, DIALERS, LOGIN, NUMBER, chatOutcome, chatLastExpect, chatScript, dialbondOutcome, isCorrect, markdownTable, summarise, wvdialConf, wvdialStep,
  type CellSummary, type DialCase, type DialRun, type Dialer, type DialbondReport, type Outcome, type WvdialState,
} from './dialing.js';

/** A fresh simulated modem for one dial, closed (far end included) afterwards. For the
 * login scenarios the terminal server says when it took a right user and password
 * (`logged-in`), and the far end it then starts touches `marker` (chat holds the line
 * until it appears). */
async function withModem<T>(c: DialCase, marker: string, dial: (path: string, firstByteAt: () => number | undefined, loggedIn: () => boolean) => Promise<T>): Promise<T> {
  const builtin = BUILTIN_SCENARIOS[c.scenario];
  if (!builtin) throw new Error(`no built-in scenario "${c.scenario}"`);
  const scenario: ScenarioInput | string = c.login
    ? { ...builtin, name: c.scenario, data: { type: 'command', argv: ['/bin/sh', '-c', ': > "$0"; exec cat > /dev/null', marker] } }
    : c.scenario;
  const bank = await startModemBank({ scenarios: [scenario] });
  try {
    const modem = bank.get(bank.modems[0]!.name);
    // The terminal server's own word that it took the login: the far end's marker file can
    // miss it when a dialer hangs up (DTR) moments after the welcome, before the far end
    // program got to run.
    let loggedIn = false;
    modem.on('logged-in', () => (loggedIn = true));
    return await dial(bank.modems[0]!.path, () => modem.firstByteAt, () => loggedIn);
  } finally {
    await bank.close();
  }
}

/** How long the login marker may take after a dialer says it is done: the password's
 * last bytes cross the simulated line at its rate, then the far end starts. */
const LOGIN_WAIT_MS = 2000;

/** Waits up to `ms` for the login marker (the far end starts a moment after the password). */
async function waitForFile(file: string, ms: number): Promise<boolean> {
  return (await pollFor(() => existsSync(file) || undefined, ms, 50)) === true;
}

/** A 0700 scratch directory for one dial (configs, password file, markers). */
function scratch(dialer: Dialer): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `dialbond-bench-${dialer}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where one dial happens: the modem's path, a scratch directory, the login marker. */
interface DialContext {
  path: string;
  dir: string;
  marker: string;
}

/** What a runner reports; `startedAt` (epoch ms) is when it started the dialer, the origin
 * of its outcomeMs and connectMs. */
type RunnerResult = Omit<DialRun, 'dialer' | 'scenario' | 'run' | 'correct' | 'loggedIn' | 'modemConnectMs' | 'modemOutcomeMs'> & { startedAt: number };
type Runner = (c: DialCase, ctx: DialContext) => Promise<RunnerResult>;

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * dialbond: `dialbond dial --json`; --attempts for the redial case, the login from a 0600
 * password file. It prints its report the moment it has a verdict, before it hangs up and
 * closes, so the report's arrival is the verdict's time, as wvdial's log line is wvdial's
 * and chat's exit is chat's (pppd starts when chat exits). Wall time from the spawn, Node's
 * start-up included.
 */
const runDialbond: Runner = async (c, { path, dir }) => {
  const args = [join(REPO, 'bin', 'dialbond'), 'dial', '-d', path, '-n', NUMBER, '--json'];
  if (c.needsRedial) args.push('--attempts', String(ATTEMPTS));
  if (c.login) {
    const file = join(dir, 'password');
    writeFileSync(file, `${LOGIN.password}\n`, { mode: 0o600 });
    args.push('--login', LOGIN.user, '--password-file', file);
  }
  const started = Date.now();
  const running = execa(process.execPath, args, { reject: false, timeout: 180_000, forceKillAfterDelay: 2000, cleanup: true, stdin: 'ignore' });
  // With --json nothing but the report goes to standard output.
  let reportedAt: number | undefined;
  running.stdout?.once('data', () => (reportedAt = Date.now()));
  const child = await running;
  const wallMs = (reportedAt ?? Date.now()) - started;
  const json = String(child.stdout).trim().split('\n').at(-1) ?? '';
  let report: DialbondReport;
  try {
    report = JSON.parse(json) as DialbondReport;
  } catch {
    return { startedAt: started, outcome: 'error', outcomeMs: wallMs, detail: `no JSON report (exit ${child.exitCode ?? child.signal}): ${String(child.stderr).trim().split('\n').at(-1) ?? ''}` };
  }
  const outcome = dialbondOutcome(report);
  return {
    startedAt: started,
    outcome,
    outcomeMs: wallMs,
    ...(outcome === 'connected' && report.connectMs != null ? { connectMs: wallMs, selfConnectMs: report.connectMs } : {}),
    ...(report.error && outcome !== c.expect ? { detail: `${report.error.code}: ${report.error.message}` } : {}),
  };
};

/** The user wvdial runs as: wvdial, as root, writes its Username/Password into
 * /etc/ppp/pap-secrets and chap-secrets before starting pppd. Run as nobody it only warns,
 * and the benchmark leaves the machine's secrets alone. */
function unprivilegedIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('no user "nobody" to run wvdial as (as root it would edit /etc/ppp/*-secrets)');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * wvdial with a stand-in pppd (a script that touches a file and exits), so we time CONNECT
 * (or the end of its login chat) and no pppd runs. wvdial is stopped (SIGTERM, SIGKILL 2 s
 * later) as soon as its log gives a verdict, or after `timeoutMs`.
 */
function makeWvdialRunner(command: string, timeoutMs = 90_000): Runner {
  return async (c, { path, dir }) => {
    const started = Date.now();
    const stamp = join(dir, 'pppd-started');
    const pppd = join(dir, 'pppd');
    writeFileSync(pppd, `#!/bin/sh\n: > '${stamp}'\n`, { mode: 0o755 });
    // The pty itself, not the bank's link: the link sits in a 0700 directory of ours.
    const device = realpathSync(path);
    const conf = join(dir, 'wvdial.conf');
    writeFileSync(conf, wvdialConf({ device, login: Boolean(c.login), pppdPath: pppd }), { mode: 0o600 });
    const ids = unprivilegedIds();
    if (ids) {
      for (const f of [dir, conf]) chownSync(f, ids.uid, ids.gid);
      chmodSync(device, 0o666); // our own pty, for the unprivileged wvdial
    }
    const stop = new AbortController();
    const child = execa(command, ['-C', conf], {
      stdin: 'ignore',
      all: true,
      buffer: false,
      reject: false,
      cleanup: true,
      cancelSignal: stop.signal,
      forceKillAfterDelay: 2000,
      env: { HOME: dir, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      extendEnv: false,
      ...(ids ?? {}),
    });
    let state: WvdialState = { busy: 0, noCarrier: 0 };
    let verdictAt = 0;
    const tail: string[] = [];
    const timer = setTimeout(() => {
      state = { ...state, outcome: 'timeout', detail: `no verdict in ${timeoutMs / 1000} s` };
      verdictAt = Date.now();
      stop.abort();
    }, timeoutMs);
    for await (const line of createInterface({ input: child.all! })) {
      tail.push(line);
      if (tail.length > 5) tail.shift();
      const before = state.outcome;
      state = wvdialStep(state, line);
      if (!before && state.outcome) {
        verdictAt = Date.now();
        stop.abort();
      }
    }
    clearTimeout(timer);
    const result = await child;
    if (!state.outcome) {
      state = { ...state, outcome: 'error', detail: `wvdial exited (${result.exitCode ?? result.signal}) without a verdict: ${tail.join(' | ')}` };
      verdictAt = Date.now();
    }
    const outcomeMs = verdictAt - started;
    if (state.outcome === 'connected') {
      // The stand-in pppd's file: when wvdial handed the line to pppd. We stop wvdial as
      // soon as it says it starts pppd, which may be before the script ran: then that line
      // is the moment (the two were 30 ms apart where both were seen).
      const connectMs = existsSync(stamp) ? Math.round(statSync(stamp).mtimeMs - started) : outcomeMs;
      return { startedAt: started, outcome: 'connected', outcomeMs, connectMs };
    }
    return { startedAt: started, outcome: state.outcome as Outcome, outcomeMs, ...(state.detail ? { detail: state.detail } : {}) };
  };
}

/**
 * Runs `command` with stdin and stdout on `fd` (the modem), as pppd runs its connect script.
 * node's spawn rather than execa: execa's types take only the literal descriptors 3-9.
 * SIGTERM at `timeoutMs`, SIGKILL 2 s later; resolves when the process has ended.
 */
function runOnFd(command: string, args: string[], fd: number, timeoutMs: number): Promise<{ exitCode: number | undefined; signal: string | undefined; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [fd, fd, 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let kill: NodeJS.Timeout | undefined;
    const term = setTimeout(() => {
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ exitCode: code ?? undefined, signal: signal ?? undefined, stderr });
    });
  });
}

/**
 * chat(8) as pppd's connect script would run it: stdin and stdout are the modem. `-f` takes
 * the script from a 0600 file (nothing on the command line); `-s -S` send the verbose log
 * to our stderr instead of syslog (which the lab does not have). chat does no redial.
 */
function makeChatRunner(command: string, timeoutS = CHAT_TIMEOUT_S): Runner {
  return async (c, { path, dir, marker }) => {
    const script = join(dir, 'chat');
    writeFileSync(script, chatScript(Boolean(c.login)), { mode: 0o600 });
    const fd = openSync(path, 'r+');
    try {
      const started = Date.now();
      const child = await runOnFd(command, ['-s', '-S', '-v', '-t', String(timeoutS), '-f', script], fd, (timeoutS * 4 + 10) * 1000);
      const outcomeMs = Date.now() - started;
      const log = child.stderr;
      const outcome = chatOutcome(child.exitCode, chatLastExpect(log));
      const failed = log.match(/^Failed \((.*)\)$/m)?.[0];
      // Hold the line until the terminal server has read the password: closing it now
      // would hang up under it (dialOnce then only finds the marker there or not).
      if (c.login && outcome === 'connected') await waitForFile(marker, LOGIN_WAIT_MS);
      return {
        startedAt: started,
        outcome,
        outcomeMs,
        ...(outcome === 'connected' ? { connectMs: outcomeMs } : {}),
        ...(outcome !== c.expect ? { detail: `chat exit ${child.exitCode ?? child.signal}${failed ? ` (${failed})` : ''}, waiting for ${chatLastExpect(log) ?? '?'}` } : {}),
      };
    } finally {
      closeSync(fd);
    }
  };
}

export interface DialingBenchOptions {
  runs?: number;
  cases?: readonly DialCase[];
  dialers?: readonly Dialer[];
  /** Progress lines (one per dial). */
  log?: (line: string) => void;
  chatTimeoutS?: number;
}

export interface DialingBenchResult {
  runs: DialRun[];
  cells: CellSummary[];
  /** Dialers not installed here (their column says so). */
  missing: Dialer[];
  /** The table timed from the modem's first received byte (every dialer alike). */
  markdown: string;
  /** The table in wall time from starting each dialer (program start-up included). */
  wallMarkdown: string;
  /** How long the whole benchmark took. */
  tookMs: number;
}

/** Every case with every dialer, `runs` times, one dial at a time (timings matter, and
 * the lab has two cores). Runs are interleaved (run 1 of everything, then run 2, ...) so
 * slow drift of the machine touches every dialer alike. */
export async function runDialingBench(options: DialingBenchOptions = {}): Promise<DialingBenchResult> {
  const begun = Date.now();
  const runsWanted = options.runs ?? 3;
  const cases = options.cases ?? DIAL_CASES;
  const log = options.log ?? (() => undefined);
  const wvdial = findCommand('wvdial');
  const chat = findCommand('chat');
  const runners: Partial<Record<Dialer, Runner>> = {
    dialbond: runDialbond,
    ...(wvdial ? { wvdial: makeWvdialRunner(wvdial) } : {}),
    ...(chat ? { chat: makeChatRunner(chat, options.chatTimeoutS) } : {}),
  };
  const wanted = options.dialers ?? DIALERS;
  const missing = wanted.filter((d) => !runners[d]);
  const runs: DialRun[] = [];
  for (let run = 1; run <= runsWanted; run++) {
    for (const c of cases) {
      for (const dialer of wanted) {
        const runner = runners[dialer];
        if (!runner) continue;
        const result = await dialOnce(dialer, runner, c, run);
        runs.push(result);
        const time =
          result.connectMs !== undefined
            ? `${result.connectMs} ms to CONNECT (${result.modemConnectMs ?? '?'} ms from the modem's first byte)`
            : `${result.outcomeMs} ms (${result.modemOutcomeMs ?? '?'} ms from the modem's first byte)`;
        log(`dialing: run ${run} ${c.scenario} ${dialer}: ${result.outcome}${result.correct ? '' : ' (WRONG)'}, ${time}${result.detail ? `: ${result.detail}` : ''}`);
      }
    }
  }
  const cells = summarise(runs, cases, missing);
  return { runs, cells, missing, markdown: markdownTable(cells, cases, 'modem'), wallMarkdown: markdownTable(cells, cases, 'wall'), tookMs: Date.now() - begun };
}

async function dialOnce(dialer: Dialer, runner: Runner, c: DialCase, run: number): Promise<DialRun> {
  const { dir, remove } = scratch(dialer);
  const marker = join(dir, 'logged-in');
  try {
    return await withModem(c, marker, async (path, firstByteAt, tookLogin) => {
      let result: RunnerResult;
      try {
        result = await runner(c, { path, dir, marker });
      } catch (error) {
        result = { startedAt: Date.now(), outcome: 'error' as const, outcomeMs: 0, detail: errorMessage(error) };
      }
      const loggedIn = c.login ? result.outcome === 'connected' && (await pollFor(() => tookLogin() || undefined, LOGIN_WAIT_MS, 50)) === true : undefined;
      const { startedAt, ...rest } = result;
      // The same moments, measured from the modem's first byte instead of the dialer's start.
      const first = firstByteAt();
      const sinceFirst = (ms: number | undefined): number | undefined => (ms === undefined || first === undefined ? undefined : Math.max(0, startedAt + ms - first));
      const modemConnectMs = sinceFirst(rest.connectMs);
      const modemOutcomeMs = sinceFirst(rest.outcomeMs);
      return {
        dialer,
        scenario: c.scenario,
        run,
        ...rest,
        ...(modemConnectMs !== undefined ? { modemConnectMs } : {}),
        ...(modemOutcomeMs !== undefined ? { modemOutcomeMs } : {}),
        correct: isCorrect(c, result.outcome, loggedIn),
        ...(loggedIn !== undefined ? { loggedIn } : {}),
      };
    });
  } finally {
    remove();
  }
}
