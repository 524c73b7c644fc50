import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJson, REPO_ROOT, runWorktrain, tempDir } from './helpers.js';

const WAITER = fileURLToPath(new URL('./fixtures/approval-waiter.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ENV = { USER: 'tester' };
const SLOW_MS = 180_000;

interface Waiter {
  readonly child: ChildProcess;
  /** JSON lines printed so far. */
  readonly lines: () => Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) d();
});

/** Starts the waiter (a process standing in for the daemon) on `<home>/worktrain.db`. */
function startWaiter(home: string, dedupeKey: string, kind: string): Waiter {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@worktrain/source',
      '--import',
      TSX_LOADER,
      WAITER,
      join(home, 'worktrain.db'),
      dedupeKey,
      kind,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
  };
}

/** Polls until the waiter printed a line with `key` (deadline 60 s). */
async function lineWith(waiter: Waiter, key: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const line = waiter.lines().find((l) => key in l);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no '${key}' line; got ${JSON.stringify(waiter.lines())}`);
    if (waiter.child.exitCode !== null)
      throw new Error(`waiter exited ${waiter.child.exitCode} before '${key}'`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function home(): string {
  const dir = tempDir('approvals');
  dirs.push(dir.cleanup);
  return dir.path;
}

describe('worktrain approvals', () => {
  it(
    'an approval-gated action survives a restart while waiting and proceeds on approval; the audit names who decided',
    async () => {
      const h = home();
      const first = startWaiter(h, 'sess_waiter:merge:1', 'merge');
      const pending = await lineWith(first, 'pending');
      expect(pending.created).toBe(true);
      const id = String(pending.pending);

      const listed = await runWorktrain(['approvals', 'list', '--state', 'pending', '--format', 'json'], {
        home: h,
      });
      expect(listed.code).toBe(0);
      expect(parseJson(listed)).toMatchObject({ approvals: [{ id, state: 'pending', tier: 'high' }] });

      // The daemon dies while waiting.
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();

      // A new daemon guards the same action again and finds the same pending request.
      const second = startWaiter(h, 'sess_waiter:merge:1', 'merge');
      const again = await lineWith(second, 'pending');
      expect(again).toEqual({ pending: id, created: false });

      const approved = await runWorktrain(
        ['approvals', 'approve', id, '--reason', 'reviewed the diff', '--format', 'json'],
        { home: h, env: ENV },
      );
      expect(approved.code).toBe(0);
      expect(parseJson(approved)).toMatchObject({
        approval: { id, state: 'approved', decidedBy: 'cli:tester', decisionReason: 'reviewed the diff' },
      });

      expect(await second.exited).toBe(0);
      expect(await lineWith(second, 'result')).toEqual({ result: 'proceed', decidedBy: 'cli:tester' });

      const shown = await runWorktrain(['approvals', 'show', id, '--format', 'json'], { home: h });
      const audit = (
        parseJson(shown) as { audit: Array<{ event: string; actor: string; reason: string | null }> }
      ).audit;
      expect(audit.map((a) => [a.event, a.actor])).toEqual([
        ['requested', 'session:sess_waiter'],
        ['re_requested', 'session:sess_waiter'],
        ['approved', 'cli:tester'],
      ]);

      // A decision is final.
      const twice = await runWorktrain(
        ['approvals', 'reject', id, '--actor', 'cli:mallory', '--format', 'json'],
        {
          home: h,
        },
      );
      expect(twice.code).toBe(1);
      expect(parseJson(twice)).toMatchObject({
        error: {
          code: 'APPROVAL_ERROR',
          details: { approvalCode: 'ALREADY_DECIDED', decidedBy: 'cli:tester' },
        },
      });
    },
    SLOW_MS,
  );

  it(
    'a rejection stops the action and the text output names the actor',
    async () => {
      const h = home();
      const waiter = startWaiter(h, 'sess_waiter:deploy:1', 'deploy_production');
      const id = String((await lineWith(waiter, 'pending')).pending);
      const rejected = await runWorktrain(
        ['approvals', 'reject', id, '--reason', 'not during the freeze', '--actor', 'cli:lead'],
        { home: h },
      );
      expect(rejected.code).toBe(0);
      expect(rejected.stdout).toContain(`${id} rejected by cli:lead`);
      expect(await waiter.exited).toBe(3);
      expect(await lineWith(waiter, 'result')).toMatchObject({
        result: 'APPROVAL_REJECTED',
        details: { actor: 'cli:lead', reason: 'not during the freeze' },
      });
      const text = await runWorktrain(['approvals', 'list'], { home: h });
      expect(text.stdout).toMatch(new RegExp(`${id}\\s+rejected\\s+high\\s+deploy_production`));
    },
    SLOW_MS,
  );

  it(
    'without USER and LOGNAME (cron, containers) the decision names the account, not cli:unknown',
    async () => {
      const h = home();
      const waiter = startWaiter(h, 'sess_waiter:merge:2', 'merge');
      const id = String((await lineWith(waiter, 'pending')).pending);
      const approved = await runWorktrain(['approvals', 'approve', id, '--format', 'json'], {
        home: h,
        env: { USER: '', LOGNAME: '' },
      });
      expect(approved.code).toBe(0);
      expect(parseJson(approved)).toMatchObject({
        approval: { id, state: 'approved', decidedBy: `cli:${userInfo().username}` },
      });
      expect(await waiter.exited).toBe(0);
    },
    SLOW_MS,
  );

  it(
    'usage errors exit 2; unknown ids exit 1; no database lists nothing and creates nothing',
    async () => {
      const h = home();
      const empty = await runWorktrain(['approvals', 'list', '--format', 'json'], { home: h });
      expect(empty.code).toBe(0);
      expect(parseJson(empty)).toEqual({ approvals: [] });
      const missing = await runWorktrain(['approvals', 'approve', 'appr_nope', '--format', 'json'], {
        home: h,
      });
      expect(missing.code).toBe(1);
      expect(parseJson(missing)).toMatchObject({ error: { code: 'APPROVAL_NOT_FOUND' } });
      const badState = await runWorktrain(['approvals', 'list', '--state', 'maybe'], { home: h });
      expect(badState.code).toBe(2);
      expect(badState.stderr).toContain('--state');
      const noId = await runWorktrain(['approvals', 'approve'], { home: h });
      expect(noId.code).toBe(2);
      const emptyReason = await runWorktrain(['approvals', 'reject', 'appr_x', '--reason', ' '], { home: h });
      expect(emptyReason.code).toBe(2);
      const builtin = await runWorktrain(['approvals', 'policy', '--format', 'json'], { home: h });
      expect(builtin.code).toBe(0);
      expect(parseJson(builtin)).toMatchObject({
        policy: { source: 'builtin', autoApproveAfterMs: 1_800_000 },
      });
      const { existsSync, writeFileSync } = await import('node:fs');
      expect(existsSync(join(h, 'worktrain.db'))).toBe(false);
      writeFileSync(
        join(h, 'policy.yaml'),
        'version: 1\nrules:\n  - action: merge\n    tier: low\n  - action: push\n    tier: huge\n',
      );
      const invalid = await runWorktrain(['approvals', 'policy', '--format', 'json'], { home: h });
      expect(invalid.code).toBe(1);
      expect(parseJson(invalid)).toMatchObject({
        error: {
          code: 'APPROVAL_ERROR',
          details: { approvalCode: 'POLICY_INVALID', issues: [{ path: 'rules[1].tier' }] },
        },
      });
    },
    SLOW_MS,
  );
});
