/**
 * Dry run through the daemon's dispatch API (issue 6, apply pipeline): the session runs in its worktree,
 * then delivery only plans — branch, commits, diff stat, title, body, target recorded as stage `dry_run` —
 * and nothing is pushed or opened. The repository's PR template reaches the session context
 * (`deliveryTemplate`) for the final step to fill.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixScript, sessionEvents, waitFor } from './helpers.js';
import { daemonFor, rig, sessionOfTask, taskState } from './rig.js';

const TEMPLATE = '## Summary\n<!-- what and why -->\n\n## Testing\n';

describe('dispatch with dryRun', () => {
  it('runs the session and records the delivery plan without pushing or opening anything', async () => {
    const r = await rig(fixScript());
    await r.git.commitFiles({ '.github/pull_request_template.md': TEMPLATE }, 'add PR template');
    await r.git.git(['push', '-q', 'origin', 'main']);
    const d = await daemonFor(r);
    const res = await d.api('/dispatch', {
      method: 'POST',
      body: JSON.stringify({
        workflowId: 'test.daemon-fix',
        goal: 'Fix add()',
        workspace: r.git.repoDir,
        repo: 'acme/widgets',
        issueNumber: r.issueNumber,
        dryRun: true,
      }),
    });
    expect(res.status).toBe(202);
    const { task } = (await res.json()) as { task: { id: string } };
    const sessionId = await sessionOfTask(d, task.id);
    await waitFor(
      'the task to succeed',
      async () => ((await taskState(d, task.id)) === 'succeeded' ? true : undefined),
      60_000,
    );

    const events = await sessionEvents(d, sessionId);
    const created = events.find((e) => e.kind === 'session_created');
    expect(created?.kind === 'session_created' && created.data.context).toMatchObject({
      deliveryTemplate: TEMPLATE,
      deliveryTemplateName: 'default',
      deliveryTemplatePath: '.github/pull_request_template.md',
    });
    const recorded = events.filter((e) => e.kind === 'delivery_recorded');
    expect(recorded.map((e) => e.kind === 'delivery_recorded' && [e.data.stage, e.data.outcome])).toEqual([
      ['dry_run', 'succeeded'],
    ]);
    const plan = recorded[0]?.kind === 'delivery_recorded' ? recorded[0].data.details : undefined;
    expect(plan).toMatchObject({
      target: 'github:acme/widgets',
      branch: `worktrain/${sessionId}`,
      baseBranch: 'main',
      issueNumber: r.issueNumber,
      changeRequest: { template: '.github/pull_request_template.md' },
      diffStat: { files: [{ path: 'src/add.js', status: 'modified', insertions: 1, deletions: 1 }] },
    });
    expect(JSON.stringify(plan)).toContain('Closes #');
    // Nothing left the machine.
    expect(r.github.state.pulls('acme', 'widgets')).toEqual([]);
    expect(await r.git.originRef(`worktrain/${sessionId}`)).toBeUndefined();
    // The worktree stays for a look (or a real delivery later).
    expect(existsSync(join(r.home.home, 'worktrees', sessionId))).toBe(true);
  });
});
