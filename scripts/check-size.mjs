#!/usr/bin/env node
// CONVENTIONS ("keep files under ~400 lines"; issue #14): fails on any non-test source file of a package or
// app (`packages/*/src/**`, `apps/*/src/**`, .ts/.tsx/.mts/.cts) longer than MAX_LINES lines unless
// scripts/size-allowlist.json names it with a one-line reason. An allowlisted file that is no longer too
// long, or no longer exists, is reported too, so the list only shrinks.
// Usage: node scripts/check-size.mjs [root]   (default: this repository). Exits 1 listing violations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_LINES = 400;
const SOURCE_FILE = /\.(ts|tsx|mts|cts)$/;
const TEST_FILE = /\.(test|spec)\.[cm]?tsx?$|\.d\.ts$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '__tests__', '__fixtures__', '__mocks__']);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(join(dir, entry.name));
    } else if (SOURCE_FILE.test(entry.name) && !TEST_FILE.test(entry.name)) yield join(dir, entry.name);
  }
}

/** Lines of a file as editors count them (a final newline does not start another line). */
export function countLines(text) {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

/**
 * Checks `root`; returns `{ violations: string[], checked: number }`. The allowlist is
 * `{ "path/relative/to/root.ts": "reason", … }` in scripts/size-allowlist.json under `root`.
 */
export function checkSize(root) {
  const allowFile = join(root, 'scripts', 'size-allowlist.json');
  const allow = existsSync(allowFile) ? JSON.parse(readFileSync(allowFile, 'utf8')) : {};
  const violations = [];
  let checked = 0;
  const seen = new Set();
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base, { withFileTypes: true })) {
      const src = join(base, pkg.name, 'src');
      if (!pkg.isDirectory() || !existsSync(src)) continue;
      for (const file of walk(src)) {
        checked += 1;
        const rel = relative(root, file).split(sep).join('/');
        const lines = countLines(readFileSync(file, 'utf8'));
        const reason = allow[rel];
        if (reason !== undefined) seen.add(rel);
        if (lines > MAX_LINES && reason === undefined)
          violations.push(
            `${rel}: ${lines} lines (over ${MAX_LINES}); split it by responsibility, or add it to scripts/size-allowlist.json with a reason`,
          );
        if (lines <= MAX_LINES && reason !== undefined)
          violations.push(
            `${rel}: ${lines} lines, no longer over ${MAX_LINES}; remove it from scripts/size-allowlist.json`,
          );
      }
    }
  }
  for (const [rel, reason] of Object.entries(allow)) {
    if (typeof reason !== 'string' || reason.trim() === '')
      violations.push(`scripts/size-allowlist.json: ${rel} needs a one-line reason`);
    if (!seen.has(rel)) violations.push(`scripts/size-allowlist.json: ${rel} does not exist; remove it`);
  }
  return { violations, checked };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '..', '..'));
  const { violations, checked } = checkSize(root);
  if (violations.length > 0) {
    for (const v of violations) console.error(v);
    console.error(`check:size: ${violations.length} problem(s) in ${checked} source files`);
    process.exit(1);
  }
  console.log(`check:size: ${checked} source files, none over ${MAX_LINES} lines outside the allowlist`);
}
