/**
 * The udev rule that keeps ModemManager off dialbond's modems. ModemManager probes every
 * new ttyACM and ttyUSB with AT commands and keeps the ports of the modems it finds; a
 * device carrying ID_MM_DEVICE_IGNORE=1 in the udev database is left alone. One rule per
 * configured modem: a USB modem named by `match:` by its vendor, product (and serial
 * number); a tty named by path by its kernel name, or by the /dev/serial link it is.
 */
import { relative } from 'node:path';
import { kernelNameOf } from './lock.js';
import { isPseudoTerminal } from './serial-io.js';
import { describeMatch, type UsbMatch } from './usb-ports.js';

/** Where the rules go: after 60-serial.rules, whose by-id/by-path links and usb_id
 * properties a rule may match on. */
export const UDEV_RULES_FILE = '/etc/udev/rules.d/70-dialbond-modems.rules';

/** A configured modem: the link's name and its device (a path) or USB match. */
export interface ModemToIgnore {
  name: string;
  device?: string;
  match?: UsbMatch;
}

const IGNORE = 'ENV{ID_MM_DEVICE_IGNORE}="1"';
const HEAD = 'ACTION=="add|change|move|bind", SUBSYSTEM=="tty"';

/** udev quotes values with "..." and knows no escapes inside: a value with a quote or a
 * line end cannot be matched exactly, so it is matched with ? for those characters. */
function quoted(value: string): string {
  return `"${value.replace(/["\n\r\\]/g, '?')}"`;
}

/** The rule for one modem, or why it needs none. */
export function udevRuleFor(modem: ModemToIgnore): { rule: string } | { skip: string } {
  if (modem.match) {
    const [vendor, product] = modem.match.usb.toLowerCase().split(':') as [string, string];
    // One rule for every port of the device: ModemManager ignores a device as a whole, and
    // the interface number sits on another sysfs level than idVendor (ATTRS must all match
    // on one device).
    const serial = modem.match.serial !== undefined ? `, ATTRS{serial}==${quoted(modem.match.serial)}` : '';
    return { rule: `${HEAD}, ATTRS{idVendor}=="${vendor}", ATTRS{idProduct}=="${product}"${serial}, ${IGNORE}` };
  }
  const device = modem.device ?? '';
  if (device.startsWith('/dev/serial/')) return { rule: `${HEAD}, SYMLINK=="${relative('/dev', device)}", ${IGNORE}` };
  if (!device.startsWith('/dev/')) return { skip: `${device} is not a device udev makes (a pty or a test path): ModemManager never sees it` };
  if (device.startsWith('/dev/pts/') || isPseudoTerminal(device)) return { skip: `${device} is a pty: ModemManager never probes one` };
  return { rule: `${HEAD}, KERNEL==${quoted(kernelNameOf(device))}, ${IGNORE}` };
}

/** The whole rules file for these modems, with how to install it. */
export function udevRules(modems: readonly ModemToIgnore[], source: string): string {
  const lines = [
    `# ${UDEV_RULES_FILE}: ModemManager leaves dialbond's modems alone.`,
    `# Made by "dialbond udev-rules" from ${source}. Install it with`,
    `#   dialbond udev-rules > ${UDEV_RULES_FILE}`,
    '#   udevadm control --reload && udevadm trigger --subsystem-match=tty --action=change',
    '# (a port ModemManager already holds is let go after: systemctl restart ModemManager)',
  ];
  for (const modem of modems) {
    const made = udevRuleFor(modem);
    const what = modem.match ? describeMatch(modem.match) : (modem.device ?? '');
    lines.push('', `# link ${modem.name}: ${what}`);
    lines.push('rule' in made ? made.rule : `# (no rule: ${made.skip})`);
  }
  if (modems.length === 0) lines.push('', '# (the configuration has no modem links: nothing to keep ModemManager off)');
  return `${lines.join('\n')}\n`;
}
