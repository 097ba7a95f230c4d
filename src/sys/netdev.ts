/**
 * Network interface facts from sysfs: whether it exists, and its byte counters.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isInterfaceName } from './ifname.js';

export interface InterfaceCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

export function interfaceExists(ifname: string): boolean {
  return isInterfaceName(ifname) && existsSync(`/sys/class/net/${ifname}`);
}

/** The interface's counters, or undefined when it does not exist (any more). */
export function readCounters(ifname: string): InterfaceCounters | undefined {
  if (!interfaceExists(ifname)) return undefined;
  const read = (name: string) => {
    try {
      return Number(readFileSync(`/sys/class/net/${ifname}/statistics/${name}`, 'utf8').trim());
    } catch {
      return 0;
    }
  };
  return { rxBytes: read('rx_bytes'), txBytes: read('tx_bytes'), rxPackets: read('rx_packets'), txPackets: read('tx_packets') };
}
