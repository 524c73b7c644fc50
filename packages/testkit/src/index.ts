export {
  countCacheBreakpoints,
  MAX_CACHE_BREAKPOINTS,
  type MessageCreateParams,
  type MessageParam,
  messageCreateParamsSchema,
  validateMessageCreateParams,
} from './anthropic/request-schema.js';
export {
  type FakeAnthropic,
  type FakeAnthropicOptions,
  type FakeScript,
  type RecordedAnthropicRequest,
  startFakeAnthropic,
} from './anthropic/server.js';
export { messageFrames, sseFrame } from './anthropic/sse.js';
export {
  ERROR_TYPES,
  type FakeErrorStatus,
  type FakeErrorTurn,
  type FakeMessage,
  type FakeMessageTurn,
  type FakeRawSseTurn,
  type FakeToolCall,
  type FakeTurn,
  type FakeUsage,
  type StreamFault,
} from './anthropic/turns.js';
export { createGitFixture, type GitFixture, type GitFixtureOptions } from './git/git-fixture.js';
export type {
  CheckRunConclusion,
  CheckRunInput,
  CheckRunStatus,
  CommitStatusInput,
  CommitStatusState,
  FakeCheckRun,
  FakeCommitStatus,
  FakePullConversation,
  FakeReview,
  FakeReviewComment,
  RepoRole,
  ReviewState,
} from './github/conversation-state.js';
export { githubSpecValidator, type SpecOperation, type SpecValidator } from './github/openapi.js';
export { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from './github/server.js';
export {
  type AddIssueOptions,
  type AddRepoOptions,
  type FakeComment,
  FakeGitHubState,
  type FakeIssue,
  type FakePull,
  type FakeRepo,
  type InjectedFault,
  type RecordedGitHubRequest,
} from './github/state.js';
export {
  type GitHubEventSource,
  type GitHubItemRef,
  githubIssueCommentEvent,
  githubReviewCommentEvent,
  githubReviewEvent,
  sendGitHubWebhook,
} from './github/webhook-events.js';
export {
  gitlabCommitStatusSchema,
  gitlabDiscussionSchema,
  gitlabIssueSchema,
  gitlabMemberSchema,
  gitlabMergeRequestDetailSchema,
  gitlabMergeRequestSchema,
  gitlabNoteSchema,
  gitlabPipelineSchema,
  gitlabProjectSchema,
} from './gitlab/schemas.js';
export { type FakeGitLab, type FakeGitLabOptions, startFakeGitLab } from './gitlab/server.js';
export {
  type FakeGitLabCommitStatus,
  type FakeGitLabIssue,
  type FakeGitLabMergeRequest,
  type FakeGitLabNote,
  type FakeGitLabPipeline,
  type FakeGitLabPosition,
  type FakeGitLabProject,
  FakeGitLabState,
  type FakeGitLabUser,
  GITLAB_ACCESS_LEVELS,
  type GitLabCommitStatusState,
  type GitLabFault,
  type GitLabPipelineStatus,
  type RecordedGitLabRequest,
} from './gitlab/state.js';
export { type GitLabEventSource, gitlabNoteHookEvent } from './gitlab/webhook-events.js';
export { type JiraSpecValidator, jiraSpecValidator } from './jira/openapi.js';
export { type FakeJira, type FakeJiraOptions, startFakeJira } from './jira/server.js';
export {
  DEFAULT_JIRA_STATUSES,
  DEFAULT_JIRA_TRANSITIONS,
  type FakeJiraComment,
  type FakeJiraIssue,
  type FakeJiraRemoteLink,
  FakeJiraState,
  type FakeJiraStatus,
  type FakeJiraTransition,
  type JiraFault,
  type RecordedJiraRequest,
} from './jira/state.js';
export { type FakeSlack, type SlackMessageRecord, startFakeSlack } from './slack/receiver.js';
export { type WaitForOptions, waitFor } from './wait-for.js';
export {
  type GitHubWebhookRequest,
  type GitHubWebhookRequestOptions,
  githubWebhookRequest,
  signGitHubWebhook,
} from './webhooks/github-webhook.js';
export {
  type GitLabWebhookRequest,
  type GitLabWebhookRequestOptions,
  gitlabWebhookRequest,
  sendGitLabWebhook,
} from './webhooks/gitlab-webhook.js';
