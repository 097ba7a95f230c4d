export { configSchema, isModemLink, type DialbondConfig, type ConfigLink, type ConfigModemLink, type ConfigUsbMatch } from './schema.js';
export { loadConfig, parseConfig, type LoadedConfig } from './load.js';
export { readSecretFile } from './secrets.js';
