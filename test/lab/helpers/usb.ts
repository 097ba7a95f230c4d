/**
 * Real USB modems in the lab: dummy_hcd (a USB host and device controller in one),
 * g_serial (the device: N ACM functions, whose ports are /dev/ttyGSn) and cdc_acm (the
 * host's driver, as for USB modems and phones: /dev/ttyACMn). Each ttyACMn is a real
 * kernel tty with a carrier: closing ttyGSn drops its DCD. `rmmod g_serial` is an unplug,
 * `modprobe g_serial` the replug. There is no udev here: the modules are loaded by hand.
 */
import { existsSync } from 'node:fs';
import { sh } from './run.js';

export interface UsbPort {
  /** The modem's end, served by the simulator. */
  gadget: string;
  /** The dialer's end. */
  device: string;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`usb: ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class UsbModems {
  private constructor(readonly ports: UsbPort[]) {}

  /** Plugs in `count` USB modems. ACM functions enumerate in order, so ttyGSn is ttyACMn's far end. */
  static async plug(count: number): Promise<UsbModems> {
    await sh('modprobe', ['dummy_hcd']);
    await sh('modprobe', ['cdc_acm']);
    const modems = new UsbModems(Array.from({ length: count }, (_, i) => ({ gadget: `/dev/ttyGS${i}`, device: `/dev/ttyACM${i}` })));
    await modems.replug();
    return modems;
  }

  /** Every modem unplugged at once (their gadget ends must be closed first). */
  async unplug(): Promise<void> {
    await sh('rmmod', ['g_serial']);
    await until('the ttyACMs gone', () => this.ports.every((p) => !existsSync(p.device) && !existsSync(p.gadget)));
  }

  /** Plugged in again; a ttyACM still held open by someone comes back under another number. */
  async replug(): Promise<void> {
    await sh('modprobe', ['g_serial', `n_ports=${this.ports.length}`]);
    await until('the ttyGS ports', () => this.ports.every((p) => existsSync(p.gadget)));
  }

  /** The ttyACM devices there are now. */
  static async present(): Promise<string[]> {
    const { stdout } = await sh('sh', ['-c', 'ls /dev/ttyACM* 2>/dev/null; true']);
    return stdout.split('\n').filter(Boolean);
  }

  async remove(): Promise<void> {
    await sh('rmmod', ['g_serial'], { reject: false });
    await sh('rmmod', ['cdc_acm'], { reject: false });
    await sh('rmmod', ['dummy_hcd'], { reject: false });
  }
}
