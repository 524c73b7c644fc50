import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pushBranch } from '../src/index.js';

const TOKEN = 'ghs_pushTokenOnlyForThisTest000000000';

let fx: GitFixture;
let seen: IncomingHttpHeaders[];
let close: () => Promise<void>;

beforeEach(async () => {
  fx = await createGitFixture();
  seen = [];
  // A smart-HTTP remote that records what git sends and refuses everything with 403.
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.statusCode = 403;
    res.end('forbidden');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/widgets.git`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
  await fx.git(['remote', 'add', 'forge', url]);
});
afterEach(async () => {
  await close();
  await fx.cleanup();
});

describe('pushBranch over HTTP(S)', () => {
  it('sends the token as a basic auth header from the environment only, and never echoes it', async () => {
    const result = await pushBranch({
      worktree: fx.repoDir,
      branch: 'worktrain/s1',
      remote: 'forge',
      token: TOKEN,
    });
    const error = result._unsafeUnwrapErr();
    expect(error.code).toBe('PUSH_FAILED');
    expect(seen.length).toBeGreaterThan(0);
    const expected = `basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
    expect(seen[0]?.authorization).toBe(expected);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(await fx.git(['config', '--list', '--show-origin'])).not.toContain('extraheader');
  });

  it('sends no authorization header without a token', async () => {
    await pushBranch({ worktree: fx.repoDir, branch: 'worktrain/s1', remote: 'forge' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h.authorization === undefined)).toBe(true);
  });
});
