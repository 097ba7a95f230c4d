/**
 * A job run every `intervalMs` on a Clock, one run at a time: the next interval starts
 * when a run has finished, so a slow run (a ping that waits out its timeout) never piles
 * up behind itself. The daemon's monitors all tick this way.
 */
import type { Clock } from './clock.js';

export class Periodic {
  private timer: unknown;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly job: () => unknown,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      Promise.resolve()
        .then(this.job)
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.intervalMs);
  }
}
