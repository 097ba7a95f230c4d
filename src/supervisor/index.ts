export { Supervisor, type SupervisorDeps } from './supervisor.js';
export { linkConfigOf, secretsOf, currentDeviceOf, type LinkConfigOptions } from './link-configs.js';
export { createBundle, bundleConfigOf } from './bundle-factory.js';
export type { ReloadResult, SupervisedLink, SupervisedLinkDetail, SupervisedLinkStatus, SupervisorEvent, SupervisorState, SupervisorStatus } from './types.js';
