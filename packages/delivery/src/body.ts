import { errAsync, type GitTarget, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';
import type { ForgeClient } from './forge.js';
import type { ParsedHandoff } from './handoff.js';
import { MAX_BODY_CHARS, pullRequestFooter, renderPullRequestBody } from './pr-body.js';
import { buildPullRequestContent } from './pr-content.js';
import { checkFilledTemplate, readChangeRequestTemplate, type TemplateRef } from './templates.js';

/** What {@link composeChangeRequestBody} needs. */
export interface BodyInput {
  /** The session worktree (its trusted ref), or a repository path. */
  readonly worktree: GitTarget;
  /** Commit whose tree holds the template (the base of the change). */
  readonly baseSha: string;
  readonly forge: Pick<ForgeClient, 'templateForge' | 'templateName' | 'templatePaths'>;
  /** Template name asked for by the trigger or the dispatch; the handoff's `prTemplate` wins over it. */
  readonly templateName?: string;
  readonly parsed: ParsedHandoff;
  readonly summary: string;
  readonly issueNumber?: number;
  readonly sessionId: string;
  readonly sessionUrl?: string;
  readonly workflowId?: string;
}

export interface ComposedBody {
  readonly body: string;
  readonly template: TemplateRef | null;
  /** True when the body is the agent's `prBody`; false when delivery filled the template itself. */
  readonly agentFilled: boolean;
}

/**
 * The PR/MR body. When the handoff carries `prBody` (the agent filled the template it was given as
 * `deliveryTemplate`), that body is used after checking it against the template read at the base commit:
 * every non-optional heading present and filled, else TEMPLATE_INCOMPLETE (details.sections). Without
 * `prBody`, delivery fills the template by section from the handoff (or writes default sections). Either way
 * `Closes #N` is added when the body does not mention the source issue, and the WorkTrain footer follows.
 * Errors: TEMPLATE_NOT_FOUND (a named template is missing), TEMPLATE_INCOMPLETE, GIT_FAILED.
 */
export function composeChangeRequestBody(input: BodyInput): ResultAsync<ComposedBody, DeliveryError> {
  const name = input.parsed.handoff.prTemplate ?? input.templateName ?? input.forge.templateName;
  return readChangeRequestTemplate(input.worktree, input.baseSha, {
    forge: input.forge.templateForge ?? 'github',
    ...(name === undefined ? {} : { name }),
    ...(input.forge.templatePaths === undefined ? {} : { paths: input.forge.templatePaths }),
  }).andThen((template) => {
    const footer = pullRequestFooter(input.sessionId, input.sessionUrl, input.workflowId);
    const ref = template === null ? null : { name: template.name, path: template.path };
    const agentBody = input.parsed.handoff.prBody?.trim();
    if (agentBody === undefined || agentBody === '') {
      const content = buildPullRequestContent(input.parsed, input.summary, input.issueNumber);
      return okAsync({
        body: renderPullRequestBody(template?.text ?? null, content, footer),
        template: ref,
        agentFilled: false,
      });
    }
    if (template !== null) {
      const problems = checkFilledTemplate(template.text, agentBody);
      if (problems.length > 0) {
        return errAsync(
          deliveryError(
            'TEMPLATE_INCOMPLETE',
            `The PR/MR body does not fill the template ${template.path}: ${problems
              .map((p) => `'${p.heading}' is ${p.problem}`)
              .join(', ')}`,
            { template: template.path, sections: problems.map((p) => ({ ...p })) },
          ),
        );
      }
    }
    let body = agentBody;
    if (input.issueNumber !== undefined && !new RegExp(`#${input.issueNumber}\\b`).test(body))
      body = `${body}\n\nCloses #${input.issueNumber}`;
    const room = MAX_BODY_CHARS - footer.length - 40;
    if (body.length > room) body = `${body.slice(0, room)}\n\n…(truncated)`;
    return okAsync({ body: `${body}\n\n${footer}\n`, template: ref, agentFilled: true });
  });
}
