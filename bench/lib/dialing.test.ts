import { describe, expect, it } from 'vitest';
import {
  DIAL_CASES,
  chatLastExpect,
  chatOutcome,
  chatScript,
  dialbondOutcome,
  formatCell,
  isCorrect,
  markdownTable,
  summarise,
  wvdialConf,
  wvdialEvent,
  wvdialStep,
  type DialCase,
  type DialRun,
  type WvdialState,
} from './dialing.js';

const caseOf = (scenario: string): DialCase => DIAL_CASES.find((c) => c.scenario === scenario)!;

describe('chat verdicts', () => {
  it('reads its exit status: 0 done, 3 timeout, 4 + n the n-th ABORT string', () => {
    expect(chatOutcome(0, 'CONNECT')).toBe('connected');
    expect(chatOutcome(4, 'CONNECT')).toBe('busy');
    expect(chatOutcome(5, 'CONNECT')).toBe('no-carrier');
    expect(chatOutcome(6, 'CONNECT')).toBe('no-dialtone');
    expect(chatOutcome(7, 'CONNECT')).toBe('no-answer');
    expect(chatOutcome(8, 'CONNECT')).toBe('error');
    expect(chatOutcome(3, 'CONNECT')).toBe('timeout');
    expect(chatOutcome(2, undefined)).toBe('error');
    expect(chatOutcome(undefined, undefined)).toBe('error');
    expect(chatOutcome(12, 'CONNECT')).toBe('error'); // no such ABORT string
  });

  it('takes a timeout while waiting for the first OK as a modem that does not respond', () => {
    const log = 'abort on (BUSY)\ntimeout set to 60 seconds\nsend (ATZ^M)\nexpect (OK)\nalarm\nFailed\n';
    expect(chatLastExpect(log)).toBe('OK');
    expect(chatOutcome(3, chatLastExpect(log))).toBe('not-responding');
    expect(chatLastExpect('expect (OK)\n -- got it\nsend (ATDT5551234^M)\nexpect (CONNECT)\n')).toBe('CONNECT');
  });

  it('keeps the ABORT order the exit codes refer to, and the password out of the log', () => {
    const script = chatScript(true);
    expect(script.split('\n').slice(0, 5)).toEqual(["ABORT 'BUSY'", "ABORT 'NO CARRIER'", "ABORT 'NO DIALTONE'", "ABORT 'NO ANSWER'", "ABORT 'ERROR'"]);
    expect(script).toContain("OK ATDT5551234\nCONNECT ''\nogin: 'dialuser'\nssword: '\\qs3cret-pw'\n");
    expect(chatScript(false)).not.toContain('ssword');
  });
});

describe('wvdial verdicts', () => {
  const read = (lines: string[]): WvdialState => lines.reduce((s, l) => wvdialStep(s, l), { busy: 0, noCarrier: 0 } as WvdialState);

  it('only its own --> lines count, not what the modem echoes', () => {
    expect(wvdialEvent('BUSY')).toBeUndefined();
    expect(wvdialEvent('CONNECT 115200')).toBeUndefined();
    expect(wvdialEvent('--> Carrier detected.  Starting PPP immediately.')).toBeUndefined();
    expect(wvdialEvent('--> Starting pppd at Sat Nov 21 06:14:32 2026')).toBe('pppd');
    expect(wvdialEvent('--> No dial tone.')).toBe('no-dialtone');
    expect(wvdialEvent('--> Modem not responding.')).toBe('not-responding');
    expect(wvdialEvent("wvdial: utils/wvtask.cc:303: static int WvTaskMan::yield(int): Assertion `*current_task->stack_magic == WVTASK_MAGIC' failed.")).toBe('crash');
  });

  it('connected once pppd starts, after a login chat too', () => {
    const state = read(['CONNECT 115200', '--> Carrier detected.  Waiting for prompt.', '--> Sending: (password)', "--> Don't know what to do!  Starting pppd and hoping for the best.", '--> Starting pppd at Sat Nov 21 06:16:02 2026']);
    expect(state.outcome).toBe('connected');
  });

  it('busy only on the third busy signal, since wvdial redials BUSY forever', () => {
    const busy = '--> The line is busy. Trying again.';
    expect(read([busy, busy]).outcome).toBeUndefined();
    expect(read([busy, busy, busy])).toMatchObject({ outcome: 'busy', busy: 3 });
    expect(read([busy, busy, '--> Starting pppd at x']).outcome).toBe('connected');
  });

  it('final failures and the first verdict stays', () => {
    expect(read(['--> No dial tone.']).outcome).toBe('no-dialtone');
    expect(read(['--> Modem not responding.', '--> Starting pppd at x']).outcome).toBe('not-responding');
    expect(read(Array(3).fill('--> No Carrier!  Trying again.')).outcome).toBe('no-carrier');
    expect(read(['--> The line is busy. Trying again.', '--> Maximum Attempts Exceeded..Aborting!!']).outcome).toBe('busy');
    expect(read(['wvdial: utils/wvtask.cc:303: Assertion `x` failed.'])).toMatchObject({ outcome: 'error', detail: expect.stringContaining('crashed') });
  });

  it('its config: stupid mode except for the login, no carrier check on a pty, our stand-in pppd', () => {
    const conf = wvdialConf({ device: '/dev/pts/3', login: false, pppdPath: '/tmp/x/pppd' });
    expect(conf).toContain('Stupid Mode = on');
    expect(conf).toContain('Carrier Check = no');
    expect(conf).toContain('PPPD Path = /tmp/x/pppd');
    expect(conf).not.toContain('s3cret-pw');
    const login = wvdialConf({ device: '/dev/pts/3', login: true, pppdPath: '/tmp/x/pppd' });
    expect(login).toContain('Stupid Mode = off');
    expect(login).toContain('Username = dialuser');
  });
});

describe('dialbond verdicts and correctness', () => {
  it('maps its report, a silent modem to not-responding', () => {
    expect(dialbondOutcome({ result: 'connected', connectMs: 2000, elapsedMs: 4000 })).toBe('connected');
    expect(dialbondOutcome({ result: 'busy', elapsedMs: 1000 })).toBe('busy');
    expect(dialbondOutcome({ result: 'timeout', elapsedMs: 17000, error: { code: 'MODEM_NO_RESPONSE', message: 'x' } })).toBe('not-responding');
    expect(dialbondOutcome({ result: 'timeout', elapsedMs: 60000, error: { code: 'MODEM_TIMEOUT', message: 'x' } })).toBe('timeout');
    expect(dialbondOutcome({ result: 'blacklisted', elapsedMs: 500 })).toBe('error');
  });

  it('a login counts only when the terminal server took it; busy is a right reading of busy-then-connect', () => {
    expect(isCorrect(caseOf('login'), 'connected', true)).toBe(true);
    expect(isCorrect(caseOf('login'), 'connected', false)).toBe(false);
    expect(isCorrect(caseOf('busy-then-connect'), 'busy')).toBe(true);
    expect(isCorrect(caseOf('busy-then-connect'), 'connected')).toBe(true);
    expect(isCorrect(caseOf('numeric'), 'not-responding')).toBe(false);
    expect(isCorrect(caseOf('dead'), 'not-responding')).toBe(true);
    expect(isCorrect(caseOf('busy'), 'connected')).toBe(false);
  });
});

describe('summary and table', () => {
  const run = (dialer: DialRun['dialer'], scenario: string, i: number, over: Partial<DialRun>): DialRun => ({
    dialer,
    scenario,
    run: i,
    outcome: 'connected',
    correct: true,
    outcomeMs: 0,
    ...over,
  });
  const runs: DialRun[] = [
    run('dialbond', 'connect', 1, { connectMs: 2200, outcomeMs: 2200 }),
    run('dialbond', 'connect', 2, { connectMs: 2500, outcomeMs: 2500 }),
    run('dialbond', 'connect', 3, { connectMs: 2300, outcomeMs: 2300 }),
    run('chat', 'connect', 1, { connectMs: 2100, outcomeMs: 2100 }),
    run('chat', 'numeric', 1, { outcome: 'not-responding', correct: false, outcomeMs: 60000 }),
    run('dialbond', 'busy', 1, { outcome: 'busy', outcomeMs: 1200 }),
    run('dialbond', 'login', 1, { connectMs: 3800, outcomeMs: 3800, loggedIn: false, correct: false }),
  ];
  const cells = summarise(runs, DIAL_CASES, ['wvdial']);
  const cell = (dialer: string, scenario: string) => cells.find((c) => c.dialer === dialer && c.scenario === scenario);

  it('counts successes and right readings, and the spread of connect times', () => {
    expect(cell('dialbond', 'connect')).toMatchObject({ runs: 3, successes: 3, correct: 3, connectMs: { runs: 3, median: 2300, min: 2200, max: 2500 } });
    expect(cell('chat', 'numeric')).toMatchObject({ runs: 1, successes: 0, correct: 0, outcomes: { 'not-responding': 1 } });
    // connected but the login was not taken: no success, and no connect time to brag about
    expect(cell('dialbond', 'login')).toMatchObject({ successes: 0, correct: 0 });
    expect(cell('dialbond', 'login')?.connectMs).toBeUndefined();
    expect(cell('wvdial', 'connect')).toMatchObject({ missing: true, runs: 0 });
  });

  it('formats cells as "ok k/n, median (min–max)" or the outcomes with a mark for misreadings', () => {
    expect(formatCell(cell('dialbond', 'connect'), caseOf('connect'))).toBe('ok 3/3, 2.3 s (2.2–2.5)');
    expect(formatCell(cell('chat', 'connect'), caseOf('connect'))).toBe('ok 1/1, 2.1 s');
    expect(formatCell(cell('chat', 'numeric'), caseOf('numeric'))).toBe('ok 0/1; not-responding 1/1 ✗');
    expect(formatCell(cell('dialbond', 'busy'), caseOf('busy'))).toBe('busy 1/1 in 1.2 s');
    expect(formatCell(cell('wvdial', 'connect'), caseOf('connect'))).toBe('not installed');
    expect(formatCell(undefined, caseOf('connect'))).toBe('-');
  });

  it('shows times from the modem\'s first byte on that yardstick, wall times on the other', () => {
    const both = summarise([
      run('dialbond', 'busy', 1, { outcome: 'busy', outcomeMs: 4900, modemOutcomeMs: 1100 }),
      run('dialbond', 'connect', 1, { connectMs: 5800, outcomeMs: 5800, modemConnectMs: 2100, modemOutcomeMs: 2100 }),
    ]);
    const at = (scenario: string) => both.find((c) => c.dialer === 'dialbond' && c.scenario === scenario);
    expect(formatCell(at('busy'), caseOf('busy'), 'modem')).toBe('busy 1/1 in 1.1 s');
    expect(formatCell(at('busy'), caseOf('busy'), 'wall')).toBe('busy 1/1 in 4.9 s');
    expect(formatCell(at('connect'), caseOf('connect'), 'modem')).toBe('ok 1/1, 2.1 s');
    expect(formatCell(at('connect'), caseOf('connect'))).toBe('ok 1/1, 5.8 s');
  });

  it('renders rows per scenario and a column per dialer', () => {
    const table = markdownTable(cells).trim().split('\n');
    expect(table[0]).toBe('| scenario (expected) | dialbond | wvdial | chat |');
    expect(table).toContain('| connect (connected) | ok 3/3, 2.3 s (2.2–2.5) | not installed | ok 1/1, 2.1 s |');
    expect(table.find((l) => l.startsWith('| login'))).toBe('| login (connected + login) | ok 0/1; connected 1/1 ✗ | not installed | - |');
    expect(table).toHaveLength(2 + DIAL_CASES.length); // every scenario has the wvdial column at least
  });
});

describe('dialing chart', async () => {
  const { dialingSvg, summarise } = await import('./dialing.js');
  it('draws the time to CONNECT, or to the verdict, for each dialer and scenario', () => {
    const cells = summarise([
      { dialer: 'dialbond', scenario: 'connect', run: 1, outcome: 'connected', correct: true, connectMs: 2300, outcomeMs: 2300 },
      { dialer: 'chat', scenario: 'busy', run: 1, outcome: 'busy', correct: true, outcomeMs: 1200 },
    ] as never);
    const svg = dialingSvg(cells);
    expect(svg).toContain('connect, dialbond: 2.3 s');
    expect(svg).toContain('busy, chat: 1.2 s');
  });
});
