/**
 * `worktrain sessions list --tree`: the daemon's pipelines with their child sessions, and sessions with
 * theirs, nested (`GET /api/v1/pipelines`, `GET /api/v1/sessions` and `?parent=` for each node's children).
 */
import { err, ok, type Result } from '@worktrain/contracts';
import * as z from 'zod';
import type { CliError } from '../../cli-error.js';
import { type DaemonEndpoint, daemonApi, daemonEndpoint } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import { truncate } from '../../format/table.js';
import { escapeControl } from '../../format/terminal-text.js';
import { homeOpt } from '../ops/home.js';
import {
  PipelineSummarySchema,
  type PipelineSummaryView,
  readAnswer,
  type SessionApiView,
  SessionViewSchema,
} from '../pipeline/api.js';

/** A session with its child sessions, nested. */
export type SessionTreeNode = SessionApiView & { readonly children: readonly SessionTreeNode[] };

export interface SessionsTreeOutput {
  /** Pipelines, newest first, each with its child sessions. */
  readonly pipelines: readonly (PipelineSummaryView & { readonly children: readonly SessionTreeNode[] })[];
  /** Sessions that are nobody's child here (no parent, or a parent not listed), each with its children. */
  readonly sessions: readonly SessionTreeNode[];
}

/** How deep children are followed below a pipeline or a top-level session. */
const MAX_DEPTH = 8;

const SessionList = z.looseObject({ sessions: z.array(SessionViewSchema) });

async function listSessions(
  endpoint: DaemonEndpoint,
  query: string,
): Promise<Result<readonly SessionApiView[], CliError>> {
  const r = await daemonApi(endpoint, 'GET', `/sessions?${query}`);
  return r.andThen((v) => readAnswer(SessionList, v, 'GET /sessions')).map((v) => v.sessions);
}

/**
 * The tree: at most `limit` pipelines and `limit` newest sessions (of `status` when given), each node's
 * children fetched from the daemon (`?parent=`). Errors: DAEMON_UNREACHABLE, DAEMON_ERROR.
 */
export async function executeSessionsTree(
  deps: CliDeps,
  opts: { home?: string; status?: readonly string[]; limit?: number },
): Promise<Result<SessionsTreeOutput, CliError>> {
  const endpoint = await daemonEndpoint(deps, homeOpt(opts.home));
  const limit = opts.limit ?? 50;
  const piped = await daemonApi(endpoint, 'GET', `/pipelines?limit=${limit}`);
  const pipelines = piped.andThen((v) =>
    readAnswer(z.looseObject({ pipelines: z.array(PipelineSummarySchema) }), v, 'GET /pipelines'),
  );
  if (pipelines.isErr()) return err(pipelines.error);
  const status =
    opts.status !== undefined && opts.status.length > 0 ? `&status=${opts.status.join(',')}` : '';
  const listed = await listSessions(endpoint, `limit=${limit}${status}`);
  if (listed.isErr()) return err(listed.error);

  const placed = new Set<string>();
  const childrenOf = async (id: string, depth: number): Promise<Result<SessionTreeNode[], CliError>> => {
    if (depth > MAX_DEPTH) return ok([]);
    const found = await listSessions(endpoint, `parent=${encodeURIComponent(id)}&limit=1000`);
    if (found.isErr()) return err(found.error);
    const nodes: SessionTreeNode[] = [];
    for (const s of found.value) {
      if (placed.has(s.sessionId)) continue;
      placed.add(s.sessionId);
      const below = await childrenOf(s.sessionId, depth + 1);
      if (below.isErr()) return err(below.error);
      nodes.push({ ...s, children: below.value });
    }
    return ok(nodes);
  };

  const withChildren: (PipelineSummaryView & { children: SessionTreeNode[] })[] = [];
  for (const p of pipelines.value.pipelines) {
    const children = await childrenOf(p.pipelineId, 1);
    if (children.isErr()) return err(children.error);
    withChildren.push({ ...p, children: children.value });
  }
  const listedIds = new Set(listed.value.map((s) => s.sessionId));
  const pipelineIds = new Set(pipelines.value.pipelines.map((p) => p.pipelineId));
  const roots: SessionTreeNode[] = [];
  for (const s of listed.value) {
    if (placed.has(s.sessionId)) continue;
    // A child of a listed session or pipeline is shown under it.
    const parent = s.parentSessionId;
    if (parent !== null && (listedIds.has(parent) || pipelineIds.has(parent))) continue;
    placed.add(s.sessionId);
    const children = await childrenOf(s.sessionId, 1);
    if (children.isErr()) return err(children.error);
    roots.push({ ...s, children: children.value });
  }
  return ok({ pipelines: withChildren, sessions: roots });
}

function sessionLine(s: SessionApiView): string {
  const title = s.title ?? s.goal ?? '';
  return `${s.sessionId}  ${escapeControl(s.workflowId)}  ${s.status}${title === '' ? '' : `  ${truncate(escapeControl(title), 60)}`}`;
}

function renderNodes(nodes: readonly SessionTreeNode[], depth: number, out: string[]): void {
  for (const n of nodes) {
    out.push(`${'  '.repeat(depth)}${sessionLine(n)}`);
    renderNodes(n.children, depth + 1, out);
  }
}

/** Text of `sessions list --tree`: one line per pipeline or session, children indented two spaces. */
export function renderSessionsTree(o: SessionsTreeOutput): string {
  if (o.pipelines.length === 0 && o.sessions.length === 0) return 'no sessions';
  const out: string[] = [];
  for (const p of o.pipelines) {
    out.push(
      `pipeline ${p.pipelineId}  ${escapeControl(p.kind)}  ${p.status}  ${truncate(escapeControl(p.goal), 60)}`,
    );
    renderNodes(p.children, 1, out);
  }
  for (const s of o.sessions) {
    const orphan = s.parentSessionId !== null ? `  (child of ${s.parentSessionId})` : '';
    out.push(`${sessionLine(s)}${orphan}`);
    renderNodes(s.children, 1, out);
  }
  return out.join('\n');
}
