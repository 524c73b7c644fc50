import { errAsync, manualClock, ok, okAsync } from '@worktrain/contracts';
import { createMemorySessionStore } from '@worktrain/session-store';
import { describe, expect, it } from 'vitest';
import { cliError } from './cli-error.js';
import type { CliDeps } from './deps.js';
import { runCli } from './program.js';

/** In-memory deps: captured streams, a fake file system holding only `files`, a memory session store. */
function fakeDeps(files: Record<string, string> = {}) {
  const out: string[] = [];
  const errs: string[] = [];
  const store = createMemorySessionStore({ clock: manualClock(Date.UTC(2026, 10, 25)) });
  const opened: string[] = [];
  const deps: CliDeps = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void errs.push(t),
    env: { WORKTRAIN_HOME: '/data' },
    cwd: '/work',
    fs: {
      exists: (path) => path in files,
      readText: (path) =>
        path in files
          ? okAsync(files[path] ?? '')
          : errAsync(cliError('FILE_NOT_FOUND', `File not found: ${path}`)),
    },
    clock: manualClock(Date.UTC(2026, 10, 25)),
    version: '9.9.9',
    sleep: async () => {},
    openSessionStore: ({ path }) => {
      opened.push(path);
      return ok(store);
    },
  };
  return { deps, out, errs, store, opened, stdout: () => out.join(''), stderr: () => errs.join('') };
}

describe('runCli in-process', () => {
  it('prints the injected version', async () => {
    const f = fakeDeps();
    expect(await runCli(['--version'], f.deps)).toBe(0);
    expect(f.stdout()).toBe('9.9.9\n');
  });

  it('prints help of a command through `help <command>` with exit 0', async () => {
    const f = fakeDeps();
    expect(await runCli(['help', 'sessions'], f.deps)).toBe(0);
    expect(f.stdout()).toContain('verify');
  });

  it('exits 2 for a group without a command, printing its help to stderr', async () => {
    const f = fakeDeps();
    expect(await runCli(['workflow'], f.deps)).toBe(2);
    expect(f.stderr()).toContain('validate');
    expect(f.stderr()).toContain('error: missing command');
    expect(f.stdout()).toBe('');
  });

  it('does not open a store when the database file does not exist', async () => {
    const f = fakeDeps();
    expect(await runCli(['sessions', 'list'], f.deps)).toBe(0);
    expect(f.opened).toEqual([]);
    expect(f.stdout()).toBe('no sessions yet\n');
  });

  it('resolves the database under --home, over WORKTRAIN_HOME', async () => {
    const f = fakeDeps({ '/other/worktrain.db': '' });
    expect(await runCli(['sessions', 'list', '--home', '/other', '--format', 'json'], f.deps)).toBe(0);
    expect(f.opened).toEqual(['/other/worktrain.db']);
    expect(JSON.parse(f.stdout())).toEqual({ sessions: [] });
  });

  it('resolves a relative --home against the working directory', async () => {
    const f = fakeDeps({ '/work/rel/worktrain.db': '' });
    await runCli(['--home', 'rel', 'sessions', 'list'], f.deps);
    expect(f.opened).toEqual(['/work/rel/worktrain.db']);
  });

  it('reads sessions from the injected store', async () => {
    const f = fakeDeps({ '/data/worktrain.db': '' });
    await f.store.append({
      sessionId: 'sess_1',
      expectedSeq: 0,
      events: [
        {
          kind: 'session_created',
          data: {
            workflowId: 'demo.one',
            workflowVersion: '1.0.0',
            workflowHash: `sha256:${'b'.repeat(64)}`,
            workspacePath: null,
            parentSessionId: null,
            source: 'test',
            context: {},
          },
        },
      ],
    });
    expect(await runCli(['sessions', 'verify', 'sess_1', '--format', 'json'], f.deps)).toBe(0);
    expect(JSON.parse(f.stdout())).toMatchObject({ ok: true, sessionId: 'sess_1', events: 1 });
  });

  it('turns a thrown exception into an INTERNAL error without a stack trace', async () => {
    const f = fakeDeps({ '/data/worktrain.db': '' });
    const deps: CliDeps = {
      ...f.deps,
      openSessionStore: () => {
        throw new Error('boom');
      },
    };
    expect(await runCli(['sessions', 'list'], deps)).toBe(1);
    expect(f.stderr()).toBe('error: unexpected error: boom\n');
  });

  it('writes nothing to stdout but the JSON error on usage errors in json mode', async () => {
    const f = fakeDeps();
    expect(await runCli(['sessions', 'show', '--format', 'json'], f.deps)).toBe(2);
    expect(JSON.parse(f.stdout())).toMatchObject({
      error: { code: 'USAGE', message: "missing required argument 'session-id'" },
    });
  });
});
