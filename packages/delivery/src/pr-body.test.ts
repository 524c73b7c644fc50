import { describe, expect, it } from 'vitest';
import {
  classifyHeading,
  fillPullRequestTemplate,
  pullRequestFooter,
  renderPullRequestBody,
} from './pr-body.js';

const content = {
  summary: 'Fixes the off-by-one in pagination.',
  changes: '- `src/page.ts`',
  testing: '- `test/page.test.ts`',
  relatedIssue: 'Closes #7',
};

describe('classifyHeading', () => {
  it.each([
    ['Summary', 'summary'],
    ['Description', 'summary'],
    ['What does this PR do?', 'summary'],
    ['Changes', 'changes'],
    ['Changes made', 'changes'],
    ['What does this change?', 'summary'],
    ['What changed', 'changes'],
    ['How to test', 'testing'],
    ['Testing', 'testing'],
    ['Test plan', 'testing'],
    ['Related issue(s)', 'relatedIssue'],
    ['Linked issues', 'relatedIssue'],
    ['Checklist', null],
    ['Screenshots', null],
  ])('%s → %s', (heading, section) => {
    expect(classifyHeading(heading)).toBe(section);
  });
});

describe('fillPullRequestTemplate', () => {
  it('fills known sections by heading, keeps checklists and unknown sections', () => {
    const template = [
      '## Description',
      '<!-- Describe your change -->',
      '',
      '## How to test',
      'Steps...',
      '- [ ] I ran the tests',
      '',
      '## Related issue',
      'Fixes #',
      '',
      '## Checklist',
      '- [ ] Docs updated',
      '',
      '```md',
      '## Summary (inside a fence: not a heading)',
      '```',
    ].join('\n');
    const body = fillPullRequestTemplate(template, content);
    expect(body).toContain('## Description\n\nFixes the off-by-one in pagination.');
    expect(body).not.toContain('<!-- Describe your change -->');
    expect(body).toContain('## How to test\n\n- `test/page.test.ts`\n\n- [ ] I ran the tests');
    expect(body).not.toContain('Steps...');
    expect(body).toContain('## Related issue\n\nCloses #7');
    expect(body).not.toContain('Fixes #\n');
    expect(body).toContain('## Checklist\n- [ ] Docs updated');
    expect(body).toContain('## Summary (inside a fence: not a heading)');
    // No "Changes" heading in the template: the changes are not forced in; the summary was placed.
    expect(body.indexOf('Fixes the off-by-one')).toBeLessThan(body.indexOf('## How to test'));
  });

  it('puts the summary first and the issue last when the template has no such headings', () => {
    const body = fillPullRequestTemplate('## Checklist\n- [ ] Tests', content);
    expect(body.startsWith('Fixes the off-by-one')).toBe(true);
    expect(body.endsWith('Closes #7')).toBe(true);
  });
});

describe('renderPullRequestBody', () => {
  it('uses default sections without a template and ends with the footer and marker', () => {
    const body = renderPullRequestBody(
      null,
      content,
      pullRequestFooter('sess_1', 'http://127.0.0.1:3200/s/sess_1'),
    );
    expect(body).toMatch(/^## Summary\n\nFixes the off-by-one/);
    expect(body).toContain('## Changes');
    expect(body).toContain('## Related issue\n\nCloses #7');
    expect(body).toContain('[`sess_1`](http://127.0.0.1:3200/s/sess_1)');
    expect(body.trimEnd().endsWith('<!-- worktrain:session=sess_1 -->')).toBe(true);
  });
});
