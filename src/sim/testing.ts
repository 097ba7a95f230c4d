/**
 * Test helpers for the simulator: an interpreter on a simulated clock with its output
 * collected. Used by the unit tests beside the code; not part of the public surface.
 */
import { SimulatedClock } from 'xstate';
import { HayesInterpreter, type CallEndReason, type CallInfo, type ModemState } from './interpreter.js';
import { parseScenario, type ScenarioInput } from './scenario.js';

/** An interpreter driven by hand on simulated time. */
export interface InterpreterHarness {
  clock: SimulatedClock;
  interpreter: HayesInterpreter;
  /** Sends text (latin1) from the DTE. */
  send(text: string): void;
  /** Everything the modem said since the last take(), as latin1 text. */
  take(): string;
  /** Online-data bytes passed to the far end, as latin1 text. */
  line(): string;
  states: ModemState[];
  commands: string[];
  connects: CallInfo[];
  callEnds: CallEndReason[];
  escapes: number;
}

/** Builds an interpreter for a scenario (validated), on a SimulatedClock at t=0. */
export function interpreterHarness(input: ScenarioInput = {}): InterpreterHarness {
  const clock = new SimulatedClock();
  const interpreter = new HayesInterpreter({ scenario: parseScenario(input), clock, random: () => 0.5 });
  let out = '';
  let line = '';
  const harness: InterpreterHarness = {
    clock,
    interpreter,
    send: (text) => interpreter.receive(Buffer.from(text, 'latin1')),
    take: () => {
      const text = out;
      out = '';
      return text;
    },
    line: () => line,
    states: [],
    commands: [],
    connects: [],
    callEnds: [],
    escapes: 0,
  };
  interpreter.on('output', (bytes) => (out += bytes.toString('latin1')));
  interpreter.on('line', (bytes) => (line += bytes.toString('latin1')));
  interpreter.on('state', (state) => harness.states.push(state));
  interpreter.on('command', (command) => harness.commands.push(command));
  interpreter.on('connect', (call) => harness.connects.push(call));
  interpreter.on('call-end', (reason) => harness.callEnds.push(reason));
  interpreter.on('escape', () => harness.escapes++);
  return harness;
}
