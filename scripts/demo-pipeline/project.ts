/**
 * The `feature` pipeline's fixtures: the repository (for `pnpm demo:pipeline` the real `ts-dedent` package of
 * `pnpm demo` with its seeded bug and its own tests as the check; for the daemon's pipeline tests a tiny
 * repository whose `add()` subtracts, checked by `node check.js`), the scripted model's turns for every child
 * session — classify, code, three reviews (blocking, blocking, clean) and two fix rounds — and the daemon home
 * (config.yaml with the check, policy.yaml allowing the merge once tests, CI and a clean review hold).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScriptedTurn } from '@worktrain/agent';
import type { JsonObject } from '@worktrain/contracts';
import { DEFAULT_POLICY_YAML } from '@worktrain/delivery';
import {
  BUGGY_LINE,
  CORRECT_LINE,
  projectFiles as dedentFiles,
  testCommand as dedentTestCommand,
} from '../demo-daemon/project.js';

export const OWNER = 'acme';
export const REPO = 'calc';
export const GITHUB_TOKEN = 'ghp_demo_token_for_the_local_fake';
export const GOAL = 'Fix issue #1: add() subtracts instead of adding';

export const BUGGY_ADD = 'export function add(a, b) {\n  return a - b;\n}\n';
const fixedAdd = (note: string): string => `// ${note}\nexport function add(a, b) {\n  return a + b;\n}\n`;

type ToolCall = { readonly name: string; readonly input: JsonObject };

/** A repository the pipeline works on: its files, the one file it changes, the edits, the check. */
export interface PipelineProject {
  readonly name: string;
  /** The title and the pipeline's goal. */
  readonly title: string;
  readonly goal: string;
  readonly files: Record<string, string>;
  /** The file the code and fix sessions change (and the reviews' findings name). */
  readonly file: string;
  /** The code session's fix. */
  readonly code: ToolCall;
  /** Fix round `n`'s change (a comment the review asked for). */
  fix(round: number): ToolCall;
  /** The check delivery runs (and the agents run to verify). */
  readonly check: string;
}

/** The tiny repository of the daemon's pipeline tests: `add()` subtracts; `node check.js` checks it. */
export function tinyProject(): PipelineProject {
  return {
    name: 'calc',
    title: 'add() subtracts instead of adding',
    goal: GOAL,
    files: projectFiles(),
    file: 'src/add.js',
    code: { name: 'write_file', input: { path: 'src/add.js', content: fixedAdd('add() adds') } },
    fix: (round) => ({
      name: 'write_file',
      input: {
        path: 'src/add.js',
        content: fixedAdd(
          round === 1 ? 'add() adds numbers; it does not coerce strings' : 'fixes issue #1: add() adds',
        ),
      },
    }),
    check: 'node check.js',
  };
}

/** `pnpm demo`'s project: the real `ts-dedent` from npm with a seeded bug; its own tests are the check. */
export function dedentProject(): PipelineProject {
  const { files } = dedentFiles();
  const source = files['src/index.ts'] ?? '';
  const comment = (round: number) =>
    round === 1
      ? '  // The common indentation is the smallest one of all lines.'
      : '  // The common indentation is the smallest one of all lines (issue #1).';
  return {
    name: 'ts-dedent',
    title: 'dedent() strips too much indentation',
    goal: 'Fix issue #1: dedent() strips too much indentation',
    files: { ...files, 'src/index.ts': source.replace(CORRECT_LINE, BUGGY_LINE) },
    file: 'src/index.ts',
    code: {
      name: 'edit_file',
      input: { path: 'src/index.ts', old_string: BUGGY_LINE, new_string: CORRECT_LINE },
    },
    fix: (round) => ({
      name: 'edit_file',
      input:
        round === 1
          ? {
              path: 'src/index.ts',
              old_string: CORRECT_LINE,
              new_string: `${comment(1).trim()}\n    ${CORRECT_LINE}`,
            }
          : { path: 'src/index.ts', old_string: comment(1).trim(), new_string: comment(2).trim() },
    }),
    check: dedentTestCommand(),
  };
}

/** The tiny repository's files: `add()` with its bug, and the check delivery runs before every push. */
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

const handoff = (decision: string, file: string) =>
  complete(decision, {
    artifacts: [
      {
        kind: 'wr.coding_handoff',
        version: 1,
        keyDecisions: [decision],
        knownLimitations: [],
        testsAdded: [],
        filesChanged: [file],
      },
    ],
  });

const verdict = (round: number, blocking: boolean, file: string) =>
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
                    ? 'the fixed line needs a comment saying why it is right'
                    : 'the comment should name the issue it fixes',
                file,
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
function review(round: number, blocking: boolean, file: string): ScriptedTurn[] {
  const match = `(review ${round})`;
  return [
    { step: 'understand-intent', match, toolCalls: [complete('The change makes add() add.')] },
    { step: 'review-change', match, toolCalls: [complete(`Read ${file} in context.`)] },
    { step: 'verify-findings', match, toolCalls: [complete('Each finding checked against the code.')] },
    { step: 'verdict', match, toolCalls: [verdict(round, blocking, file)] },
  ];
}

/** Turns of one fix round (`wr.review-fix`), matched on its goal's `(fix N)`. */
function fix(project: PipelineProject, round: number): ScriptedTurn[] {
  const match = `(fix ${round})`;
  return [
    {
      step: 'understand-findings',
      match,
      toolCalls: [complete(`F1: fix (one comment in ${project.file}).`)],
    },
    { step: 'fix-findings', match, toolCalls: [project.fix(round)] },
    { step: 'fix-findings', match, toolCalls: [complete('F1 fixed: the comment is in place.')] },
    { step: 'verify-fixes', match, toolCalls: [{ name: 'bash', input: { command: project.check } }] },
    { step: 'verify-fixes', match, toolCalls: [complete('The check passes.')] },
    {
      step: 'handoff',
      match,
      toolCalls: [handoff(`F1 (major, ${project.file}:1) fixed in round ${round}`, project.file)],
    },
  ];
}

/** Every child session's turns. Classify and code are matched on their step ids alone. */
export function pipelineScript(project: PipelineProject): ScriptedTurn[] {
  return [
    { step: 'gather-evidence', toolCalls: [complete(`The bug is in ${project.file}; the check shows it.`)] },
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
    { step: 'build-next-slice', toolCalls: [project.code] },
    { step: 'build-next-slice', toolCalls: [complete('The one-line fix is in.')] },
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
    { step: 'verify', toolCalls: [{ name: 'bash', input: { command: project.check } }] },
    { step: 'verify', toolCalls: [complete('The check passes.')] },
    // The code session's handoff; the fix rounds' handoffs (matched, listed first) win in their sessions.
    ...review(1, true, project.file),
    ...fix(project, 1),
    ...review(2, true, project.file),
    ...fix(project, 2),
    ...review(3, false, project.file),
    { step: 'handoff', toolCalls: [handoff('The one-line fix of the bug', project.file)] },
  ];
}

/** Writes `home/` (config.yaml, policy.yaml, .env, the model script) under `root`; returns its path. */
export function writeHome(
  root: string,
  options: {
    githubUrl: string;
    project: PipelineProject;
    sandboxOff?: boolean;
    mergePollIntervalMs?: number;
  },
): string {
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'model-script.json'),
    JSON.stringify({ turns: pipelineScript(options.project) }, null, 2),
  );
  const config = [
    'port: 0',
    'maxConcurrentSessions: 2',
    'model: { provider: scripted, script: model-script.json }',
    'queue: { leaseMs: 10000, sweepIntervalMs: 500, maxAttempts: 3 }',
    'drainTimeoutMs: 5000',
    `forge: { github: { token: $GITHUB_TOKEN, apiBaseUrl: ${JSON.stringify(options.githubUrl)} } }`,
    `delivery: { checks: [{ name: test, command: ${JSON.stringify(options.project.check)} }] }`,
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

/** What {@link playCi} reads and writes: the GitHub double's state. */
interface CiDouble {
  readonly state: {
    repo(
      owner: string,
      name: string,
    ):
      | {
          readonly items: readonly { readonly state: string; readonly pull?: { readonly head: string } }[];
          readonly checkRuns: readonly { readonly headSha: string }[];
        }
      | undefined;
    setCheckRun(
      owner: string,
      name: string,
      input: { headSha: string; name: string; status: 'completed'; conclusion: 'success' },
    ): unknown;
  };
}

/**
 * Plays CI on the GitHub double, as a CI app would: every `intervalMs`, each open pull request's head (read
 * from the repository's git origin, as pushed) gets a green `ci` check run once — when `allow(sha)` says so.
 * Returns the function that stops it.
 */
export function playCi(
  github: CiDouble,
  repos: readonly { readonly name: string; readonly originDir: string }[],
  options: {
    readonly intervalMs?: number;
    readonly allow?: (sha: string) => boolean;
    readonly onGreen?: (sha: string) => void;
  } = {},
): () => void {
  const timer = setInterval(() => {
    for (const { name, originDir } of repos) {
      const repo = github.state.repo(OWNER, name);
      for (const item of repo?.items ?? []) {
        if (item.pull === undefined || item.state !== 'open') continue;
        let sha: string;
        try {
          sha = execFileSync('git', ['--git-dir', originDir, 'rev-parse', `refs/heads/${item.pull.head}`], {
            encoding: 'utf8',
          }).trim();
        } catch {
          continue; // not pushed yet
        }
        if ((options.allow?.(sha) ?? true) && !repo?.checkRuns.some((r) => r.headSha === sha)) {
          github.state.setCheckRun(OWNER, name, {
            headSha: sha,
            name: 'ci',
            status: 'completed',
            conclusion: 'success',
          });
          options.onGreen?.(sha);
        }
      }
    }
  }, options.intervalMs ?? 100);
  return () => clearInterval(timer);
}
