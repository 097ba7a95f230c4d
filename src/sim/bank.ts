/**
 * A bank of simulated modems, each on its own pty behind a stable path (`<dir>/modem0`, ...),
 * as a multi-line dial-up rack looks to a router: several serial ports with a modem each.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import type { Clock } from '../util/index.js';
import { SimulatedModem } from './modem.js';
import { resolveScenario, type Scenario, type ScenarioInput } from './scenario.js';

/** One modem of a bank, as listed to users. */
export interface BankModem {
  /** modem0, modem1, ... */
  name: string;
  /** The stable path to open (a symlink to the current pty slave), or the tty served. */
  path: string;
  /** The scenario's name (built-in name, file base name or the scenario's `name`). */
  scenario: string;
}

export interface ModemBankOptions {
  /** How many modems (default: one per scenario, or 1). */
  count?: number;
  /** One scenario per modem, or a single one for all (default `connect`): built-in names,
   * file paths, or scenario objects. */
  scenarios?: Array<ScenarioInput | string>;
  /** Where the links go (created if missing); default a new temporary directory. */
  dir?: string;
  /** Existing ttys to serve, one modem each, instead of ptys (e.g. USB gadget ports
   * /dev/ttyGS0...): their far ends are the devices a dialer opens. */
  ttys?: string[];
  clock?: Clock;
  logger?: Logger;
}

/** A running bank of simulated modems. */
export interface ModemBank {
  /** The directory holding the links. */
  readonly dir: string;
  readonly modems: readonly BankModem[];
  /** A modem by name; throws for an unknown name. */
  get(name: string): SimulatedModem;
  /** Drops carrier on a modem (see SimulatedModem.dropCarrier). */
  drop(name: string): Promise<void>;
  /** Unplugs a modem on a tty (see SimulatedModem.unplug). */
  unplug(name: string): Promise<void>;
  /** Ends every call and far-end process, closes every pty, removes the links (and the
   * directory if the bank created it). */
  close(): Promise<void>;
}

/** Starts `count` simulated modems. Rejects with SIM_SCENARIO_INVALID or SIM_PTY_FAILED. */
export async function startModemBank(options: ModemBankOptions = {}): Promise<ModemBank> {
  const refs = options.scenarios?.length ? options.scenarios : ['connect'];
  const count = options.count ?? options.ttys?.length ?? (refs.length > 1 ? refs.length : 1);
  if (options.ttys && options.ttys.length !== count) {
    throw new DialbondError('SIM_SCENARIO_INVALID', `${options.ttys.length} ttys given for ${count} modems: one tty per modem`, { count, ttys: options.ttys.length });
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new DialbondError('SIM_SCENARIO_INVALID', `a modem bank needs at least one modem (count ${count})`, { count });
  }
  if (refs.length > 1 && refs.length !== count) {
    throw new DialbondError(
      'SIM_SCENARIO_INVALID',
      `${refs.length} scenarios given for ${count} modems: give one scenario per modem, or a single one for all`,
      { count, scenarios: refs.length },
    );
  }
  // Validate every scenario before opening anything.
  const unique = new Map<string | ScenarioInput, Promise<Scenario & { name: string }>>();
  const scenarios = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const ref = refs.length === 1 ? refs[0]! : refs[i]!;
      if (!unique.has(ref)) unique.set(ref, resolveScenario(ref));
      return unique.get(ref)!;
    }),
  );

  const logger = options.logger ?? silentLogger();
  let dir: string;
  let ownDir: 'temp' | 'made' | 'given';
  try {
    if (options.dir) {
      dir = options.dir;
      ownDir = existsSync(dir) ? 'given' : 'made';
      mkdirSync(dir, { recursive: true });
    } else {
      dir = mkdtempSync(join(tmpdir(), 'dialbond-sim-'));
      ownDir = 'temp';
    }
  } catch (error) {
    throw new DialbondError('SIM_PTY_FAILED', `cannot create the modem directory ${options.dir ?? tmpdir()}: ${systemErrorCode(error) ?? String(error)}`, { dir: options.dir }, { cause: error });
  }

  const modems = new Map<string, SimulatedModem>();
  const listing: BankModem[] = [];
  const removeDir = (): void => {
    try {
      if (ownDir === 'temp') rmSync(dir, { recursive: true, force: true });
      else if (ownDir === 'made') rmdirSync(dir);
    } catch (error) {
      logger.warn({ err: error, dir }, 'cannot remove the modem directory');
    }
  };
  const closeAll = async (): Promise<void> => {
    await Promise.all([...modems.values()].map((m) => m.close()));
    removeDir();
  };

  try {
    for (const [i, scenario] of scenarios.entries()) {
      const name = `modem${i}`;
      const tty = options.ttys?.[i];
      const linkPath = tty ?? join(dir, name);
      const modem = tty ? await SimulatedModem.openTty({ scenario, name, tty, clock: options.clock, logger }) : SimulatedModem.open({ scenario, name, linkPath, clock: options.clock, logger });
      modems.set(name, modem);
      listing.push({ name, path: linkPath, scenario: scenario.name });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  logger.info({ dir, modems: listing }, 'modem bank ready');

  let closing: Promise<void> | undefined;
  const get = (name: string): SimulatedModem => {
    const modem = modems.get(name);
    if (!modem) {
      throw new DialbondError('CLI_USAGE', `no modem named "${name}" (the bank has ${[...modems.keys()].join(', ')})`, { name });
    }
    return modem;
  };
  return {
    dir,
    modems: listing,
    get,
    drop: async (name) => get(name).dropCarrier(),
    unplug: async (name) => get(name).unplug(),
    close: () => (closing ??= closeAll()),
  };
}
