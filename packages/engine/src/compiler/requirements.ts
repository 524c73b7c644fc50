/**
 * System sections appended after a step's authored prompt at compile time, in WorkRail's order
 * (EtienneBBeaulac/workrail `src/v2/durable-core/domain/prompt-renderer.ts`, MIT): output requirements from
 * `validationCriteria`, the output contract, assessments, then the notes requirement. Text is WorkTrain's own.
 */

import { findArtifactContract } from '../artifact-contracts/registry.js';
import { describeCondition } from '../conditions/index.js';
import type { Condition } from '../definition/condition-schema.js';
import type { SourceAssessment } from './source-types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ruleLine(rule: Record<string, unknown>): string | undefined {
  const when = isRecord(rule.condition) ? ` (when ${describeCondition(rule.condition as Condition)})` : '';
  if (typeof rule.message === 'string' && rule.message.length > 0) return `${rule.message}${when}`;
  switch (rule.type) {
    case 'contains':
      return typeof rule.value === 'string' ? `Your notes must contain "${rule.value}"${when}` : undefined;
    case 'regex':
      return typeof rule.pattern === 'string'
        ? `Your notes must match /${rule.pattern}/${typeof rule.flags === 'string' ? rule.flags : ''}${when}`
        : undefined;
    case 'length': {
      const min = typeof rule.min === 'number' ? rule.min : undefined;
      const max = typeof rule.max === 'number' ? rule.max : undefined;
      if (min !== undefined && max !== undefined)
        return `Your notes must be ${min} to ${max} characters long${when}`;
      if (min !== undefined) return `Your notes must be at least ${min} characters long${when}`;
      if (max !== undefined) return `Your notes must be at most ${max} characters long${when}`;
      return undefined;
    }
    case 'schema':
      return `Your notes must be JSON (or contain a fenced json block) conforming to the step's schema${when}`;
    default:
      return undefined;
  }
}

/** One line per checkable rule of a normalised criteria tree (`and` lists flattened; `or` summarised). */
export function validationRequirementLines(criteria: unknown, depth = 0): string[] {
  if (!isRecord(criteria) || depth > 32) return [];
  if (Array.isArray(criteria.and))
    return criteria.and.flatMap((c) => validationRequirementLines(c, depth + 1));
  if (Array.isArray(criteria.or)) {
    const options = criteria.or.flatMap((c) => validationRequirementLines(c, depth + 1));
    return options.length > 0 ? [`At least one of: ${options.join('; or ')}`] : [];
  }
  if (criteria.not !== undefined) {
    const negated = validationRequirementLines(criteria.not, depth + 1);
    return negated.length > 0 ? [`None of: ${negated.join('; ')}`] : [];
  }
  const line = ruleLine(criteria);
  return line === undefined ? [] : [line];
}

function section(title: string, lines: readonly string[]): string {
  return lines.length === 0 ? '' : `\n\n**${title}**\n${lines.map((l) => `- ${l}`).join('\n')}`;
}

export interface RequirementInputs {
  readonly validationCriteria?: unknown;
  readonly outputContract?: { readonly contractRef: string; readonly required: boolean };
  readonly assessments: readonly SourceAssessment[];
  readonly notesRequired: boolean;
}

/** The system sections for one step (empty string when the step has none). */
export function requirementSections(inputs: RequirementInputs): string {
  let text = section('Output requirements', validationRequirementLines(inputs.validationCriteria));
  if (inputs.outputContract !== undefined) {
    const { contractRef, required } = inputs.outputContract;
    const contract = findArtifactContract(contractRef);
    text += section('Output contract', [
      contract === undefined
        ? `${required ? 'Submit' : 'You may submit'} an artifact that satisfies \`${contractRef}\` in \`output.artifacts\` when you advance.`
        : `${required ? 'Submit' : 'You may submit'} an artifact with \`"kind": "${contract.artifactKind}"\` in \`output.artifacts\` when you advance: ${contract.description}`,
      ...(contract !== undefined ? [`Example: \`${JSON.stringify(contract.example)}\``] : []),
      ...(required ? ['The step is not accepted without a valid artifact.'] : []),
    ]);
  }
  for (const assessment of inputs.assessments) {
    const example = assessment.dimensions[0];
    text += section(`Assessment: ${assessment.id}`, [
      `Purpose: ${assessment.purpose}`,
      `Submit an artifact \`{ "kind": "wr.assessment", "assessmentId": "${assessment.id}", "dimensions": { … } }\` rating each dimension with one of its levels:`,
      ...assessment.dimensions.map((d) => `  \`${d.id}\` (${d.levels.join(' | ')}): ${d.purpose}`),
      ...(example !== undefined
        ? [
            `Example: \`{ "kind": "wr.assessment", "assessmentId": "${assessment.id}", "dimensions": { "${example.id}": "${example.levels[0] ?? ''}" } }\``,
          ]
        : []),
    ]);
  }
  if (inputs.notesRequired) {
    text += section('Notes required', [
      'Include `output.notesMarkdown` when you advance: what you did, what you produced (files, results, numbers) and anything open or risky.',
      'Cover this step only; earlier notes are kept by the session.',
    ]);
  }
  return text;
}
