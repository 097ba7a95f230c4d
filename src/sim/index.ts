/**
 * The Hayes modem simulator: modems on ptys that dialbond, pppd, chat or minicom open like
 * serial ports, driven by scenarios. Public surface of src/sim.
 */
export { startModemBank, type BankModem, type ModemBank, type ModemBankOptions } from './bank.js';
export { BUILTIN_SCENARIOS, builtinScenarioNames } from './builtin.js';
export { LineAssembler, MAX_COMMAND_BODY, tokenizeCommandLine, type AssembledLine, type CommandToken } from './commandline.js';
export {
  HayesInterpreter,
  type CallEndReason,
  type CallInfo,
  type InterpreterEvents,
  type InterpreterOptions,
  type ModemState,
} from './interpreter.js';
export { LoginGate, MAX_LOGIN_ATTEMPTS } from './login.js';
export {
  CARRIER_DROP_GRACE_MS,
  FAR_END_FLUSH_MS,
  SimulatedModem,
  type DropReason,
  type DteEndpoint,
  type ModemTraffic,
  type SimulatedModemEvents,
  type SimulatedModemOptions,
} from './modem.js';
export { Pacer, type PacerOptions } from './pacer.js';
export { CommandPeer, DiscardPeer, EchoPeer, LinePeer, createPeer, type LinePeerEvents } from './peer.js';
export { NUMERIC_CODES } from './results.js';
export {
  DEFAULT_AFTER_MS,
  DIAL_OUTCOMES,
  builtinScenario,
  connectLine,
  dialRuleFor,
  loadScenarioFile,
  normalizeNumber,
  parseScenario,
  resolveScenario,
  scenarioSchema,
  type DataPeerSpec,
  type DialOutcome,
  type DialRule,
  type GsmSpec,
  type LineEnding,
  type LoginSpec,
  type ResolvedDial,
  type Scenario,
  type ScenarioInput,
} from './scenario.js';
