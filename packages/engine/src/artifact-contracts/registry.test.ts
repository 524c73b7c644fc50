import { describe, expect, it } from 'vitest';
import { artifactContractJsonSchema, listArtifactContracts } from './registry.js';

describe('artifactContractJsonSchema', () => {
  it('describes every contract as a JSON Schema object pinned to its kind', () => {
    for (const contract of listArtifactContracts()) {
      const schema = artifactContractJsonSchema(contract.ref);
      expect(schema?.type, contract.ref).toBe('object');
      const properties = schema?.properties as Record<string, { const?: unknown }> | undefined;
      expect(properties?.kind?.const, contract.ref).toBe(contract.artifactKind);
      expect(schema?.required, contract.ref).toContain('kind');
    }
  });

  it('is undefined for an unknown ref', () => {
    expect(artifactContractJsonSchema('wr.contracts.nope')).toBeUndefined();
  });
});
