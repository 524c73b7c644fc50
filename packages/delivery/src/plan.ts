import { errAsync, okAsync, type ResultAsync } from '@worktrain/contracts';
import { composeChangeRequestBody } from './body.js';
import { type DeliverDeps, type DeliverInput, failureDetails, gitTargetOf, validate } from './deliver.js';
import { collectWorktreeChanges } from './diff.js';
import { type DeliveryError, deliveryError } from './errors.js';
import { runGit } from './git.js';
import { parseHandoff } from './handoff.js';
import { commitMessage, conventionalHeader } from './message.js';
import { createStageRecorder } from './recorder.js';
import { checkWorktreeClean } from './worktree-guard.js';

/** What a delivery would do, computed without committing, pushing or calling the forge. */
export interface DeliveryPlan {
  readonly sessionId: string;
  /** Forge target, e.g. `github:acme/widgets`. */
  readonly target: string;
  readonly remote: string;
  /** Branch that would be pushed (`refs/heads/<branch>`). */
  readonly branch: string;
  readonly baseBranch: string;
  readonly baseSha: string;
  /** Commits already on the worktree's HEAD past the base, oldest first. */
  readonly commits: readonly { readonly sha: string; readonly subject: string }[];
  /** The commit delivery would add for uncommitted work, or null when HEAD already holds everything. */
  readonly newCommit: { readonly message: string } | null;
  /** Per-file stat of base → the tree that would be pushed, and totals. */
  readonly diffStat: {
    readonly files: readonly {
      readonly path: string;
      readonly status: string;
      readonly insertions: number | null;
      readonly deletions: number | null;
    }[];
    readonly insertions: number;
    readonly deletions: number;
    /** `git diff --stat` as git prints it. */
    readonly text: string;
  };
  readonly changeRequest: {
    readonly title: string;
    readonly body: string;
    readonly draft: boolean;
    readonly template: string | null;
    readonly agentFilledBody: boolean;
  };
  /** The source issue that would be commented on, if any. */
  readonly issueNumber: number | null;
  readonly checks: readonly string[];
}

/**
 * Dry run of {@link deliver}: the same handoff parsing, clean-worktree guard, patch validation and
 * template check, then the plan — branch, commits, diff stat, PR/MR title and body, target — without
 * committing, pushing, running checks or calling the forge. The worktree's changes are staged (`git add -A`),
 * as a delivery would, and nothing else changes in it. The plan (or the refusal) is recorded as a
 * `delivery_recorded` event with stage `dry_run` under delivery id `dry-run`, which a later real delivery
 * ignores. Errors: those of the validate stage of {@link deliver} (PATCH_REJECTED, NEEDS_APPROVAL,
 * TEMPLATE_INCOMPLETE, WORKTREE_DIRTY, NOTHING_TO_DELIVER, …).
 */
export function planDelivery(
  input: DeliverInput,
  deps: Pick<DeliverDeps, 'store' | 'forge' | 'remote'>,
): ResultAsync<DeliveryPlan, DeliveryError> {
  const branch = input.branch ?? `worktrain/${input.sessionId}`;
  const remote = deps.remote ?? 'origin';
  const recorder = createStageRecorder(deps.store, input.sessionId, 'dry-run', deps.forge.target);
  const baseRef = input.baseRef ?? `refs/remotes/${remote}/${input.baseBranch}`;
  const target = gitTargetOf(input);
  if (target.isErr()) return errAsync(target.error);
  const wt = target.value;

  const plan = recorder.events().andThen((events) =>
    parseHandoff(events).asyncAndThen((parsed) => {
      const summary = input.change?.summary ?? parsed.title ?? parsed.goal;
      if (summary === null || summary.trim() === '')
        return errAsync<DeliveryPlan, DeliveryError>(
          deliveryError('INVALID_INPUT', 'No summary for the commit and PR title'),
        );
      const change = {
        type: input.change?.type ?? 'fix',
        summary,
        ...(input.change?.scope === undefined ? {} : { scope: input.change.scope }),
        ...(input.issueNumber === undefined ? {} : { issueNumber: input.issueNumber }),
      };
      const targets = [
        ...parsed.handoff.filesChanged,
        ...parsed.handoff.testsAdded,
        ...(input.targets ?? []),
      ];
      return checkWorktreeClean(wt)
        .andThen(() => collectWorktreeChanges(wt, baseRef))
        .andThen((changes) => validate(changes, targets, input.policy).map((v) => v.value))
        .andThen((changes) =>
          composeChangeRequestBody({
            worktree: wt,
            baseSha: changes.baseSha,
            forge: deps.forge,
            parsed,
            summary,
            sessionId: input.sessionId,
            ...(input.template === undefined ? {} : { templateName: input.template }),
            ...(input.issueNumber === undefined ? {} : { issueNumber: input.issueNumber }),
            ...(input.sessionUrl === undefined ? {} : { sessionUrl: input.sessionUrl }),
            ...(input.workflowId === undefined ? {} : { workflowId: input.workflowId }),
          }).andThen((body) =>
            runGit(wt, ['log', '--reverse', '--format=%H%x09%s', `${changes.baseSha}..HEAD`]).andThen((log) =>
              runGit(wt, ['write-tree']).andThen((tree) =>
                runGit(wt, ['rev-parse', 'HEAD^{tree}']).andThen((headTree) =>
                  runGit(wt, [
                    '-c',
                    'core.quotePath=false',
                    'diff',
                    '--cached',
                    '--stat=200',
                    '--no-color',
                    changes.baseSha,
                  ]).andThen((stat) => {
                    const commits = log.stdout
                      .split('\n')
                      .filter((l) => l !== '')
                      .map((l) => {
                        const [sha = '', ...rest] = l.split('\t');
                        return { sha, subject: rest.join('\t') };
                      });
                    const pending = tree.stdout.trim() !== headTree.stdout.trim();
                    if (!pending && commits.length === 0)
                      return errAsync<DeliveryPlan, DeliveryError>(
                        deliveryError(
                          'NOTHING_TO_DELIVER',
                          'The worktree has no change against its base branch',
                          {
                            baseSha: changes.baseSha,
                          },
                        ),
                      );
                    const files = changes.changes.map((c) => ({
                      path: c.path,
                      status: c.status,
                      insertions: c.insertions,
                      deletions: c.deletions,
                    }));
                    return okAsync<DeliveryPlan, DeliveryError>({
                      sessionId: input.sessionId,
                      target: deps.forge.target,
                      remote,
                      branch,
                      baseBranch: input.baseBranch,
                      baseSha: changes.baseSha,
                      commits,
                      newCommit: pending
                        ? { message: commitMessage(change, parsed.handoff, input.sessionId) }
                        : null,
                      diffStat: {
                        files,
                        insertions: files.reduce((n, f) => n + (f.insertions ?? 0), 0),
                        deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
                        text: stat.stdout.trimEnd(),
                      },
                      changeRequest: {
                        title: conventionalHeader(change),
                        body: body.body,
                        draft: input.draft ?? false,
                        template: body.template === null ? null : body.template.path,
                        agentFilledBody: body.agentFilled,
                      },
                      issueNumber: input.issueNumber ?? null,
                      checks: (input.checks ?? []).map((c) => c.name),
                    });
                  }),
                ),
              ),
            ),
          ),
        );
    }),
  );

  return recorder.attempted('dry_run').andThen((attempt) =>
    plan
      .andThen((p) =>
        recorder
          .recorded('dry_run', attempt, {
            outcome: 'succeeded',
            details: JSON.parse(JSON.stringify({ ...p, changeRequest: { ...p.changeRequest } })),
          })
          .map(() => p),
      )
      .orElse((e) =>
        recorder
          .recorded('dry_run', attempt, { outcome: 'failed', details: failureDetails(e) })
          .andThen(() => errAsync<DeliveryPlan, DeliveryError>(e)),
      ),
  );
}
