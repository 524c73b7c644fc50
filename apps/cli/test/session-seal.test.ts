/**
 * Session chain-head seals end to end: `worktrain run` (real child process, scripted model, a real git
 * repository with a bare origin) runs a session to completion and the runtime seals its head; `sessions
 * verify` and `verify <session-id>` report the seal; then the log is edited in worktrain.db and every
 * hash of the chain recomputed (session-store's own hash function) — the chain passes, the seal does not,
 * and both commands exit 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionEvent } from '@worktrain/contracts';
import { computeEventHash, createSqliteSessionStore } from '@worktrain/session-store';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const WORKFLOW = {
  id: 'test.cli-seal',
  name: 'CLI seal (test)',
  description: 'Fix src/add.js.',
  version: '1.0.0',
  steps: [{ id: 'fix', title: 'Fix', prompt: 'Fix the bug in src/add.js.' }],
};
const FIXED = 'export function add(a, b) {\n  return a + b;\n}\n';
const TURNS = [
  { step: 'fix', toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: FIXED } }] },
  { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed add().' } }] },
];

const dir = tempDir('session-seal');
const home = join(dir.path, 'home');
const dbPath = join(home, 'worktrain.db');
let fx: GitFixture;
let sessionId: string;

async function readLog(): Promise<readonly SessionEvent[]> {
  const store = createSqliteSessionStore({ path: dbPath, readonly: true })._unsafeUnwrap();
  try {
    return (await store.readEvents(sessionId))._unsafeUnwrap();
  } finally {
    store.close();
  }
}

/**
 * Rewrites the notes the agent recorded and recomputes every event's hash and prevHash from there on, as
 * someone with write access to the database file could: the hash chain alone no longer shows the edit.
 */
async function rewriteNotesAndRehash(): Promise<void> {
  const events = await readLog();
  const target = events.find((e) => e.kind === 'output_appended');
  if (target === undefined) throw new Error('no output_appended event to edit');
  const db = new Database(dbPath);
  try {
    let prevHash: string | undefined;
    for (const stored of events) {
      const data =
        stored.seq === target.seq
          ? {
              ...(stored.data as Record<string, unknown>),
              notesMarkdown: 'Fixed add(); reviewed and approved.',
            }
          : stored.data;
      const { hash: _old, ...unhashed } = { ...stored, data, prevHash: prevHash ?? stored.prevHash };
      const hash = computeEventHash(unhashed as Omit<SessionEvent, 'hash'>);
      db.prepare(
        'UPDATE session_events SET data = ?, prev_hash = ?, hash = ? WHERE session_id = ? AND seq = ?',
      ).run(JSON.stringify(data), unhashed.prevHash, hash, sessionId, stored.seq);
      prevHash = hash;
    }
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  fx = await createGitFixture({
    files: { 'src/add.js': 'export function add(a, b) {\n  return a - b;\n}\n' },
  });
  mkdirSync(join(home, 'workflows'), { recursive: true });
  writeFileSync(join(home, 'workflows', `${WORKFLOW.id}.json`), JSON.stringify(WORKFLOW));
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: TURNS }));
  writeFileSync(
    join(home, 'config.yaml'),
    'model: { provider: scripted, script: model-script.json }\nport: 0\nqueue: { maxAttempts: 1 }\n',
  );
});
afterAll(async () => {
  await fx.cleanup();
  dir.cleanup();
});

describe('session seals', () => {
  it('seals a session the runtime ran to its end; sessions verify and verify report the seal', async () => {
    const run = await runWorktrain(
      ['--format', 'json', 'run', WORKFLOW.id, '--goal', 'Fix add()', '--workspace', fx.repoDir],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    sessionId = (parseJson(run) as { sessionId: string }).sessionId;
    const last = (await readLog()).at(-1)?.seq;

    const json = await runWorktrain(['sessions', 'verify', sessionId, '--format', 'json'], { home });
    expect(json.code, json.stderr).toBe(0);
    expect(parseJson(json)).toMatchObject({
      ok: true,
      chainOk: true,
      events: last,
      seal: { status: 'ok', seq: last, unsealedEvents: 0 },
    });
    const text = await runWorktrain(['sessions', 'verify', sessionId], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`seal: ok \\(kid [A-Za-z0-9_-]{43}, seq ${last},`));

    const change = await runWorktrain(['verify', sessionId], { home });
    expect(change.code, change.stdout).toBe(0);
    expect(change.stdout).toContain('verify: ok (the session log, 0 proof records)');
  });

  it('fails the seal of a log edited and re-hashed end to end, though the hash chain passes (exit 1)', async () => {
    await rewriteNotesAndRehash();
    const json = await runWorktrain(['sessions', 'verify', sessionId, '--format', 'json'], { home });
    expect(json.code).toBe(1);
    const out = parseJson(json) as {
      ok: boolean;
      chainOk: boolean;
      seal: { status: string; problems: { code: string }[] };
    };
    expect(out).toMatchObject({ ok: false, chainOk: true, seal: { status: 'invalid' } });
    expect(out.seal.problems.map((p) => p.code)).toEqual(['SEAL_HEAD']);

    const text = await runWorktrain(['sessions', 'verify', sessionId], { home });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('hash chain intact');
    expect(text.stdout).toContain('seal: INVALID (SEAL_HEAD');

    const change = await runWorktrain(['verify', sessionId, '--format', 'json'], { home });
    expect(change.code).toBe(1);
    expect(parseJson(change)).toMatchObject({
      ok: false,
      session: { ok: false, chain: { ok: true }, seal: { status: 'invalid' } },
    });
  });
});
