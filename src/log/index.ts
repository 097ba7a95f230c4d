export { SecretMask, MASK } from './secrets.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.js';
