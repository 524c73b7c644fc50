import { expect, it } from 'vitest';
import * as testkit from '../src/index.js';

it('exposes exactly the documented public surface', () => {
  // Changing this list is a deliberate API change: update the README with it.
  expect(Object.keys(testkit).sort()).toEqual([
    'DEFAULT_JIRA_STATUSES',
    'DEFAULT_JIRA_TRANSITIONS',
    'ERROR_TYPES',
    'FakeGitHubState',
    'FakeGitLabState',
    'FakeJiraState',
    'MAX_CACHE_BREAKPOINTS',
    'countCacheBreakpoints',
    'createGitFixture',
    'githubIssueCommentEvent',
    'githubReviewCommentEvent',
    'githubReviewEvent',
    'githubSpecValidator',
    'githubWebhookRequest',
    'gitlabIssueSchema',
    'gitlabMergeRequestDetailSchema',
    'gitlabMergeRequestSchema',
    'gitlabNoteSchema',
    'gitlabProjectSchema',
    'jiraSpecValidator',
    'messageCreateParamsSchema',
    'messageFrames',
    'sendGitHubWebhook',
    'signGitHubWebhook',
    'sseFrame',
    'startFakeAnthropic',
    'startFakeGitHub',
    'startFakeGitLab',
    'startFakeJira',
    'startFakeSlack',
    'validateMessageCreateParams',
    'waitFor',
  ]);
});
