import { describe, expect, it } from 'vitest';
import { BUILTIN_FEATURES, findFeature, knownFeatureIds } from './features.js';
import { findRef, knownRefIds } from './refs.js';
import { findBuiltinRoutine, routineIdCandidates, routineTemplateId } from './routines.js';

describe('built-in refs and features', () => {
  it("cover WorkRail's closed sets of ids", () => {
    expect(knownRefIds()).toEqual([
      'wr.refs.adversarial_challenge_rules',
      'wr.refs.memory_query',
      'wr.refs.memory_store',
      'wr.refs.memory_usage',
      'wr.refs.notes_first_durability',
      'wr.refs.parallelize_cognition_serialize_synthesis',
      'wr.refs.synthesis_under_disagreement',
    ]);
    expect(knownFeatureIds()).toEqual([
      'wr.features.capabilities',
      'wr.features.memory_context',
      'wr.features.subagent_guidance',
    ]);
  });

  it('only reference refs that exist', () => {
    for (const feature of Object.values(BUILTIN_FEATURES)) {
      const values = [
        ...(feature.constraints ?? []),
        ...(feature.procedure ?? []),
        ...(feature.verify ?? []),
      ];
      for (const value of values) {
        if (typeof value === 'string') continue;
        for (const part of value)
          if (part.kind === 'ref') expect(findRef(part.refId), part.refId).toBeDefined();
      }
    }
  });

  it('do not answer to inherited property names', () => {
    expect(findRef('constructor')).toBeUndefined();
    expect(findFeature('__proto__')).toBeUndefined();
    expect(findBuiltinRoutine('toString')).toBeUndefined();
  });
});

describe('routine template ids', () => {
  it('map routine ids to template ids in every naming', () => {
    expect(routineTemplateId('wr.routine-design-review')).toBe('wr.templates.routine.design-review');
    expect(routineTemplateId('routine-design-review')).toBe('wr.templates.routine.design-review');
    expect(routineTemplateId('design-review')).toBe('wr.templates.routine.design-review');
  });

  it('list the routine ids a template id may name, and none outside the namespace', () => {
    expect(routineIdCandidates('wr.templates.routine.ideation')).toEqual([
      'wr.routine-ideation',
      'routine-ideation',
      'ideation',
    ]);
    expect(routineIdCandidates('wr.templates.other')).toEqual([]);
    expect(routineIdCandidates('wr.templates.routine.')).toEqual([]);
  });
});
