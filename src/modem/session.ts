/**
 * One modem session from start to end with real I/O: take the UUCP lock, open the port,
 * run the modem machine to its end, close, release the lock. `dialbond dial` is this plus
 * output; the link machine (pppd) reuses it with `holdLine`.
 */
import { createActor } from 'xstate';
import { DialbondError, isDialbondError, type ErrorCode } from '../errors/index.js';
import { SecretMask } from '../log/index.js';
import type { Profile } from '../profiles/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createModemActors } from './actors.js';
import { DTR_HANGUP_HOLD_MS, takeLineBack } from './handover.js';
import type { ModemIo } from './io.js';
import { claimPort } from './claim.js';
import type { DeviceLock } from './lock.js';
import { modemMachine, type ModemEmitted, type ModemPhase, type ModemSessionOutput } from './machine.js';
import type { DialResult } from './outcome.js';
import { buildModemPlan } from './plan.js';
import { SerialModemIo } from './serial-io.js';

export interface DialSessionOptions {
  profile: Profile;
  device: string;
  numbers: string[];
  attempts?: number;
  baudRate?: number;
  login?: { user: string; password: string };
  variables?: Record<string, string>;
  /** UUCP lock directory (default /var/lock or $DIALBOND_LOCK_DIR). */
  lockDir?: string;
  /** Aborting ends the session in order: abort the dial or hang up, close, unlock. */
  signal?: AbortSignal;
  /** Each transcript line, secrets masked. */
  onTranscript?: (entry: { direction: 'tx' | 'rx' | 'note'; text: string; atMs: number }) => void;
  onPhase?: (phase: ModemPhase, detail?: string) => void;
  /** The report as soon as the session's result is known (connected, or why not), before
   * the hang-up and close that follow it: what a caller acts on does not wait for them.
   * Its elapsedMs ends at the verdict. Called at most once. */
  onVerdict?: (report: DialReport) => void;
  /** Told about a stale lock that was removed. */
  onStaleLock?: (info: { file: string; pid: number | undefined }) => void;
  clock?: Clock;
  /** The port; a serial port on `device` by default (tests may pass their own). */
  io?: ModemIo;
}

/** The report of `dialbond dial --json` (design.md contract), plus where and why. */
export interface DialReport {
  result: DialResult;
  connect: string | null;
  speed: number | null;
  protocol: string | null;
  attempts: number;
  elapsedMs: number;
  /** From the start to CONNECT (and login), when connected. elapsedMs ends at the report:
   * the verdict where it is given at once (onVerdict), the session's end otherwise. */
  connectMs: number | null;
  device: string;
  number: string | null;
  error?: { code: ErrorCode; message: string };
  retryAfterMs?: number;
}

/** The report of a session from what the modem machine ended with (or has so far). */
export function dialReportOf(
  session: Pick<ModemSessionOutput, 'outcome' | 'connect' | 'attempts' | 'number'>,
  where: { device: string; elapsedMs: number; connectMs: number | null; mask?: (text: string) => string },
): DialReport {
  const { outcome, connect } = session;
  return {
    result: outcome.result,
    connect: connect?.raw ?? null,
    speed: connect?.speed ?? null,
    protocol: connect?.protocol ?? null,
    attempts: session.attempts,
    elapsedMs: where.elapsedMs,
    connectMs: outcome.result === 'connected' ? where.connectMs : null,
    device: where.device,
    number: session.number,
    ...(outcome.code ? { error: { code: outcome.code, message: where.mask ? where.mask(outcome.message) : outcome.message } } : {}),
    ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
  };
}

function errorReport(device: string, error: DialbondError, elapsedMs: number): DialReport {
  return { result: 'error', connect: null, speed: null, protocol: null, attempts: 0, elapsedMs, connectMs: null, device, number: null, error: { code: error.code, message: error.message } };
}

export { DTR_HANGUP_HOLD_MS };

/** A connected line held open for pppd (see dialAndHold). */
export interface HeldLine {
  report: DialReport;
  /** A descriptor of the open, connected tty: give it to pppd as standard input. It is
   * closed by hangUp(). */
  fd: number;
  /** Hangs up (DTR drop where the profile sets &D2; else takes the line back, escapes to
   * command mode and ATH), closes, unlocks. */
  hangUp(): Promise<void>;
}

interface Started {
  actor: ReturnType<typeof createActor<typeof modemMachine>>;
  io: ModemIo;
  lock: DeviceLock;
  report(): DialReport;
  done: Promise<void>;
  finish(): Promise<void>;
}

/** Plan, lock, port and machine: everything up to `actor.start()`. A report means it never
 * started (bad options, device locked). */
function startSession(options: DialSessionOptions, holdLine: boolean): Started | DialReport {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const secrets = new SecretMask();
  secrets.add(options.login?.password);

  let plan;
  let lock: DeviceLock;
  try {
    plan = buildModemPlan(options.profile, {
      device: options.device,
      numbers: options.numbers,
      holdLine,
      ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
      ...(options.login ? { login: options.login } : {}),
      ...(options.variables ? { variables: options.variables } : {}),
    });
    lock = claimPort(options.device, {
      ...(options.lockDir !== undefined ? { dir: options.lockDir } : {}),
      ...(options.onStaleLock ? { onStale: options.onStaleLock } : {}),
    });
  } catch (error) {
    if (isDialbondError(error)) return errorReport(options.device, error, clock.now() - started);
    throw error;
  }

  const io = options.io ?? new SerialModemIo({ device: options.device, baudRate: options.baudRate ?? options.profile.baudRate, flowControl: options.profile.flowControl });
  const actor = createActor(modemMachine.provide({ actors: createModemActors(io) }), { input: { plan }, clock });
  actor.on('transcript', (entry: Extract<ModemEmitted, { type: 'transcript' }>) => {
    options.onTranscript?.({ direction: entry.direction, text: secrets.mask(entry.text), atMs: clock.now() - started });
  });
  let connectMs: number | null = null;
  actor.on('phase', (entry: Extract<ModemEmitted, { type: 'phase' }>) => {
    if (entry.phase === 'online') connectMs = clock.now() - started;
    options.onPhase?.(entry.phase, entry.detail);
  });
  let verdictGiven = false;
  const done = new Promise<void>((resolve) =>
    actor.subscribe({
      next: (snapshot) => {
        if (verdictGiven || !options.onVerdict || !snapshot.context.outcome) return;
        verdictGiven = true;
        options.onVerdict(report());
      },
      complete: () => resolve(),
      error: () => resolve(),
    }),
  );
  const abort = () => actor.send({ type: 'ABORT' });
  if (options.signal?.aborted) queueMicrotask(abort);
  options.signal?.addEventListener('abort', abort, { once: true });

  const report = (): DialReport => {
    const snapshot = actor.getSnapshot();
    if (snapshot.status === 'error') throw snapshot.error;
    const context = snapshot.context;
    const outcome = snapshot.output?.outcome ?? context.outcome;
    if (!outcome) throw new Error('modem session has no outcome yet');
    return dialReportOf(
      {
        outcome,
        connect: context.connect,
        attempts: context.attempts,
        number: snapshot.output?.number ?? context.plan.dials[context.numberIndex % context.plan.dials.length]?.number ?? null,
      },
      { device: options.device, elapsedMs: clock.now() - started, connectMs, mask: (text) => secrets.mask(text) },
    );
  };
  const finish = async () => {
    options.signal?.removeEventListener('abort', abort);
    await io.close({ dropDtr: true }).catch(() => undefined);
    lock.release();
  };
  actor.start();
  return { actor, io, lock, report, done, finish };
}

/** Runs one session (dial, report, hang up) and resolves with its report; never rejects
 * for modem or port trouble (those are reports), only for programming errors. */
export async function runDialSession(options: DialSessionOptions): Promise<DialReport> {
  const session = startSession(options, false);
  if (!('actor' in session)) return session;
  try {
    await session.done;
    return session.report();
  } finally {
    await session.finish();
  }
}

/**
 * Dials and, once connected (and logged in), keeps the line up and hands it over: the
 * result holds a descriptor of the connected tty for pppd. The UUCP lock stays ours (with
 * our PID) until hangUp(), so no other program can take the port mid-call. A failed dial
 * resolves with its report instead, everything already released.
 */
export async function dialAndHold(options: DialSessionOptions & { io?: SerialModemIo }): Promise<HeldLine | DialReport> {
  const session = startSession(options, true);
  if (!('actor' in session)) return session;
  const online = new Promise<boolean>((resolve) => {
    session.actor.on('phase', (entry: Extract<ModemEmitted, { type: 'phase' }>) => entry.phase === 'online' && resolve(true));
    void session.done.then(() => resolve(false));
  });
  if (!(await online)) {
    await session.finish();
    return session.report();
  }
  const io = session.io as SerialModemIo;
  let fd: number;
  try {
    fd = await io.detach();
  } catch (error) {
    session.actor.send({ type: 'HANGUP' });
    await session.done;
    await session.finish();
    throw error;
  }
  const report = session.report();
  let hungUp: Promise<void> | undefined;
  return {
    report,
    fd,
    hangUp: () =>
      (hungUp ??= (async () => {
        await takeLineBack(io, fd, session.actor.getSnapshot().context.plan.dtrHangup, options.clock ?? systemClock);
        session.actor.send({ type: 'HANGUP' });
        await session.done;
        await session.finish();
      })()),
  };
}
