/**
 * The link machine's real effects: dialing (the modem machine, holding the line), pppd on
 * the held line or with a pty command, and the release that ends pppd and hangs up.
 */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { errorCodeOf, errorMessageOf } from '../errors/index.js';
import { dialAndHold, type HeldLine } from '../modem/index.js';
import { buildPppdArgs, startPppd, writePppSecretsFile, type PppLogEvent } from '../ppp/index.js';
import { rotatedNumbers, type DialInput, type DialResultForLink, type LinkEvent, type LinkPppEvent, type PppExit, type RunningPppd } from './machine.js';
import type { LinkConfig, TranscriptEntry } from './types.js';

/** The part of pppd's log the link machine reacts to. */
export function linkEventOf(event: PppLogEvent): LinkPppEvent | undefined {
  switch (event.type) {
    case 'interface':
      return { type: 'interface', ifname: event.ifname };
    case 'bundle-joined':
      return { type: 'bundle-joined', ifname: event.ifname };
    case 'local-ip':
      return { type: 'local-ip', address: event.address };
    case 'remote-ip':
      return { type: 'remote-ip', address: event.address };
    case 'dns':
      return { type: 'dns', rank: event.rank, address: event.address };
    case 'peer-dead':
    case 'link-disconnected':
      return { type: 'peer-dead' };
    case 'hangup':
      return { type: 'hangup' };
    case 'auth-failed':
      return { type: 'auth-failed' };
    default:
      return undefined;
  }
}

/** pppd's argument vector for a link: a handed-over line is pppd's stdin (no device). */
export function pppdArgsFor(config: LinkConfig, optionsFile?: string): string[] {
  const { password: _password, ...ppp } = config.ppp;
  return buildPppdArgs({
    ...ppp,
    linkName: config.name,
    ...(config.kind === 'pty' ? { ptyCommand: config.command } : {}),
    ...(optionsFile !== undefined ? { optionsFile } : {}),
  });
}

export interface LinkActorDeps {
  /** pppd to run (tests and unusual installs); found on PATH by default. */
  pppdPath?: string;
  /** A dial begins (its transcript starts afresh). */
  onDialStart?: () => void;
  /** Each line of a dial's transcript (AT exchange and login chat), secrets masked. */
  onTranscript?: (entry: TranscriptEntry) => void;
  /** Each line pppd logs, secrets masked. */
  onPppLine?: (line: string) => void;
}

/** The passwords of a link, which nothing it shows or logs may contain. */
function secretsOf(config: LinkConfig): string[] {
  return [config.ppp.password, config.kind === 'modem' ? config.login?.password : undefined].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export function createLinkActors(deps: LinkActorDeps = {}) {
  return {
    dial: fromPromise<DialResultForLink, DialInput>(async ({ input, signal }) => {
      const config = input.config;
      if (config.kind !== 'modem') return { held: null, report: null };
      deps.onDialStart?.();
      const result = await dialAndHold({
        profile: config.profile,
        device: config.device,
        numbers: rotatedNumbers(config.numbers, input.failures),
        signal,
        ...(config.baudRate !== undefined ? { baudRate: config.baudRate } : {}),
        ...(config.login ? { login: config.login } : {}),
        ...(config.variables ? { variables: config.variables } : {}),
        ...(config.lockDir !== undefined ? { lockDir: config.lockDir } : {}),
        ...(deps.onTranscript ? { onTranscript: deps.onTranscript } : {}),
      });
      if ('fd' in result) {
        // Stopped while the line came up: hand nothing over, hang up at once.
        if (signal.aborted) {
          await result.hangUp();
          return { held: null, report: result.report };
        }
        return { held: result, report: result.report };
      }
      return { held: null, report: result };
    }),

    pppd: fromCallback<EventObject, { config: LinkConfig; held: HeldLine | null }>(({ input, sendBack }) => {
      const send = (event: LinkEvent) => sendBack(event);
      let running: RunningPppd | undefined;
      let stopped = false;
      void (async () => {
        const { config, held } = input;
        const secret = config.ppp.user !== undefined && config.ppp.password !== undefined ? await writePppSecretsFile(config.runDir, config.name, { user: config.ppp.user, password: config.ppp.password }) : undefined;
        try {
          const pppd = startPppd({
            args: pppdArgsFor(config, secret?.path),
            ...(held ? { stdinFd: held.fd } : {}),
            ...(deps.pppdPath !== undefined ? { pppdPath: deps.pppdPath } : {}),
            secrets: secretsOf(config),
          });
          running = pppd;
          if (deps.onPppLine) pppd.on('line', deps.onPppLine);
          if (stopped) void pppd.stop();
          send({ type: 'PPP_STARTED', pppd });
          pppd.on('log', (event: PppLogEvent) => {
            const linkEvent = linkEventOf(event);
            if (linkEvent) send({ type: 'PPP_LOG', event: linkEvent });
          });
          const exit = await pppd.exited;
          send({ type: 'PPP_EXIT', exit: { status: exit.status, signal: exit.signal, name: exit.name, meaning: exit.meaning, code: exit.code } });
        } finally {
          await secret?.remove();
        }
      })().catch((error: unknown) => {
        // pppd could not even start (not installed, bad options, no secrets file): its code
        // says whether a redial can help.
        const code = errorCodeOf(error, 'PPP_START_FAILED');
        const exit: PppExit = { status: null, signal: null, name: code.replace(/^PPP_/, '').toLowerCase().replace(/_/g, '-'), meaning: errorMessageOf(error), code };
        send({ type: 'PPP_EXIT', exit });
      });
      return () => {
        stopped = true;
        void running?.stop();
      };
    }),

    release: fromPromise<void, { pppd: RunningPppd | null; held: HeldLine | null }>(async ({ input }) => {
      await input.pppd?.stop();
      await input.held?.hangUp();
    }),
  };
}
