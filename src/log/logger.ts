import { pino, destination, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { SecretMask } from './secrets.js';

/** The structured logger used across dialbond (pino: JSON lines, one object per event). */
export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  /** Where log lines go; standard error by default so standard output stays for results. */
  destination?: NodeJS.WritableStream | DestinationStream;
  /** Secrets to mask in every message and string field. */
  secrets?: SecretMask;
}

/** Masks every string value of a log record, recursively. */
function maskDeep(value: unknown, secrets: SecretMask): unknown {
  if (typeof value === 'string') return secrets.mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets));
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secrets)]));
  }
  return value;
}

/** Creates a logger whose every line has registered secrets masked. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? new SecretMask();
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'dialbond' },
      hooks: {
        logMethod(args, method) {
          const masked = secrets.size ? args.map((a) => maskDeep(a, secrets)) : args;
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? destination({ dest: 2, sync: true }),
  );
}

/** A logger that drops everything (for tests and quiet runs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
