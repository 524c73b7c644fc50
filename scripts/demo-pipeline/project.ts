/**
 * The `feature` pipeline demo's fixtures (`pnpm demo:pipeline`, and the daemon's pipeline e2e tests): a tiny
 * JavaScript repository whose `add()` subtracts, its check (`node check.js`, run by delivery in the sandbox),
 * the scripted model's turns for every child session — classify, code, three reviews (blocking, blocking,
 * clean) and two fix rounds — and the daemon home (config.yaml with the check, policy.yaml allowing the
 * merge once tests, CI and a clean review hold).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScriptedTurn } from '@worktrain/agent';
import { DEFAULT_POLICY_YAML } from '@worktrain/delivery';

export const OWNER = 'acme';
export const REPO = 'calc';
export const GITHUB_TOKEN = 'ghp_demo_token_for_the_local_fake';
export const GOAL = 'Fix issue #1: add() subtracts instead of adding';

export const BUGGY_ADD = 'export function add(a, b) {\n  return a - b;\n}\n';
const fixedAdd = (note: string): string => `// ${note}\nexport function add(a, b) {\n  return a + b;\n}\n`;

/** The repository: `add()` with its bug, and the check delivery runs before every push. */
export function projectFiles(): Record<string, string> {
  return {
    'src/add.js': BUGGY_ADD,
    'check.js':
      "import { add } from './src/add.js';\nif (add(2, 3) !== 5) {\n  console.error('add(2, 3) = ' + add(2, 3));\n  process.exit(1);\n}\nconsole.log('1 check passed');\n",
    'package.json': '{ "name": "calc", "private": true, "type": "module" }\n',
    'README.md': '# calc\n',
  };
}

const complete = (notesMarkdown: string, extra: Record<string, unknown> = {}) => ({
  name: 'complete_step',
  input: { notesMarkdown, ...extra },
});

const handoff = (decision: string) =>
  complete(decision, {
    artifacts: [
      {
        kind: 'wr.coding_handoff',
        version: 1,
        keyDecisions: [decision],
        knownLimitations: [],
        testsAdded: [],
        filesChanged: ['src/add.js'],
      },
    ],
  });

const verdict = (round: number, blocking: boolean) =>
  complete(`Review ${round}: ${blocking ? 'one blocking finding' : 'clean'}.`, {
    artifacts: [
      {
        kind: 'wr.review_verdict',
        verdict: blocking ? 'blocking' : 'clean',
        confidence: 'high',
        findings: blocking
          ? [
              {
                severity: 'major',
                summary:
                  round === 1
                    ? 'add() has no comment saying it must not coerce strings'
                    : 'the comment should name the issue it fixes',
                file: 'src/add.js',
                startLine: 1,
                findingCategory: 'correctness',
              },
            ]
          : [],
        summary: blocking ? `Review ${round}: changes requested.` : `Review ${round}: ready to merge.`,
      },
    ],
  });

/** Turns of one review session (`wr.mr-review`), matched on its goal's `(review N)`. */
function review(round: number, blocking: boolean): ScriptedTurn[] {
  const match = `(review ${round})`;
  return [
    { step: 'understand-intent', match, toolCalls: [complete('The change makes add() add.')] },
    { step: 'review-change', match, toolCalls: [complete('Read src/add.js in context.')] },
    { step: 'verify-findings', match, toolCalls: [complete('Each finding checked against the code.')] },
    { step: 'verdict', match, toolCalls: [verdict(round, blocking)] },
  ];
}

/** Turns of one fix round (`wr.review-fix`), matched on its goal's `(fix N)`. */
function fix(round: number): ScriptedTurn[] {
  const match = `(fix ${round})`;
  const note = round === 1 ? 'add() adds numbers; it does not coerce strings' : 'fixes issue #1: add() adds';
  return [
    { step: 'understand-findings', match, toolCalls: [complete('F1: fix (one comment on src/add.js).')] },
    {
      step: 'fix-findings',
      match,
      toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: fixedAdd(note) } }],
    },
    { step: 'fix-findings', match, toolCalls: [complete('F1 fixed: the comment is in place.')] },
    { step: 'verify-fixes', match, toolCalls: [{ name: 'bash', input: { command: 'node check.js' } }] },
    { step: 'verify-fixes', match, toolCalls: [complete('node check.js passes.')] },
    { step: 'handoff', match, toolCalls: [handoff(`F1 (major, src/add.js:1) fixed in round ${round}`)] },
  ];
}

/** Every child session's turns. Classify and code are matched on their step ids alone. */
export function pipelineScript(): ScriptedTurn[] {
  return [
    { step: 'gather-evidence', toolCalls: [complete('src/add.js subtracts; check.js shows it.')] },
    {
      step: 'classify',
      toolCalls: [
        complete('A small, specified, low-risk fix.', {
          artifacts: [
            {
              kind: 'wr.classify_task',
              taskComplexity: 'small',
              riskLevel: 'low',
              hasUI: false,
              touchesArchitecture: false,
              maturity: 'specified',
              rationale: 'one operator in one function',
            },
          ],
        }),
      ],
    },
    {
      step: 'understand',
      toolCalls: [
        complete('add() subtracts. One-line fix.', { context: { taskSize: 'small', riskLevel: 'low' } }),
      ],
    },
    {
      step: 'build-next-slice',
      toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: fixedAdd('add() adds') } }],
    },
    { step: 'build-next-slice', toolCalls: [complete('add() uses + now.')] },
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
    { step: 'verify', toolCalls: [{ name: 'bash', input: { command: 'node check.js' } }] },
    { step: 'verify', toolCalls: [complete('node check.js passes.')] },
    // The code session's handoff; the fix rounds' handoffs (matched, listed first) win in their sessions.
    ...review(1, true),
    ...fix(1),
    ...review(2, true),
    ...fix(2),
    ...review(3, false),
    { step: 'handoff', toolCalls: [handoff('Use + instead of -')] },
  ];
}

/** Writes `home/` (config.yaml, policy.yaml, .env, the model script) under `root`; returns its path. */
export function writeHome(
  root: string,
  options: { githubUrl: string; sandboxOff?: boolean; mergePollIntervalMs?: number },
): string {
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: pipelineScript() }, null, 2));
  const config = [
    'port: 0',
    'maxConcurrentSessions: 2',
    'model: { provider: scripted, script: model-script.json }',
    'queue: { leaseMs: 10000, sweepIntervalMs: 500, maxAttempts: 3 }',
    'drainTimeoutMs: 5000',
    `forge: { github: { token: $GITHUB_TOKEN, apiBaseUrl: ${JSON.stringify(options.githubUrl)} } }`,
    "delivery: { checks: [{ name: test, command: 'node check.js' }] }",
    `pipelines: { mergePollIntervalMs: ${options.mergePollIntervalMs ?? 200} }`,
    ...(options.sandboxOff === true ? ['sandbox: { mode: off }'] : []),
  ];
  writeFileSync(join(home, 'config.yaml'), `${config.join('\n')}\n`);
  // The built-in policy plus merge rules: merge by itself once tests, CI and a clean review hold.
  writeFileSync(
    join(home, 'policy.yaml'),
    `${DEFAULT_POLICY_YAML}\nmerge:\n  auto: true\n  require: [tests, ci, review_clean]\n  method: squash\n  ciTimeout: 2m\n`,
  );
  writeFileSync(join(home, '.env'), `GITHUB_TOKEN=${GITHUB_TOKEN}\n`, { mode: 0o600 });
  return home;
}
