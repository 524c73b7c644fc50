import { expect, it } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the documented public surface', () => {
  expect(Object.keys(api).sort()).toEqual([
    'clearStaleIndexLock',
    'createWorkspaceManager',
    'parsePorcelainZ',
    'runGit',
    'validateSessionId',
    'withRepoLock',
  ]);
});
