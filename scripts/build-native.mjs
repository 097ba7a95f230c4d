#!/usr/bin/env node
// Builds native/pty.c into build/pty.node with the system C compiler. A Node-API module
// needs only Node's headers (node_api.h), which ship beside the node binary; no node-gyp,
// no download. Run by `npm ci`/`npm install` (the package's install script) and `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'pty.c');
const output = join(root, 'build', 'pty.node');

function headerDir() {
  const candidates = [
    process.env.DIALBOND_NODE_INCLUDE,
    resolve(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

function compiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);

const include = headerDir();
const cc = compiler();
if (!include || !cc) {
  const missing = [!include && "Node's C headers (node_api.h)", !cc && 'a C compiler'].filter(Boolean).join(' and ');
  console.error(`dialbond: cannot build native/pty.c: ${missing} not found.`);
  console.error('  On Debian: apt-get install -y gcc libnode-dev   (or set CC / DIALBOND_NODE_INCLUDE)');
  process.exit(1);
}
mkdirSync(dirname(output), { recursive: true });
execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=pty', `-I${include}`, '-o', output, source], {
  stdio: 'inherit',
});
