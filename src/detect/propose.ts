/**
 * The configuration `dialbond detect` proposes for the modems it found: one link each, with
 * the profile picked for it, its USB modem named by what it is (`match:`, so renumbering
 * does not matter) and a tty by its path, and the rate found where it is not the profile's.
 * As YAML, each link carries a comment on what was found and what is left to fill in (a
 * dial-up line's number, a SIM's PIN).
 */
import { Document } from 'yaml';
import type { Candidate } from './candidates.js';
import { describeIdentity, type ModemIdentity, type ProfileChoice } from './identify.js';

export interface DetectedModem {
  device: string;
  usb?: Candidate['usb'];
  rate: number;
  identity: ModemIdentity;
  choice: ProfileChoice;
  /** The picked profile's own rate, which the link need not repeat. */
  profileRate: number;
  /** The picked profile dials a number of its own (gsm's *99***1#). */
  profileHasNumber: boolean;
  /** The profile uses ${apn}. */
  usesApn: boolean;
  /** The APN the profile gives when the link gives none. */
  apnDefault?: string;
}

export interface ProposeOptions {
  /** perconn by default: it needs no address of its own, so it bonds lines from any ISPs. */
  mode?: 'eql' | 'teql' | 'perconn' | 'mlppp' | 'multipath';
  /** The bundle's own address (eql and teql need one). */
  address?: string;
  /** The number dial-up links dial (the ISP's). */
  numbers?: readonly string[];
  apn?: string;
}

/**
 * The `match:` of a USB modem: vendor:product, with the serial number when another device
 * of the same model is plugged in, and the interface when its device has several serial
 * ports (a cellular stick's modem and diagnostics ports). None when nothing would tell it
 * from another port (two sticks of one model without serial numbers): then its path.
 */
function usbMatchOf(modem: DetectedModem, ports: readonly PortIdentity[]): Record<string, unknown> | undefined {
  const usb = modem.usb;
  if (!usb) return undefined;
  const same = ports.filter((p) => p.device !== modem.device && p.usb?.vendor === usb.vendor && p.usb.product === usb.product);
  const otherDevices = same.filter((p) => p.usb?.serial !== usb.serial);
  const sameDevice = same.filter((p) => p.usb?.serial === usb.serial);
  if (otherDevices.length > 0 && usb.serial === undefined) return undefined;
  if (sameDevice.some((p) => p.usb?.interface === usb.interface)) return undefined;
  return {
    usb: `${usb.vendor}:${usb.product}`,
    ...(otherDevices.length > 0 ? { serial: usb.serial } : {}),
    ...(sameDevice.length > 0 ? { interface: usb.interface } : {}),
  };
}

/** A serial port and the USB device behind it, as sysfs lists them. */
export interface PortIdentity {
  device: string;
  usb?: Candidate['usb'];
}

export interface Proposal {
  config: Record<string, unknown>;
  /** What each link still needs, by link name. */
  todo: Record<string, string[]>;
}

/** `ports`: every serial port there is (not only the modems), to tell a modem's port from
 * its siblings. */
export function proposeConfig(modems: readonly DetectedModem[], ports: readonly PortIdentity[], options: ProposeOptions = {}): Proposal {
  const counters = { cell: 0, line: 0 };
  const todo: Record<string, string[]> = {};
  const links = modems.map((modem) => {
    const kind = modem.identity.sim ? 'cell' : 'line';
    const name = `${kind}${counters[kind]++}`;
    const match = usbMatchOf(modem, ports);
    const needs: string[] = [];
    const link: Record<string, unknown> = { name, ...(match ? { match } : { device: modem.device }), profile: modem.choice.profile };
    if (modem.rate !== modem.profileRate && !/ttyACM\d+$/.test(modem.device)) link.baud = modem.rate;
    if (!modem.profileHasNumber) {
      if (options.numbers && options.numbers.length > 0) link.numbers = [...options.numbers];
      else needs.push('numbers: the ISP\'s phone number (--number)');
    }
    if (modem.usesApn) {
      if (options.apn !== undefined) link.variables = { apn: options.apn };
      else if (modem.apnDefault !== undefined) needs.push(`variables: { apn: ... } the provider's APN (--apn), if it is not "${modem.apnDefault}"`);
      else needs.push('variables: { apn: ... } the provider\'s APN (--apn)');
    }
    if (modem.identity.sim && modem.identity.sim.state !== 'ready') needs.push(`the SIM says "${modem.identity.sim.text}": unlock or insert it before dialing`);
    if (needs.length > 0) todo[name] = needs;
    return link;
  });
  const bundle = { mode: options.mode ?? 'perconn', ...(options.address !== undefined ? { address: options.address } : {}) };
  return { config: { bundle, links }, todo };
}

/** The proposal as a YAML file with comments: what was found on each port, what is left. */
export function proposalYaml(proposal: Proposal, modems: readonly DetectedModem[], header: readonly string[]): string {
  const doc = new Document(proposal.config);
  doc.commentBefore = header.map((line) => ` ${line}`).join('\n');
  const links = proposal.config.links as Array<{ name: string }>;
  links.forEach((link, index) => {
    const modem = modems[index] as DetectedModem;
    const node = doc.getIn(['links', index], true) as { commentBefore?: string } | undefined;
    if (!node) return;
    const lines = [
      ` ${modem.device}: ${describeIdentity(modem.identity)}, answers at ${modem.rate} bps; profile ${modem.choice.profile}: ${modem.choice.why}`,
      ...(proposal.todo[link.name] ?? []).map((need) => ` TODO ${need}`),
    ];
    node.commentBefore = lines.join('\n');
  });
  return doc.toString({ lineWidth: 0 });
}
