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
import type { ModemIo } from './io.js';
import { acquireDeviceLock, type DeviceLock } from './lock.js';
import { modemMachine, type ModemEmitted, type ModemPhase } from './machine.js';
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
  /** From the start to CONNECT (and login), when connected; elapsedMs adds the hang-up. */
  connectMs: number | null;
  device: string;
  number: string | null;
  error?: { code: ErrorCode; message: string };
  retryAfterMs?: number;
}

function errorReport(device: string, error: DialbondError, elapsedMs: number): DialReport {
  return { result: 'error', connect: null, speed: null, protocol: null, attempts: 0, elapsedMs, connectMs: null, device, number: null, error: { code: error.code, message: error.message } };
}

/** Runs one session and resolves with its report; never rejects for modem or port trouble
 * (those are reports), only for programming errors. */
export async function runDialSession(options: DialSessionOptions): Promise<DialReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const secrets = new SecretMask();
  secrets.add(options.login?.password);

  let plan;
  try {
    plan = buildModemPlan(options.profile, {
      device: options.device,
      numbers: options.numbers,
      ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
      ...(options.login ? { login: options.login } : {}),
      ...(options.variables ? { variables: options.variables } : {}),
    });
  } catch (error) {
    if (isDialbondError(error)) return errorReport(options.device, error, clock.now() - started);
    throw error;
  }

  let lock: DeviceLock | undefined;
  try {
    lock = acquireDeviceLock(options.device, {
      ...(options.lockDir !== undefined ? { dir: options.lockDir } : {}),
      ...(options.onStaleLock ? { onStale: options.onStaleLock } : {}),
    });
  } catch (error) {
    if (isDialbondError(error)) return errorReport(options.device, error, clock.now() - started);
    throw error;
  }

  const io = options.io ?? new SerialModemIo({ device: options.device, baudRate: options.baudRate ?? options.profile.baudRate, flowControl: options.profile.flowControl });
  try {
    const actor = createActor(modemMachine.provide({ actors: createModemActors(io) }), { input: { plan }, clock });
    actor.on('transcript', (entry: Extract<ModemEmitted, { type: 'transcript' }>) => {
      options.onTranscript?.({ direction: entry.direction, text: secrets.mask(entry.text), atMs: clock.now() - started });
    });
    let connectMs: number | null = null;
    actor.on('phase', (entry: Extract<ModemEmitted, { type: 'phase' }>) => {
      if (entry.phase === 'online') connectMs = clock.now() - started;
      options.onPhase?.(entry.phase, entry.detail);
    });
    const done = new Promise<void>((resolve) => {
      actor.subscribe({ complete: () => resolve(), error: () => resolve() });
    });
    const abort = () => actor.send({ type: 'ABORT' });
    if (options.signal?.aborted) queueMicrotask(abort);
    options.signal?.addEventListener('abort', abort, { once: true });
    actor.start();
    await done;
    options.signal?.removeEventListener('abort', abort);
    const snapshot = actor.getSnapshot();
    if (snapshot.status === 'error') throw snapshot.error;
    const output = snapshot.output;
    if (!output) throw new Error('modem session ended without output');
    const { outcome, connect } = output;
    return {
      result: outcome.result,
      connect: connect?.raw ?? null,
      speed: connect?.speed ?? null,
      protocol: connect?.protocol ?? null,
      attempts: output.attempts,
      elapsedMs: clock.now() - started,
      connectMs: outcome.result === 'connected' ? connectMs : null,
      device: options.device,
      number: output.number,
      ...(outcome.code ? { error: { code: outcome.code, message: secrets.mask(outcome.message) } } : {}),
      ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
    };
  } finally {
    await io.close({ dropDtr: true }).catch(() => undefined);
    lock.release();
  }
}
