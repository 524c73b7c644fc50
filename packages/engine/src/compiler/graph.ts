import type { CompiledNode, CompiledParallel, CompiledStep, CompiledWorkflow } from '../compiled.js';

type Graph = CompiledWorkflow['graph'];
type Edge = Graph['edges'][number];

function sequenceEdges(nodes: readonly { id: string; runCondition?: unknown }[]): Edge[] {
  const edges: Edge[] = [];
  for (let i = 0; i + 1 < nodes.length; i++) {
    const from = nodes[i];
    const to = nodes[i + 1];
    if (from !== undefined && to !== undefined) edges.push({ from: from.id, to: to.id, kind: 'next' });
  }
  // A node with a runCondition can be skipped: an edge from its predecessor to its successor.
  for (let i = 1; i + 1 < nodes.length; i++) {
    const prev = nodes[i - 1];
    const node = nodes[i];
    const next = nodes[i + 1];
    if (prev !== undefined && node?.runCondition !== undefined && next !== undefined) {
      edges.push({ from: prev.id, to: next.id, kind: 'conditional' });
    }
  }
  return edges;
}

/**
 * The display graph: one node per compiled node (loop bodies after their loop), `next` edges along each
 * sequence, `loop_body`/`loop_back` edges around loop bodies and `conditional` skip edges around nodes with
 * a runCondition.
 */
export function buildGraph(steps: readonly CompiledNode[]): Graph {
  const nodes: Graph['nodes'][number][] = [];
  const edges: Edge[] = [...sequenceEdges(steps)];
  for (const node of steps) {
    nodes.push({ id: node.id, kind: node.kind, title: node.title });
    if (node.kind !== 'loop') continue;
    const body: readonly (CompiledStep | CompiledParallel)[] = node.body;
    for (const child of body) nodes.push({ id: child.id, kind: child.kind, title: child.title });
    const first = body[0];
    const last = body[body.length - 1];
    if (first !== undefined) edges.push({ from: node.id, to: first.id, kind: 'loop_body' });
    edges.push(...sequenceEdges(body));
    if (last !== undefined) edges.push({ from: last.id, to: node.id, kind: 'loop_back' });
  }
  return { nodes, edges };
}
