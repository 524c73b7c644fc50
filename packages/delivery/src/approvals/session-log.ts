import type { NewSessionEvent } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import type { ApprovalRequest } from './types.js';

/**
 * Mirrors approval requests and decisions into the session's event log, so the session shows
 * `awaiting_approval` while parked and its timeline says who decided:
 * - a pending request → `gate_parked {nodeId: <approval id>, stepId: 'approval:<action kind>', gateKind:
 *   'human_approval', reason: <summary>}` (idempotency key `approval:<id>:parked`);
 * - a decision → `gate_resolved {nodeId, stepId, verdict, actor, reason}` (key `approval:<id>:resolved`).
 * Idempotency keys make every call safe to repeat (a restarted daemon, the CLI and the waiter may all
 * write the same event). Sessions this store does not know (no events) are skipped. Returns whether the
 * event is in the log; failures are reported as false, never thrown: the approval row is the record.
 */
export async function mirrorToSessionLog(
  store: SessionStore,
  request: ApprovalRequest,
  what: 'parked' | 'resolved',
): Promise<boolean> {
  if (request.sessionId === null) return false;
  const sessionId = request.sessionId;
  const stepId = `approval:${request.action.kind}`;
  let event: NewSessionEvent;
  if (what === 'parked') {
    event = {
      kind: 'gate_parked',
      data: { nodeId: request.id, stepId, gateKind: 'human_approval', reason: request.summary },
    };
  } else {
    if (request.state === 'pending' || request.decidedBy === null) return false;
    event = {
      kind: 'gate_resolved',
      data: {
        nodeId: request.id,
        stepId,
        verdict: request.state,
        actor: request.decidedBy,
        ...(request.decisionReason === null ? {} : { reason: request.decisionReason }),
      },
    };
  }
  for (let tries = 0; tries < 5; tries++) {
    const events = await store.readEvents(sessionId);
    if (events.isErr() || events.value.length === 0) return false;
    const appended = await store.append({
      sessionId,
      expectedSeq: events.value.at(-1)?.seq ?? 0,
      idempotencyKey: `approval:${request.id}:${what}`,
      events: [event],
    });
    if (appended.isOk()) return true;
    if (appended.error.code !== 'SEQ_CONFLICT') return false;
  }
  return false;
}
