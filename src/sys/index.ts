/**
 * Small wrappers over the operating system. Public surface of src/sys.
 */
export { PtyEndpoint, loadPtyNative, type PtyEndpointEvents, type PtyEndpointOptions, type PtyNative } from './pty.js';
export { systemExec, recordingExec, type Exec, type ExecResult, type ExecOptions } from './exec.js';
export { readSysctl, writeSysctl, SysctlJournal } from './sysctl.js';
export { SystemdNotifier, systemdSettingsFrom, loadNotifyNative, type NotifyNative, type SystemdSettings } from './systemd.js';
export { interfaceExists, readCounters, type InterfaceCounters } from './netdev.js';
export { setTtyRate, ttyRate } from './tty-rate.js';
export { acceptRouterAdvertisements, LINE_IPV6_SETTINGS } from './ipv6.js';
export { eqlEmancipate, eqlSetPriority, systemEqlControl, type EqlControl } from './eql.js';
export { RouterJournal, type JournalRecord, type RouterJournalOptions } from './journal.js';
export { changesOf, routeArgs, routeIdentity, qdiscArgs, type Change, type RouteJson } from './journal-changes.js';
export { whenPathExists } from './path-watch.js';
export { portHolders, describeHolders, isModemManager, modemManagerPids, type PortHolder, type PortHolderOptions } from './port-holders.js';
export { parseRouterAdvertisement, solicitRouterDns, type AdvertisedDns } from './router-advert.js';
