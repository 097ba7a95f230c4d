#!/usr/bin/env node
// The dial demo: a bank of simulated modems (`dialbond sim`), each dialed at the same time by
// `dialbond dial`, with the results side by side. No hardware, no root needed.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dialbond');
const work = mkdtempSync(join(tmpdir(), 'dialbond-demo-'));

// What each simulated modem does, and how dialbond dials it.
const lines = [
  { scenario: 'connect', args: ['--number', '5551001', '--profile', 'zoom-v34'] },
  { scenario: 'noise', args: ['--number', '5551002', '--profile', 'zoom-v34'] },
  { scenario: 'busy-then-connect', args: ['--number', '5551003', '--number', '5551004', '--attempts', '6', '--profile', 'generic'] },
  { scenario: 'login', args: ['--number', '5551005', '--profile', 'generic', '--login', 'dialuser', '--password-file', join(work, 'password')] },
  { scenario: 'gsm', args: ['--profile', 'gsm', '--apn', 'internet'] },
  { scenario: 'numeric', args: ['--number', '5551006', '--profile', 'usr-courier'] },
  { scenario: 'no-dialtone', args: ['--number', '5551007', '--profile', 'generic'] },
];

writeFileSync(join(work, 'password'), 's3cret-pw\n');
chmodSync(join(work, 'password'), 0o600);

const sim = spawn(process.execPath, [bin, 'sim', '--json', '--log-level', 'warn', '--dir', join(work, 'modems'), ...lines.flatMap((l) => ['--scenario', l.scenario])], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stopSim = () => {
  if (sim.exitCode === null) sim.kill('SIGTERM');
};
process.on('exit', () => {
  stopSim();
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

const modems = await new Promise((resolvePaths, reject) => {
  const found = [];
  const timer = setTimeout(() => reject(new Error('dialbond sim did not start within 20 s')), 20_000);
  createInterface({ input: sim.stdout }).on('line', (line) => {
    const event = JSON.parse(line);
    if (event.ready) {
      clearTimeout(timer);
      resolvePaths(found);
    } else if (event.path) found.push(event);
  });
  sim.on('exit', (code) => reject(new Error(`dialbond sim exited with status ${code}`)));
});

console.log(`dialbond demo: ${modems.length} simulated modems, dialed at once\n`);
for (const [i, m] of modems.entries()) console.log(`  ${m.name}  ${m.path}  (${lines[i].scenario})`);
console.log('');

function dial(device, args) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [bin, 'dial', '--json', '--device', device, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DIALBOND_LOCK_DIR: work },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (status) => {
      let report;
      try {
        report = JSON.parse(out.trim().split('\n').pop());
      } catch {
        report = { result: 'error', error: { message: 'no report' } };
      }
      resolveRun({ status, report });
    });
  });
}

const started = Date.now();
const results = await Promise.all(modems.map((m, i) => dial(m.path, lines[i].args)));
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('modem', 8)}${pad('scenario', 19)}${pad('result', 12)}${pad('attempts', 10)}${pad('connect', 9)}${pad('total', 8)}${pad('exit', 6)}CONNECT line / reason`);
for (const [i, { status, report }] of results.entries()) {
  const detail = report.result === 'connected' ? `${report.connect}${report.speed ? ` (${report.speed} bps)` : ''}` : `${report.error?.code ?? ''} ${report.error?.message ?? ''}`;
  console.log(
    `${pad(modems[i].name, 8)}${pad(lines[i].scenario, 19)}${pad(report.result, 12)}${pad(report.attempts ?? '', 10)}${pad(report.connectMs != null ? `${(report.connectMs / 1000).toFixed(1)}s` : '-', 9)}${pad(`${((report.elapsedMs ?? 0) / 1000).toFixed(1)}s`, 8)}${pad(status, 6)}${detail}`,
  );
}
const connected = results.filter((r) => r.report.result === 'connected').length;
console.log(`\n${connected} of ${results.length} lines connected in ${((Date.now() - started) / 1000).toFixed(1)} s (every line was hung up again; the no-dialtone line is expected to fail)`);
stopSim();
await new Promise((r) => sim.on('exit', r));
