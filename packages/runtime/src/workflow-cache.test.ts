import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { createWorkflowRegistry } from '@worktrain/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheWorkflowLookups, WORKFLOW_LOOKUP_TTL_MS } from './workflow-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workflow(id: string, name: string): string {
  return JSON.stringify({
    id,
    name,
    description: 'test',
    version: '1.0.0',
    steps: [{ id: 'one', title: 'One', prompt: 'Do it.' }],
  });
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-wfcache-'));
  dirs.push(dir);
  const clock = manualClock();
  const registry = cacheWorkflowLookups(
    createWorkflowRegistry({ sources: [{ kind: 'custom', dir }] }),
    clock,
  );
  return { dir, clock, registry };
}

describe('cacheWorkflowLookups', () => {
  it('reuses a resolved workflow within the TTL and sees an edit after it', async () => {
    const { dir, clock, registry } = setup();
    writeFileSync(join(dir, 'a.json'), workflow('test.alpha', 'First'));
    expect((await registry.get('test.alpha'))._unsafeUnwrap().definition.name).toBe('First');
    writeFileSync(join(dir, 'a.json'), workflow('test.alpha', 'Second version'));
    clock.advance(WORKFLOW_LOOKUP_TTL_MS - 1);
    expect((await registry.get('test.alpha'))._unsafeUnwrap().definition.name).toBe('First');
    clock.advance(1);
    expect((await registry.get('test.alpha'))._unsafeUnwrap().definition.name).toBe('Second version');
  });

  it('never caches a failed lookup', async () => {
    const { dir, registry } = setup();
    expect((await registry.get('test.beta'))._unsafeUnwrapErr().code).toBe('WORKFLOW_NOT_FOUND');
    writeFileSync(join(dir, 'b.json'), workflow('test.beta', 'Now here'));
    expect((await registry.get('test.beta'))._unsafeUnwrap().definition.name).toBe('Now here');
  });
});
