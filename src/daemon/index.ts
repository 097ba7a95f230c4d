export { Daemon, type DaemonOptions } from './daemon.js';
export { cleanLeftovers, findOurPppd, systemProcessTable, type ProcessTable, type LeftoverOptions } from './leftovers.js';
export { HealthMonitor, type HealthOptions } from './health.js';
export { TrafficMonitor, assessTraffic, type TrafficSample, type TrafficRules, type TrafficVerdict } from './traffic.js';
export { MetricsServer, renderMetrics } from './metrics.js';
export { OnDemand, type OnDemandOptions } from './on-demand.js';
