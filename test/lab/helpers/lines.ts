/**
 * Phone lines for lab tests: simulated modems whose data mode is bridged, at the line
 * rate, to an answering pppd in the ISP namespace.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startModemBank, type ModemBank, type ScenarioInput } from '../../../src/sim/index.js';
import { Isp } from './isp.js';

export interface LabLine {
  name: string;
  /** The modem's stable device path. */
  path: string;
  client: string;
  server: string;
  /** Tag on the ISP pppd's command line. */
  marker: string;
}

export interface LabLines {
  isp: Isp;
  bank: ModemBank;
  lines: LabLine[];
  close(): Promise<void>;
}

export async function startLabLines(options: {
  count: number;
  rate?: number;
  /** Each line's own rate (overrides `rate`), for lines of different speeds. */
  rates?: number[];
  scenario?: ScenarioInput;
  server?: (i: number) => string;
  requirePap?: (i: number) => boolean;
  /** The ISP's LCP echo (default 1 s x 3): slow lines kept full need more patience,
   * since the replies wait behind what the pty already holds. */
  ispEcho?: { interval: number; failure: number };
  /** The ISP bundles the lines with multilink PPP (see IspLineOptions.multilink). */
  multilink?: { endpoint: string; unit?: number };
  /** The DNS servers the ISP offers on each line (pppd ms-dns). */
  dns?: (i: number) => string[];
  /** IPv6 on every line: IPV6CP, and the ISP's router advertisements (Isp.startIpv6), with
   * these DNS servers in them when given. */
  ipv6?: { dns?: string[] };
  /** Real ttys instead of ptys, one per line: the simulator serves `gadget`, the dialer opens `device`. */
  usb?: Array<{ gadget: string; device: string }>;
}): Promise<LabLines> {
  const isp = await Isp.create();
  const lines: LabLine[] = [];
  const scenarios: ScenarioInput[] = [];
  for (let i = 0; i < options.count; i++) {
    const rate = options.rates?.[i] ?? options.rate ?? 115200;
    const line = {
      client: `203.0.113.${i + 1}`,
      server: options.server ? options.server(i) : `198.51.100.${i + 1}`,
      marker: `dialbond-lab-${isp.netns}-line${i}`,
      requirePap: options.requirePap?.(i) ?? false,
      ...(options.ispEcho ? { lcpEchoInterval: options.ispEcho.interval, lcpEchoFailure: options.ispEcho.failure } : {}),
      ...(options.multilink ? { multilink: options.multilink } : {}),
      ...(options.dns ? { dns: options.dns(i) } : {}),
      ...(options.ipv6 ? { ipv6: true } : {}),
    };
    scenarios.push({
      ...options.scenario,
      dial: { outcome: 'connect', afterMs: 300 },
      connect: { line: `CONNECT ${rate}`, rate },
      data: { type: 'command', argv: isp.pppdArgv(line) },
    });
    lines.push({ ...line, name: '', path: '' });
  }
  if (options.ipv6) await isp.startIpv6(lines.map((l) => l.client), options.ipv6.dns ? { dns: options.ipv6.dns } : {});
  const bank = await startModemBank({ count: options.count, scenarios, dir: mkdtempSync(join(tmpdir(), 'lab-modems-')), ...(options.usb ? { ttys: options.usb.map((u) => u.gadget) } : {}) });
  bank.modems.forEach((m, i) => Object.assign(lines[i] as LabLine, { name: m.name, path: options.usb?.[i]?.device ?? m.path }));
  return {
    isp,
    bank,
    lines,
    async close() {
      await bank.close();
      await isp.destroy();
    },
  };
}
