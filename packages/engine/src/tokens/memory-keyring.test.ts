import { describe, expect, it } from 'vitest';
import { createMemoryKeyring, KEY_ID_PATTERN } from './memory-keyring.js';

describe('createMemoryKeyring', () => {
  it('generates one random 32-byte key when given none', () => {
    const a = createMemoryKeyring();
    const b = createMemoryKeyring();
    expect(a.currentKeyId).toMatch(KEY_ID_PATTERN);
    expect(a.key(a.currentKeyId)?.length).toBe(32);
    expect(a.currentKeyId).not.toBe(b.currentKeyId);
    expect(Buffer.from(a.key(a.currentKeyId) ?? []).equals(Buffer.from(b.key(b.currentKeyId) ?? []))).toBe(
      false,
    );
  });

  it('makes the last given key current and keeps all for verification', () => {
    const ring = createMemoryKeyring([
      { id: 'k_old', secret: new Uint8Array(32).fill(1) },
      { id: 'k_new', secret: new Uint8Array(32).fill(2) },
    ]);
    expect(ring.currentKeyId).toBe('k_new');
    expect(ring.key('k_old')?.[0]).toBe(1);
    expect(ring.key('k_missing')).toBeUndefined();
  });

  it('copies secrets so later changes by the caller do not alter the key', () => {
    const secret = new Uint8Array(32).fill(5);
    const ring = createMemoryKeyring([{ id: 'k_a', secret }]);
    secret.fill(9);
    expect(ring.key('k_a')?.[0]).toBe(5);
  });

  it('rotates and retires, never retiring the current key', () => {
    const ring = createMemoryKeyring([{ id: 'k_a', secret: new Uint8Array(32) }]);
    const next = ring.rotate();
    expect(ring.currentKeyId).toBe(next);
    expect(ring.retire(next)).toBe(false);
    expect(ring.retire('k_a')).toBe(true);
    expect(ring.retire('k_a')).toBe(false);
    expect(ring.keyIds()).toEqual([next]);
  });

  it('throws on programmer errors: bad id, duplicate id, short secret', () => {
    expect(() => createMemoryKeyring([{ id: 'Bad Id', secret: new Uint8Array(32) }])).toThrow(/key id/);
    expect(() =>
      createMemoryKeyring([
        { id: 'k_a', secret: new Uint8Array(32) },
        { id: 'k_a', secret: new Uint8Array(32) },
      ]),
    ).toThrow(/duplicate/);
    expect(() => createMemoryKeyring([{ id: 'k_a', secret: new Uint8Array(16) }])).toThrow(/32/);
  });
});
