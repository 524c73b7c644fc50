/**
 * The demo's project: the real `ts-dedent` package from npm (sources + its own jest tests, run with the
 * repo's vitest through a jest-globals shim), a seeded one-line bug, the scripted model
 * that fixes it, the daemon home (config.yaml, triggers.yaml, .env) and the re-targeted webhook payload.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScriptedTurn } from '@worktrain/agent';

/** Root `node_modules/<name>` (devDependencies of the monorepo root; some packages export no package.json). */
const packageDir = (name: string): string =>
  join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'node_modules', name);

export const OWNER = 'acme';
export const REPO = 'ts-dedent';
export const LABEL = 'worktrain:ready';
export const WEBHOOK_SECRET = 'demo-webhook-secret';
export const GITHUB_TOKEN = 'ghp_demo_token_for_the_local_fake';
/** The bundled workflow the session runs (`packages/workflows`). */
export const WORKFLOW_ID = 'wr.coding-task';

/** The correct line of `src/index.ts` and its seeded bug (the common indentation becomes the largest). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a line of ts-dedent's source text, not a template
export const CORRECT_LINE = "const pattern = new RegExp(`\\n[\\t ]{${Math.min(...indentLengths)}}`, 'g');";
// biome-ignore lint/suspicious/noTemplateCurlyInString: a line of ts-dedent's source text, not a template
export const BUGGY_LINE = "const pattern = new RegExp(`\\n[\\t ]{${Math.max(...indentLengths)}}`, 'g');";

/** Absolute command that runs the package's own tests with this repo's vitest (no network, no install). */
export function testCommand(): string {
  const vitest = join(packageDir('vitest'), 'vitest.mjs');
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(vitest)} run --config vitest.config.mjs`;
}

const VITEST_CONFIG = `// Runs ts-dedent's own jest tests with vitest (added by the WorkTrain demo).
import { fileURLToPath } from 'node:url';
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export default {
  cacheDir: 'node_modules/.vite',
  test: { globals: true, include: ['src/__tests__/**/*.spec.ts'] },
  resolve: { alias: { '@jest/globals': here('./test/jest-globals.mjs'), 'ts-dedent': here('./src/index.ts') } },
};
`;

/** The files of the demo repository: ts-dedent as published on npm plus the vitest shim. */
export function projectFiles(): { files: Record<string, string>; version: string } {
  const pkgDir = packageDir('ts-dedent');
  const read = (p: string): string => readFileSync(join(pkgDir, p), 'utf8');
  const pkg = JSON.parse(read('package.json')) as { version: string; scripts?: Record<string, string> };
  const source = read('src/index.ts');
  if (!source.includes(CORRECT_LINE))
    throw new Error('ts-dedent changed: the line to seed the bug in is gone');
  const demoPkg = { ...pkg, scripts: { ...pkg.scripts, test: 'vitest run --config vitest.config.mjs' } };
  return {
    version: pkg.version,
    files: {
      'src/index.ts': source,
      'src/__tests__/index.spec.ts': read('src/__tests__/index.spec.ts'),
      'README.md': read('README.md'),
      LICENSE: read('LICENSE'),
      'package.json': `${JSON.stringify(demoPkg, null, 2)}\n`,
      'vitest.config.mjs': VITEST_CONFIG,
      'test/jest-globals.mjs':
        'export const { describe, it, test, expect, beforeEach, afterEach } = globalThis;\n',
      '.gitignore': 'node_modules/\n',
    },
  };
}

const complete = (notesMarkdown: string, extra: Record<string, unknown> = {}) => ({
  name: 'complete_step',
  input: { notesMarkdown, ...extra },
});

/**
 * The scripted model for the bundled `wr.coding-task` workflow (understand → [plan skipped: small task] →
 * build loop (build-next-slice, check-progress) → verify → handoff): deterministic turns that reproduce the
 * seeded bug with the package's own tests, fix it, re-run the tests and hand the change off.
 */
export function fixScript(): ScriptedTurn[] {
  const test = testCommand();
  return [
    {
      step: 'understand',
      text: "Running the package's own tests to reproduce the issue.",
      toolCalls: [{ name: 'bash', input: { command: `${test} 2>&1 | tail -n 15; true` } }],
    },
    {
      step: 'understand',
      toolCalls: [
        complete('Indentation tests fail: dedent() strips more than the common indentation. One-line fix.', {
          context: { taskSize: 'small', riskLevel: 'low' },
        }),
      ],
    },
    {
      step: 'build-next-slice',
      text: 'Reading the dedent implementation.',
      toolCalls: [{ name: 'read_file', input: { path: 'src/index.ts' } }],
    },
    {
      step: 'build-next-slice',
      text: 'The common indentation must be the smallest one, not the largest.',
      toolCalls: [
        {
          name: 'edit_file',
          input: { path: 'src/index.ts', old_string: BUGGY_LINE, new_string: CORRECT_LINE },
        },
      ],
    },
    {
      step: 'build-next-slice',
      text: 'Running the tests again.',
      toolCalls: [{ name: 'bash', input: { command: test } }],
    },
    { step: 'build-next-slice', toolCalls: [complete('Math.max → Math.min in dedent(); all tests pass.')] },
    {
      step: 'check-progress',
      toolCalls: [
        complete('The only slice is done.', {
          artifacts: [
            {
              kind: 'wr.loop_control',
              loopId: 'build_loop',
              decision: 'stop',
              metadata: { reason: 'fixed' },
            },
          ],
        }),
      ],
    },
    {
      step: 'verify',
      text: 'Verifying the whole change with the full test suite.',
      toolCalls: [{ name: 'bash', input: { command: test } }],
    },
    { step: 'verify', toolCalls: [complete('Full suite passes; the diff is one line in src/index.ts.')] },
    {
      step: 'handoff',
      toolCalls: [
        complete('dedent() strips the smallest common indentation again.', {
          artifacts: [
            {
              kind: 'wr.coding_handoff',
              version: 1,
              keyDecisions: ['Use the minimum indentation of all lines, as before the regression'],
              knownLimitations: [],
              testsAdded: [],
              filesChanged: ['src/index.ts'],
            },
          ],
        }),
      ],
    },
  ];
}

/** Writes `home/` (config.yaml, triggers.yaml, .env, model script) under `root`; returns its path. */
export function writeHome(
  root: string,
  options: { githubUrl: string; repoDir: string; sandboxOff?: boolean },
): string {
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: fixScript() }, null, 2));
  const config = [
    'port: 0',
    'maxConcurrentSessions: 1',
    'model: { provider: scripted, script: model-script.json }',
    'queue: { leaseMs: 10000, sweepIntervalMs: 500, maxAttempts: 3 }',
    'drainTimeoutMs: 5000',
    `forge: { github: { token: $GITHUB_TOKEN, apiBaseUrl: ${JSON.stringify(options.githubUrl)} } }`,
    // The agent's commands and the package's tests run in the OS sandbox unless --sandbox-off.
    ...(options.sandboxOff === true ? ['sandbox: { mode: off }'] : []),
  ];
  writeFileSync(join(home, 'config.yaml'), `${config.join('\n')}\n`);
  writeFileSync(join(home, '.env'), `GITHUB_TOKEN=${GITHUB_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(
    join(home, 'triggers.yaml'),
    `triggers:
  - id: gh-issues
    provider: github
    workflowId: ${WORKFLOW_ID}
    workspace: ${JSON.stringify(options.repoDir)}
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: ${JSON.stringify(LABEL)} }
    goalTemplate: "Fix issue #{{$.issue.number}}: {{$.issue.title}}"
    repo: ${OWNER}/${REPO}
    webhook: { secret: $GH_WEBHOOK_SECRET }
`,
  );
  return home;
}

/**
 * The first `issues` / `labeled` example of @octokit/webhooks-examples (api.github.com), re-targeted to the
 * demo repository, issue and label.
 */
export function labeledPayload(issue: { number: number; title: string }): Record<string, unknown> {
  const file = join(packageDir('@octokit/webhooks-examples'), 'api.github.com/index.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as Array<{
    name: string;
    examples: Array<Record<string, unknown>>;
  }>;
  const example = all.find((e) => e.name === 'issues')?.examples.find((x) => x.action === 'labeled');
  if (example === undefined) throw new Error('no issues.labeled example in @octokit/webhooks-examples');
  const repository = example.repository as Record<string, unknown>;
  const label = { ...(example.label as Record<string, unknown>), name: LABEL };
  return {
    ...example,
    label,
    repository: {
      ...repository,
      name: REPO,
      full_name: `${OWNER}/${REPO}`,
      owner: { ...(repository.owner as Record<string, unknown>), login: OWNER },
    },
    issue: {
      ...(example.issue as Record<string, unknown>),
      number: issue.number,
      title: issue.title,
      labels: [label],
    },
  };
}
