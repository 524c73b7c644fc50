import { describe, expect, it } from 'vitest';
import { authEnv } from './git.js';

describe('authEnv', () => {
  it('scopes the header to the HTTPS remote host and carries the token only in a value', () => {
    const env = authEnv('tok_123', 'https://github.com/acme/widgets.git');
    expect(env).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${Buffer.from('x-access-token:tok_123').toString('base64')}`,
    });
    expect(authEnv('tok_123', 'https://ghe.example:8443/a/b').GIT_CONFIG_KEY_0).toBe(
      'http.https://ghe.example:8443/.extraheader',
    );
  });

  it('is empty without a token and unscoped for non-HTTP remotes', () => {
    expect(authEnv(undefined, 'https://github.com/a/b')).toEqual({});
    expect(authEnv('', 'https://github.com/a/b')).toEqual({});
    expect(authEnv('t', '/srv/git/origin.git').GIT_CONFIG_KEY_0).toBe('http.extraheader');
  });
});
