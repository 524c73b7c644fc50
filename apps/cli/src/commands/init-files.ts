/**
 * The files `worktrain init` writes: config.yaml (every key, commented, at its default, with the model the
 * user has a key for), a starter triggers.yaml with placeholders `doctor` flags, and for `--model scripted`
 * an example model script that runs the starter trigger's workflow to the end.
 */
import { ModelConfigSchema } from '@worktrain/runtime';

/** Which model `init` writes: `anthropic` (key from the environment or .env), `scripted` (offline), `none`. */
export type StarterModel = 'anthropic' | 'scripted' | 'none';
export const STARTER_MODELS: readonly StarterModel[] = ['anthropic', 'scripted', 'none'];

/** The starter trigger's workspace until the user names a clone: a path that does not exist, so `doctor` warns. */
export const PLACEHOLDER_WORKSPACE = '/path/to/a/clone/of/your-repo';

/** The example model script `--model scripted` writes, relative to config.yaml. */
export const STARTER_SCRIPT_FILE = 'model-script.yaml';

/** The schema's Anthropic defaults (model id: `DEFAULT_ANTHROPIC_MODEL` of @worktrain/agent). */
const anthropic = ModelConfigSchema.parse({ provider: 'anthropic', apiKey: '$ANTHROPIC_API_KEY' });
const ANTHROPIC_MODEL = anthropic.provider === 'anthropic' ? anthropic.model : '';
const ANTHROPIC_MAX_TOKENS = anthropic.provider === 'anthropic' ? anthropic.maxTokens : 0;

const MODEL_BLOCKS: Readonly<Record<StarterModel, string>> = {
  none: `# model: which LLM runs the agent. None is set yet: the daemon warns at start and every task fails at
# once until you pick one (then restart the daemon):
#   model: { provider: anthropic, apiKey: $ANTHROPIC_API_KEY }   # ANTHROPIC_API_KEY=... in .env
#   or: worktrain init --force --model scripted                  # an offline, scripted example
model:
  provider: none
`,
  anthropic: `model:                          # the agent's LLM (docs/configuration.md#the-model)
  provider: anthropic
  apiKey: $ANTHROPIC_API_KEY    # from the environment or $WORKTRAIN_HOME/.env; never the key itself
  model: ${ANTHROPIC_MODEL}
  maxTokens: ${ANTHROPIC_MAX_TOKENS}
  # baseURL: https://...        # a Messages-compatible endpoint
`,
  scripted: `model:                          # the scripted model: fixed turns from a file, offline, labelled "scripted"
  provider: scripted
  script: ${STARTER_SCRIPT_FILE}     # relative to this file; format: docs/configuration.md#the-scripted-model
`,
};

/** The commented config written by `init`; parsing it yields the schema's defaults except for `model`. */
export function starterConfigYaml(model: StarterModel): string {
  return `# WorkTrain daemon configuration. Every key is shown at its default, commented out.
# Reference: docs/configuration.md. Secrets: write $NAME and put NAME=value in $WORKTRAIN_HOME/.env.
version: 1

# port: 3200                    # HTTP API port (0 = any free port); one port per WORKTRAIN_HOME
# host: 127.0.0.1               # bind address; keep loopback
# maxConcurrentSessions: 2      # sessions running at once

${MODEL_BLOCKS[model]}
# forge:
#   github:                     # enables pull-request delivery; the agent never sees this token
#     token: $GITHUB_TOKEN
#     apiBaseUrl: https://api.github.com

# budgets:                      # per session; unset = agent defaults
#   maxTurns: 200
#   maxWallClockMs: 3600000
#   maxTokens: 20000000
#   maxCostUsd: 25
#   stallTimeoutMs: 180000
#   maxRepeatedCalls: 5

# sandbox:                      # every command the agent causes runs in an OS sandbox (docs/security.md)
#   mode: enforce               # no agent session runs without it; \`off\` runs commands unconfined (not recommended)
#   network:
#     allow: []                 # hosts reachable through the filtering proxy, e.g. [registry.npmjs.org]
#   limits:
#     memoryBytes: 2147483648   # per command tree
#     maxProcesses: 512

# queue:
#   name: tasks
#   leaseMs: 30000
#   sweepIntervalMs: 5000
#   maxAttempts: 3

# workflowDirs: []              # extra workflow directories
# maxRequestBytes: 1048576      # API body limit, bytes
# drainTimeoutMs: 30000         # SIGTERM drain window, ms
`;
}

/** The starter triggers file: placeholders for the repository and its clone, which `doctor` flags. */
export const STARTER_TRIGGERS_YAML = `# WorkTrain triggers. Reference: docs/triggers.md. Check with: worktrain trigger validate, worktrain doctor
version: 1
triggers:
  - id: gh-ready                          # webhook URL: POST /webhooks/gh-ready
    provider: github
    repo: your-org/your-repo              # owner/name of the repository
    workflowId: wr.coding-task
    workspace: ${PLACEHOLDER_WORKSPACE}   # your clone of it (with its origin remote)
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }   # the same secret as the GitHub webhook; in .env
`;

/**
 * The example script of `--model scripted`: the turns that take the bundled `wr.coding-task` workflow
 * (the starter trigger's) from start to handoff, writing one file. Each turn is used once, in order, while
 * its `step` is the pending one.
 */
export const STARTER_MODEL_SCRIPT = `# An example script for the scripted model (docs/configuration.md#the-scripted-model): no LLM, no
# network. It runs the bundled wr.coding-task workflow to the end and adds one file, so a task on a real
# repository goes through worktree, agent, delivery and pull request with no API key. Edit it freely: the
# daemon reads it again for every run. Every event of such a run says "scripted".
model: example
turns:
  - step: understand
    text: Sizing the task (scripted).
    toolCalls:
      - name: complete_step
        input:
          notesMarkdown: A scripted example run; it adds WORKTRAIN-SCRIPTED-EXAMPLE.md.
          context: { taskSize: small, riskLevel: low }   # small: the plan step is skipped
  - step: build-next-slice
    toolCalls:
      - name: write_file
        input:
          path: WORKTRAIN-SCRIPTED-EXAMPLE.md
          content: |
            This file was written by WorkTrain's scripted example model (no LLM was used).
            Configure a real model in $WORKTRAIN_HOME/config.yaml to have issues worked on.
  - step: build-next-slice
    toolCalls:
      - name: complete_step
        input: { notesMarkdown: Added WORKTRAIN-SCRIPTED-EXAMPLE.md. }
  - step: check-progress
    toolCalls:
      - name: complete_step
        input:
          notesMarkdown: The only slice is done.
          artifacts:
            - { kind: wr.loop_control, loopId: build_loop, decision: stop, metadata: { reason: done } }
  - step: verify
    toolCalls:
      - name: complete_step
        input: { notesMarkdown: One new file; nothing else changed. }
  - step: handoff
    toolCalls:
      - name: complete_step
        input:
          notesMarkdown: Adds WORKTRAIN-SCRIPTED-EXAMPLE.md (a scripted example run).
          artifacts:
            - kind: wr.coding_handoff
              version: 1
              keyDecisions: [A scripted example, not an LLM]
              knownLimitations: [It always writes the same file]
              testsAdded: []
              filesChanged: [WORKTRAIN-SCRIPTED-EXAMPLE.md]
`;
