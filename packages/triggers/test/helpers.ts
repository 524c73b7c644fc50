import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type ManualClock, manualClock } from '@worktrain/contracts';
import { openSqliteQueue, type SqliteTaskQueue } from '@worktrain/queue';
import {
  createBuiltinRegistry,
  loadTriggerConfig,
  openTriggerStore,
  type TriggerConfig,
  TriggerRouter,
  type TriggerStore,
  type WebhookRequest,
} from '../src/index.js';

export interface Harness {
  readonly dir: string;
  readonly dbPath: string;
  readonly clock: ManualClock;
  readonly store: TriggerStore;
  readonly queue: SqliteTaskQueue;
  readonly router: TriggerRouter;
  readonly config: TriggerConfig;
  close(): Promise<void>;
}

/** Loads `yaml` and opens a real SQLite database (queue + trigger store) in a temp dir. */
export async function harness(
  yaml: string,
  env: Record<string, string> = {},
  clock: ManualClock = manualClock(Date.UTC(2026, 10, 25, 12)),
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'wt-triggers-'));
  const dbPath = join(dir, 'worktrain.db');
  const config = await loadConfig(yaml, env, dir);
  const store = openTriggerStore({ path: dbPath }, { clock })._unsafeUnwrap();
  const queue = openSqliteQueue({ path: dbPath, clock })._unsafeUnwrap();
  const router = new TriggerRouter({ config, store, clock });
  return {
    dir,
    dbPath,
    clock,
    store,
    queue,
    router,
    config,
    async close() {
      await queue.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function loadConfig(
  yaml: string,
  env: Record<string, string> = {},
  dir = tmpdir(),
): Promise<TriggerConfig> {
  const loaded = await loadTriggerConfig({
    files: [{ path: join(dir, 'triggers.yaml'), text: yaml }],
    env,
    registry: createBuiltinRegistry(),
  });
  if (loaded.isErr()) throw new Error(JSON.stringify(loaded.error, null, 2));
  return loaded.value;
}

/** A request signed like GitHub does (X-Hub-Signature-256 over the raw bytes). */
export function githubRequest(
  clock: Clock,
  event: string,
  payload: unknown,
  secret: string,
  delivery: string,
): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(payload));
  return {
    headers: {
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`,
      'content-type': 'application/json',
    },
    rawBody,
    receivedAt: clock.now(),
  };
}

export const GH_READY_YAML = `
triggers:
  - id: gh-ready
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: /path/to/checkout
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
`;
export const SECRET = 'a-secret-to-everybody';
