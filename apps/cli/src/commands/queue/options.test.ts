import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultActor, parseOlderThan } from './options.js';

describe('parseOlderThan', () => {
  it('reads durations in s, m, h, d and w as milliseconds', () => {
    expect(parseOlderThan('45s')._unsafeUnwrap()).toBe(45_000);
    expect(parseOlderThan('30m')._unsafeUnwrap()).toBe(1_800_000);
    expect(parseOlderThan('12h')._unsafeUnwrap()).toBe(43_200_000);
    expect(parseOlderThan('7d')._unsafeUnwrap()).toBe(604_800_000);
    expect(parseOlderThan('2w')._unsafeUnwrap()).toBe(1_209_600_000);
    expect(parseOlderThan('0d')._unsafeUnwrap()).toBe(0);
  });

  it('rejects anything else as a usage error', () => {
    for (const bad of ['', '7', 'd', '-1d', '1.5h', '7 days', '7D', '99999999999999999w']) {
      const r = parseOlderThan(bad);
      expect(r.isErr() && r.error.code).toBe('USAGE');
    }
  });
});

describe('defaultActor', () => {
  it("is cli:$USER, else cli:$LOGNAME, else the process's account name, else cli:unknown", () => {
    expect(defaultActor({ USER: 'ada', LOGNAME: 'other' })).toBe('cli:ada');
    expect(defaultActor({ LOGNAME: 'grace' })).toBe('cli:grace');
    expect(defaultActor({ USER: ' ' }, () => 'svc-deploy')).toBe('cli:svc-deploy');
    expect(defaultActor({}, () => null)).toBe('cli:unknown');
    expect(defaultActor({})).toBe(`cli:${userInfo().username}`);
  });
});
