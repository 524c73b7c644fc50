export type {
  ApplyFailure,
  ApplyPatchOptions,
  ApplyPatchResult,
  ConflictHunk,
  ConflictReport,
} from './apply.js';
export { applyPatch, conflictHunks, parseApplyErrors } from './apply.js';
export type {
  DeliveryFacts,
  DeliveryGateVerdict,
  GateDecision,
  PlannedAction,
} from './approvals/delivery-gate.js';
export {
  gateDeliveryActions,
  planDeliveryActions,
  protectedPathsOf,
  sessionActivity,
} from './approvals/delivery-gate.js';
export type {
  DecisionSnapshot,
  GuardDeps,
  GuardError,
  GuardErrorCode,
  GuardInput,
  GuardOutcome,
} from './approvals/guard.js';
export { guardAction, requestDecision } from './approvals/guard.js';
export type { ApprovalError, ApprovalErrorCode } from './approvals/schema.js';
export { APPROVALS_SCHEMA_VERSION } from './approvals/schema.js';
export type { ApprovalStore, ApprovalStoreOptions, WaitOptions } from './approvals/store.js';
export { openApprovalStore, openApprovalStoreReadOnly } from './approvals/store.js';
export type {
  ApprovalAuditEntry,
  ApprovalRequest,
  ApprovalRequestInput,
  ApprovalState,
  ApprovalVerdict,
  DecisionInput,
  ListApprovalsQuery,
  RequestOutcome,
} from './approvals/types.js';
export { APPROVAL_STATES, LOW_TIER_ACTOR, TIMEOUT_ACTOR } from './approvals/types.js';
export type { BodyInput, ComposedBody } from './body.js';
export { composeChangeRequestBody } from './body.js';
export type { CheckResult, ChecksSandbox, DeliveryCheck } from './checks.js';
export { checksOutcome, MAX_OUTPUT_CHARS, redactOutput, runChecks } from './checks.js';
export type { CommitIdentity, CommitResult } from './commit.js';
export { commitStaged } from './commit.js';
export type { DeliverDeps, DeliverInput, DeliveryResult } from './deliver.js';
export { deliver } from './deliver.js';
export type { WorktreeChanges } from './diff.js';
export { collectWorktreeChanges, parseAddedLines, parseNumstatZ, parseRawZ } from './diff.js';
export type { DeliveryError, DeliveryErrorCode } from './errors.js';
export type {
  ChangeRequest,
  ChangeRequestInput,
  CloseChangeRequestInput,
  ClosedChangeRequest,
  ForgeClient,
  IssueComment,
  IssueCommentInput,
} from './forge.js';
export { authEnv } from './git.js';
export type { GitHubForgeOptions } from './github/github-forge.js';
export { createGitHubForge, isPullRequestAlreadyExists } from './github/github-forge.js';
export type { GitHubMergeClient } from './github/github-merge.js';
export { createGitHubMergeClient } from './github/github-merge.js';
export type { GitLabForgeOptions } from './gitlab/gitlab-forge.js';
export {
  createGitLabForge,
  gitlabError,
  isMergeRequestAlreadyExists,
  mergeRequestTemplatePaths,
} from './gitlab/gitlab-forge.js';
export type { GitLabMergeClient } from './gitlab/gitlab-merge.js';
export { createGitLabMergeClient } from './gitlab/gitlab-merge.js';
export type { CodingHandoff, ParsedHandoff } from './handoff.js';
export { CODING_HANDOFF_CONTRACT_REF, parseHandoff } from './handoff.js';
export type { AdfDocument, AdfInline } from './jira/adf.js';
export { adfContains, adfDocument } from './jira/adf.js';
export type {
  JiraReturnPath,
  JiraReturnPathOptions,
  LinkedChangeRequest,
  TicketUpdate,
  TicketUpdateInput,
} from './jira/jira-return-path.js';
export {
  createJiraReturnPath,
  jiraError,
  remoteLinkGlobalId,
  ticketMarker,
} from './jira/jira-return-path.js';
export type {
  ChangeRequestMerge,
  ChangeRequestState,
  CiCheck,
  CiStatus,
  MergeChangeRequestInput,
  MergeClient,
} from './merge.js';
export { combineCi, SUMMARY_END, SUMMARY_START, withSummary } from './merge.js';
export type { ChangeSummary, ChangeType } from './message.js';
export { CHANGE_TYPES, commitMessage, conventionalHeader, WORKTRAIN_CO_AUTHOR } from './message.js';
export type { Notifier, NotifierOptions } from './notify/notifier.js';
export { createNotifier } from './notify/notifier.js';
export type { AttemptRequest, PostOutcome, Transport } from './notify/send.js';
export { isRetryableStatus, postWithRetries } from './notify/send.js';
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signNotification,
  TIMESTAMP_HEADER,
  verifyNotification,
} from './notify/sign.js';
export type { SlackBlock, SlackMessage } from './notify/slack.js';
export { escapeSlack, renderSlackMessage } from './notify/slack.js';
export type {
  NotificationEvent,
  NotificationEventInput,
  NotificationTarget,
  NotificationType,
  RetryOptions,
  SendReport,
  SlackTarget,
  WebhookTarget,
} from './notify/types.js';
export { NOTIFICATION_TYPES, NotificationEventSchema } from './notify/types.js';
export type { PatchCheckResult, PatchFileAudit } from './patch/check.js';
export { checkParsedPatch, checkPatchText } from './patch/check.js';
export type { GitApplyCheck, GitApplyCheckOptions } from './patch/git-apply.js';
export { gitApplyCheck } from './patch/git-apply.js';
export type {
  BinaryPatchInfo,
  FilePatch,
  FilePatchOperation,
  ParsedPatch,
  PatchHunk,
  PatchSyntaxError,
} from './patch/parse.js';
export { parsePatch } from './patch/parse.js';
export type { PathReason, PathReasonCode } from './patch/path-safety.js';
export { isGitDirName, pathReasons } from './patch/path-safety.js';
export type {
  DeclaredOperation,
  PatchCheckCode,
  PatchCheckPolicy,
  PatchCheckReason,
} from './patch/policy.js';
export { DEFAULT_PROTECTED_PATHS, LOCKFILE_GLOBS, PATCH_CHECK_CODES } from './patch/policy.js';
export { quoteC } from './patch/quote.js';
export type { ChangedFile } from './patch/rules.js';
export { symlinkEscapes, targetMatcher } from './patch/rules.js';
export type { PatchValidation, ValidatePatchOptions } from './patch/validate.js';
export { validatePatch } from './patch/validate.js';
export type { FileChange, PatchVerdict } from './patch-check.js';
export { checkPatch } from './patch-check.js';
export type { DeliveryPlan } from './plan.js';
export { planDelivery } from './plan.js';
export type { Classification } from './policy/classify.js';
export { classifyAction, commandMatches } from './policy/classify.js';
export { DEFAULT_POLICY_YAML } from './policy/default-policy.js';
export type { MergePolicy, MergePolicyInput, MergeRequirement } from './policy/merge-schema.js';
export { DEFAULT_REQUIRE, MergePolicySchema, MergeRequirementSchema } from './policy/merge-schema.js';
export type { PolicyError, PolicyErrorCode, PolicyIssue } from './policy/policy.js';
export { defaultPolicy, formatIssuePath, loadPolicy, parsePolicy } from './policy/policy.js';
export type { Action, ActionKind, Policy, PolicyRule, Tier } from './policy/schema.js';
export {
  ACTION_KINDS,
  ActionSchema,
  DEFAULT_AUTO_APPROVE_AFTER_MS,
  PolicyFileSchema,
  parseDuration,
  TIERS,
} from './policy/schema.js';
export type { PullRequestContent } from './pr-body.js';
export {
  classifyHeading,
  fillPullRequestTemplate,
  PULL_REQUEST_TEMPLATE_PATHS,
  pullRequestFooter,
  renderPullRequestBody,
  sessionMarker,
} from './pr-body.js';
export type { PushOptions, PushResult } from './push.js';
export { pushBranch } from './push.js';
export type { DeliveryStage, StageRecord } from './recorder.js';
export { DELIVERY_STAGES, stageKey } from './recorder.js';
export type { RollbackDeps, RollbackInput, RollbackResult } from './rollback.js';
export { rollbackDelivery, rollbackMarker } from './rollback.js';
export type { AddedLine, SecretFinding, SecretRule } from './secrets.js';
export { maskSecret, SECRET_RULES, scanAddedLines, shannonEntropy } from './secrets.js';
export type { SigningConfig } from './signing.js';
export { checkSigningPossible, readSigningConfig } from './signing.js';
export type {
  ChangeRequestTemplate,
  SectionProblem,
  TemplateForge,
  TemplateRef,
  TemplateSection,
} from './templates.js';
export {
  checkFilledTemplate,
  findTemplates,
  readChangeRequestTemplate,
  selectTemplate,
  templateSections,
} from './templates.js';
export { checkWorktreeClean } from './worktree-guard.js';
