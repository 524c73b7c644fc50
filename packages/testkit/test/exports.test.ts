import { expect, it } from 'vitest';
import * as testkit from '../src/index.js';

it('exposes exactly the documented public surface', () => {
  // Changing this list is a deliberate API change: update the README with it.
  expect(Object.keys(testkit).sort()).toEqual([
    'ERROR_TYPES',
    'FakeGitHubState',
    'MAX_CACHE_BREAKPOINTS',
    'countCacheBreakpoints',
    'createGitFixture',
    'githubSpecValidator',
    'githubWebhookRequest',
    'messageCreateParamsSchema',
    'messageFrames',
    'signGitHubWebhook',
    'sseFrame',
    'startFakeAnthropic',
    'startFakeGitHub',
    'validateMessageCreateParams',
    'waitFor',
  ]);
});
