/**
 * One typed error family for all of dialbond. Tests assert `code`, never message text.
 * Messages say what failed, where, and what to do about it; the codes, with a hint each
 * and whether they are retryable, are in codes.ts.
 */

import { ERROR_CODES, areaOf, awaitsDevice, hintFor, isErrorCode, isRetryableCode, type ErrorArea, type ErrorCode } from './codes.js';

export { ERROR_CODES, areaOf, awaitsDevice, hintFor, isErrorCode, isRetryableCode, type ErrorArea, type ErrorCode };

/** Structured detail that travels with an error (never a secret). */
export type ErrorDetails = Record<string, unknown>;

/** The one error class dialbond throws on purpose. */
export class DialbondError extends Error {
  override readonly name = 'DialbondError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The area prefix of the code, e.g. `MODEM`. */
  get area(): ErrorArea {
    return areaOf(this.code);
  }

  /** Whether trying again later may succeed (a busy line) or not (a bad profile). */
  isRetryable(): boolean {
    return isRetryableCode(this.code);
  }

  /** A plain object for JSON output and logs. */
  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Whether `value` is a DialbondError, optionally with the given code. */
export function isDialbondError(value: unknown, code?: ErrorCode): value is DialbondError {
  return value instanceof DialbondError && (code === undefined || value.code === code);
}

/** The errno-style code of a Node.js system error (`ENOENT`, `EACCES`, ...), if any. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** The registered code an error carries (a DialbondError's, or a `code` field that names
 * one, as errors crossing an actor boundary keep it), else `fallback`. */
export function errorCodeOf(error: unknown, fallback: ErrorCode): ErrorCode {
  if (isDialbondError(error)) return error.code;
  const code = systemErrorCode(error);
  return isErrorCode(code) ? code : fallback;
}

/** An error's message, or the thrown value as text. */
export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof (error as { message: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}
