#!/usr/bin/env node
// The demo: `dialbond daemon` bonding three simulated modems, on a real kernel in the lab
// (dialbond lab run boots it, installing what it needs first as root). See src/lab/demo.ts.
// The dial-only demo, without the lab: npm run demo:dial.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dialbond');
const child = spawn(process.execPath, [bin, 'lab', 'run', '--timeout', '900', '--', process.execPath, bin, 'lab', 'demo'], { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
