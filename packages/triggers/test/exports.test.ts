import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { expect, it } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the documented public surface', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BUILTIN_PROVIDERS',
    'CommonTriggerSchema',
    'DEFAULT_DEDUPE_WINDOW_SECONDS',
    'DEFAULT_MAX_BODY_BYTES',
    'DEFAULT_TASK_QUEUE',
    'DispatchConditionSchema',
    'EMPTY_POLL_STATE',
    'GenericWebhookConfigSchema',
    'GitHubConfigSchema',
    'GitLabConfigSchema',
    'JiraConfigSchema',
    'LATEST_TRIGGER_SCHEMA_VERSION',
    'ScheduleConfigSchema',
    'TRIGGER_ERROR_HTTP_STATUS',
    'TaskCandidateSchema',
    'TriggerRouter',
    'TriggerScheduler',
    'TriggerStore',
    'TriggersFileSchema',
    'adfToText',
    'buildJql',
    'checkCron',
    'compilePath',
    'createBuiltinRegistry',
    'createProviderRegistry',
    'createWebhookListener',
    'defineTriggerProvider',
    'dryRunEvent',
    'evaluateCondition',
    'evaluateEvent',
    'eventSelected',
    'genericWebhookProvider',
    'githubPollQueries',
    'githubProvider',
    'gitlabProvider',
    'gitlabWebhookDraft',
    'isTriggerProvider',
    'jiraIssueDraft',
    'jiraProvider',
    'loadTriggerConfig',
    'loadTriggerFiles',
    'loadTriggerFilesWithPaths',
    'migrateTriggerSchema',
    'missingTriggersFileMessage',
    'nextRuns',
    'openTriggerStore',
    'perRepoTriggersPath',
    'pollsEnabled',
    'queryPath',
    'renderTemplate',
    'scheduleProvider',
    'triggerError',
    'verifyStandardWebhook',
    'watchTriggerConfig',
    'webhookHttpStatus',
  ]);
});

it('built-in providers all follow the v1 specification', () => {
  expect(
    api.BUILTIN_PROVIDERS.map((p) => [p.kind, p.specificationVersion, api.isTriggerProvider(p)]),
  ).toEqual([
    ['github', 'v1', true],
    ['gitlab', 'v1', true],
    ['jira', 'v1', true],
    ['schedule', 'v1', true],
    ['webhook', 'v1', true],
  ]);
});
