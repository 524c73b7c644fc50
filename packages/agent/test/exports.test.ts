import { describe, expect, it } from 'vitest';
import * as agent from '../src/index.js';

describe('public surface', () => {
  it('exports exactly these runtime names (change on purpose only)', () => {
    expect(Object.keys(agent).sort()).toMatchInlineSnapshot(`
      [
        "ACTION_GATE_TRACES",
        "DEFAULT_ANTHROPIC_MODEL",
        "DEFAULT_BUDGET",
        "DEFAULT_RETRY_POLICY",
        "DEFAULT_RULES_LIMITS",
        "DEFAULT_TOOL_LIMITS",
        "ENV_ALLOW_LIST",
        "MODEL_PRICES",
        "ModelMessageSchema",
        "ModelScriptSchema",
        "RULES_FILES",
        "STEP_MARKER",
        "backoffDelayMs",
        "buildMessagesParams",
        "buildToolEnv",
        "costOf",
        "createAnthropicProvider",
        "createBashTool",
        "createBedrockProvider",
        "createCompleteStepTool",
        "createDefaultTools",
        "createEditFileTool",
        "createGlobTool",
        "createGrepTool",
        "createMemoryConversationStore",
        "createReadFileTool",
        "createReportIssueTool",
        "createScriptedProvider",
        "createSignalCoordinatorTool",
        "createSqliteConversationStore",
        "createSteerQueue",
        "createWriteFileTool",
        "isSecretEnvName",
        "loadRulesFiles",
        "parseModelScript",
        "priceOf",
        "renderBrief",
        "renderStep",
        "renderSystem",
        "resolveInWorktree",
        "resumeSession",
        "runSession",
        "untrustedBlock",
        "worktreeRoot",
      ]
    `);
  });
});
