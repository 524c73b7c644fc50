import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from './hashing.js';
import { randomId, randomIds, SessionIdSchema, sequentialIds } from './ids.js';
import { JsonValueSchema, jsonDepth } from './json.js';
import { resolveWorktrainPaths } from './paths.js';
import { NewSessionEventSchema, SESSION_EVENT_KINDS } from './session-events.js';

describe('canonical hashing (RFC 8785)', () => {
  it('sorts keys and drops insignificant whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it('gives a golden digest for a fixed value', () => {
    // sha256 of '{"a":1}' (computed independently with `printf '{"a":1}' | sha256sum`).
    expect(canonicalHash({ a: 1 })).toBe(
      'sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
  });

  it('is insensitive to key order for any JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalHash(reversed)).toBe(canonicalHash(obj));
      }),
    );
  });
});

describe('jsonDepth', () => {
  it('counts nesting without recursion, even 100 000 levels deep', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep, 1000)).toBe(1001);
    expect(jsonDepth({ a: [1] })).toBe(2);
    expect(jsonDepth('x')).toBe(0);
  });
});

describe('JsonValueSchema', () => {
  it('rejects values JSON cannot carry', () => {
    expect(JsonValueSchema.safeParse(Number.NaN).success).toBe(false);
    expect(JsonValueSchema.safeParse({ a: undefined }).success).toBe(false);
    expect(JsonValueSchema.safeParse({ a: [1, 'b', null, { c: true }] }).success).toBe(true);
  });
});

describe('ids', () => {
  it('makes prefixed random ids that match their schema', () => {
    const id = randomIds.next('session');
    expect(id).toMatch(/^sess_[a-z2-7]{26}$/);
    expect(SessionIdSchema.safeParse(id).success).toBe(true);
    expect(randomIds.next('session')).not.toBe(id);
  });

  it('never repeats random bytes across ids, also across refills of its random pool', () => {
    const ids = Array.from({ length: 1000 }, () => randomId()); // 16 000 bytes: several 4 KiB refills
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{26}$/);
    expect(randomId(6)).toMatch(/^[a-z2-7]{10}$/);
    expect(randomId(5000)).toHaveLength(8000); // larger than the pool: drawn directly
  });

  it('makes deterministic ids for tests', () => {
    const ids = sequentialIds();
    expect([ids.next('node'), ids.next('session')]).toEqual(['node_00000001', 'sess_00000002']);
  });
});

describe('session events', () => {
  it('accepts a valid event of every kind it is given and rejects unknown kinds', () => {
    expect(SESSION_EVENT_KINDS).toContain('node_created');
    const ok = NewSessionEventSchema.safeParse({
      kind: 'issue_reported',
      data: { severity: 'warning', summary: 'flaky test' },
    });
    expect(ok.success).toBe(true);
    expect(NewSessionEventSchema.safeParse({ kind: 'made_up', data: {} }).success).toBe(false);
  });

  it('rejects data that does not match the kind', () => {
    const bad = NewSessionEventSchema.safeParse({ kind: 'llm_turn_completed', data: { turn: -1 } });
    expect(bad.success).toBe(false);
  });
});

describe('resolveWorktrainPaths', () => {
  it('prefers the explicit home, then WORKTRAIN_HOME, then ~/.worktrain', () => {
    expect(resolveWorktrainPaths({ home: '/a', env: { WORKTRAIN_HOME: '/b' } }).database).toBe(
      '/a/worktrain.db',
    );
    expect(resolveWorktrainPaths({ env: { WORKTRAIN_HOME: '/b' } }).keys).toBe('/b/keys');
    expect(resolveWorktrainPaths({ env: {} }).home).toMatch(/\.worktrain$/);
    expect(resolveWorktrainPaths({ home: 'rel', env: {}, cwd: '/x' }).home).toBe('/x/rel');
  });
});
