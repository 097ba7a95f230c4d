export type { BundleBackend, BundleConfig, BundleMember, BundleMode, BundleStatus, BundleLinkStatus } from './backend.js';
export { TeqlBundle } from './teql.js';
export { systemBundleDeps, type BundleDeps } from './deps.js';
