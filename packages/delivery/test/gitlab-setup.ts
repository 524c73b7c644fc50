import { type FakeGitLab, type FakeJira, startFakeGitLab, startFakeJira } from '@worktrain/testkit';
import { createGitLabForge, type GitLabForgeOptions } from '../src/index.js';
import { createHarness, type Harness } from './setup.js';

export const GITLAB_TOKEN = 'glpat-fakeTokenForTestsOnly0000';
export const PROJECT = 'acme/widgets';
export const JIRA_EMAIL = 'bot@acme.example';
export const JIRA_TOKEN = 'jira-api-token-for-tests';

export const MR_TEMPLATE = [
  '## What does this MR do?',
  '',
  '(describe)',
  '',
  '## How to test',
  '',
  '## Related issues',
  '',
  '## Checklist',
  '',
  '- [ ] Tests pass',
  '',
  '/label ~worktrain',
  '',
].join('\n');

export interface GitLabHarness extends Harness {
  readonly gl: FakeGitLab;
  readonly jira: FakeJira;
  readonly glIssueIid: number;
  forge(extra?: Partial<GitLabForgeOptions>): ReturnType<typeof createGitLabForge>;
  mergeRequests(branch?: string): FakeGitLab['state']['projects'][number]['mergeRequests'];
  issueNotes(): readonly { body: string }[];
}

/**
 * The delivery harness (real git repo with a bare origin, memory session store, worktree) plus a fake
 * self-managed GitLab under `/gitlab` holding `acme/widgets` with issue #1 and a fake Jira with ticket WT-1.
 */
export async function createGitLabHarness(files?: Record<string, string>): Promise<GitLabHarness> {
  const h = await createHarness({
    files: files ?? {
      'README.md': '# widgets\n',
      'src/page.ts': 'export const page = 1;\n',
      '.gitlab/merge_request_templates/Default.md': MR_TEMPLATE,
    },
  });
  const gl = await startFakeGitLab({ tokens: { [GITLAB_TOKEN]: 'worktrain-bot' }, pathPrefix: '/gitlab' });
  const project = gl.state.addProject(PROJECT);
  const issue = gl.state.addIssue(project, { title: 'Pagination is off by one', labels: ['bug'] });
  const jira = await startFakeJira({
    users: { [JIRA_EMAIL]: JIRA_TOKEN },
    bearerTokens: { 'jira-oauth': 'acct-o' },
  });
  jira.state.addIssue({ projectKey: 'WT', summary: 'Pagination is off by one' });
  const forge = (extra: Partial<GitLabForgeOptions> = {}) =>
    createGitLabForge({
      project: PROJECT,
      token: GITLAB_TOKEN,
      baseUrl: gl.url,
      labels: ['worktrain'],
      issueLabels: ['worktrain:in-review'],
      ...extra,
    });
  return {
    ...h,
    gl,
    jira,
    glIssueIid: issue.iid,
    forge,
    mergeRequests: (branch = `worktrain/${h.sessionId}`) =>
      project.mergeRequests.filter((m) => m.sourceBranch === branch),
    issueNotes: () => issue.notes,
    input: (extra = {}) => h.input({ issueNumber: issue.iid, ...extra }),
    deps: (extra = {}) => h.deps({ forge: forge(), pushToken: GITLAB_TOKEN, ...extra }),
    close: async () => {
      await gl.close();
      await jira.close();
      await h.close();
    },
  };
}
