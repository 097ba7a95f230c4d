import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { builtinScenarioNames } from './builtin.js';
import {
  builtinScenario,
  dialRuleFor,
  loadScenarioFile,
  normalizeNumber,
  parseScenario,
  resolveScenario,
} from './scenario.js';

/** Runs `fn` and returns the DialbondError it throws (failing if it does not). */
async function thrown(fn: () => unknown): Promise<DialbondError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    return error as DialbondError;
  }
  throw new Error('expected a DialbondError');
}

describe('scenario schema', () => {
  it('fills every default', () => {
    const s = parseScenario({});
    expect(s).toMatchObject({
      echo: true,
      verbose: true,
      quiet: false,
      dead: false,
      resetDelayMs: 0,
      dial: { numbers: {} },
      connect: { preLines: [], rate: 115200 },
      noise: { garbageBytes: 0, crlf: 'crlf' },
      data: { type: 'echo' },
    });
    expect(s.login).toBeUndefined();
    expect(s.gsm).toBeUndefined();
  });

  it('validates every built-in scenario', () => {
    expect(builtinScenarioNames()).toEqual(
      expect.arrayContaining(['connect', 'busy', 'busy-then-connect', 'no-carrier', 'no-dialtone', 'no-answer', 'delayed', 'blacklisted', 'noise', 'numeric', 'quiet', 'slow-reset', 'echo-off', 'login', 'gsm', 'gsm-no-sim', 'dead', 'drop', 'portmaster']),
    );
    for (const name of builtinScenarioNames()) expect(builtinScenario(name).name).toBe(name);
    expect(builtinScenario('login').login).toMatchObject({ user: 'dialuser', password: 's3cret-pw', prompt: 'login:', passwordPrompt: 'Password:' });
    expect(builtinScenario('slow-reset').resetDelayMs).toBe(3000);
  });

  it('names the path of a bad field', async () => {
    const error = await thrown(() => parseScenario({ dial: { numbers: { '555': { outcome: 'maybe' } } } }, 'lab.yaml'));
    expect(error.code).toBe('SIM_SCENARIO_INVALID');
    expect(error.details['issues']).toEqual([expect.objectContaining({ path: 'dial.numbers.555.outcome' })]);
    expect(error.message).toContain('lab.yaml');
    expect(error.message).toContain('dial.numbers.555.outcome');
  });

  it('rejects unknown fields (typos)', async () => {
    const error = await thrown(() => parseScenario({ conect: { rate: 9600 } }));
    expect(error.code).toBe('SIM_SCENARIO_INVALID');
    expect(error.message).toContain('conect');
  });

  it('rejects wrong types and ranges', async () => {
    for (const bad of [{ echo: 'yes' }, { connect: { rate: 0 } }, { resetDelayMs: -1 }, { data: { type: 'command', argv: [] } }, { gsm: { csq: 'strong' } }, { login: { user: 'u' } }]) {
      expect((await thrown(() => parseScenario(bad))).code).toBe('SIM_SCENARIO_INVALID');
    }
  });
});

describe('dial rules', () => {
  it('strips dial modifiers from numbers (V.250 6.3.1.1)', () => {
    expect(normalizeNumber('T 555-1234')).toBe('5551234');
    expect(normalizeNumber('P9W,555(0100);')).toBe('95550100');
    expect(normalizeNumber('*99***1#')).toBe('*99***1#');
  });

  it('merges per-number overrides over the default', () => {
    const s = parseScenario({ dial: { outcome: 'busy', afterMs: 50, busyTimes: 1, numbers: { '555-0100': { outcome: 'connect' }, '42': { afterMs: 9 } } } });
    expect(dialRuleFor(s, '5550100')).toEqual({ outcome: 'connect', afterMs: 2000, busyTimes: 1 });
    expect(dialRuleFor(s, '42')).toEqual({ outcome: 'busy', afterMs: 9, busyTimes: 1 });
    expect(dialRuleFor(s, '1')).toEqual({ outcome: 'busy', afterMs: 50, busyTimes: 1 });
    expect(dialRuleFor(parseScenario({}), '1')).toEqual({ outcome: 'connect', afterMs: 2000, busyTimes: 0 });
  });
});

describe('scenario files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dialbond-scenario-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads YAML and JSON, naming the scenario after the file', async () => {
    const yamlFile = join(dir, 'lab-line.yaml');
    await writeFile(yamlFile, 'echo: false\ndial:\n  outcome: busy\n  numbers:\n    "555": { outcome: connect, afterMs: 10 }\n');
    const fromYaml = await loadScenarioFile(yamlFile);
    expect(fromYaml).toMatchObject({ name: 'lab-line', echo: false, dial: { outcome: 'busy', numbers: { '555': { outcome: 'connect', afterMs: 10 } } } });
    const jsonFile = join(dir, 'other.json');
    await writeFile(jsonFile, JSON.stringify({ name: 'fancy', verbose: false }));
    expect(await resolveScenario(jsonFile)).toMatchObject({ name: 'fancy', verbose: false });
  });

  it('reports a bad field with the file name and field path', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'connect:\n  rate: fast\n');
    const error = await thrown(() => loadScenarioFile(file));
    expect(error.code).toBe('SIM_SCENARIO_INVALID');
    expect(error.message).toContain(file);
    expect(error.message).toContain('connect.rate');
  });

  it('reports YAML syntax errors, non-mappings and missing files', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'dial: [unclosed\n');
    expect((await thrown(() => loadScenarioFile(broken))).code).toBe('SIM_SCENARIO_INVALID');
    const list = join(dir, 'list.yaml');
    await writeFile(list, '- a\n- b\n');
    expect((await thrown(() => loadScenarioFile(list))).code).toBe('SIM_SCENARIO_INVALID');
    const missing = await thrown(() => resolveScenario(join(dir, 'nope.yaml')));
    expect(missing.code).toBe('SIM_SCENARIO_INVALID');
    expect(missing.message).toContain('nope.yaml');
  });

  it('resolves built-in names and rejects unknown ones', async () => {
    expect((await resolveScenario('busy')).dial.outcome).toBe('busy');
    const error = await thrown(() => resolveScenario('bussy'));
    expect(error.code).toBe('SIM_SCENARIO_INVALID');
    expect(error.message).toContain('bussy');
    expect(error.message).toContain('busy-then-connect');
  });

  it('takes scenario objects', async () => {
    expect(await resolveScenario({ quiet: true })).toMatchObject({ name: 'custom', quiet: true });
  });
});
