import { describe, expect, it } from 'vitest';
import { redactFailureMessage } from './redact.js';

describe('redactFailureMessage', () => {
  it('masks the password of a remote URL and known token shapes, and leaves the rest', () => {
    const token = `ghp_${'a1B2c3D4e5'.repeat(4).slice(0, 36)}`; // a fake token of GitHub's shape
    const out = redactFailureMessage(
      `git fetch exited with 128: fatal: unable to access 'https://bot:hunter2secret@git.example.com/acme/app.git/': 403 (token ${token})`,
    );
    expect(out).toContain("'https://bot:***@git.example.com/acme/app.git/'");
    expect(out).not.toContain('hunter2secret');
    expect(out).not.toContain(token);
    expect(out).toContain('git fetch exited with 128: fatal: unable to access');
    expect(redactFailureMessage('Cannot prepare the worktree: /srv/app has no remote named origin')).toBe(
      'Cannot prepare the worktree: /srv/app has no remote named origin',
    );
  });
});
