/**
 * Benchmark: dialing robustness. The same simulated modems (connect, busy, busy then
 * connect, no dial tone, a noisy line, numeric result codes, a slow ATZ, a terminal-server
 * login, no carrier, a dead modem) dialed by `dialbond dial`, by wvdial and by pppd's chat
 * with a typical script: per scenario and dialer, whether the line came up, whether the
 * outcome was read right, and the time to CONNECT (median, min–max over the runs). Writes
 * bench/results/dialing.json, .md and .svg and prints the table.
 *
 * Nothing here needs the lab's kernel (ptys and processes only): `npm run bench` runs it in
 * the lab with the other benchmarks, `npm run bench:dialing` natively, as on a real router
 * (the lab's emulated CPU slows Node many times more than a C program). Runs from
 * DIALBOND_BENCH_RUNS (default 3); DIALBOND_BENCH_OUT puts the files elsewhere (a trial on
 * the host). It fails, after writing, only when dialbond misread a line: the other dialers'
 * mistakes are what the table is for.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDialingBench } from './lib/dialers.js';
import { TABLE_LEGEND, dialingSvg } from './lib/dialing.js';
import { runsFromEnv } from './lib/options.js';
import { writeResults } from './lib/results.js';
import { formatSpread, spread } from './lib/stats.js';

const RESULTS = process.env.DIALBOND_BENCH_OUT ?? join(import.meta.dirname, 'results');
/** In the lab (an emulated CPU, where Node runs many times slower than natively) or on the
 * machine itself, as on a real router: both are kept, as dialing.* and dialing-host.*. */
const inLab = process.env.DIALBOND_IN_LAB === '1';
const NAME = inLab ? 'dialing' : 'dialing-host';
const WHERE = inLab ? 'in the lab (QEMU without KVM: an emulated CPU)' : `natively on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`;

describe('bench: dialing robustness', () => {
  it('dialbond, wvdial and chat on every scenario', async () => {
    const runs = runsFromEnv();
    const result = await runDialingBench({ runs, log: (line) => console.log(line) });
    const at = new Date().toISOString();
    const heading =
      `Dialing robustness, ${at}, ${WHERE}: simulated modems dialed by dialbond dial, wvdial and chat (typical script), ${runs} run(s) each, ` +
      `one dial at a time, a fresh modem per dial. Times from the moment the simulated modem received the dialer's first byte, so every dialer is judged alike ` +
      `(wall times from starting each dialer, program start-up included, in the second table).`;
    // Wall times include each program's start: a C dialer's is a few ms, Node's is seconds
    // in the emulated lab. dialbond's own report times the dial from opening the port.
    const own = spread(result.runs.flatMap((r) => (r.dialer === 'dialbond' && r.scenario === 'connect' && r.selfConnectMs !== undefined ? [r.selfConnectMs] : [])).filter((ms) => ms > 0));
    const ownLine = own ? `\ndialbond's own time from opening the port to CONNECT in the connect scenario: ${formatSpread(own, (ms) => (ms / 1000).toFixed(1), ' s')}; the rest of its wall time is starting Node.\n` : '';
    const missing = result.missing.length > 0 ? `\nNot installed here: ${result.missing.join(', ')}.\n` : '';
    const wall = `\nThe same runs in wall time from starting the dialer (dialbond's includes starting Node, which no dial logic can win back against a C program):\n\n${result.wallMarkdown}`;
    const markdown = `${heading}\n\n${result.markdown}\n${TABLE_LEGEND}\n${wall}${ownLine}${missing}`;
    writeResults(RESULTS, NAME, { at, rows: result.runs, cells: result.cells, missing: result.missing, tookMs: result.tookMs }, markdown, dialingSvg(result.cells));
    console.log(`\n${markdown}\n(${(result.tookMs / 1000).toFixed(0)} s in all)`);

    const wrong = result.runs.filter((r) => r.dialer === 'dialbond' && !r.correct);
    expect(wrong.map((r) => `${r.scenario} run ${r.run}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''}`)).toEqual([]);
  });
});
