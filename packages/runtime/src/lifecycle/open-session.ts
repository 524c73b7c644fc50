/**
 * Stage "open session": the session a task runs. A resume names it; a task that ran before continues the
 * session it started (found by its link, or adopted from the session's meta after a crash between the two
 * writes); otherwise the workflow is started (engine, autonomous mode) with the PR/MR template context.
 */
import type { JsonObject } from '@worktrain/contracts';
import { type LeasedTask, TaskFailure } from '@worktrain/queue';
import type { DeliveryTemplates } from '../delivery-template.js';
import type { WorkItem } from '../payload.js';
import { type LifecycleDeps, lifecycleLogger } from './deps.js';
import { META_KEY, metaToJson, readMeta } from './session-meta.js';

/** The work of a task that runs a session (a merged change request runs none). */
export type SessionWork = Exclude<WorkItem, { readonly kind: 'merged' }>;

/** The session the task runs, and the token of its first step when this attempt started it. */
export interface OpenedSession {
  readonly sessionId: string;
  /** Set only when the session was started now: the agent run starts with it instead of resuming. */
  readonly continueToken: string | null;
}

/** Workflow start errors no retry fixes: the task is dead-lettered as `validation`. */
const FATAL_START_CODES: readonly string[] = [
  'WORKFLOW_NOT_FOUND',
  'WORKFLOW_INVALID',
  'COMPILE_FAILED',
  'INPUT_INVALID',
];

/**
 * Finds or starts the task's session; emits `session_started` or `session_resumed`. Throws
 * {@link TaskFailure}: `validation` for a workflow that cannot start (unknown, invalid, bad input),
 * `execution` for other start failures.
 */
export async function openSession(
  deps: Pick<LifecycleDeps, 'engine' | 'store' | 'workspaces' | 'taskSessions' | 'events' | 'logger'>,
  input: { readonly task: LeasedTask; readonly work: SessionWork; readonly templates: DeliveryTemplates },
): Promise<OpenedSession> {
  const { task, work } = input;
  const log = lifecycleLogger(deps.logger);
  let sessionId: string | null;
  if (work.kind === 'resume') sessionId = work.sessionId;
  else {
    // A first attempt of a task that never failed cannot have a session from an earlier run: skip the
    // scan of every running session (it made each start O(running sessions)).
    const firstRun = task.attempt === 1 && task.lastError === null;
    sessionId = deps.taskSessions.get(task.id) ?? (firstRun ? null : await adopt(deps, task.id));
  }

  if (sessionId === null && work.kind === 'start') return startSession(deps, input.templates, task, work);
  if (sessionId === null) throw new TaskFailure('validation', 'no session to run', false);
  deps.events.emit({ type: 'session_resumed', taskId: task.id, sessionId });
  log.info({ taskId: task.id, sessionId, attempt: task.attempt }, 'session resumed');
  return { sessionId, continueToken: null };
}

async function startSession(
  deps: Pick<LifecycleDeps, 'engine' | 'workspaces' | 'taskSessions' | 'events' | 'logger'>,
  templates: DeliveryTemplates,
  task: LeasedTask,
  work: Extract<WorkItem, { readonly kind: 'start' }>,
): Promise<OpenedSession> {
  const meta = metaToJson({
    taskId: task.id,
    repoPath: work.repoPath,
    triggerId: work.candidate?.triggerId ?? null,
    target: work.target,
  });
  // The repository's PR/MR template, for the final step to fill (`deliveryTemplate`); none → {}.
  // Read from the base commit the worktree will start from (the fetch the daemon started when the task
  // was enqueued), once per commit; without a fetched base, from origin/HEAD as before.
  let template: JsonObject = {};
  if (work.target.repo !== null) {
    const base = await deps.workspaces.freshBase({ repoPath: work.repoPath, fetchedSince: task.createdAt });
    template = await templates.context(
      work.repoPath,
      work.target,
      base.isOk() ? base.value.commit : undefined,
    );
  }
  const started = await deps.engine.startWorkflow({
    workflowId: work.workflowId,
    goal: work.goal,
    workspacePath: work.repoPath,
    ...(work.parentSessionId === undefined ? {} : { parentSessionId: work.parentSessionId }),
    context: { ...work.context, ...template, [META_KEY]: meta },
    mode: 'autonomous',
    source: 'daemon',
  });
  if (started.isErr()) {
    const fatal = FATAL_START_CODES.includes(started.error.code);
    throw new TaskFailure(
      fatal ? 'validation' : 'execution',
      `Cannot start workflow ${work.workflowId}: ${started.error.message}`,
      fatal ? false : undefined,
    );
  }
  const sessionId = started.value.sessionId;
  deps.taskSessions.set(task.id, sessionId);
  deps.events.emit({ type: 'session_started', taskId: task.id, sessionId });
  lifecycleLogger(deps.logger).info(
    { taskId: task.id, sessionId, workflowId: work.workflowId },
    'session started',
  );
  return { sessionId, continueToken: started.value.continueToken ?? null };
}

/** Finds a session started for `taskId` whose link was not written (crash between the two writes). */
async function adopt(
  deps: Pick<LifecycleDeps, 'store' | 'taskSessions'>,
  taskId: string,
): Promise<string | null> {
  // failed: a dead-lettered session whose task was requeued.
  const running = await deps.store.listSessions({ status: ['running', 'blocked', 'failed'], limit: 1000 });
  if (running.isErr()) return null;
  for (const s of running.value) {
    if (s.source !== 'daemon') continue;
    const meta = await readMeta(deps.store, s.sessionId);
    if (meta?.taskId === taskId) {
      deps.taskSessions.set(taskId, s.sessionId);
      return s.sessionId;
    }
  }
  return null;
}
