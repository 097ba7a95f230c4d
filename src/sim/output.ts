/**
 * What a simulated modem says to the DTE, as a real one does: echo, result codes and
 * information text in its current format (verbose or numeric, quiet, S3/S4 line ends,
 * line-noise garbage before results when the scenario asks), collected during one
 * command line and sent as one chunk, and nothing at all while no DTE is attached.
 */
import { formatInfo, formatResult, garbage, type ResultFormat } from './results.js';

export interface ModemOutputOptions {
  /** The format of the moment (the profile changes with the commands). */
  format: () => ResultFormat;
  garbageBytes: number;
  random: () => number;
  attached: () => boolean;
  emit: (bytes: Buffer) => void;
}

export class ModemOutput {
  private pending = '';

  constructor(private readonly options: ModemOutputOptions) {}

  /** Collects output during `fn` and emits it as one chunk (echo and result together). */
  batch(fn: () => void): void {
    fn();
    if (this.pending && this.options.attached()) {
      const bytes = Buffer.from(this.pending, 'latin1');
      this.pending = '';
      this.options.emit(bytes);
    }
    this.pending = '';
  }

  out(text: string): void {
    if (this.options.attached()) this.pending += text;
  }

  result(text: string): void {
    const format = this.options.format();
    if (format.quiet) return;
    if (this.options.garbageBytes > 0) this.out(garbage(this.options.garbageBytes, this.options.random));
    this.out(formatResult(text, format));
  }

  info(text: string): void {
    this.out(formatInfo(text, this.options.format()));
  }

  /** The DTE went: what was not sent yet is dropped. */
  discard(): void {
    this.pending = '';
  }
}
