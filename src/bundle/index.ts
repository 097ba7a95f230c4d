export type { BundleBackend, BundleConfig, BundleMember, BundleMode, BundleStatus, BundleLinkStatus } from './backend.js';
export { DEFAULT_QUEUE_PER_LINE } from './backend.js';
export { TeqlBundle } from './teql.js';
export { systemBundleDeps, type BundleDeps, type SettingsJournal } from './deps.js';
export { EqlBundle, type EqlBundleDeps } from './eql.js';
export { MultipathBundle, multipathRouteArgs, nexthopWeights } from './multipath.js';
export { PerconnBundle, perconnRuleset, perconnRanges, weightRanges, type PerconnLinkStatus, type PerconnStatus, type PerconnRange, type PerconnRuleLink } from './perconn.js';
export { MlpppBundle } from './mlppp.js';
