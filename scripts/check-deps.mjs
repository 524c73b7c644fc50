#!/usr/bin/env node
// Enforces DESIGN §2: imports flow one way between workspace packages, apps depend on packages only,
// and no package depends on an app. Reads every workspace package.json; exits 1 listing violations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Layer of each package: a package may depend only on packages of a strictly lower layer.
const LAYERS = {
  '@worktrain/contracts': 0,
  '@worktrain/session-store': 1,
  '@worktrain/queue': 1,
  '@worktrain/workflows': 1,
  '@worktrain/engine': 2,
  '@worktrain/agent': 3,
  '@worktrain/workspace': 3,
  '@worktrain/triggers': 3,
  '@worktrain/delivery': 3,
  '@worktrain/knowledge-graph': 3,
  '@worktrain/coordinator-kit': 4,
  '@worktrain/runtime': 5,
  '@worktrain/testkit': 6,
};
const APP_LAYER = 7;

const root = new URL('..', import.meta.url).pathname;
const manifests = [];
for (const group of ['packages', 'apps']) {
  for (const dir of readdirSync(join(root, group))) {
    const file = join(root, group, dir, 'package.json');
    if (existsSync(file)) manifests.push({ group, file, pkg: JSON.parse(readFileSync(file, 'utf8')) });
  }
}

const problems = [];
for (const { group, pkg } of manifests) {
  const layer = group === 'apps' ? APP_LAYER : LAYERS[pkg.name];
  if (layer === undefined) {
    problems.push(`${pkg.name}: not in the layer table of scripts/check-deps.mjs (add it per DESIGN §2)`);
    continue;
  }
  const deps = { ...pkg.dependencies, ...pkg.peerDependencies };
  for (const dep of Object.keys(deps)) {
    if (!dep.startsWith('@worktrain/')) continue;
    const depLayer = LAYERS[dep];
    if (depLayer === undefined) problems.push(`${pkg.name} depends on ${dep}, which is an app or unknown`);
    else if (depLayer >= layer && pkg.name !== '@worktrain/testkit')
      problems.push(`${pkg.name} (layer ${layer}) must not depend on ${dep} (layer ${depLayer})`);
  }
}
if (problems.length > 0) {
  console.error(`dependency direction: ${problems.length} violation(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dependency direction: ok (${manifests.length} workspace packages)`);
