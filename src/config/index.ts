export { configSchema, type DialbondConfig, type ConfigLink, type ConfigModemLink } from './schema.js';
export { loadConfig, parseConfig, type LoadedConfig } from './load.js';
export { readSecretFile } from './secrets.js';
