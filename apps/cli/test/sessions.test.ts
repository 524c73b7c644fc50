import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteQueue } from '@worktrain/queue';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, parseJson, runWorktrain, spawnWorktrain, tempDir } from './helpers.js';
import { advanceEvents, append, completionEvents, openStore, sessionStart } from './session-fixture.js';

describe('worktrain sessions without a database', () => {
  const dir = tempDir('sessions-empty');
  afterAll(dir.cleanup);
  const home = join(dir.path, 'missing-home');

  it('says "no sessions yet" and creates nothing', async () => {
    const run = await runWorktrain(['sessions', 'list'], { home });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('no sessions yet');
    expect(existsSync(home)).toBe(false);
  });

  it('prints an empty list in json', async () => {
    const run = await runWorktrain(['sessions', 'list', '--format', 'json'], { home });
    expect(run.code).toBe(0);
    expect(parseJson(run)).toEqual({ sessions: [] });
  });

  it('fails show of an unknown session with SESSION_NOT_FOUND (exit 1)', async () => {
    const run = await runWorktrain(['sessions', 'show', 'sess_nope', '--format', 'json'], { home });
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    expect(existsSync(home)).toBe(false);
  });
});

describe('worktrain sessions and doctor over a database only the queue has used', () => {
  const dir = tempDir('sessions-queue-only');
  afterAll(dir.cleanup);

  beforeAll(async () => {
    // What `worktrain trigger fire` or `queue` commands leave before any session ran: queue tables only.
    const queue = openSqliteQueue({ path: join(dir.path, 'worktrain.db') })._unsafeUnwrap();
    (await queue.enqueue({ queue: 'tasks', payload: { n: 1 } }))._unsafeUnwrap();
    await queue.close();
  });

  it('lists no sessions, shows none, and doctor passes, creating no session tables (read-only)', async () => {
    const list = await runWorktrain(['sessions', 'list', '--format', 'json'], { home: dir.path });
    expect(list.code).toBe(0);
    expect(parseJson(list)).toEqual({ sessions: [] });
    const show = await runWorktrain(['sessions', 'show', 'sess_nope', '--format', 'json'], {
      home: dir.path,
    });
    expect(show.code).toBe(1);
    expect(parseJson(show)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    const doctor = await runWorktrain(['--format', 'json', 'doctor'], { home: dir.path });
    const checks = (parseJson(doctor) as { checks: Array<{ name: string; status: string; message: string }> })
      .checks;
    expect(checks.find((c) => c.name === 'database')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('no session recorded yet'),
    });
    // Still no session tables: a read-only open reports schema version 0.
    const after = createSqliteSessionStore({ path: join(dir.path, 'worktrain.db'), readonly: true });
    expect(after._unsafeUnwrapErr()).toMatchObject({
      code: 'STORE_READ_ONLY',
      details: { schemaVersion: 0 },
    });
  });
});

describe('worktrain sessions over a file that is not a WorkTrain database', () => {
  const dir = tempDir('sessions-garbage');
  afterAll(dir.cleanup);

  it('fails with STORE_ERROR and the store code (exit 1), without a stack trace', async () => {
    writeFileSync(join(dir.path, 'worktrain.db'), 'this is not sqlite at all, just some text\n'.repeat(200));
    const run = await runWorktrain(['sessions', 'list', '--format', 'json'], { home: dir.path });
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({
      error: { code: 'STORE_ERROR', details: { storeCode: expect.any(String) } },
    });
    const text = await runWorktrain(['sessions', 'list'], { home: dir.path });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: /);
    expect(text.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('worktrain sessions over a recorded session', () => {
  const dir = tempDir('sessions');
  const home = dir.path;
  afterAll(dir.cleanup);

  beforeAll(async () => {
    const store = openStore(home);
    let seq = await append(store, 'sess_alpha', 0, sessionStart('demo.alpha', 'Fix the flaky test'));
    seq = await append(store, 'sess_alpha', seq, advanceEvents());
    let other = await append(store, 'sess_beta', 0, sessionStart('demo.beta', 'Write the docs'));
    other = await append(store, 'sess_beta', other, advanceEvents());
    await append(store, 'sess_beta', other, completionEvents());
    await append(store, 'sess_tampered', 0, sessionStart('demo.alpha', 'Will be tampered with'));
    // Alter a stored event behind the store's back: the hash chain must catch it.
    store.database
      .prepare(
        "UPDATE session_events SET data = json_set(data, '$.goal', 'Something else') WHERE session_id = ? AND seq = 1",
      )
      .run('sess_tampered');
    store.close();
    expect(seq).toBe(7);
  });

  it('lists sessions as a table', async () => {
    const run = await runWorktrain(['sessions', 'list'], { home });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^SESSION\s+WORKFLOW\s+STATUS/);
    expect(run.stdout).toContain('sess_alpha');
    expect(run.stdout).toContain('sess_beta');
  });

  it('filters by status and workflow in json', async () => {
    const completed = parseJson(
      await runWorktrain(['sessions', 'list', '--status', 'completed', '--format', 'json'], { home }),
    );
    expect(completed).toMatchObject({ sessions: [{ sessionId: 'sess_beta', status: 'completed' }] });
    const alpha = await runWorktrain(['sessions', 'list', '--workflow', 'demo.alpha', '--format', 'json'], {
      home,
    });
    const ids = (parseJson(alpha) as { sessions: { sessionId: string }[] }).sessions
      .map((s) => s.sessionId)
      .sort();
    expect(ids).toEqual(['sess_alpha', 'sess_tampered']);
  });

  it('honours --limit and --since', async () => {
    const limited = parseJson(
      await runWorktrain(['sessions', 'list', '--limit', '1', '--format', 'json'], { home }),
    );
    expect((limited as { sessions: unknown[] }).sessions).toHaveLength(1);
    // The fixture's clock is 2026-11-25T12:00Z; nothing was updated after 2099.
    const future = parseJson(
      await runWorktrain(['sessions', 'list', '--since', '2099-01-01', '--format', 'json'], { home }),
    );
    expect(future).toEqual({ sessions: [] });
    const none = await runWorktrain(['sessions', 'list', '--since', '2099-01-01'], { home });
    expect(none.stdout.trim()).toBe('no sessions match');
  });

  it('rejects an unknown --status with exit 2', async () => {
    const run = await runWorktrain(['sessions', 'list', '--status', 'sleeping'], { home });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'--status'");
  });

  it('shows the projection: current step, nodes, outputs, context, metrics', async () => {
    const run = await runWorktrain(['sessions', 'show', 'sess_alpha', '--format', 'json'], { home });
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({
      summary: { sessionId: 'sess_alpha', status: 'running', currentStepId: 'implement', lastSeq: 7 },
      nodes: [
        { nodeId: 'node_1', stepId: 'plan' },
        { nodeId: 'node_2', parentNodeId: 'node_1', stepId: 'implement' },
      ],
      outputs: [{ stepId: 'plan', notesMarkdown: 'Plan: do the thing.' }],
      context: { ticket: 'T-1', approach: 'small-steps' },
      metrics: { events: 7, advances: 1 },
    });
    const text = await runWorktrain(['sessions', 'show', 'sess_alpha'], { home });
    expect(text.stdout).toContain('Step      implement');
    expect(text.stdout).toContain('approach = "small-steps"');
  });

  it('prints events in order, with --after and --limit', async () => {
    const all = parseJson(
      await runWorktrain(['sessions', 'events', 'sess_alpha', '--format', 'json'], { home }),
    );
    const seqs = (all as { events: { seq: number }[] }).events.map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const page = parseJson(
      await runWorktrain(
        ['sessions', 'events', 'sess_alpha', '--after', '2', '--limit', '2', '--format', 'json'],
        { home },
      ),
    );
    expect((page as { events: { seq: number; kind: string }[] }).events.map((e) => [e.seq, e.kind])).toEqual([
      [3, 'node_created'],
      [4, 'output_appended'],
    ]);
    const text = await runWorktrain(['sessions', 'events', 'sess_alpha'], { home });
    expect(text.stdout.split('\n')[0]).toMatch(/^#1 {2}2026-11-25T12:00:00Z {2}session_created/);
  });

  it('follows a finished session to its end and exits 0', async () => {
    const run = await runWorktrain(['sessions', 'events', 'sess_beta', '--follow', '--format', 'json'], {
      home,
    });
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number });
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('follows a running session until it completes', async () => {
    const store = openStore(home);
    const seq = await append(store, 'sess_live', 0, [
      ...sessionStart('demo.live', 'Live'),
      ...advanceEvents(),
    ]);
    const child = spawnWorktrain(['sessions', 'events', 'sess_live', '--follow'], { home });
    const done = collect(child, 60_000);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer | string) => (seen += String(chunk)));
    await waitFor(() => seen.includes('#7 '), 30_000);
    // The follower is now polling; a writer (another process in real life) finishes the session.
    await append(store, 'sess_live', seq, completionEvents());
    store.close();
    const run = await done;
    expect(run.code).toBe(0);
    const kinds = run.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[2]);
    expect(kinds).toHaveLength(9);
    expect(kinds.slice(-2)).toEqual(['advance_recorded', 'node_created']);
  });

  it('stops following on Ctrl-C (SIGINT) with exit 0', async () => {
    const store = openStore(home);
    await append(store, 'sess_interrupted', 0, sessionStart('demo.live', 'Never finishes'));
    store.close();
    const child = spawnWorktrain(['sessions', 'events', 'sess_interrupted', '--follow'], { home });
    const done = collect(child, 60_000);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer | string) => (seen += String(chunk)));
    await waitFor(() => seen.includes('#3 '), 30_000);
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('fails events of an unknown session with exit 1', async () => {
    const run = await runWorktrain(['sessions', 'events', 'sess_unknown'], { home });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*sess_unknown/);
  });

  it('verifies an intact hash chain (exit 0)', async () => {
    const run = await runWorktrain(['sessions', 'verify', 'sess_alpha', '--format', 'json'], { home });
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({ ok: true, sessionId: 'sess_alpha', events: 7 });
  });

  it('reports a tampered event with its seq and reason (exit 1)', async () => {
    const run = await runWorktrain(['sessions', 'verify', 'sess_tampered', '--format', 'json'], { home });
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({ ok: false, brokenAtSeq: 1, reason: 'hash_mismatch' });
    const text = await runWorktrain(['sessions', 'verify', 'sess_tampered'], { home });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('broken at seq 1 (hash_mismatch)');
  });
});

describe('worktrain sessions with hostile text from an issue', () => {
  const dir = tempDir('sessions-hostile');
  const home = dir.path;
  afterAll(dir.cleanup);
  // An OSC sequence that retitles the terminal, a line forged after a newline, CR, and a bidi override.
  const title = 'Fix it\u001b]0;pwned\u0007\n[forged] all checks passed\r\u202eevil';

  beforeAll(async () => {
    const store = openStore(home);
    await append(store, 'sess_hostile', 0, sessionStart('demo.alpha', title));
    store.close();
  });

  it('sessions list and show print the title escaped, on one line, with no control character', async () => {
    for (const args of [
      ['sessions', 'list'],
      ['sessions', 'show', 'sess_hostile'],
    ]) {
      const run = await runWorktrain(args, { home });
      expect(run.code).toBe(0);
      expect(controlCharacters(run.stdout)).toEqual([]);
      expect(run.stdout).not.toMatch(/^\[forged\]/m);
      expect(run.stdout).toContain('Fix it\\u001b]0;pwned\\u0007\\n[forged]');
    }
    const show = await runWorktrain(['sessions', 'show', 'sess_hostile'], { home });
    expect(show.stdout).toContain(
      'Title     Fix it\\u001b]0;pwned\\u0007\\n[forged] all checks passed\\r\\u202eevil\n',
    );
  });

  it('--format json keeps the title exact', async () => {
    const list = parseJson(await runWorktrain(['--format', 'json', 'sessions', 'list'], { home })) as {
      sessions: { title: string }[];
    };
    expect(list.sessions[0]?.title).toBe(title);
    const show = parseJson(
      await runWorktrain(['--format', 'json', 'sessions', 'show', 'sess_hostile'], { home }),
    ) as { summary: { title: string } };
    expect(show.summary.title).toBe(title);
  });
});

/** Code points of `text` a terminal would act on (newlines and tabs aside). */
function controlCharacters(text: string): number[] {
  return [...text]
    .map((c) => c.codePointAt(0) ?? 0)
    .filter(
      (n) =>
        (n < 0x20 && n !== 0x0a && n !== 0x09) || (n >= 0x7f && n <= 0x9f) || (n >= 0x202a && n <= 0x202e),
    );
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
