/**
 * The built-in policy, used when `$WORKTRAIN_HOME/policy.yaml` does not exist (explained in
 * docs/security.md, "Approvals and the policy file"). Kept as YAML so `worktrain` can print it as a starting
 * point and so it goes through the same parser as a user's file.
 */
export const DEFAULT_POLICY_YAML = `# WorkTrain built-in policy (used when policy.yaml is absent).
version: 1
autoApproveAfter: 30m
rules:
  # Pushing to a shared branch is hard to undo: always ask.
  - action: push
    branches: [main, master, trunk, develop, "release/**", "releases/**", "production", "prod"]
    tier: high
  # Pushing the session's own branch (worktrain/<session>) is the normal delivery.
  - action: push
    tier: low
  - action: merge
    tier: high
  - action: close_issue
    tier: medium
  # CI definitions run with the repository's secrets.
  - action: touch_protected_path
    paths: [".github/workflows/**", ".github/actions/**", ".gitlab-ci.yml", ".gitlab/ci/**", ".circleci/**", "Jenkinsfile", ".git/**"]
    tier: high
  # Other protected paths (lockfiles, CODEOWNERS, ...) as declared by delivery's patch policy.
  - action: touch_protected_path
    tier: medium
  - action: run_command
    commands: ["*rm -rf /*", "*git push*--force*", "*git push* -f", "*git push* -f *", "*npm publish*", "*pnpm publish*", "*curl*|*sh*", "*wget*|*sh*", "*sudo *"]
    tier: high
  - action: run_command
    tier: low
  - action: spend
    aboveUsd: 10
    tier: medium
  - action: spend
    tier: low
  - action: open_pull_request
    tier: low
  - action: comment
    tier: low
  - action: label
    tier: low
  - action: transition_ticket
    statuses: [Done, Closed, Resolved, "Won't Do"]
    tier: medium
  - action: transition_ticket
    tier: low
`;
