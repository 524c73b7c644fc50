import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveryTemplates, deliveryTemplateContext } from './delivery-template.js';
import type { DeliveryTarget } from './payload.js';

const TARGET: DeliveryTarget = {
  forge: 'github',
  repo: 'acme/widgets',
  issueNumber: 1,
  noteOn: 'issue',
  jiraIssueKey: null,
};

let git: GitFixture;
beforeEach(async () => {
  git = await createGitFixture({
    files: { 'README.md': '# w\n', '.github/PULL_REQUEST_TEMPLATE.md': '## Summary\n\nfirst\n' },
  });
});
afterEach(() => git.cleanup());

describe('createDeliveryTemplates', () => {
  it('reads the template of a commit once, and a new commit again', async () => {
    let reads = 0;
    const templates = createDeliveryTemplates((...args) => {
      reads++;
      return deliveryTemplateContext(...args);
    });
    const first = await git.git(['rev-parse', 'HEAD']);
    const a = await templates.context(git.repoDir, TARGET, first);
    const again = await Promise.all([
      templates.context(git.repoDir, TARGET, first),
      templates.context(git.repoDir, TARGET, first),
    ]);
    expect(a.deliveryTemplate).toBe('## Summary\n\nfirst\n');
    expect(again).toEqual([a, a]);
    expect(reads).toBe(1);

    const second = await git.commitFiles(
      { '.github/PULL_REQUEST_TEMPLATE.md': '## Summary\n\nsecond\n' },
      'tpl',
    );
    expect((await templates.context(git.repoDir, TARGET, second)).deliveryTemplate).toBe(
      '## Summary\n\nsecond\n',
    );
    expect(reads).toBe(2);
  });

  it('never caches a read without a commit (origin/HEAD, else HEAD, may move)', async () => {
    let reads = 0;
    const templates = createDeliveryTemplates((...args) => {
      reads++;
      return deliveryTemplateContext(...args);
    });
    expect((await templates.context(git.repoDir, TARGET)).deliveryTemplate).toBe('## Summary\n\nfirst\n');
    await git.commitFiles({ '.github/PULL_REQUEST_TEMPLATE.md': '## Summary\n\nsecond\n' }, 'tpl');
    expect((await templates.context(git.repoDir, TARGET)).deliveryTemplate).toBe('## Summary\n\nsecond\n');
    expect(reads).toBe(2);
  });
});
