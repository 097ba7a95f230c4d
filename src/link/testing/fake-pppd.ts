/**
 * A stand-in for pppd, for host tests of a whole link: it implements what the link's pppd
 * actor uses of src/ppp's PppdProcess (log events, exit, stop), driven by the test.
 */
import { EventEmitter } from 'node:events';
import { describePppExit, type PppdExit, type PppdProcessEvents, type PppLogEvent, type StartPppdOptions } from '../../ppp/index.js';
import type { PppdHandle } from '../actors.js';

/** pppd's exit status after SIGTERM (EXIT_USER_REQUEST). */
const USER_REQUEST = 5;

export class FakePppd extends EventEmitter<PppdProcessEvents> implements PppdHandle {
  readonly exited: Promise<PppdExit>;
  stopped = false;
  private finish!: (exit: PppdExit) => void;
  private ended = false;

  constructor(
    readonly options: StartPppdOptions,
    readonly pid: number,
    private readonly onStop: () => void = () => undefined,
  ) {
    super();
    this.exited = new Promise((resolve) => (this.finish = resolve));
  }

  /** pppd logs a line that parses to `event`. */
  log(event: PppLogEvent): void {
    this.emit('log', event);
  }

  /** pppd ends with `status` (null and a signal: killed). */
  exit(status: number | null, signal: string | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.finish({ ...describePppExit(status, signal), status, signal, lines: [] });
  }

  /** As pppd's: SIGTERM to a running pppd, nothing to one that has ended. */
  stop(): Promise<PppdExit> {
    if (!this.stopped && !this.ended) {
      this.stopped = true;
      this.onStop();
    }
    this.exit(USER_REQUEST);
    return this.exited;
  }
}

/** A pppd starter that keeps every fake it started, latest last. */
export function fakePppdStarter(onStop: (pppd: FakePppd) => void = () => undefined) {
  const started: FakePppd[] = [];
  return {
    started,
    start: (options: StartPppdOptions): FakePppd => {
      const pppd: FakePppd = new FakePppd(options, 4000 + started.length, () => onStop(pppd));
      started.push(pppd);
      return pppd;
    },
  };
}
