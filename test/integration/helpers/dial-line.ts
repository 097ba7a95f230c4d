import { tokenizeCommandLine } from '../../../src/sim/index.js';

/**
 * Whether an AT command line dials: `ATDT5551234`, and also settings followed by D on one
 * line (`ATQ0 V1 E1 S0=0 &C1 &D2DT5551234`, which dialbond sends for the first dial), read
 * with the simulator's own V.250 tokenizer.
 */
export function isDialLine(line: string | undefined): boolean {
  const text = line?.trim() ?? '';
  return /^AT/i.test(text) && tokenizeCommandLine(text.slice(2)).some((token) => token.kind === 'dial');
}
