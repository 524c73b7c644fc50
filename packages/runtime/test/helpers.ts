/**
 * Test helpers: a temp WORKTRAIN_HOME with config, triggers and a model script; the real `worktrain-daemon`
 * process (its built bin when the build is fresh, else from source with tsx: scripts/test-bins.ts); polling
 * helpers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScriptedTurn } from '@worktrain/agent';
import { binArgs } from '../../../scripts/test-bins.js';

export const runtimeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(runtimeDir, '../..');
export const daemonMain = join(repoRoot, 'apps/daemon/src/main.ts');
export const fixturesDir = join(runtimeDir, 'test/fixtures');
export const WEBHOOK_SECRET = 'test-webhook-secret-123';

export const FIXED_ADD = 'export function add(a, b) {\n  return a + b;\n}\n';
export const BUGGY_ADD = 'export function add(a, b) {\n  return a - b;\n}\n';

/** The scripted model of `test.daemon-fix`: write the fix, complete `fix`, hand off. */
export function fixScript(options: { fixDelayMs?: number; handoffDelayMs?: number } = {}): ScriptedTurn[] {
  return [
    {
      step: 'fix',
      ...(options.fixDelayMs !== undefined ? { delayMs: options.fixDelayMs } : {}),
      toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: FIXED_ADD } }],
    },
    {
      step: 'fix',
      toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed add(): it subtracted.' } }],
    },
    {
      step: 'handoff',
      ...(options.handoffDelayMs !== undefined ? { delayMs: options.handoffDelayMs } : {}),
      toolCalls: [
        {
          name: 'complete_step',
          input: {
            notesMarkdown: 'add() now adds.',
            artifacts: [
              {
                kind: 'wr.coding_handoff',
                version: 1,
                keyDecisions: ['Use + instead of -'],
                knownLimitations: [],
                testsAdded: [],
                filesChanged: ['src/add.js'],
              },
            ],
          },
        },
      ],
    },
  ];
}

export interface Home {
  readonly root: string;
  readonly home: string;
  cleanup(): void;
}

/** A temp dir with `home/` holding config.yaml, triggers.yaml (optional) and the model script. */
export function makeHome(options: {
  turns: readonly ScriptedTurn[];
  githubUrl?: string;
  repoDir?: string;
  leaseMs?: number;
  maxConcurrentSessions?: number;
  triggers?: boolean;
}): Home {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-daemon-test-')));
  const home = join(root, 'home');
  mkdirSync(home);
  const workflows = join(root, 'workflows');
  cpSync(join(fixturesDir, 'workflows'), workflows, { recursive: true });
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: options.turns }));
  const config = [
    'port: 0',
    `maxConcurrentSessions: ${options.maxConcurrentSessions ?? 2}`,
    'model: { provider: scripted, script: model-script.json }',
    `workflowDirs: [${JSON.stringify(workflows)}]`,
    `queue: { leaseMs: ${options.leaseMs ?? 3000}, sweepIntervalMs: 500, maxAttempts: 5 }`,
    'drainTimeoutMs: 5000',
    ...(options.githubUrl !== undefined
      ? [`forge: { github: { token: $GITHUB_TOKEN, apiBaseUrl: ${JSON.stringify(options.githubUrl)} } }`]
      : []),
  ];
  writeFileSync(join(home, 'config.yaml'), `${config.join('\n')}\n`);
  // Secrets live in $WORKTRAIN_HOME/.env, as docs/daemon.md tells users (the daemon's environment has none).
  writeFileSync(join(home, '.env'), `GITHUB_TOKEN=ghp_testtoken\nGH_WEBHOOK_SECRET=${WEBHOOK_SECRET}\n`, {
    mode: 0o600,
  });
  if (options.triggers === true && options.repoDir !== undefined)
    writeFileSync(
      join(home, 'triggers.yaml'),
      `triggers:
  - id: gh-issues
    provider: github
    workflowId: test.daemon-fix
    workspace: ${JSON.stringify(options.repoDir)}
    events: [issues.labeled]
    goalTemplate: "Fix issue #{{$.issue.number}}: {{$.issue.title}}"
    repo: acme/widgets
    maxBodyBytes: 65536
    webhook: { secret: $GH_WEBHOOK_SECRET }
`,
    );
  return { root, home, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Daemon {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  api(path: string, init?: RequestInit): Promise<Response>;
}

/** Spawns the real daemon on a free loopback port and waits for its "listening" line (30 s). */
export async function startDaemon(
  home: string,
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<Daemon> {
  const child = spawn(process.execPath, [...binArgs('daemon'), '--home', home, ...args], {
    cwd: repoRoot,
    env: { ...process.env, WORKTRAIN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errText = '';
  child.stderr?.on('data', (d: Buffer) => {
    errText += d.toString();
  });
  const exited = new Promise<number | string>((r) =>
    child.on('exit', (code, signal) => r(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${errText}`)), 90_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before listening:\n${errText}`));
    });
  });
  const token = readFileSync(join(home, 'daemon.token'), 'utf8').trim();
  return {
    child,
    url,
    token,
    stderr: () => errText,
    exited,
    api: (path, init = {}) =>
      fetch(`${url}/api/v1${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      }),
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (thrown) {
      last = thrown;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads a session's events through the API (JSON lines of the SSE replay, without following). */
export async function sessionEvents(
  d: Daemon,
  sessionId: string,
): Promise<Array<{ kind: string; seq: number; data: Record<string, unknown> }>> {
  const res = await d.api(`/sessions/${sessionId}/events?follow=false`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)));
}

/**
 * The real `issues.labeled` example from @octokit/webhooks-examples, re-targeted to `acme/widgets` (the
 * repository of the test trigger and the fake GitHub) and to `issueNumber`.
 */
export function readWebhookExample(issueNumber = 1): Record<string, unknown> {
  const payload = JSON.parse(
    readFileSync(join(fixturesDir, 'third-party/octokit-webhooks-examples/issues.labeled.json'), 'utf8'),
  ) as { repository: Record<string, unknown>; issue: Record<string, unknown> };
  payload.repository = {
    ...payload.repository,
    name: 'widgets',
    full_name: 'acme/widgets',
    owner: { ...(payload.repository.owner as Record<string, unknown>), login: 'acme' },
  };
  payload.issue = { ...payload.issue, number: issueNumber };
  return payload;
}

/**
 * POSTs on a fresh connection (no keep-alive pool): for bodies the server refuses before reading them,
 * whose connection it closes. Resolves with the status and the body text.
 */
export function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the daemon expecting it to exit by itself (start-up failures); resolves with code and stderr. */
export function runDaemonToExit(
  home: string,
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [...binArgs('daemon'), '--home', home, ...args], {
      cwd: repoRoot,
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stderr });
    });
  });
}
