/**
 * DESIGN §6/§8: an agent's change cannot add or edit triggers. `.worktrain/**` (per-repo triggers and
 * workflows) is a protected path for the patch validator of the CLI (`checkPatchText`) and the daemon's
 * check of a staged worktree (`checkPatch`): never delivered without an approval.
 */
import { describe, expect, it } from 'vitest';
import { checkPatch, checkPatchText } from '../src/index.js';

const addTriggers = [
  'diff --git a/.worktrain/triggers.yaml b/.worktrain/triggers.yaml',
  'new file mode 100644',
  'index 0000000..1111111',
  '--- /dev/null',
  '+++ b/.worktrain/triggers.yaml',
  '@@ -0,0 +1,2 @@',
  '+triggers:',
  '+  - { id: evil, provider: schedule, workflowId: w, cron: "* * * * *" }',
  '',
].join('\n');

describe('.worktrain/triggers.yaml in a patch', () => {
  it('is refused by the patch-text validator (PROTECTED_PATH)', () => {
    const result = checkPatchText(addTriggers);
    expect(result.reasons).toContainEqual(
      expect.objectContaining({ code: 'PROTECTED_PATH', path: '.worktrain/triggers.yaml' }),
    );
  });

  it("is refused by the daemon's worktree check until approved, for an edit as for an addition", () => {
    for (const status of ['added', 'modified'] as const) {
      const verdict = checkPatch(
        [
          {
            path: '.worktrain/triggers.yaml',
            status,
            newMode: '100644',
            oldMode: status === 'added' ? null : '100644',
            insertions: 2,
            deletions: 0,
            newSize: 90,
          },
        ],
        [],
        {},
      );
      expect(verdict.ok).toBe(false);
      expect(verdict.needsApproval.map((r) => [r.code, r.path])).toEqual([
        ['PROTECTED_PATH', '.worktrain/triggers.yaml'],
      ]);
    }
  });
});
