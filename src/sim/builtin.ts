/**
 * The built-in scenarios, by name: one per behaviour a dialer must cope with. They are
 * plain scenario data, validated by the same schema as files.
 */
import type { ScenarioInput } from './scenario.js';

const GSM_IDENTITY = { model: 'dialbond simulated GSM modem', ati: { '0': 'dialbond simulated GSM modem', '3': 'dialbond simulated GSM modem 0.1.0' } };

/** Built-in scenarios (unvalidated input; `builtinScenario()` validates and names them). */
export const BUILTIN_SCENARIOS: Readonly<Record<string, ScenarioInput>> = {
  /** Answers everything and connects every number after 2 s. */
  connect: {},
  busy: { dial: { outcome: 'busy' } },
  /** The first two dials of each number are BUSY, the third connects (a redial policy's test). */
  'busy-then-connect': { dial: { outcome: 'connect', busyTimes: 2 } },
  'no-carrier': { dial: { outcome: 'no-carrier' } },
  'no-dialtone': { dial: { outcome: 'no-dialtone' } },
  'no-answer': { dial: { outcome: 'no-answer' } },
  delayed: { dial: { outcome: 'delayed' } },
  blacklisted: { dial: { outcome: 'blacklisted' } },
  /** A noisy line: RING every 300 ms while idle, 8-bit garbage before results, CR-only line
   * ends, separate CARRIER/PROTOCOL/COMPRESSION reports, then a V.34 connect. */
  noise: {
    noise: { ringEveryMs: 300, garbageBytes: 6, crlf: 'cr' },
    connect: {
      line: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS',
      preLines: ['CARRIER 28800', 'PROTOCOL: LAP-M', 'COMPRESSION: V.42BIS'],
      rate: 28800,
    },
  },
  /** Starts in V0: numeric result codes. */
  numeric: { verbose: false },
  /** Starts in Q1: no result codes until ATQ0. */
  quiet: { quiet: true },
  /** ATZ and AT&F answer only after 3 s. */
  'slow-reset': { resetDelayMs: 3000 },
  'echo-off': { echo: false },
  /** A terminal server asking for a login after CONNECT. */
  login: {
    login: {
      banner: 'dialbond test ISP terminal server',
      user: 'dialuser',
      password: 's3cret-pw',
      welcome: 'Entering PPP mode.',
    },
  },
  /** A Livingston PortMaster: its login prompt comes in the same write as CONNECT. */
  portmaster: {
    connect: { line: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', rate: 28800 },
    login: {
      prompt: 'Portmaster login: ',
      user: 'dialuser',
      password: 's3cret-pw',
      welcome: 'Packet mode enabled for IP address: 10.0.0.9',
      withConnect: true,
    },
  },
  /** A cellular modem: +CPIN READY, +CSQ 17,99, ATD*99***1# connects. */
  gsm: { gsm: {}, identity: GSM_IDENTITY, connect: { line: 'CONNECT 7200000', rate: 115200 } },
  'gsm-no-sim': { gsm: { pin: 'SIM not inserted' }, identity: GSM_IDENTITY, connect: { line: 'CONNECT 7200000', rate: 115200 } },
  /** A modem that names itself a U.S. Robotics Courier in ATI3 and +GMI/+GMM (what
   * `dialbond detect` reads to pick the usr-courier profile). */
  courier: {
    identity: { manufacturer: 'U.S. Robotics', model: 'Courier V.Everything', revision: 'Supervisor rev 6.5.3', ati: { '0': '3361', '3': 'U.S. Robotics Courier V.Everything EXT PnP' } },
    connect: { line: 'CONNECT 33600/ARQ/V34/LAPM/V42BIS', rate: 33600 },
  },
  /** Never answers anything at all (a modem that is off, or the wrong port). */
  dead: { dead: true },
  /** Connects, then drops carrier 1 s later. */
  drop: { dropAfterMs: 1000 },
};

/** The names of the built-in scenarios. */
export function builtinScenarioNames(): string[] {
  return Object.keys(BUILTIN_SCENARIOS);
}
