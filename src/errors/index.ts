/**
 * One typed error family for all of dialbond. Tests assert `code`, never message text.
 * Messages say what failed, where, and what to do about it.
 */

/** Every error code, grouped by area (the prefix before the first underscore). */
export const ERROR_CODES = {
  // Hayes codec: what a modem said or what we were asked to send.
  HAYES_BAD_DIAL_STRING: { retryable: false },
  HAYES_BAD_COMMAND: { retryable: false },
  HAYES_LINE_TOO_LONG: { retryable: true },
  // The modem and its port.
  MODEM_NO_DEVICE: { retryable: false },
  /** The path is not a serial port (a regular file, /dev/null, a directory). */
  MODEM_NOT_SERIAL: { retryable: false },
  MODEM_PERMISSION: { retryable: false },
  MODEM_LOCKED: { retryable: true },
  MODEM_LOCK_FAILED: { retryable: false },
  MODEM_OPEN_FAILED: { retryable: true },
  MODEM_IO: { retryable: true },
  MODEM_VANISHED: { retryable: true },
  MODEM_NO_RESPONSE: { retryable: true },
  MODEM_INIT_FAILED: { retryable: false },
  MODEM_CHECK_FAILED: { retryable: false },
  MODEM_DIAL_FAILED: { retryable: true },
  MODEM_LOGIN_FAILED: { retryable: true },
  MODEM_TIMEOUT: { retryable: true },
  MODEM_ABORTED: { retryable: true },
  // pppd: its arguments, its secrets file, the process and how it ended (pppd(8)).
  PPP_OPTIONS: { retryable: false },
  PPP_NOT_FOUND: { retryable: false },
  PPP_START_FAILED: { retryable: true },
  PPP_EXITED: { retryable: true },
  PPP_SECRETS: { retryable: false },
  // Dialer profiles and configuration files.
  PROFILE_NOT_FOUND: { retryable: false },
  PROFILE_INVALID: { retryable: false },
  CONFIG_INVALID: { retryable: false },
  CONFIG_UNREADABLE: { retryable: false },
  SECRET_UNREADABLE: { retryable: false },
  // The simulator.
  SIM_SCENARIO_INVALID: { retryable: false },
  SIM_PTY_FAILED: { retryable: false },
  // System commands (ip, tc, nft, sysctl, eql_enslave) and bundles.
  SYS_COMMAND_FAILED: { retryable: true },
  SYS_NOT_FOUND: { retryable: false },
  BUNDLE_INVALID: { retryable: false },
  BUNDLE_FAILED: { retryable: true },
  // The router's resolver (DNS servers while the bundle is up).
  DNS_FAILED: { retryable: true },
  // The lab: a real kernel in QEMU for end-to-end tests.
  LAB_MISSING_PACKAGES: { retryable: false },
  LAB_KERNEL_FETCH: { retryable: true },
  LAB_BOOT_FAILED: { retryable: true },
  LAB_TIMEOUT: { retryable: true },
  LAB_INTERRUPTED: { retryable: true },
  // Links, as the supervisor keeps them.
  LINK_UNKNOWN: { retryable: false },
  LINK_HUNG_UP: { retryable: false },
  LINK_PROBE_FAILED: { retryable: true },
  LINK_STARVING: { retryable: true },
  /** The modem asked not to be dialed yet (DELAYED); a dial now needs force. */
  LINK_HOLD_OFF: { retryable: true },
  // The supervisor daemon and its control socket.
  DAEMON_RUNNING: { retryable: false },
  DAEMON_STATE: { retryable: true },
  CONTROL_BAD_REQUEST: { retryable: false },
  CONTROL_TOO_LARGE: { retryable: false },
  CONTROL_UNKNOWN_COMMAND: { retryable: false },
  CONTROL_VERSION: { retryable: false },
  CONTROL_UNAVAILABLE: { retryable: true },
  CONTROL_FAILED: { retryable: true },
  // Command-line usage.
  CLI_USAGE: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The area of a code: `MODEM_LOCKED` -> `MODEM`. */
export type ErrorArea = ErrorCode extends `${infer A}_${string}` ? A : never;

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
    return this.code.slice(0, this.code.indexOf('_')) as ErrorArea;
  }

  /** Whether trying again later may succeed (a busy line) or not (a bad profile). */
  isRetryable(): boolean {
    return ERROR_CODES[this.code].retryable;
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
