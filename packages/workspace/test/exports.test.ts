import { expect, it } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the documented public surface', () => {
  expect(Object.keys(api).sort()).toEqual([
    'FINISHED_SESSION_STATUSES',
    'applyWorktreeCleanup',
    'clearStaleIndexLock',
    'createWorkspaceManager',
    'defaultBranchOf',
    'enableGitSpawnHelper',
    'inspectWorktrees',
    'originUrl',
    'parsePorcelainZ',
    'planWorktreeCleanup',
    'runGit',
    'validateSessionId',
    'withRepoLock',
  ]);
});
