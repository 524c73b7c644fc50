import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { appDir } from './helpers.js';

describe('public surface of @worktrain/mcp-server', () => {
  it('exports exactly these names (changes only on purpose)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'TOOLS',
      'USAGE',
      'callTool',
      'createWorktrainMcpServer',
      'errorResult',
      'parseInvocation',
      'startHttpServer',
      'startStdioServer',
    ]);
  });

  it('depends on nothing daemon-only (light entry: SDK, engine, store, workflows, contracts, pino)', () => {
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const forbidden = [
      '@worktrain/runtime',
      '@worktrain/agent',
      '@worktrain/queue',
      '@worktrain/triggers',
      '@worktrain/delivery',
      '@anthropic-ai/sdk',
    ];
    for (const name of forbidden) expect(Object.keys(pkg.dependencies)).not.toContain(name);
  });
});
