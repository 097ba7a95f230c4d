/**
 * DNS while the bundle is up: the peers' (or configured) servers fed to the router's
 * resolver (systemd-resolved, resolvconf or /etc/resolv.conf), taken back when a line
 * leaves, when the daemon stops, and after a crash. Public surface of src/dns.
 */
export { DIALBOND_IP_UP, pppDnsOptions, type DnsSetting } from './setting.js';
export { allServers, type DnsBackendKind, type DnsServersByInterface, type ResolverBackend, type DnsRecordStore } from './backend.js';
export { DnsJournal, dnsRecordFile, parseDnsRecord, writeFileDurably, type DnsRecord, type OriginalResolvConf } from './journal.js';
export { ResolvedBackend, revertResolvedInterface } from './resolved.js';
export { ResolvconfBackend, resolvconfRecord, deleteResolvconfRecord } from './resolvconf.js';
export { ResolvFileBackend, RESOLV_CONF, readOriginalResolvConf, renderResolvConf, restoreResolvConf, type ResolvConfRestore } from './resolv-file.js';
export { detectResolver, systemResolverProbe, commandInstalled, RESOLVED_STUB, type ResolverProbe } from './detect.js';
export { DnsManager, wantedServers, createResolverBackend, detectResolverBackend, type DnsLink, type DnsChange, type DnsManagerOptions } from './manager.js';
export { restoreDnsAfterCrash } from './restore.js';
