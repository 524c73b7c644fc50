import { describe, expect, it } from 'vitest';
import { parseInvocation } from './args.js';

describe('parseInvocation', () => {
  it('parses the options, with WORKTRAIN_LOG_LEVEL as the level default', () => {
    expect(
      parseInvocation(['--home', '/h', '--port', '0', '--host', '::1'], {
        WORKTRAIN_LOG_LEVEL: 'warn',
      })._unsafeUnwrap(),
    ).toEqual({
      kind: 'run',
      home: '/h',
      config: undefined,
      port: 0,
      host: '::1',
      logLevel: 'warn',
    });
    expect(parseInvocation(['--help'], {})._unsafeUnwrap()).toEqual({ kind: 'help' });
    expect(parseInvocation(['--version'], {})._unsafeUnwrap()).toEqual({ kind: 'version' });
  });

  it('rejects bad ports, levels, unknown options and positionals', () => {
    for (const argv of [
      ['--port', 'abc'],
      ['--port', '70000'],
      ['--port', '-1'],
      ['--log-level', 'loud'],
      ['--nope'],
      ['extra'],
      ['--host', ' '],
    ])
      expect(parseInvocation(argv, {}).isErr()).toBe(true);
  });
});
