import { describe, expect, it } from 'vitest';
import { atLeast, checkGit, checkNode } from './toolchain.js';

describe('checkNode', () => {
  it('passes 20.19 and newer and fails older versions with the fix', () => {
    expect(checkNode('20.19.0')).toEqual({ name: 'node', status: 'ok', message: 'Node 20.19.0' });
    expect(checkNode('22.1.0').status).toBe('ok');
    expect(checkNode('20.18.3')).toMatchObject({ status: 'fail', fix: 'install Node 20.19 or newer' });
  });

  it('compares major, then minor, numerically', () => {
    expect(atLeast('2.9', [2, 31])).toBe(false);
    expect(atLeast('2.40.1', [2, 31])).toBe(true);
    expect(atLeast('3.0', [2, 31])).toBe(true);
  });
});

describe('checkGit', () => {
  it('reports the version of the git on PATH', () => {
    expect(checkGit({ PATH: process.env.PATH })).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/^git \d+\.\d+/),
    });
  });

  it('fails when no git is on PATH', () => {
    expect(checkGit({ PATH: '/nonexistent' })).toMatchObject({
      status: 'fail',
      message: 'git was not found on PATH',
    });
  });
});
