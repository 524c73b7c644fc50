/** Test harness: an engine over a real SQLite file in a temp dir, with an in-memory workflow registry. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  errAsync,
  type IdGenerator,
  type JsonObject,
  makeError,
  okAsync,
} from '@worktrain/contracts';
import { createSqliteSessionStore, type SessionStore } from '@worktrain/session-store';
import type { Engine, EngineLimits, LoadedWorkflow, WorkflowRegistry } from '../../src/api.js';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryKeyring, type KeyMaterial } from '../../src/tokens/index.js';

/** A registry over fixed definitions (the real registry reads directories; this one needs none). */
export function staticRegistry(definitions: readonly JsonObject[]): WorkflowRegistry {
  const loaded: LoadedWorkflow[] = definitions.map((definition) => ({
    workflowId: String(definition.id),
    source: { kind: 'custom', path: `memory://${String(definition.id)}.json` },
    definition,
  }));
  return {
    list: () => okAsync({ workflows: loaded, invalid: [] }),
    get: (id) => {
      const found = loaded.find((w) => w.workflowId === id);
      return found === undefined
        ? errAsync(makeError('WORKFLOW_NOT_FOUND', `no workflow ${id}`))
        : okAsync(found);
    },
  };
}

export interface Harness {
  readonly engine: Engine;
  readonly store: SessionStore;
  readonly dir: string;
  readonly dbPath: string;
  readonly keyring: ReturnType<typeof createMemoryKeyring>;
  close(): void;
}

export interface HarnessOptions {
  readonly maxEventBytes?: number;
  readonly ids?: IdGenerator;
  readonly clock?: Clock;
  readonly keys?: readonly KeyMaterial[];
}

export function makeHarness(
  definitions: readonly JsonObject[],
  limits?: Partial<EngineLimits>,
  options: HarnessOptions = {},
): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-engine-'));
  const dbPath = join(dir, 'worktrain.db');
  const store = createSqliteSessionStore({
    path: dbPath,
    ...(options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  if (store.isErr()) throw new Error(`cannot open store: ${store.error.message}`);
  const keyring = createMemoryKeyring(options.keys);
  const engine = createEngine({
    store: store.value,
    keyring,
    workflows: staticRegistry(definitions),
    ...(limits === undefined ? {} : { limits }),
    ...(options.ids === undefined ? {} : { ids: options.ids }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    engine,
    store: store.value,
    dir,
    dbPath,
    keyring,
    close: () => {
      store.value.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
