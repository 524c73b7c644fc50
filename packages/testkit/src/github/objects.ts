import type { FakeComment, FakeIssue, FakeRepo } from './state.js';

// Builders of GitHub REST representations (simple-user, repository, issue, issue-comment, label,
// pull-request) with every field GitHub's OpenAPI description marks required. URLs point at the fake.

type Json = Record<string, unknown>;

export function hashId(text: string): number {
  let h = 7;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) % 1_000_000;
  return h + 1;
}

export function userJson(base: string, login: string): Json {
  const url = `${base}/users/${login}`;
  return {
    login,
    id: hashId(login),
    node_id: `U_${hashId(login)}`,
    avatar_url: `${base}/avatars/${login}`,
    gravatar_id: '',
    url,
    html_url: `${base}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

export function repoJson(base: string, repo: FakeRepo, full: boolean): Json {
  const fullName = `${repo.owner}/${repo.name}`;
  const api = `${base}/repos/${fullName}`;
  const open = repo.items.filter((item) => item.state === 'open').length;
  const json: Json = {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: fullName,
    owner: userJson(base, repo.owner),
    private: repo.private,
    html_url: `${base}/${fullName}`,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://127.0.0.1/${fullName}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@127.0.0.1:${fullName}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: repo.originDir === undefined ? `${base}/${fullName}.git` : `file://${repo.originDir}`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${base}/${fullName}`,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 1,
    default_branch: repo.defaultBranch,
    open_issues_count: open,
    open_issues: open,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    delete_branch_on_merge: false,
    license: null,
  };
  if (full) Object.assign(json, { has_discussions: false, network_count: 0, subscribers_count: 0 });
  return json;
}

export function labelJson(base: string, repo: FakeRepo, name: string): Json {
  const label = repo.labels.get(name) ?? { id: hashId(name), name, color: 'ededed', description: null };
  return {
    id: label.id,
    node_id: `LA_${label.id}`,
    url: `${base}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
    name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

export function issueJson(base: string, repo: FakeRepo, issue: FakeIssue): Json {
  const api = `${base}/repos/${repo.owner}/${repo.name}`;
  const html = `${base}/${repo.owner}/${repo.name}`;
  const assignees = issue.assignees.map((login) => userJson(base, login));
  const json: Json = {
    id: issue.id,
    node_id: `I_${issue.id}`,
    url: `${api}/issues/${issue.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${issue.number}/labels{/name}`,
    comments_url: `${api}/issues/${issue.number}/comments`,
    events_url: `${api}/issues/${issue.number}/events`,
    html_url: `${html}/${issue.pull === undefined ? 'issues' : 'pull'}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: userJson(base, issue.author),
    labels: issue.labels.map((name) => labelJson(base, repo, name)),
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: issue.author === repo.owner ? 'OWNER' : 'NONE',
  };
  if (issue.pull !== undefined) {
    json.pull_request = {
      url: `${api}/pulls/${issue.number}`,
      html_url: `${html}/pull/${issue.number}`,
      diff_url: `${html}/pull/${issue.number}.diff`,
      patch_url: `${html}/pull/${issue.number}.patch`,
      merged_at: issue.pull.mergedAt ?? null,
    };
  }
  return json;
}

export function commentJson(base: string, repo: FakeRepo, issue: FakeIssue, comment: FakeComment): Json {
  const api = `${base}/repos/${repo.owner}/${repo.name}`;
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${base}/${repo.owner}/${repo.name}/issues/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${issue.number}`,
    body: comment.body,
    user: userJson(base, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.author === repo.owner ? 'OWNER' : 'NONE',
  };
}

export function pullJson(base: string, repo: FakeRepo, item: FakeIssue, baseSha: string): Json {
  const pull = item.pull;
  if (pull === undefined) throw new Error(`fake-github: #${item.number} is not a pull request`);
  const api = `${base}/repos/${repo.owner}/${repo.name}`;
  const html = `${base}/${repo.owner}/${repo.name}`;
  const repoObject = repoJson(base, repo, false);
  const link = (href: string): Json => ({ href });
  const assignees = item.assignees.map((login) => userJson(base, login));
  return {
    url: `${api}/pulls/${item.number}`,
    id: item.id,
    node_id: `PR_${item.id}`,
    html_url: `${html}/pull/${item.number}`,
    diff_url: `${html}/pull/${item.number}.diff`,
    patch_url: `${html}/pull/${item.number}.patch`,
    issue_url: `${api}/issues/${item.number}`,
    commits_url: `${api}/pulls/${item.number}/commits`,
    review_comments_url: `${api}/pulls/${item.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${item.number}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: item.number,
    state: item.state,
    locked: false,
    title: item.title,
    user: userJson(base, item.author),
    body: item.body,
    labels: item.labels.map((name) => labelJson(base, repo, name)),
    milestone: null,
    active_lock_reason: null,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    closed_at: item.closedAt,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: pull.mergeCommitSha ?? null,
    assignee: assignees[0] ?? null,
    assignees,
    requested_reviewers: (pull.requestedReviewers ?? []).map((login) => userJson(base, login)),
    requested_teams: [],
    head: {
      label: `${pull.headOwner}:${pull.head}`,
      ref: pull.head,
      sha: pull.headSha,
      user: userJson(base, pull.headOwner),
      repo: repoObject,
    },
    base: {
      label: `${repo.owner}:${pull.base}`,
      ref: pull.base,
      sha: baseSha,
      user: userJson(base, repo.owner),
      repo: repoObject,
    },
    _links: {
      self: link(`${api}/pulls/${item.number}`),
      html: link(`${html}/pull/${item.number}`),
      issue: link(`${api}/issues/${item.number}`),
      comments: link(`${api}/issues/${item.number}/comments`),
      review_comments: link(`${api}/pulls/${item.number}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${api}/pulls/${item.number}/commits`),
      statuses: link(`${api}/statuses/${pull.headSha}`),
    },
    author_association: item.author === repo.owner ? 'OWNER' : 'NONE',
    auto_merge: null,
    draft: pull.draft,
    merged: pull.merged,
    mergeable: pull.merged || item.state === 'closed' ? null : (pull.mergeable ?? null),
    rebaseable: null,
    mergeable_state:
      pull.merged || item.state === 'closed'
        ? 'unknown'
        : pull.mergeable === false
          ? 'dirty'
          : pull.mergeable === true
            ? 'clean'
            : 'unknown',
    merged_by: pull.mergedBy === undefined ? null : userJson(base, pull.mergedBy),
    comments: item.comments.length,
    review_comments: pull.conversation?.comments.length ?? 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}
