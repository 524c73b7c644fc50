import { describe, expect, it } from 'vitest';
import * as runtime from '../src/index.js';

describe('@worktrain/runtime public surface', () => {
  it('exports exactly these runtime values (types are erased)', () => {
    expect(Object.keys(runtime).sort()).toEqual([
      'BudgetConfigSchema',
      'DaemonHealthSchema',
      'DaemonStateSchema',
      'DispatchPayloadSchema',
      'GitLabForgeConfigSchema',
      'JiraConfigSchema',
      'ModelConfigSchema',
      'OWN_PORT_HINT',
      'ResumePayloadSchema',
      'RuntimeConfigSchema',
      'checkTriggersRunnable',
      'configWarnings',
      'createApp',
      'createDelivery',
      'createForgeDelivery',
      'createForges',
      'createGitHubDelivery',
      'createMergeFollowUp',
      'createRuntime',
      'createSessionSandbox',
      'daemonWorkflowSources',
      'describeOccupant',
      'ensureDaemonToken',
      'errorBody',
      'loadRuntimeConfig',
      'modelProvider',
      'parseDotEnv',
      'parseRuntimeConfig',
      'probeDaemon',
      'probeSandbox',
      'readDaemonState',
      'readWorkItem',
      'runSandboxExec',
      'sameHome',
      'triggerCheckFor',
    ]);
  });
});
