/**
 * Operations on approvals: the blast-radius approval requests (policy.yaml) and the workflow gates parked
 * by sessions; deciding either resumes the parked work.
 */
import { err, ok } from '@worktrain/contracts';
import type { ApprovalError } from '@worktrain/delivery';
import { type RuntimeError, runtimeError } from '../errors.js';
import type { Operations } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { internal } from './shared.js';

/** The approval operations of {@link Operations}. */
export type ApprovalOperations = Pick<
  Operations,
  | 'listApprovalRequests'
  | 'getApprovalRequest'
  | 'decideApprovalRequest'
  | 'listApprovals'
  | 'resolveApproval'
>;

/** Approval store errors → runtime errors (HTTP 404 / 409 / 400 / 500). */
function fromApprovalError(e: ApprovalError): RuntimeError {
  const details = { approvalCode: e.code, ...(e.details ?? {}) };
  switch (e.code) {
    case 'APPROVAL_NOT_FOUND':
      return runtimeError('APPROVAL_NOT_FOUND', e.message, details);
    case 'ALREADY_DECIDED':
      return runtimeError('INVALID_STATE', e.message, details);
    case 'INVALID_INPUT':
      return runtimeError('PAYLOAD_INVALID', e.message, details);
    default:
      return runtimeError('INTERNAL', e.message, details);
  }
}

/** Builds the approval operations over the runtime's parts. */
export function createApprovalOperations(
  parts: Pick<RuntimeParts, 'approvals' | 'gates' | 'engine' | 'queue' | 'config'>,
): ApprovalOperations {
  const { gates, queue, config } = parts;
  return {
    listApprovalRequests(query) {
      return parts.approvals.store.list(query).mapErr(fromApprovalError);
    },
    getApprovalRequest(id) {
      const store = parts.approvals.store;
      return store
        .get(id)
        .andThen((approval) => store.audit(id).map((audit) => ({ approval, audit })))
        .mapErr(fromApprovalError);
    },
    async decideApprovalRequest(id, verdict, actor, reason) {
      const decided = await parts.approvals.decide(id, verdict, actor, reason);
      return decided.mapErr(fromApprovalError);
    },
    listApprovals() {
      return gates.list().map(({ gateToken: _hidden, ...rest }) => ({ ...rest, gateToken: '' }));
    },
    async resolveApproval(sessionId, verdict, actor, reason) {
      const gate = gates.get(sessionId);
      if (gate === null)
        return err(
          runtimeError('SESSION_NOT_FOUND', `session ${sessionId} has no parked gate`, { sessionId }),
        );
      const resolved = await parts.engine.resolveGate({
        gateToken: gate.gateToken,
        verdict,
        actor,
        ...(reason !== undefined ? { reason } : {}),
      });
      if (resolved.isErr())
        return err(runtimeError('INVALID_STATE', resolved.error.message, { cause: resolved.error.code }));
      gates.remove(sessionId);
      const enq = await queue.enqueue({
        queue: config.queue.name,
        payload: { kind: 'resume', sessionId },
        dedupeKey: `resume:${sessionId}`,
        actor,
      });
      if (enq.isErr()) return err(internal(enq.error));
      return ok({ sessionId, verdict, resumeTaskId: enq.value.task.id });
    },
  };
}
