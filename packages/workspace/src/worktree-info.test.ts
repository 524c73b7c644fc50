import { describe, expect, it } from 'vitest';
import { parsePorcelainZ, repoPathOfCommonDir } from './worktree-info.js';

describe('parsePorcelainZ', () => {
  it('parses modified, untracked, renamed entries and names with spaces', () => {
    const out = ' M README.md\0?? new file.txt\0R  src/b.ts\0src/a.ts\0D  gone.ts\0';
    expect(parsePorcelainZ(out)).toEqual([
      { path: 'README.md', index: ' ', worktree: 'M' },
      { path: 'new file.txt', index: '?', worktree: '?' },
      { path: 'src/b.ts', index: 'R', worktree: ' ', from: 'src/a.ts' },
      { path: 'gone.ts', index: 'D', worktree: ' ' },
    ]);
  });

  it('returns nothing for a clean tree', () => {
    expect(parsePorcelainZ('')).toEqual([]);
  });
});

describe('repoPathOfCommonDir', () => {
  it('maps a .git common dir to its working tree and keeps a bare repo', () => {
    expect(repoPathOfCommonDir('/r/.git')).toBe('/r');
    expect(repoPathOfCommonDir('/r/origin.git')).toBe('/r/origin.git');
  });
});
