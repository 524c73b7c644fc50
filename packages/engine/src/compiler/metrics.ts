/**
 * `metricsProfile` footers (WorkRail schema v0.3.0): instructions that make the agent report metrics context
 * keys. `coding` asks for the commit SHA list on every step and the outcome, PR numbers and change counts on
 * the final step; `review` asks for PR numbers and the outcome on the final step; `research`, `design` and
 * `ticket` ask for the outcome on the final step; `none`/absent adds nothing. Keys and placement follow
 * WorkRail (EtienneBBeaulac/workrail `src/v2/durable-core/domain/prompt-renderer.ts` `buildMetricsSection`,
 * MIT); the text is WorkTrain's own.
 */
import type { MetricsProfile } from './source-types.js';

const OUTCOME =
  '`metrics_outcome`: exactly one of `"success"`, `"partial"`, `"abandoned"`, `"error"` (a classification, not a description)';

const SHAS =
  '\n\n**Metrics:** after each commit, send `context.metrics_commit_shas` with the complete list of commit SHAs made in this session when you advance. Always send the whole list: context is merged shallowly, so a partial list replaces the earlier one.';

/** The footer appended to a standard step's prompt ('' when none). */
export function metricsFooter(profile: MetricsProfile | undefined, isLastStep: boolean): string {
  switch (profile) {
    case undefined:
    case 'none':
      return '';
    case 'coding':
      return isLastStep
        ? `${SHAS}\n\n**Metrics (final step):** also report in \`context\`:\n- ${OUTCOME}\n- \`metrics_pr_numbers\`: integer PR numbers (not URLs)\n- \`metrics_files_changed\`, \`metrics_lines_added\`, \`metrics_lines_removed\`: integers`
        : SHAS;
    case 'review':
      return isLastStep
        ? `\n\n**Metrics (final step):** report in \`context\`:\n- \`metrics_pr_numbers\`: integer numbers of the PRs reviewed (not URLs)\n- ${OUTCOME}`
        : '';
    case 'research':
    case 'design':
    case 'ticket':
      return isLastStep ? `\n\n**Metrics (final step):** report in \`context\`:\n- ${OUTCOME}` : '';
  }
}
