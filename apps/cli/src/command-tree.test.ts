/**
 * Walks the whole commander tree: every command of DESIGN §10's CLI families that exists is registered,
 * every leaf has a description and documents `--format` and `--help`, and every leaf turns a bad option
 * into a usage error (exit 2, a JSON `USAGE` error with `--format json`) without running anything.
 */
import { manualClock, ok, okAsync } from '@worktrain/contracts';
import { createMemorySessionStore } from '@worktrain/session-store';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliDeps } from './deps.js';
import { buildProgram, runCli } from './program.js';

function fakeDeps() {
  const out: string[] = [];
  const deps: CliDeps = {
    stdout: (t) => void out.push(t),
    stderr: () => {},
    env: { WORKTRAIN_HOME: '/nonexistent/worktrain-home' },
    cwd: '/nonexistent',
    fs: { exists: () => false, readText: () => okAsync('') },
    clock: manualClock(0),
    version: '0.0.0',
    sleep: async () => {},
    openSessionStore: () => ok(createMemorySessionStore()),
  };
  return { deps, stdout: () => out.join('') };
}

function leaves(command: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((c) => {
    const here = [...path, c.name()];
    return c.commands.length === 0 ? [{ path: here, command: c }] : leaves(c, here);
  });
}

const program = buildProgram(fakeDeps().deps);
const all = leaves(program);
const names = all.map((l) => l.path.join(' '));

/** DESIGN §10 "CLI families" that are implemented (kg and tell are not yet). */
const DESIGN_COMMANDS = [
  'init',
  'doctor',
  'demo',
  'daemon run',
  'daemon start',
  'daemon stop',
  'daemon status',
  'daemon install',
  'run',
  'sessions list',
  'sessions show',
  'sessions events',
  'sessions verify',
  'sessions resume',
  'sessions kill',
  'sessions continue',
  'logs',
  'workflow list',
  'workflow show',
  'workflow validate',
  'workflow preview',
  'trigger list',
  'trigger validate',
  'trigger test',
  'trigger fire',
  'trigger next-runs',
  'queue list',
  'queue inspect',
  'queue requeue',
  'queue dead-letters',
  'queue stats',
  'worktree list',
  'worktree clean',
  'approvals list',
  'approvals approve',
  'approvals reject',
  'pipeline list',
  'pipeline run',
  'pipeline show',
  'pipeline cancel',
  'spawn',
  'await',
  'tell',
  'status',
];

describe('the command tree', () => {
  it('registers every implemented command of DESIGN §10', () => {
    expect(DESIGN_COMMANDS.filter((c) => !names.includes(c))).toEqual([]);
  });

  it('gives every command and group a description', () => {
    const undocumented: string[] = [];
    const visit = (c: Command, path: string[]) => {
      for (const sub of c.commands) {
        const here = [...path, sub.name()];
        if (sub.description().trim() === '') undocumented.push(here.join(' '));
        visit(sub, here);
      }
    };
    visit(program, []);
    expect(undocumented).toEqual([]);
  });

  it.each(all.map((l) => [l.path.join(' '), l.command] as const))(
    '%s documents --format, --home and --help',
    (_n, c) => {
      const help = c.helpInformation();
      expect(help).toContain('--format <format>');
      expect(help).toContain('--home <dir>');
      expect(help).toContain('--help');
    },
  );

  it.each(all.map((l) => [l.path.join(' '), l.path] as const))(
    '%s: an unknown option is a usage error (exit 2)',
    async (_n, path) => {
      const f = fakeDeps();
      const code = await runCli([...path, '--no-such-option', '--format', 'json'], f.deps);
      expect(code).toBe(2);
      expect(JSON.parse(f.stdout())).toMatchObject({ error: { code: 'USAGE' } });
    },
  );
});
