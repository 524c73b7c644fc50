import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInvocation } from './args.js';

const cwd = '/work/here';

function serve(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseInvocation(argv, env, cwd);
  if (parsed.isErr()) throw new Error(parsed.error.message);
  if (parsed.value.kind !== 'serve') throw new Error(`expected serve, got ${parsed.value.kind}`);
  return parsed.value;
}

function usageError(argv: string[]): string {
  const parsed = parseInvocation(argv, {}, cwd);
  if (parsed.isOk()) throw new Error('expected a usage error');
  expect(parsed.error.code).toBe('USAGE');
  return parsed.error.message;
}

describe('parseInvocation', () => {
  it('defaults to stdio on 127.0.0.1:3100 with no extra workflow dirs', () => {
    const inv = serve([]);
    expect(inv).toMatchObject({
      transport: 'stdio',
      port: 3100,
      host: '127.0.0.1',
      home: undefined,
      workflowDirs: [],
    });
  });

  it('collects repeated --workflows then WORKTRAIN_WORKFLOWS_PATH entries, absolute and deduplicated', () => {
    const inv = serve(['--workflows', 'a', '--workflows', '/abs/b'], {
      WORKTRAIN_WORKFLOWS_PATH: ['/abs/b', 'c', ''].join(delimiter),
    });
    expect(inv.workflowDirs).toEqual([join(cwd, 'a'), '/abs/b', join(cwd, 'c')]);
  });

  it('accepts http with port and host and resolves --home against cwd', () => {
    const inv = serve(['--transport', 'http', '--port', '0', '--host', '0.0.0.0', '--home', 'data']);
    expect(inv).toMatchObject({ transport: 'http', port: 0, host: '0.0.0.0', home: join(cwd, 'data') });
  });

  it('recognises --help and --version before anything else', () => {
    expect(parseInvocation(['--help', '--transport', 'nope'], {}, cwd)._unsafeUnwrap().kind).toBe('help');
    expect(parseInvocation(['-v'], {}, cwd)._unsafeUnwrap().kind).toBe('version');
  });

  it('rejects unknown flags, bad transports, bad ports, stray positionals and http-only flags on stdio', () => {
    expect(usageError(['--bogus'])).toMatch(/bogus/);
    expect(usageError(['--transport', 'sse'])).toMatch(/--transport/);
    expect(usageError(['--transport', 'http', '--port', '70000'])).toMatch(/--port/);
    expect(usageError(['--transport', 'http', '--port', '12ab'])).toMatch(/--port/);
    expect(usageError(['extra'])).toMatch(/extra|positional/i);
    expect(usageError(['--port', '3100'])).toMatch(/only with --transport http/);
    expect(usageError(['--log-level', 'loud'])).toMatch(/--log-level/);
  });
});
