#!/usr/bin/env node
// Puts the latest benchmark tables (bench/results/*.md) into the README, between the
// <!-- bench:NAME --> and <!-- /bench:NAME --> markers. Run by npm run bench after the lab.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');
let readme = readFileSync(readmePath, 'utf8');
for (const [, name] of readme.matchAll(/<!-- bench:([a-z0-9-]+) -->/g)) {
  const file = join(root, 'bench', 'results', `${name}.md`);
  if (!existsSync(file)) continue;
  const table = readFileSync(file, 'utf8').trim();
  readme = readme.replace(new RegExp(`(<!-- bench:${name} -->)[\\s\\S]*?(<!-- /bench:${name} -->)`), `$1\n${table}\n$2`);
}
writeFileSync(readmePath, readme);
