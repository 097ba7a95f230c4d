import { describe, expect, it } from 'vitest';
import { eachRun, errorLine, errorMessage, pollFor } from './harness.js';

describe('bench harness', () => {
  it('keeps the runs that worked and the errors of those that failed, in order', async () => {
    const { results, errors } = await eachRun(4, async (run) => {
      if (run % 2 === 1) throw new Error(`run ${run} broke\nlog tail`);
      return run * 10;
    });
    expect(results).toEqual([0, 20]);
    expect(errors).toEqual(['run 1 broke\nlog tail', 'run 3 broke\nlog tail']);
  });

  it('says what was thrown, whole or its first line', () => {
    expect(errorMessage(new Error('a\nb'))).toBe('a\nb');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorLine(new Error('a\nb'))).toBe('a');
  });

  it('polls until a value comes, and gives up after the bound', async () => {
    let calls = 0;
    expect(await pollFor(() => (++calls === 3 ? 'ready' : undefined), 5000, 1)).toBe('ready');
    expect(calls).toBe(3);
    let tries = 0;
    expect(await pollFor(() => void tries++, 0, 1)).toBeUndefined();
    expect(tries).toBe(1); // asked once even with no time left
    expect(await pollFor(() => 0, 0)).toBe(0); // a falsy value is still a value
  });
});
