import type { Logger } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { createDeferredLogger } from './deferred-logger.js';

type Line = {
  level: string;
  bindings: Record<string, unknown>;
  fields: Record<string, unknown>;
  msg?: string;
};

/** A logger recording every call with the bindings of its chain of children. */
function recordingLogger(lines: Line[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, bindings, fields, ...(msg === undefined ? {} : { msg }) });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

describe('createDeferredLogger', () => {
  it('holds records until attached, then writes them in order, children included', () => {
    const deferred = createDeferredLogger();
    const engine = deferred.child({ component: 'engine' });
    deferred.info({ a: 1 }, 'first');
    engine.warn({ b: 2 }, 'second');
    deferred.child({ x: 1 }).child({ y: 2 }).error({}, 'third');
    expect(deferred.held).toBe(3);

    const lines: Line[] = [];
    deferred.attach(recordingLogger(lines));
    expect(deferred.held).toBe(0);
    expect(lines).toEqual([
      { level: 'info', bindings: {}, fields: { a: 1 }, msg: 'first' },
      { level: 'warn', bindings: { component: 'engine' }, fields: { b: 2 }, msg: 'second' },
      { level: 'error', bindings: { x: 1, y: 2 }, fields: {}, msg: 'third' },
    ]);

    // After attach, calls go straight through (a child made before attach included).
    engine.debug({ c: 3 });
    deferred.info({}, 'later');
    expect(lines.slice(3)).toEqual([
      { level: 'debug', bindings: { component: 'engine' }, fields: { c: 3 } },
      { level: 'info', bindings: {}, fields: {}, msg: 'later' },
    ]);
  });

  it('keeps at most maxHeld records, dropping the oldest, and says how many it dropped', () => {
    const deferred = createDeferredLogger(2);
    for (let i = 0; i < 5; i++) deferred.info({ i });
    expect(deferred.held).toBe(2);
    const lines: Line[] = [];
    deferred.attach(recordingLogger(lines));
    expect(lines).toEqual([
      {
        level: 'warn',
        bindings: {},
        fields: { dropped: 3 },
        msg: 'log records dropped while the logger was loading',
      },
      { level: 'info', bindings: {}, fields: { i: 3 } },
      { level: 'info', bindings: {}, fields: { i: 4 } },
    ]);
  });

  it('ignores a second attach', () => {
    const deferred = createDeferredLogger();
    const first: Line[] = [];
    const second: Line[] = [];
    deferred.attach(recordingLogger(first));
    deferred.attach(recordingLogger(second));
    deferred.info({}, 'hello');
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });
});
