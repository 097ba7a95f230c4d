/**
 * What a dial will do: the number (dial modifiers stripped, V.250 6.3.1.1), the outcome
 * from the scenario's rules, and busy-then-connect counting per number, which lasts for the
 * modem's lifetime (the far line stays busy however often the DTE reconnects).
 */
import { DEFAULT_AFTER_MS, dialRuleFor, normalizeNumber, type DialOutcome, type Scenario } from './scenario.js';

/** One dial, planned. */
export interface DialPlan {
  number: string;
  outcome: DialOutcome;
  afterMs: number;
  /** The dial string ended in ";": return to command state after dialing (V.250 6.3.1.2). */
  voice: boolean;
}

/** The final result text of each unsuccessful outcome. */
export const OUTCOME_RESULTS: Readonly<Record<Exclude<DialOutcome, 'connect' | 'silent'>, string>> = {
  busy: 'BUSY',
  'no-carrier': 'NO CARRIER',
  'no-dialtone': 'NO DIALTONE',
  'no-answer': 'NO ANSWER',
  delayed: 'DELAYED',
  blacklisted: 'BLACKLISTED',
  voice: 'VOICE',
  error: 'ERROR',
};

/** Plans dials for one modem, remembering how often each number was dialed. */
export class DialPlanner {
  private readonly counts = new Map<string, number>();
  private lastNumber = '';

  constructor(private readonly scenario: Scenario) {}

  /** The number a dial string dials: `L` redials the last one (Hayes). */
  numberOf(dialString: string): string {
    return dialString.replace(/[TPW,@!;]/g, '') === 'L' ? this.lastNumber : normalizeNumber(dialString);
  }

  /** Plans a dial (and counts it). */
  plan(dialString: string): DialPlan {
    const number = this.numberOf(dialString);
    this.lastNumber = number;
    const count = (this.counts.get(number) ?? 0) + 1;
    this.counts.set(number, count);
    const rule = dialRuleFor(this.scenario, number);
    const busy = count <= rule.busyTimes;
    return {
      number,
      outcome: busy ? 'busy' : rule.outcome,
      // A busy signal comes quickly; a scenario that shortened its dials shortens it too.
      afterMs: busy ? Math.min(rule.afterMs, DEFAULT_AFTER_MS.busy) : rule.afterMs,
      voice: dialString.endsWith(';'),
    };
  }
}
