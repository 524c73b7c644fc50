import { describe, expect, it } from 'vitest';
import * as runtime from '../src/index.js';

describe('@worktrain/runtime public surface', () => {
  it('exports exactly these runtime values (types are erased)', () => {
    expect(Object.keys(runtime).sort()).toEqual([
      'BudgetConfigSchema',
      'DispatchPayloadSchema',
      'GitLabForgeConfigSchema',
      'JiraConfigSchema',
      'ModelConfigSchema',
      'ResumePayloadSchema',
      'RuntimeConfigSchema',
      'createApp',
      'createDelivery',
      'createForgeDelivery',
      'createForges',
      'createGitHubDelivery',
      'createMergeFollowUp',
      'createRuntime',
      'ensureDaemonToken',
      'errorBody',
      'loadRuntimeConfig',
      'modelProvider',
      'parseDotEnv',
      'parseRuntimeConfig',
      'readWorkItem',
    ]);
  });
});
