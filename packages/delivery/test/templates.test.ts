import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkFilledTemplate,
  deliver,
  findTemplates,
  readChangeRequestTemplate,
  templateSections,
} from '../src/index.js';
import { createGitLabHarness } from './gitlab-setup.js';
import { createHarness, HANDOFF, type Harness, pullsFor } from './setup.js';

const GITHUB_TEMPLATE = [
  '## Summary',
  '<!-- What and why -->',
  '',
  '## Testing',
  'Describe how you tested.',
  '',
  '## Screenshots (optional)',
  '',
  '## Checklist',
  '- [ ] Changelog updated',
  '',
].join('\n');

const BASE_FILES = { 'README.md': '# widgets\n', 'src/page.ts': 'export const page = 1;\n' };

let open: Harness[] = [];
afterEach(async () => {
  for (const h of open) await h.close();
  open = [];
});
const harness = async (options: Parameters<typeof createHarness>[0]) => {
  const h = await createHarness(options);
  open.push(h);
  return h;
};
const headSha = async (h: Harness) => h.git(['rev-parse', 'HEAD']);

describe('template locations (real repositories)', () => {
  it('finds every GitHub location, any case, and the named templates of each PULL_REQUEST_TEMPLATE/ directory', async () => {
    const h = await harness({
      files: {
        ...BASE_FILES,
        'docs/pull_request_template.md': '## Docs default\n',
        'PULL_REQUEST_TEMPLATE.md': '## Root default\n',
        '.github/PULL_REQUEST_TEMPLATE/bugfix.md': '## Bug\n',
        '.github/pull_request_template/Feature.md': '## Feature\n',
        'docs/PULL_REQUEST_TEMPLATE/release.md': '## Release\n',
      },
    });
    const sha = await headSha(h);
    const files = (await h.git(['ls-tree', '-r', '--name-only', sha])).split('\n');
    expect(findTemplates(files, 'github')).toEqual([
      { name: 'default', path: 'PULL_REQUEST_TEMPLATE.md' },
      { name: 'default', path: 'docs/pull_request_template.md' },
      { name: 'bugfix', path: '.github/PULL_REQUEST_TEMPLATE/bugfix.md' },
      { name: 'Feature', path: '.github/pull_request_template/Feature.md' },
      { name: 'release', path: 'docs/PULL_REQUEST_TEMPLATE/release.md' },
    ]);
    const read = (name?: string) =>
      readChangeRequestTemplate(h.worktree, sha, {
        forge: 'github',
        ...(name === undefined ? {} : { name }),
      });
    // Root wins over docs/ (GitHub's order: .github/, root, docs/).
    expect((await read())._unsafeUnwrap()?.text).toBe('## Root default\n');
    expect((await read('feature'))._unsafeUnwrap()?.path).toBe('.github/pull_request_template/Feature.md');
    expect((await read('release.md'))._unsafeUnwrap()?.text).toBe('## Release\n');
    const missing = (await read('hotfix'))._unsafeUnwrapErr();
    expect(missing.code).toBe('TEMPLATE_NOT_FOUND');
    expect(missing.message).toContain('available: default, bugfix, Feature, release');
  });

  it('prefers .github/ over the root for the single template, and finds lower-case names', async () => {
    const h = await harness({
      files: {
        ...BASE_FILES,
        '.github/pull_request_template.md': '## GitHub dir\n',
        'pull_request_template.md': '## Root\n',
      },
    });
    const t = (
      await readChangeRequestTemplate(h.worktree, await headSha(h), { forge: 'github' })
    )._unsafeUnwrap();
    expect(t).toEqual({ name: 'default', path: '.github/pull_request_template.md', text: '## GitHub dir\n' });
  });

  it('GitLab: Default.md unless a name is given; none is null', async () => {
    const h = await harness({
      files: {
        ...BASE_FILES,
        '.gitlab/merge_request_templates/Default.md': '## Default\n',
        '.gitlab/merge_request_templates/Security Fix.md': '## Security\n',
      },
    });
    const sha = await headSha(h);
    const read = (name?: string) =>
      readChangeRequestTemplate(h.worktree, sha, {
        forge: 'gitlab',
        ...(name === undefined ? {} : { name }),
      });
    expect((await read())._unsafeUnwrap()?.path).toBe('.gitlab/merge_request_templates/Default.md');
    expect((await read('security fix'))._unsafeUnwrap()?.text).toBe('## Security\n');
    const bare = await harness({ files: BASE_FILES });
    expect(
      (
        await readChangeRequestTemplate(bare.worktree, await headSha(bare), { forge: 'gitlab' })
      )._unsafeUnwrap(),
    ).toBeNull();
  });
});

describe('checkFilledTemplate', () => {
  it('splits sections by heading level, ignoring headings in code fences and HTML comments', () => {
    const sections = templateSections('# A\n<!-- c -->\n## B\ntext\n```\n# not a heading\n```\n# C\n');
    expect(sections.map((s) => [s.heading, s.level, s.content])).toEqual([
      ['A', 1, 'text\n```\n# not a heading\n```'],
      ['B', 2, 'text\n```\n# not a heading\n```'],
      ['C', 1, ''],
    ]);
  });

  it('accepts a body that fills every required section (optional ones may go, checklists may stay)', () => {
    const body =
      '## Summary\nClamp the page index.\n\n## Testing\nRan `pnpm test`: 12 passed.\n\n## Checklist\n- [ ] Changelog updated\n';
    expect(checkFilledTemplate(GITHUB_TEMPLATE, body)).toEqual([]);
  });

  it('reports missing, empty and unchanged sections by heading', () => {
    const body = '## summary:\n<!-- What and why -->\n\n## Testing\nDescribe how you tested.\n';
    expect(checkFilledTemplate(GITHUB_TEMPLATE, body)).toEqual([
      { heading: 'Summary', problem: 'empty' },
      { heading: 'Testing', problem: 'unchanged' },
      { heading: 'Checklist', problem: 'missing' },
    ]);
  });
});

describe('deliver with the agent-filled template (prBody)', () => {
  const templated = { ...BASE_FILES, '.github/PULL_REQUEST_TEMPLATE.md': GITHUB_TEMPLATE };

  it('opens the PR with the agent body when it fills every section', async () => {
    const prBody =
      '## Summary\nPage 0 no longer crashes.\n\n## Testing\n`pnpm test` passes.\n\n## Checklist\n- [x] Changelog updated';
    const h = await harness({ files: templated, handoff: { ...HANDOFF, prBody } });
    await h.write({ 'src/page.ts': 'export const page = 2;\n' });
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const body = pullsFor(h.gh, result.branch)[0]?.body ?? '';
    expect(body.startsWith(`${prBody}\n\nCloses #1\n\n---`)).toBe(true);
    expect(body).toContain('<!-- worktrain:session=sess_deliver1 -->');
  });

  it('fails with TEMPLATE_INCOMPLETE before committing or pushing when a section is left empty', async () => {
    const h = await harness({
      files: templated,
      handoff: {
        ...HANDOFF,
        prBody: '## Summary\nFix.\n\n## Testing\n\n## Checklist\n- [ ] Changelog updated',
      },
    });
    await h.write({ 'src/page.ts': 'export const page = 3;\n' });
    const before = await headSha(h);
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('TEMPLATE_INCOMPLETE');
    expect(error.details?.sections).toEqual([{ heading: 'Testing', problem: 'empty' }]);
    expect(error.message).toContain("'Testing' is empty");
    expect(await headSha(h)).toBe(before);
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBeUndefined();
    expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)).toEqual([]);
  });

  it('checks the body against the template the handoff names (prTemplate), over the default one', async () => {
    const h = await harness({
      files: { ...templated, '.github/PULL_REQUEST_TEMPLATE/hotfix.md': '## Incident\n\n## Rollback plan\n' },
      handoff: {
        ...HANDOFF,
        prTemplate: 'hotfix',
        prBody: '## Incident\nINC-7\n\n## Rollback plan\nRevert.',
      },
    });
    await h.write({ 'src/page.ts': 'export const page = 4;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)[0]?.body).toContain('## Rollback plan\nRevert.');
  });

  it('reports TEMPLATE_NOT_FOUND for a template name the repository lacks', async () => {
    const h = await harness({ files: templated });
    await h.write({ 'src/page.ts': 'export const page = 5;\n' });
    const error = (await deliver(h.input({ template: 'nope' }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error.details?.available).toEqual(['default']);
  });

  it('GitLab: checks the agent body against the configured MR template', async () => {
    const h = await createGitLabHarness({
      ...BASE_FILES,
      '.gitlab/merge_request_templates/Bugfix.md': '## Root cause\n\n## Fix\n',
    });
    open.push(h);
    const { store, sessionId } = h;
    const events = (await store.readEvents(sessionId))._unsafeUnwrap();
    // Replace the handoff with one carrying an incomplete body.
    await store.append({
      sessionId,
      expectedSeq: events.at(-1)?.seq ?? 0,
      events: [
        {
          kind: 'output_appended',
          data: {
            nodeId: 'node_2',
            stepId: 'handoff',
            notesMarkdown: 'done',
            artifacts: [{ ...HANDOFF, prBody: '## Root cause\nOff by one.' }],
          },
        },
      ],
    });
    await h.write({ 'src/page.ts': 'export const page = 6;\n' });
    const error = (
      await deliver(h.input(), h.deps({ forge: h.forge({ template: 'bugfix' }) }))
    )._unsafeUnwrapErr();
    expect(error.code).toBe('TEMPLATE_INCOMPLETE');
    expect(error.details?.sections).toEqual([{ heading: 'Fix', problem: 'missing' }]);
    expect(h.mergeRequests()).toEqual([]);
  });
});

describe('clean-worktree guard', () => {
  it('refuses to deliver from a worktree with unresolved conflicts, naming the paths', async () => {
    const h = await harness({ files: BASE_FILES });
    await h.write({ 'src/page.ts': 'export const page = "ours";\n' });
    await h.git(['commit', '-qam', 'ours']);
    const other = await h.fx.cloneOrigin('other');
    await execa('git', ['checkout', '-qb', 'theirs'], { cwd: other });
    await h.fx.writeFiles({});
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${other}/src/page.ts`, 'export const page = "theirs";\n');
    const id = ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid'];
    await execa('git', [...id, 'commit', '-qam', 'theirs'], { cwd: other });
    await execa('git', ['push', '-q', 'origin', 'theirs'], { cwd: other });
    await h.git(['fetch', '-q', 'origin', 'theirs']);
    await execa('git', [...id, 'merge', 'FETCH_HEAD'], { cwd: h.worktree, reject: false });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('WORKTREE_DIRTY');
    expect(error.message).toContain('merge in progress');
  });

  it('refuses stray edits outside the handoff (OUTSIDE_TARGETS) instead of committing them', async () => {
    const h = await harness({ files: BASE_FILES });
    await h.write({ 'src/page.ts': 'export const page = 7;\n', 'notes.txt': 'scratch\n' });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('PATCH_REJECTED');
    expect(JSON.stringify(error.details?.reasons)).toContain('OUTSIDE_TARGETS');
  });
});
