#!/usr/bin/env node
// Enforces DESIGN §2 over package.json files and over the imports in the source:
// - manifests: a package depends only on workspace packages of a strictly lower layer; apps depend on
//   packages only; nothing depends on an app;
// - source (`src/**/*.{ts,tsx,mts,cts}` of every package and app, tests excluded): every `import`,
//   `export … from`, `import x = require()`, `require()`, dynamic `import()` and `import('…')` type names a
//   package declared in that package's dependencies, peerDependencies or optionalDependencies; a workspace
//   package is imported by its name only (its src/index.ts is its only public surface) or by a subpath its
//   package.json `exports` declares (e.g. `@worktrain/contracts/sqlite`), and from a strictly lower layer;
//   a relative import stays inside its package.
// Specifiers come from TypeScript's parser, so imports in comments and strings do not count.
// Usage: node scripts/check-deps.mjs [root]   (default: this repository). Exits 1 listing violations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Layer of each package: a package may depend only on packages of a strictly lower layer.
// coordinator-kit and knowledge-graph are planned (no folder yet); their layers are fixed here already.
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
const SOURCE_FILE = /\.(ts|tsx|mts|cts)$/;
const TEST_FILE = /\.(test|spec)\.[cm]?tsx?$/;
const TEST_DIRS = new Set(['__tests__', '__fixtures__', '__mocks__', 'node_modules']);
const BUILTINS = new Set(builtinModules);

/** Workspace packages and apps under `root`: `{ group, dir, pkg }`. */
function readManifests(root) {
  const manifests = [];
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(root, group))) continue;
    for (const name of readdirSync(join(root, group)).sort()) {
      const file = join(root, group, name, 'package.json');
      if (existsSync(file))
        manifests.push({ group, dir: join(root, group, name), pkg: JSON.parse(readFileSync(file, 'utf8')) });
    }
  }
  return manifests;
}

const layerOf = (group, pkg) => (group === 'apps' ? APP_LAYER : LAYERS[pkg.name]);

function checkManifests(manifests) {
  const problems = [];
  for (const { group, pkg } of manifests) {
    const layer = layerOf(group, pkg);
    if (layer === undefined) {
      problems.push(`${pkg.name}: not in the layer table of scripts/check-deps.mjs (add it per DESIGN §2)`);
      continue;
    }
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
      if (!dep.startsWith('@worktrain/')) continue;
      const depLayer = LAYERS[dep];
      if (depLayer === undefined) problems.push(`${pkg.name} depends on ${dep}, which is an app or unknown`);
      else if (depLayer >= layer)
        problems.push(`${pkg.name} (layer ${layer}) must not depend on ${dep} (layer ${depLayer})`);
    }
  }
  return problems;
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return TEST_DIRS.has(e.name) ? [] : sourceFiles(path);
      return SOURCE_FILE.test(e.name) && !TEST_FILE.test(e.name) ? [path] : [];
    });
}

const isStringLiteral = (node) =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node));

/** Every module specifier of `text` with its 1-based line. */
function importsOf(fileName, text) {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found = [];
  const add = (literal) =>
    found.push({
      specifier: literal.text,
      line: sf.getLineAndCharacterOfPosition(literal.getStart(sf)).line + 1,
    });
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      isStringLiteral(node.moduleSpecifier)
    )
      add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (isStringLiteral(node.moduleReference.expression)) add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require')
      )
        add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (isStringLiteral(node.argument.literal)) add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** The subpaths (`@scope/name/sub`) each workspace package declares in its `exports`, besides `.`. */
function declaredSubpaths(manifests) {
  const subpaths = new Set();
  for (const { pkg } of manifests)
    for (const key of Object.keys(pkg.exports ?? {}))
      if (key.startsWith('./') && !key.includes('*')) subpaths.add(`${pkg.name}/${key.slice(2)}`);
  return subpaths;
}

function checkSources(root, manifests) {
  const problems = [];
  const subpaths = declaredSubpaths(manifests);
  let files = 0;
  let workspaceImports = 0;
  for (const { group, dir, pkg } of manifests) {
    const layer = layerOf(group, pkg);
    const declared = new Set(
      Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }),
    );
    const devOnly = new Set(Object.keys(pkg.devDependencies ?? {}));
    for (const file of sourceFiles(join(dir, 'src'))) {
      files++;
      const where = relative(root, file).split(sep).join('/');
      for (const { specifier, line } of importsOf(file, readFileSync(file, 'utf8'))) {
        const at = `${where}:${line}: ${pkg.name} imports '${specifier}'`;
        if (specifier.startsWith('.') || specifier.startsWith('/')) {
          const target = resolve(dirname(file), specifier);
          if (target !== dir && !target.startsWith(dir + sep))
            problems.push(`${at}, outside its package (import the package by name)`);
          continue;
        }
        if (specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier)))
          continue;
        const name = packageName(specifier);
        if (name === pkg.name) continue;
        if (!declared.has(name))
          problems.push(
            `${at}, but ${name} is not in its dependencies or peerDependencies${devOnly.has(name) ? ' (only in devDependencies)' : ''}`,
          );
        if (!name.startsWith('@worktrain/')) continue;
        workspaceImports++;
        if (specifier !== name && !subpaths.has(specifier))
          problems.push(
            `${at}: a deep path; import '${name}' (its src/index.ts) or a subpath its exports declare`,
          );
        const depLayer = LAYERS[name];
        if (depLayer === undefined) problems.push(`${at}: ${name} is an app or unknown`);
        else if (layer !== undefined && depLayer >= layer)
          problems.push(`${at}: layer ${layer} must not import ${name} (layer ${depLayer})`);
      }
    }
  }
  return { problems, files, workspaceImports };
}

/** Both checks over the tree at `root`: `{ problems, packages, files, workspaceImports }`. */
export function checkDeps(root) {
  const manifests = readManifests(root);
  const sources = checkSources(root, manifests);
  return {
    problems: [...checkManifests(manifests), ...sources.problems],
    packages: manifests.length,
    files: sources.files,
    workspaceImports: sources.workspaceImports,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  const { problems, packages, files, workspaceImports } = checkDeps(root);
  if (problems.length > 0) {
    console.error(`dependency direction: ${problems.length} violation(s)\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    `dependency direction: ok (${packages} workspace packages; ${files} source files, ${workspaceImports} imports of workspace packages)`,
  );
}
