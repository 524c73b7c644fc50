import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  CONFIG_DOC_PATH,
  configKeyRows,
  extractConfigTable,
  renderConfigTable,
} from '../../../scripts/gen-config-docs.js';
import { RuntimeConfigSchema } from '../src/config.js';

describe('docs/configuration.md', () => {
  it('holds exactly the table generated from RuntimeConfigSchema', () => {
    const doc = extractConfigTable(readFileSync(CONFIG_DOC_PATH, 'utf8'));
    expect(doc, 'config-table markers missing').not.toBeNull();
    expect(doc).toBe(renderConfigTable(RuntimeConfigSchema));
  });

  it('lists every top-level key of the schema and the defaults the schema applies', () => {
    const keys = configKeyRows(RuntimeConfigSchema).map((r) => r.key);
    for (const k of Object.keys(RuntimeConfigSchema.shape)) expect(keys).toContain(k);
    const defaults = RuntimeConfigSchema.parse({});
    const doc = readFileSync(CONFIG_DOC_PATH, 'utf8');
    expect(doc).toContain(`| \`port\` | integer | \`${defaults.port}\` |`);
    expect(doc).toContain(`| \`queue.leaseMs\` | integer | \`${defaults.queue.leaseMs}\` |`);
  });

  it('refuses a schema key that has no documented meaning', () => {
    const extended = RuntimeConfigSchema.extend({ undocumentedKey: z.string().default('x') });
    expect(() => renderConfigTable(extended)).toThrow(/missing undocumentedKey/);
  });
});
