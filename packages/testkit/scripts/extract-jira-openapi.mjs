#!/usr/bin/env node
// Extracts the operations the fake Jira server implements (plus every component they reference) from
// Atlassian's Jira Cloud platform REST v3 OpenAPI description (~2.4 MB; see fixtures/jira/SOURCE.txt).
// Usage: node packages/testkit/scripts/extract-jira-openapi.mjs <path to jira-platform-v3 swagger json>
// Writes packages/testkit/fixtures/jira/jira-openapi-subset.json and fixtures/jira/SOURCE.txt.
import { readFileSync, statSync, writeFileSync } from 'node:fs';

/** [path template, method] of every operation src/jira implements. Keep in sync with jira/routes.ts. */
export const OPERATIONS = [
  ['/rest/api/3/issue/{issueIdOrKey}', 'get'],
  ['/rest/api/3/issue/{issueIdOrKey}/transitions', 'get'],
  ['/rest/api/3/issue/{issueIdOrKey}/transitions', 'post'],
  ['/rest/api/3/issue/{issueIdOrKey}/comment', 'get'],
  ['/rest/api/3/issue/{issueIdOrKey}/comment', 'post'],
  ['/rest/api/3/issue/{issueIdOrKey}/remotelink', 'get'],
  ['/rest/api/3/issue/{issueIdOrKey}/remotelink', 'post'],
  ['/rest/api/3/search/jql', 'get'],
  ['/rest/api/3/search/jql', 'post'],
];

const file = process.argv[2];
if (!file) {
  console.error('usage: extract-jira-openapi.mjs <jira-platform-v3.swagger-v3.v3.json>');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(file, 'utf8'));
const DROP_KEYS = new Set([
  'examples',
  'example',
  'x-atlassian-connect-scope',
  'x-atlassian-oauth2-scopes',
  'x-experimental',
  'x-atlassian-data-security-policy',
]);
const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (DROP_KEYS.has(key) || (key === 'description' && typeof inner === 'string')) continue;
    out[key] = strip(inner);
  }
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
  if (!operation) throw new Error(`operation ${method.toUpperCase()} ${path} not found`);
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
  info: { title: spec.info.title, version: spec.info.version, license: spec.info.license },
  paths,
  components,
};
const here = new URL('../fixtures/jira/', import.meta.url);
const outFile = new URL('jira-openapi-subset.json', here);
writeFileSync(outFile, `${JSON.stringify(subset, null, 1)}\n`);
writeFileSync(
  new URL('SOURCE.txt', here),
  [
    'Source: Atlassian Jira Cloud platform REST API v3 OpenAPI description (OpenAPI 3.0.1,',
    `info.version ${spec.info.version}, licence ${spec.info.license?.name ?? 'see info.license'}),`,
    'as committed in jarekbird/jira-api-mcp-wrapper @ fea6054694f99860c85887a64b9f169fec71ed18, file swagger-v3.v3.json.',
    `Extracted on ${new Date().toISOString().slice(0, 10)} by packages/testkit/scripts/extract-jira-openapi.mjs:`,
    `only the ${OPERATIONS.length} operations the fake Jira server implements and the components they reference;`,
    'examples, prose descriptions and x-atlassian-* annotation keys removed.',
    '',
    ...OPERATIONS.map(
      ([path, method]) => `  ${method.toUpperCase()} ${path}  (${spec.paths[path][method].operationId})`,
    ),
    '',
  ].join('\n'),
);
console.log(`wrote ${outFile.pathname} (${(statSync(outFile).size / 1024).toFixed(0)} KiB)`);
