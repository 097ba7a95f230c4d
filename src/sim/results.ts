/**
 * How a modem frames what it says, per ITU-T V.250 5.7-5.8:
 * - verbose result codes (V1) are `<S3><S4>TEXT<S3><S4>`, i.e. CR LF around the text;
 * - numeric result codes (V0) are the digits followed by S3 (CR) only;
 * - information text (ATI, Sn?) is framed like a verbose result in V1 and as `TEXT<S3><S4>` in V0;
 * - Q1 suppresses result codes but not information text (V.250 6.2.5).
 * A scenario's `noise.crlf` overrides S3/S4 with the odd line ends some modems use.
 */
import type { LineEnding } from './scenario.js';

/** Result codes the simulator issues, verbose text to numeric code. Codes 0-8 are V.250
 * Table 1 and the Hayes set; 24 and 32 are the Rockwell/Conexant numbers (codes above 8 vary
 * by vendor, which is why dialers force V1). */
export const NUMERIC_CODES: Readonly<Record<string, number>> = {
  OK: 0,
  CONNECT: 1,
  RING: 2,
  'NO CARRIER': 3,
  ERROR: 4,
  'NO DIALTONE': 6,
  BUSY: 7,
  'NO ANSWER': 8,
  DELAYED: 24,
  BLACKLISTED: 32,
};

/** How results are framed right now. */
export interface ResultFormat {
  verbose: boolean;
  quiet: boolean;
  lineEnding: LineEnding;
  /** S3, the command line terminator and the CR of result framing. */
  s3: number;
  /** S4, the LF of result framing. */
  s4: number;
}

/** The line end to frame verbose text with. */
export function lineEnd(format: ResultFormat): string {
  const cr = String.fromCharCode(format.s3);
  const lf = String.fromCharCode(format.s4);
  switch (format.lineEnding) {
    case 'crlf':
      return cr + lf;
    case 'lf':
      return lf;
    case 'cr':
      return cr;
    case 'crcrlf':
      return cr + cr + lf;
    case 'lfcr':
      return lf + cr;
  }
}

/** The numeric code for a result text: `CONNECT 28800/...` is 1, `+CME ERROR: 10` is 4. */
export function numericCode(text: string): number | undefined {
  const exact = NUMERIC_CODES[text];
  if (exact !== undefined) return exact;
  if (text.startsWith('CONNECT')) return 1;
  if (text.startsWith('+CME ERROR') || text.startsWith('+CMS ERROR')) return 4;
  return undefined;
}

/**
 * A final or unsolicited result code as the modem sends it; '' under Q1. A result with no
 * numeric code (VOICE, intermediate reports) is sent as text even in V0, as vendor modems do.
 */
export function formatResult(text: string, format: ResultFormat): string {
  if (format.quiet) return '';
  const eol = lineEnd(format);
  if (!format.verbose) {
    const code = numericCode(text);
    if (code !== undefined) return `${code}${String.fromCharCode(format.s3)}`;
    return `${text}${eol}`;
  }
  return `${eol}${text}${eol}`;
}

/** Information text (ATI, Sn?, +CSQ: ...). Not suppressed by Q1. */
export function formatInfo(text: string, format: ResultFormat): string {
  const eol = lineEnd(format);
  return format.verbose ? `${eol}${text}${eol}` : `${text}${eol}`;
}

/**
 * Line-noise garbage: NULs and 8-bit bytes, never CR or LF, so that it arrives as one junk
 * line before the result rather than as extra lines (a dialer must skip it either way).
 */
export function garbage(count: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    out += random() < 0.3 ? '\u0000' : String.fromCharCode(0x80 + Math.floor(random() * 0x7f));
  }
  return out;
}
