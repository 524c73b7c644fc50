#!/usr/bin/env node
// Extracts the operations the fake GitHub server implements (plus every component they reference) from
// GitHub's OpenAPI description as published in the npm package @octokit/openapi, which unpacks to ~385 MB
// and so is not a dependency. Usage:
//   mkdir /tmp/gh && cd /tmp/gh && npm init -y && npm install @octokit/openapi@<version>
//   node packages/testkit/scripts/extract-github-openapi.mjs /tmp/gh/node_modules/@octokit/openapi
// Writes packages/testkit/fixtures/github-openapi-subset.json and fixtures/github-openapi-subset.SOURCE.txt.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** [path template, method] of every operation src/github implements. Keep in sync with the ROUTES in github/*-routes.ts and github/routes.ts. */
export const OPERATIONS = [
  ['/repos/{owner}/{repo}', 'get'],
  ['/repos/{owner}/{repo}/issues', 'get'],
  ['/repos/{owner}/{repo}/issues', 'post'],
  ['/repos/{owner}/{repo}/issues/{issue_number}', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}', 'patch'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'get'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'post'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/labels', 'post'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', 'delete'],
  ['/repos/{owner}/{repo}/pulls', 'get'],
  ['/repos/{owner}/{repo}/pulls', 'post'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}', 'get'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}', 'patch'],
  ['/search/issues', 'get'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/merge', 'put'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/reviews', 'get'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/reviews', 'post'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/comments', 'get'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', 'post'],
  ['/repos/{owner}/{repo}/commits/{ref}/check-runs', 'get'],
  ['/repos/{owner}/{repo}/commits/{ref}/status', 'get'],
  ['/repos/{owner}/{repo}/commits/{ref}/statuses', 'get'],
  ['/repos/{owner}/{repo}/collaborators/{username}/permission', 'get'],
];

const packageDir = process.argv[2];
if (!packageDir) {
  console.error('usage: extract-github-openapi.mjs <path to node_modules/@octokit/openapi>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const spec = JSON.parse(readFileSync(join(packageDir, 'generated', 'api.github.com.json'), 'utf8'));

// Examples are large and not needed for validation.
const DROP_KEYS = new Set(['examples', 'example']);
const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) if (!DROP_KEYS.has(key)) out[key] = strip(inner);
  return out;
};

const components = {};
const pending = [];
const collectRefs = (value) => {
  if (Array.isArray(value)) return value.forEach(collectRefs);
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string') pending.push(inner);
    else collectRefs(inner);
  }
};

const paths = {};
for (const [path, method] of OPERATIONS) {
  const operation = spec.paths[path]?.[method];
  if (!operation)
    throw new Error(`operation ${method.toUpperCase()} ${path} not found in ${pkg.name}@${pkg.version}`);
  const stripped = strip(operation);
  paths[path] ??= {};
  paths[path][method] = stripped;
  collectRefs(stripped);
}
while (pending.length > 0) {
  const ref = pending.pop();
  const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
  if (!match) throw new Error(`unsupported $ref ${ref}`);
  const [, kind, name] = match;
  components[kind] ??= {};
  if (components[kind][name]) continue;
  const target = spec.components[kind]?.[name];
  if (!target) throw new Error(`dangling $ref ${ref}`);
  components[kind][name] = strip(target);
  collectRefs(components[kind][name]);
}
for (const kind of Object.keys(components)) {
  components[kind] = Object.fromEntries(
    Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)),
  );
}

const subset = {
  openapi: spec.openapi,
  info: {
    ...spec.info,
    description: `Subset of ${pkg.name}@${pkg.version} generated/api.github.com.json for @worktrain/testkit`,
  },
  paths,
  components,
};
const here = new URL('../fixtures/', import.meta.url);
const outFile = new URL('github-openapi-subset.json', here);
writeFileSync(outFile, `${JSON.stringify(subset, null, 1)}\n`);
writeFileSync(
  new URL('github-openapi-subset.SOURCE.txt', here),
  [
    `Source: npm package ${pkg.name}@${pkg.version}, file generated/api.github.com.json (GitHub's REST API OpenAPI`,
    `description, published by GitHub in github/rest-api-description; MIT licence).`,
    `Extracted on ${new Date().toISOString().slice(0, 10)} by packages/testkit/scripts/extract-github-openapi.mjs:`,
    `only the ${OPERATIONS.length} operations the fake GitHub server implements and the components they reference;`,
    `"example"/"examples" keys removed. Regenerate with the command in the script's header after bumping the version.`,
    '',
    ...OPERATIONS.map(
      ([path, method]) => `  ${method.toUpperCase()} ${path}  (${spec.paths[path][method].operationId})`,
    ),
    '',
  ].join('\n'),
);
const size = statSync(outFile).size;
console.log(
  `wrote ${outFile.pathname} (${(size / 1024).toFixed(0)} KiB, ${Object.values(components).reduce((n, c) => n + Object.keys(c).length, 0)} components)`,
);
if (size > 2 * 1024 * 1024) {
  console.error('subset exceeds 2 MB');
  process.exit(1);
}
