import { err, ok } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { cliError, usageError } from './cli-error.js';
import { renderError, renderResult } from './render.js';

function capture() {
  const out: string[] = [];
  const errs: string[] = [];
  return {
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void errs.push(t) },
    out,
    errs,
  };
}

const view = {
  text: (n: { count: number }) => `count ${n.count}`,
  failed: (n: { count: number }) => n.count < 0,
};

describe('renderResult', () => {
  it('prints text with a trailing newline and exits 0', () => {
    const c = capture();
    expect(renderResult(c.io, 'text', ok({ count: 2 }), view)).toBe(0);
    expect(c.out.join('')).toBe('count 2\n');
    expect(c.errs).toEqual([]);
  });

  it('prints exactly one JSON document', () => {
    const c = capture();
    renderResult(c.io, 'json', ok({ count: 2 }), view);
    expect(JSON.parse(c.out.join(''))).toEqual({ count: 2 });
  });

  it('exits 1 when the output is a negative verdict, still printing it', () => {
    const c = capture();
    expect(renderResult(c.io, 'json', ok({ count: -1 }), view)).toBe(1);
    expect(JSON.parse(c.out.join(''))).toEqual({ count: -1 });
  });

  it('prints errors as {error} JSON on stdout in json mode', () => {
    const c = capture();
    const code = renderResult(
      c.io,
      'json',
      err(cliError('SESSION_NOT_FOUND', 'No session x', { sessionId: 'x' })),
      view,
    );
    expect(code).toBe(1);
    expect(JSON.parse(c.out.join(''))).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: 'No session x', details: { sessionId: 'x' } },
    });
    expect(c.errs).toEqual([]);
  });
});

describe('renderError', () => {
  it('prints text errors on stderr with their issues, exit 2 for usage', () => {
    const c = capture();
    expect(renderError(c.io, 'text', usageError('bad flag'))).toBe(2);
    expect(c.errs.join('')).toBe('error: bad flag\n(run with --help for usage)\n');
    const d = capture();
    renderError(
      d.io,
      'text',
      cliError('WORKFLOW_INVALID', 'invalid', { issues: [{ path: '/steps/0', message: 'bad' }] }),
    );
    expect(d.errs.join('')).toBe('error: invalid\n  - /steps/0: bad\n');
    expect(d.out).toEqual([]);
  });

  it('suggests close matches for a mistyped id', () => {
    const c = capture();
    renderError(
      c.io,
      'text',
      cliError('WORKFLOW_NOT_FOUND', "No workflow 'fix'", { suggestions: ['team.fix', 'fix-it'] }),
    );
    expect(c.errs.join('')).toBe("error: No workflow 'fix'\ndid you mean: team.fix, fix-it?\n");
  });

  it("prints a process's captured output (details.output) under the message, indented", () => {
    const c = capture();
    renderError(
      c.io,
      'text',
      cliError('DAEMON_ERROR', 'The daemon exited (1) while starting.', {
        output: 'worktrain-daemon: config.yaml is invalid: port: Too big\n',
      }),
    );
    expect(c.errs.join('')).toBe(
      'error: The daemon exited (1) while starting.\noutput:\n  worktrain-daemon: config.yaml is invalid: port: Too big\n',
    );
  });
});
