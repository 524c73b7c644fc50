import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './config.js';
import { createForges } from './forges.js';

const GITLAB_AND_JIRA = `
forge:
  gitlab: { baseUrl: "https://git.acme.internal/gitlab", token: $GITLAB_TOKEN }
jira:
  baseUrl: https://acme.atlassian.net
  email: bot@acme.com
  apiToken: $JIRA_API_TOKEN
  projects:
    WT: { forge: gitlab, project: platform/widgets }
    "*": { forge: github, project: acme/widgets }
`;

describe('forge and jira config', () => {
  it('reads forge.gitlab and jira with secrets from the environment and documented defaults', () => {
    const c = parseRuntimeConfig(GITLAB_AND_JIRA, {
      GITLAB_TOKEN: 'glpat-1',
      JIRA_API_TOKEN: 'jira-2',
    })._unsafeUnwrap();
    expect(c.forge.gitlab).toEqual({
      baseUrl: 'https://git.acme.internal/gitlab',
      token: 'glpat-1',
      labels: [],
      issueLabels: [],
    });
    expect(c.jira).toEqual({
      baseUrl: 'https://acme.atlassian.net',
      email: 'bot@acme.com',
      apiToken: 'jira-2',
      transitions: { onOpened: 'In Review', onMerged: 'Done' },
      projects: {
        WT: { forge: 'gitlab', project: 'platform/widgets' },
        '*': { forge: 'github', project: 'acme/widgets' },
      },
    });
  });

  it('names the exact path of an unset token and of a bad Jira project mapping', () => {
    const r = parseRuntimeConfig(
      'forge: { gitlab: { token: $GITLAB_TOKEN } }\njira: { baseUrl: "https://x.atlassian.net", apiToken: t, projects: { wt: { forge: bitbucket, project: a/b } } }\n',
      {},
    );
    if (r.isOk()) throw new Error('expected an error');
    const paths = ((r.error.details?.issues ?? []) as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toContain('forge.gitlab.token');
    expect(paths.some((p) => p.startsWith('jira.projects'))).toBe(true);
    expect(r.error.message).not.toContain('glpat');
  });
});

describe('createForges', () => {
  const config = parseRuntimeConfig(GITLAB_AND_JIRA, {
    GITLAB_TOKEN: 'glpat-1',
    JIRA_API_TOKEN: 'jira-2',
  })._unsafeUnwrap();

  it('builds a GitLab forge (merge requests, GitLab templates) for a GitLab project', () => {
    const forges = createForges(config);
    const f = forges.forFor('gitlab', 'platform/widgets', 'issue');
    if ('error' in f) throw new Error(f.error.message);
    expect(f.ok.client).toMatchObject({
      target: 'gitlab:platform/widgets',
      templateForge: 'gitlab',
      changeRequestNoun: 'merge request',
    });
    expect(f.ok.pushToken).toBe('glpat-1');
    expect(forges.jira).not.toBeNull();
    expect(forges.jiraRoutes.WT).toEqual({ forge: 'gitlab', project: 'platform/widgets' });
  });

  it('says which config section is missing when the target forge is not configured', () => {
    const f = createForges(config).forFor('github', 'acme/widgets', 'issue');
    expect('error' in f && f.error).toMatchObject({
      code: 'FORGE_NOT_CONFIGURED',
      message: expect.stringContaining('no forge.github section'),
    });
  });

  it('is empty without any forge or jira section', () => {
    const forges = createForges(parseRuntimeConfig('', {})._unsafeUnwrap());
    expect(forges.any).toBe(false);
    expect(forges.jira).toBeNull();
  });
});
