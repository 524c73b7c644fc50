/** A workflow status of the fake Jira. */
export interface FakeJiraStatus {
  readonly id: string;
  readonly name: string;
  /** Jira's status category key: `new`, `indeterminate` or `done`. */
  readonly category: 'new' | 'indeterminate' | 'done';
}

/** A workflow transition: available from any status except its target (Jira's "global" transitions). */
export interface FakeJiraTransition {
  readonly id: string;
  readonly name: string;
  readonly toStatusId: string;
}

export interface FakeJiraComment {
  readonly id: string;
  /** Atlassian Document Format body as received. */
  body: unknown;
  readonly authorAccountId: string;
  readonly created: string;
  updated: string;
}

export interface FakeJiraRemoteLink {
  readonly id: number;
  globalId: string | undefined;
  relationship: string | undefined;
  object: { url: string; title: string; summary?: string; icon?: unknown; status?: unknown };
  application: unknown;
}

export interface FakeJiraIssue {
  readonly id: string;
  readonly key: string;
  readonly projectKey: string;
  summary: string;
  statusId: string;
  labels: string[];
  readonly created: string;
  updated: string;
  /** Atlassian Document Format description (Cloud v3), when the issue has one. */
  description?: unknown;
  readonly comments: FakeJiraComment[];
  readonly remoteLinks: FakeJiraRemoteLink[];
  /** Status ids this issue went through, oldest first (for tests). */
  readonly statusHistory: string[];
}

export interface RecordedJiraRequest {
  readonly method: string;
  readonly url: string;
  readonly operationId: string;
  readonly body: unknown;
  readonly accountId: string | undefined;
  status?: number;
}

export interface JiraFault {
  readonly operationId: string;
  readonly status: number;
  readonly message?: string;
  times?: number;
}

/** Default workflow: To Do → In Progress → In Review → Done, each reachable from any other. */
export const DEFAULT_JIRA_STATUSES: readonly FakeJiraStatus[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'In Review', category: 'indeterminate' },
  { id: '10002', name: 'Done', category: 'done' },
];
/** Transition names differ from status names on purpose ("Start review" → In Review), as in real workflows. */
export const DEFAULT_JIRA_TRANSITIONS: readonly FakeJiraTransition[] = [
  { id: '11', name: 'To Do', toStatusId: '10000' },
  { id: '21', name: 'Start progress', toStatusId: '3' },
  { id: '31', name: 'Start review', toStatusId: '10001' },
  { id: '41', name: 'Done', toStatusId: '10002' },
];

/** In-memory state of the fake Jira; tests read and change it directly. */
export class FakeJiraState {
  readonly issues: FakeJiraIssue[] = [];
  readonly statuses: FakeJiraStatus[] = [...DEFAULT_JIRA_STATUSES];
  readonly transitions: FakeJiraTransition[] = [...DEFAULT_JIRA_TRANSITIONS];
  readonly requests: RecordedJiraRequest[] = [];
  /** Requests or answers that did not match the OpenAPI description; should stay empty. */
  readonly specViolations: string[] = [];
  readonly faults: JiraFault[] = [];
  /** Basic auth `email:apiToken` → accountId, and bearer token → accountId. */
  readonly basicCredentials = new Map<string, string>();
  readonly bearerTokens = new Map<string, string>();
  private nextId = 10_000;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Jira's timestamp format, e.g. `2026-11-25T18:00:00.000+0000`. */
  now(): string {
    return this.clock().toISOString().replace('Z', '+0000');
  }

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  addIssue(input: {
    projectKey: string;
    summary: string;
    status?: string;
    labels?: string[];
    /** Plain text, stored as a one-paragraph ADF document. */
    description?: string;
  }): FakeJiraIssue {
    const status = this.statuses.find((s) => s.name === (input.status ?? 'To Do')) ?? this.statuses[0];
    if (status === undefined) throw new Error('fake-jira: no statuses');
    const number = this.issues.filter((i) => i.projectKey === input.projectKey).length + 1;
    const now = this.now();
    const issue: FakeJiraIssue = {
      id: String(this.id()),
      key: `${input.projectKey}-${number}`,
      projectKey: input.projectKey,
      summary: input.summary,
      statusId: status.id,
      labels: [...(input.labels ?? [])],
      created: now,
      updated: now,
      comments: [],
      remoteLinks: [],
      statusHistory: [status.id],
      ...(input.description === undefined
        ? {}
        : {
            description: {
              type: 'doc',
              version: 1,
              content: [{ type: 'paragraph', content: [{ type: 'text', text: input.description }] }],
            },
          }),
    };
    this.issues.push(issue);
    return issue;
  }

  issue(idOrKey: string): FakeJiraIssue | undefined {
    return this.issues.find((i) => i.key === idOrKey.toUpperCase() || i.id === idOrKey);
  }

  status(id: string): FakeJiraStatus | undefined {
    return this.statuses.find((s) => s.id === id);
  }

  /** The issue's current status name. */
  statusName(issue: FakeJiraIssue): string | undefined {
    return this.status(issue.statusId)?.name;
  }

  /** Simulates a token that expires while a delivery runs. */
  revokeAll(): void {
    this.basicCredentials.clear();
    this.bearerTokens.clear();
  }

  injectFault(fault: JiraFault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  takeFault(operationId: string): JiraFault | undefined {
    const index = this.faults.findIndex((f) => f.operationId === operationId);
    const fault = this.faults[index];
    if (fault === undefined) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
