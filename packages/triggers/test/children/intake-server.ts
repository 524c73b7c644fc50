/**
 * Child process of intake-sigkill.test.ts: a webhook intake (createWebhookListener over the router with
 * group commit) on the SQLite file given as argv[2], listening on 127.0.0.1; prints `PORT <n>` when ready.
 * The test SIGKILLs it while webhooks are in flight.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import {
  createBuiltinRegistry,
  createWebhookListener,
  loadTriggerConfig,
  openTriggerStore,
  TriggerRouter,
} from '../../src/index.js';

const dbPath = process.argv[2] ?? '';
const yaml = `triggers:
  - id: gh-ready
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: /w
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
`;
const config = await loadTriggerConfig({
  files: [{ path: join(dirname(dbPath), 'triggers.yaml'), text: yaml }],
  env: { GITHUB_WEBHOOK_SECRET: process.env.GITHUB_WEBHOOK_SECRET ?? '' },
  registry: createBuiltinRegistry(),
});
const store = openTriggerStore({ path: dbPath });
if (config.isErr() || store.isErr()) {
  process.stderr.write(`cannot start: ${JSON.stringify(config.isErr() ? config.error : store)}\n`);
  process.exit(1);
}
const router = new TriggerRouter({ config: config.value, store: store.value });
const server = createServer(createWebhookListener({ router }));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
});
