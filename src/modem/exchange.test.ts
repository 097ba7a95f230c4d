import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, sendTo, setup, SimulatedClock } from 'xstate';
import { classifyLine, type Classified } from '../hayes/index.js';
import { answersAsFinal, answersCommand, exchangeMachine, type ExchangeInput, type ExchangeOutput } from './exchange.js';
import { guardedEscapeMachine, type EscapeOutput } from './guarded-escape.js';

/** Runs one child machine under a small parent, as the modem machine does, on a
 * simulated clock; `lines` arrive at the given times. */
async function runChild<T>(machine: typeof exchangeMachine | typeof guardedEscapeMachine, input: unknown, script: Array<[atMs: number, line: string]>, options: { failWrite?: boolean } = {}) {
  const clock = new SimulatedClock();
  const written: Array<{ text: string; atMs: number }> = [];
  const write = fromPromise<void, { text: string }>(async ({ input: w }) => {
    if (options.failWrite) throw Object.assign(new Error('gone'), { code: 'MODEM_VANISHED' });
    written.push({ text: w.text, atMs: clock.now() });
  });
  const child = (machine as typeof exchangeMachine).provide({ actors: { write } });
  const parent = setup({ types: { context: {} as { output: unknown }, events: {} as { type: 'LINE'; line: Classified } | { type: 'TX'; text: string } }, actors: { child } }).createMachine({
    context: { output: null },
    initial: 'running',
    states: {
      running: {
        invoke: { src: 'child', id: 'child', input: input as ExchangeInput, onDone: { target: 'done', actions: assign({ output: ({ event }) => event.output }) } },
        on: { LINE: { actions: sendTo('child', ({ event }) => event) } },
      },
      done: { type: 'final' },
    },
  });
  const actor = createActor(parent, { clock });
  actor.start();
  for (const [at, line] of script) clock.setTimeout(() => actor.send({ type: 'LINE', line: classifyLine(line) }), at);
  for (let t = 0; t < 60_000 && actor.getSnapshot().status === 'active'; t += 10) {
    await new Promise<void>((r) => setImmediate(r));
    clock.increment(10);
  }
  return { output: actor.getSnapshot().context.output as T, written };
}

describe('the AT exchange', () => {
  it('skips the echo, keeps what answers the command, and ends at the final result', async () => {
    const { output, written } = await runChild<ExchangeOutput>(exchangeMachine, { command: 'AT+CPIN?', timeoutMs: 5000 }, [
      [5, 'AT+CPIN?'],
      [6, 'RING'],
      [7, '+CPIN: READY'],
      [8, 'OK'],
    ]);
    expect(written).toEqual([{ text: 'AT+CPIN?\r', atMs: 0 }]);
    expect(output).toMatchObject({ status: 'final', final: { result: 'ok' }, echoed: true, info: ['+CPIN: READY'] });
    // RING is seen (the terminal shows it) but answers nothing
    expect((output as { lines: string[] }).lines).toEqual(['RING', '+CPIN: READY']);
  });

  it('keeps CARRIER and PROTOCOL reports of a dial apart from its answer', async () => {
    const { output } = await runChild<ExchangeOutput>(exchangeMachine, { command: 'ATDT1', timeoutMs: 90_000 }, [
      [100, 'CARRIER 28800'],
      [110, 'PROTOCOL: LAP-M'],
      [120, 'CONNECT'],
    ]);
    expect(output).toMatchObject({ status: 'final', final: { result: 'connect' }, info: [] });
    expect((output as { intermediates: unknown[] }).intermediates).toHaveLength(2);
  });

  it('takes a call result after a command that starts no call for the last call\'s leftover, and waits on', async () => {
    // The carrier of the last call went just before the reset: its NO CARRIER is still on its way.
    const { output } = await runChild<ExchangeOutput>(exchangeMachine, { command: 'ATZ', timeoutMs: 5000 }, [
      [2, 'NO CARRIER'],
      [5, 'ATZ'],
      [300, 'OK'],
    ]);
    expect(output).toMatchObject({ status: 'final', final: { result: 'ok' }, lines: ['NO CARRIER'] });
    expect(answersAsFinal(classifyLine('NO CARRIER'), 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234')).toBe(true);
    expect(answersAsFinal(classifyLine('BUSY'), 'ATDT5551234')).toBe(true);
    expect(answersAsFinal(classifyLine('ERROR'), 'ATZ')).toBe(true);
    expect(answersAsFinal(classifyLine('BUSY'), 'AT&F')).toBe(false);
  });

  it('times out with what it saw: an echo alone tells the modem reads us', async () => {
    const { output } = await runChild<ExchangeOutput>(exchangeMachine, { command: 'ATZ', timeoutMs: 2000 }, [[3, 'ATZ']]);
    expect(output).toMatchObject({ status: 'timeout', echoed: true });
    const silent = await runChild<ExchangeOutput>(exchangeMachine, { command: 'ATZ', timeoutMs: 2000 }, []);
    expect(silent.output).toMatchObject({ status: 'timeout', echoed: false });
  });

  it('reports a write that fails with the port\'s error', async () => {
    const { output } = await runChild<ExchangeOutput>(exchangeMachine, { command: 'ATZ', timeoutMs: 2000 }, [], { failWrite: true });
    expect(output).toMatchObject({ status: 'write-failed', error: { code: 'MODEM_VANISHED' } });
  });

  it('takes an unsolicited-looking line as the answer only when it carries the command\'s name', () => {
    expect(answersCommand(classifyLine('+CREG: 0,1'), 'AT+CREG?')).toBe(true);
    expect(answersCommand(classifyLine('+CREG: 0,1'), 'AT+CSQ')).toBe(false);
    expect(answersCommand(classifyLine('RING'), 'ATI3')).toBe(false);
    expect(answersCommand(classifyLine('U.S. Robotics 56K'), 'ATI3')).toBe(true);
  });
});

describe('the guarded escape', () => {
  const input = { guardMs: 1000, writeTimeoutMs: 5000, acceptLateAnswer: true };

  it('keeps a guard time of silence on each side of "+++" and ends at the OK', async () => {
    const { output, written } = await runChild<EscapeOutput>(guardedEscapeMachine, input, [[2100, 'OK']]);
    expect(written).toEqual([{ text: '+++', atMs: 1000 }]);
    expect(output).toEqual({ status: 'ok' });
  });

  it('says silent after one more guard time without an OK', async () => {
    const { output } = await runChild<EscapeOutput>(guardedEscapeMachine, input, []);
    expect(output).toEqual({ status: 'silent' });
  });

  it('takes an OK before "+++" as the late answer to what came before, and sends no escape', async () => {
    const { output, written } = await runChild<EscapeOutput>(guardedEscapeMachine, input, [[500, 'OK']]);
    expect(output).toEqual({ status: 'late-answer' });
    expect(written).toEqual([]);
    const ignoring = await runChild<EscapeOutput>(guardedEscapeMachine, { ...input, acceptLateAnswer: false }, [[500, 'OK'], [2100, 'OK']]);
    expect(ignoring.output).toEqual({ status: 'ok' });
  });
});
