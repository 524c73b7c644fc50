import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkflowRegistry } from '../src/definition/registry.js';
import { corpusDir } from './helpers/workrail-corpus.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wt-registry-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function workflow(id: string, name = 'A workflow', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    name,
    description: 'Test workflow',
    version: '1.0.0',
    steps: [{ id: 'only', title: 'Only', prompt: 'Do it.' }],
    ...extra,
  });
}

async function put(dir: string, file: string, text: string): Promise<string> {
  const path = join(root, dir, file);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

describe('createWorkflowRegistry', () => {
  it('loads the whole WorkRail corpus recursively (all 48, through the documented superset)', async () => {
    const registry = createWorkflowRegistry({
      sources: [{ kind: 'bundled', dir: join(corpusDir, 'workflows') }],
    });
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.workflows).toHaveLength(48);
    expect(listed.invalid).toEqual([]);
    expect(listed.workflows.map((w) => w.workflowId)).toContain('dashboard-template-workflow');
    expect(listed.workflows.map((w) => w.workflowId)).toContain('simple-batch-example');
  });

  it('lets later kinds shadow earlier ones by id: bundled < user < custom < project', async () => {
    await put('bundled', 'a.json', workflow('wr.alpha', 'bundled a'));
    await put('bundled', 'b.json', workflow('wr.beta', 'bundled b'));
    await put('user', 'a.json', workflow('wr.alpha', 'user a'));
    await put('custom', 'sub/a.json', workflow('wr.alpha', 'custom a'));
    await put('project', 'b.json', workflow('wr.beta', 'project b'));
    // Sources given out of order: precedence comes from the kind.
    const registry = createWorkflowRegistry({
      sources: [
        { kind: 'project', dir: join(root, 'project') },
        { kind: 'custom', dir: join(root, 'custom') },
        { kind: 'user', dir: join(root, 'user') },
        { kind: 'bundled', dir: join(root, 'bundled') },
      ],
    });
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.workflows.map((w) => [w.workflowId, w.definition.name, w.source.kind])).toEqual([
      ['wr.alpha', 'custom a', 'custom'],
      ['wr.beta', 'project b', 'project'],
    ]);
    expect(listed.invalid).toEqual([]);
  });

  it('ranks workspace workflows highest, .worktrain over .workrail', async () => {
    await put('bundled', 'a.json', workflow('wr.alpha', 'bundled'));
    await put('ws/.workrail/workflows', 'a.json', workflow('wr.alpha', 'workrail dir'));
    await put('ws/.workrail/workflows', 'c.json', workflow('wr.gamma', 'workrail only'));
    await put('ws/.worktrain/workflows', 'a.json', workflow('wr.alpha', 'worktrain dir'));
    const registry = createWorkflowRegistry({ sources: [{ kind: 'bundled', dir: join(root, 'bundled') }] });
    const inWorkspace = (await registry.get('wr.alpha', { workspacePath: join(root, 'ws') }))._unsafeUnwrap();
    expect(inWorkspace.definition.name).toBe('worktrain dir');
    expect(inWorkspace.source).toEqual({
      kind: 'project',
      path: join(root, 'ws/.worktrain/workflows/a.json'),
    });
    expect(
      (await registry.get('wr.gamma', { workspacePath: join(root, 'ws') }))._unsafeUnwrap().definition.name,
    ).toBe('workrail only');
    expect((await registry.get('wr.alpha'))._unsafeUnwrap().definition.name).toBe('bundled');
  });

  it('reports invalid files with their errors and never fails the listing', async () => {
    await put('dir', 'good.json', workflow('wr.good'));
    await put('dir', 'broken.json', '{ "id": "wr.broken", ');
    await put(
      'dir',
      'bad-schema.json',
      workflow('wr.bad', 'x', { steps: [{ id: 'X', title: 'T', prompt: 'p' }] }),
    );
    await put('dir', 'package.json', JSON.stringify({ name: 'not-a-workflow', version: '1.0.0' }));
    await put('dir', 'list.json', '[1, 2]');
    await put('dir', 'notes.txt', 'ignored');
    const registry = createWorkflowRegistry({ sources: [{ kind: 'custom', dir: join(root, 'dir') }] });
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.workflows.map((w) => w.workflowId)).toEqual(['wr.good']);
    const byFile = new Map(listed.invalid.map((i) => [i.path.slice(root.length + 5), i]));
    expect([...byFile.keys()].sort()).toEqual([
      'bad-schema.json',
      'broken.json',
      'list.json',
      'package.json',
    ]);
    expect(byFile.get('broken.json')?.errors[0]).toMatch(/broken\.json:1:\d+: invalid JSON/);
    expect(byFile.get('bad-schema.json')).toMatchObject({ workflowId: 'wr.bad' });
    expect(byFile.get('bad-schema.json')?.errors[0]).toMatch(/^\/steps\/0\/id: must/);
    expect(byFile.get('package.json')?.errors[0]).toMatch(
      /^not a workflow definition: the file holds an object without a 'steps' array/,
    );
    expect(byFile.get('list.json')?.errors[0]).toMatch(/^not a workflow definition: the file holds an array/);
  });

  it('lets an invalid override shadow a valid lower one, and get reports it as invalid', async () => {
    await put('bundled', 'a.json', workflow('wr.alpha'));
    await put('project', 'a.json', workflow('wr.alpha', '', {}));
    const registry = createWorkflowRegistry({
      sources: [
        { kind: 'bundled', dir: join(root, 'bundled') },
        { kind: 'project', dir: join(root, 'project') },
      ],
    });
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.workflows).toEqual([]);
    const got = await registry.get('wr.alpha');
    expect(got._unsafeUnwrapErr()).toMatchObject({
      code: 'WORKFLOW_INVALID',
      details: { workflowId: 'wr.alpha', path: join(root, 'project/a.json') },
    });
  });

  it('reports a second file with the same id in one directory as a duplicate', async () => {
    await put('dir', 'a.json', workflow('wr.same', 'first'));
    await put('dir', 'b.json', workflow('wr.same', 'second'));
    const registry = createWorkflowRegistry({ sources: [{ kind: 'user', dir: join(root, 'dir') }] });
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.workflows.map((w) => w.definition.name)).toEqual(['first']);
    expect(listed.invalid[0]?.errors[0]).toMatch(/duplicate workflow id 'wr.same'/);
  });

  it('returns WORKFLOW_NOT_FOUND with close ids as suggestions', async () => {
    await put('dir', 'a.json', workflow('wr.coding-task'));
    await put('dir', 'b.json', workflow('wr.mr-review'));
    await put('dir', 'c.json', workflow('wr.classify-task'));
    const registry = createWorkflowRegistry({ sources: [{ kind: 'bundled', dir: join(root, 'dir') }] });
    const error = (await registry.get('wr.codng-task'))._unsafeUnwrapErr();
    expect(error.code).toBe('WORKFLOW_NOT_FOUND');
    expect(error.details).toEqual({ workflowId: 'wr.codng-task', suggestions: ['wr.coding-task'] });
    expect(error.message).toContain("Did you mean 'wr.coding-task'?");
    expect((await registry.get('coding-task'))._unsafeUnwrapErr().details?.suggestions).toEqual([
      'wr.coding-task',
    ]);
    expect((await registry.get('zzz'))._unsafeUnwrapErr().details?.suggestions).toEqual([]);
  });

  it('treats a missing directory as empty', async () => {
    const registry = createWorkflowRegistry({ sources: [{ kind: 'user', dir: join(root, 'nope') }] });
    expect((await registry.list())._unsafeUnwrap()).toEqual({ workflows: [], invalid: [] });
  });

  it('picks up edits, new files and deletions on the next call', async () => {
    const path = await put('dir', 'a.json', workflow('wr.alpha', 'version one'));
    const registry = createWorkflowRegistry({ sources: [{ kind: 'user', dir: join(root, 'dir') }] });
    expect((await registry.get('wr.alpha'))._unsafeUnwrap().definition.name).toBe('version one');

    await writeFile(path, workflow('wr.alpha', 'version two, longer'));
    expect((await registry.get('wr.alpha'))._unsafeUnwrap().definition.name).toBe('version two, longer');

    // Same size, different content: detected through the mtime.
    await writeFile(path, workflow('wr.alpha', 'version three, longe'));
    const later = new Date(Date.now() + 5_000);
    await utimes(path, later, later);
    expect((await registry.get('wr.alpha'))._unsafeUnwrap().definition.name).toBe('version three, longe');

    await put('dir', 'b.json', workflow('wr.beta'));
    await rm(path);
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.workflows.map((w) => w.workflowId)).toEqual(['wr.beta']);
  });

  it('serves unchanged files from its cache', async () => {
    const path = await put('dir', 'a.json', workflow('wr.alpha', 'cached'));
    const registry = createWorkflowRegistry({ sources: [{ kind: 'user', dir: join(root, 'dir') }] });
    const first = (await registry.get('wr.alpha'))._unsafeUnwrap();
    const second = (await registry.get('wr.alpha'))._unsafeUnwrap();
    // The same parsed object is returned when neither mtime nor size changed.
    expect(second.definition).toBe(first.definition);
    expect(Object.isFrozen(first.definition) && Object.isFrozen(first.definition.steps)).toBe(true);
    await writeFile(path, workflow('wr.alpha', 'changed!'));
    expect((await registry.get('wr.alpha'))._unsafeUnwrap().definition).not.toBe(first.definition);
  });
});
