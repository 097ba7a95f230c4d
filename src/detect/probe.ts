/**
 * Probing one port for a modem, as wvdialconf does and then some: the port is claimed (its
 * UUCP lock, nobody else holding it), "ATQ0 V1 E1" is tried at the usual rates from the
 * fastest down (a Hayes modem finds the rate from the "AT" itself; one that cannot run that
 * fast hears noise and stays silent), and the first rate it answers at is kept. Then the
 * modem is asked what it is (ATI, ATI3, +GMI/+GMM/+GMR or +CGMI/+CGMM/+CGMR, +CPIN?). It is
 * left as it was found: ATZ (its stored settings back), DTR dropped, the lock released.
 * Every wait is bounded, and so is the whole probe.
 */
import { claimPort, isPseudoTerminal, SerialModemIo, askModem, type ModemIo } from '../modem/index.js';
import { errorCodeOf, errorMessageOf } from '../errors/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { identificationValue, simStateOf, type ModemIdentity } from './identify.js';
import type { PortHolder } from '../sys/index.js';

/** The DTE rates tried on a port with a wire behind it, fastest first. */
export const PROBE_RATES = [115200, 57600, 38400, 19200, 9600] as const;

export type ProbeResult =
  | { device: string; status: 'modem'; rate: number; identity: ModemIdentity; elapsedMs: number }
  /** Opened, but nothing answered at any rate. */
  | { device: string; status: 'silent'; rates: number[]; elapsedMs: number }
  /** Could not be claimed or opened (locked, in use, gone, no permission, I/O error). */
  | { device: string; status: 'error'; code: string; message: string; elapsedMs: number };

export interface ProbeOptions {
  /** Rates to try; by default one for a pty or a ttyACM (no wire: the rate is not used),
   * PROBE_RATES for anything else. */
  rates?: readonly number[];
  /** How long one "AT" may go unanswered (a modem in command mode answers in milliseconds). */
  probeTimeoutMs?: number;
  /** How long an identification command may take. */
  commandTimeoutMs?: number;
  /** The bound on the whole probe of the port. */
  deadlineMs?: number;
  lockDir?: string;
  holders?: (device: string) => PortHolder[];
  /** The port at a rate (tests); a serial port without flow control by default, so a port
   * whose CTS is low cannot stall the probe. */
  openPort?: (device: string, rate: number) => ModemIo;
  clock?: Clock;
}

/** The rates worth trying on `device`. */
export function ratesFor(device: string): number[] {
  return isPseudoTerminal(device) || /ttyACM\d+$/.test(device) ? [115200] : [...PROBE_RATES];
}

interface Asker {
  /** The answer's information lines and final line, or null when there was no final. */
  ask(command: string, timeoutMs: number): Promise<{ info: string[]; final: { result: string; text: string; errorCode?: number; errorText?: string } } | null>;
  remaining(): number;
}

async function identify(asker: Asker, commandTimeoutMs: number): Promise<ModemIdentity> {
  const ask = async (command: string) => {
    const timeout = Math.min(commandTimeoutMs, asker.remaining());
    return timeout > 0 ? asker.ask(command, timeout) : null;
  };
  const ok = (answer: Awaited<ReturnType<typeof ask>>) => (answer?.final.result === 'ok' ? answer.info : undefined);
  const identity: ModemIdentity = { ati: ok(await ask('ATI')) ?? [], ati3: ok(await ask('ATI3')) ?? [] };
  for (const [field, v250, gsm] of [['manufacturer', 'AT+GMI', 'AT+CGMI'], ['model', 'AT+GMM', 'AT+CGMM'], ['revision', 'AT+GMR', 'AT+CGMR']] as const) {
    let info = ok(await ask(v250));
    let command: string = v250;
    if (info === undefined) {
      info = ok(await ask(gsm));
      command = gsm;
    }
    const value = info !== undefined ? identificationValue(info, command) : undefined;
    if (value !== undefined) identity[field] = value;
  }
  const cpin = await ask('AT+CPIN?');
  const sim = cpin ? simStateOf(cpin) : undefined;
  if (sim) identity.sim = sim;
  return identity;
}

/** Probes `device`; never throws for what the port or the modem does. */
export async function probePort(device: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const deadline = started + (options.deadlineMs ?? 20_000);
  const elapsed = () => clock.now() - started;
  const failed = (error: unknown): ProbeResult => ({ device, status: 'error', code: errorCodeOf(error, 'MODEM_OPEN_FAILED'), message: errorMessageOf(error), elapsedMs: elapsed() });
  let lock;
  try {
    lock = claimPort(device, { ...(options.lockDir !== undefined ? { dir: options.lockDir } : {}), ...(options.holders ? { holders: options.holders } : {}) });
  } catch (error) {
    return failed(error);
  }
  const open = options.openPort ?? ((d: string, rate: number) => new SerialModemIo({ device: d, baudRate: rate, flowControl: 'none' }));
  const probeTimeout = options.probeTimeoutMs ?? 800;
  const tried: number[] = [];
  try {
    for (const rate of options.rates ?? ratesFor(device)) {
      if (clock.now() >= deadline) break;
      tried.push(rate);
      const io = open(device, rate);
      try {
        await io.open();
      } catch (error) {
        return failed(error);
      }
      try {
        const asker: Asker = {
          remaining: () => deadline - clock.now(),
          ask: async (command, timeoutMs) => {
            const output = await askModem(io, { command, timeoutMs }, clock);
            return output.status === 'final' ? { info: output.info, final: output.final } : null;
          },
        };
        // Twice: the first AT after a rate change may be taken for noise.
        let awake = false;
        for (let attempt = 0; attempt < 2 && !awake && asker.remaining() > 0; attempt++) {
          awake = (await asker.ask('ATQ0 V1 E1', Math.min(probeTimeout, asker.remaining())))?.final.result === 'ok';
        }
        if (!awake) continue;
        const identity = await identify(asker, options.commandTimeoutMs ?? 2000);
        // Its own stored settings back (a slow reset takes seconds; the answer matters little).
        await asker.ask('ATZ', Math.max(1000, Math.min(3000, asker.remaining())));
        return { device, status: 'modem', rate, identity, elapsedMs: elapsed() };
      } finally {
        await io.close({ dropDtr: true }).catch(() => undefined);
      }
    }
    return { device, status: 'silent', rates: tried, elapsedMs: elapsed() };
  } finally {
    lock.release();
  }
}
