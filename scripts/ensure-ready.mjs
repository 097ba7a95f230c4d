#!/usr/bin/env node
// Makes a fresh checkout ready to run: npm packages installed from the lock file, the
// TypeScript compiled, the native pty helper built, and (as root) the Debian packages the
// tests need. Run by `npm test` and `npm run demo` before they start, so those two
// commands work on a fresh machine. Idempotent and quick when nothing changed.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);

// Debian packages: a C compiler for the pty helper. (Later parts of the suite add theirs here.)
const debianNeeds = [['cc', 'gcc']];
const missing = debianNeeds.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
if (missing.length > 0) {
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.error(`dialbond: installing Debian packages: ${missing.join(' ')}`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.error(`dialbond: missing Debian packages: ${missing.join(' ')}; run: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
}

const installed = join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(join(root, 'package-lock.json'))) {
  console.error('dialbond: installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
} else {
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  run('node', ['scripts/build-native.mjs']);
}
