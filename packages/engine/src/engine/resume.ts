/**
 * `resume_session`: finds sessions a user probably means, best first, each with a read-only `st_` token.
 * Ranking (scores add up): exact session id 100; text match in title/goal/workflow id/notes (store search)
 * 40; query equal to the workflow id 30 (or contained in it 15); same workspace 10; recency up to 5;
 * finished sessions −5. Confidence: ≥100 strong, ≥40 medium, otherwise weak. At most 5 candidates.
 */
import { err, makeError, ok, type Result } from '@worktrain/contracts';
import type { ListSessionsQuery, SessionSummary } from '@worktrain/session-store';
import type { EngineError, ResumeCandidate } from '../api.js';
import { signToken } from '../tokens/index.js';
import { type EngineDeps, storeError } from './core.js';
import { readView } from './session-cache.js';
import { headNodeId, latestNotes } from './session-view.js';

export const MAX_RESUME_CANDIDATES = 5;
const SCAN_LIMIT = 200;

export interface ResumeInput {
  readonly query?: string;
  readonly sessionId?: string;
  readonly workspacePath?: string;
  readonly sameWorkspaceOnly?: boolean;
}

interface Scored {
  readonly summary: SessionSummary;
  score: number;
  readonly why: string[];
}

export async function resumeSessions(
  deps: EngineDeps,
  input: ResumeInput,
): Promise<
  Result<{ readonly candidates: readonly ResumeCandidate[]; readonly totalEligible: number }, EngineError>
> {
  const query = typeof input.query === 'string' ? input.query.trim() : '';
  const scope: ListSessionsQuery =
    input.sameWorkspaceOnly === true && input.workspacePath !== undefined
      ? { workspacePath: input.workspacePath }
      : {};
  const recent = await deps.store.listSessions({ ...scope, limit: SCAN_LIMIT });
  if (recent.isErr()) return err(storeError(recent.error));
  const byId = new Map<string, SessionSummary>();
  for (const s of recent.value) byId.set(s.sessionId, s);
  const textHits = new Set<string>();
  if (query !== '') {
    const found = await deps.store.listSessions({ ...scope, text: query, limit: SCAN_LIMIT });
    if (found.isErr()) return err(storeError(found.error));
    for (const s of found.value) {
      textHits.add(s.sessionId);
      byId.set(s.sessionId, s);
    }
  }
  const wantedId = input.sessionId ?? (query.startsWith('sess_') ? query : undefined);
  if (wantedId !== undefined && !byId.has(wantedId)) {
    const one = await deps.store.getSummary(wantedId);
    if (one.isOk()) byId.set(wantedId, one.value);
    // A session asked for by id that does not exist is an error, not "no candidates".
    else if (input.sessionId !== undefined && one.error.code === 'SESSION_NOT_FOUND')
      return err(
        makeError('SESSION_NOT_FOUND', `No session '${input.sessionId}' in this store.`, {
          sessionId: input.sessionId,
        }),
      );
    else if (input.sessionId !== undefined) return err(storeError(one.error));
  }
  const ordered = [...byId.values()].sort(
    (a, b) => b.updatedAt - a.updatedAt || a.sessionId.localeCompare(b.sessionId),
  );
  const lowered = query.toLowerCase();
  const scored: Scored[] = ordered.map((summary, index) => {
    const why: string[] = [];
    let score = 0;
    if (wantedId !== undefined && summary.sessionId === wantedId) {
      score += 100;
      why.push('exact session id');
    }
    if (textHits.has(summary.sessionId)) {
      score += 40;
      why.push('query matches title, goal or notes');
    }
    if (lowered !== '' && summary.workflowId.toLowerCase() === lowered) {
      score += 30;
      why.push('query is the workflow id');
    } else if (lowered !== '' && summary.workflowId.toLowerCase().includes(lowered)) {
      score += 15;
      why.push('query is part of the workflow id');
    }
    if (input.workspacePath !== undefined && summary.workspacePath === input.workspacePath) {
      score += 10;
      why.push('same workspace');
    }
    score += 5 * (1 - index / Math.max(1, ordered.length));
    if (summary.status === 'completed' || summary.status === 'aborted' || summary.status === 'failed')
      score -= 5;
    return { summary, score, why };
  });
  const eligible = scored.filter((s) =>
    wantedId === undefined && query === '' ? true : s.why.some((w) => w !== 'same workspace'),
  );
  eligible.sort(
    (a, b) =>
      b.score - a.score ||
      b.summary.updatedAt - a.summary.updatedAt ||
      a.summary.sessionId.localeCompare(b.summary.sessionId),
  );
  const candidates: ResumeCandidate[] = [];
  for (const s of eligible.slice(0, MAX_RESUME_CANDIDATES)) {
    const candidate = await toCandidate(deps, s);
    if (candidate !== undefined) candidates.push(candidate);
  }
  return ok({ candidates, totalEligible: eligible.length });
}

async function toCandidate(deps: EngineDeps, scored: Scored): Promise<ResumeCandidate | undefined> {
  const { summary } = scored;
  const view = await readView(deps, summary.sessionId);
  if (view.isErr()) return undefined;
  const head = headNodeId(view.value);
  if (head === undefined) return undefined;
  const resumeToken = signToken(deps.keyring, {
    kind: 'state',
    sessionId: summary.sessionId,
    nodeId: head,
    attempt: 0,
  });
  const notes = latestNotes(view.value) ?? '';
  const snippet = (notes !== '' ? notes : (summary.goal ?? summary.title ?? summary.workflowId))
    .replace(/\s+/g, ' ')
    .slice(0, 200);
  const confidence = scored.score >= 100 ? 'strong' : scored.score >= 40 ? 'medium' : 'weak';
  return {
    sessionId: summary.sessionId,
    workflowId: summary.workflowId,
    sessionTitle: summary.title,
    resumeToken,
    snippet,
    confidence,
    matchExplanation: scored.why.length === 0 ? 'recent session' : scored.why.join('; '),
    pendingStepId: summary.currentStepId,
    isComplete: summary.status === 'completed',
    lastModifiedMs: summary.updatedAt,
    whyMatched: scored.why.length === 0 ? ['recent session'] : scored.why,
    nextCall: { tool: 'continue_workflow', params: { continueToken: resumeToken, intent: 'rehydrate' } },
  };
}
