/**
 * Constants for the guarded escape from online data state back to command state.
 *
 * V.250 leaves the escape to the manufacturer; every Hayes-compatible modem does it the
 * Hayes way: at least the guard time of silence, three escape characters (S2, default
 * `+`, 43) within the guard time of each other, at least the guard time of silence again,
 * then `OK`. The guard time is S12 in fiftieths of a second (Hayes Smartmodem manuals;
 * default 50, i.e. one second). Pure: the timing itself is done by the modem machine on
 * its clock.
 */

/** The escape characters to send, assuming the default S2 (43, `+`). */
export const ESCAPE_SEQUENCE = '+++';

/** Guard time for the default S12 = 50 (50/50 s = 1000 ms). */
export const DEFAULT_GUARD_TIME_MS = 1000;

/**
 * Converts an S12 value (0-255, fiftieths of a second) to milliseconds: 50 -> 1000.
 * 0 is passed through as 0 (on many modems it disables the guard time check).
 *
 * @throws RangeError when `value` is not an integer in 0-255, the range of an S-register.
 */
export function guardTimeFromS12(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`S12 must be an integer from 0 to 255 (fiftieths of a second), got ${String(value)}`);
  }
  return value * 20;
}
