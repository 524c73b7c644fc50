/** Minimal JSON Pointer edits for mutation tests. */
type Container = Record<string, unknown> | unknown[];

function parent(root: unknown, pointer: string): { container: Container; key: string } {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  const key = parts.pop();
  if (key === undefined) throw new Error('empty pointer');
  let node: unknown = root;
  for (const part of parts) {
    if (typeof node !== 'object' || node === null) throw new Error(`no container at ${pointer}`);
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node !== 'object' || node === null) throw new Error(`no container at ${pointer}`);
  return { container: node as Container, key };
}

export function setAt(root: unknown, pointer: string, value: unknown): void {
  const { container, key } = parent(root, pointer);
  if (Array.isArray(container)) container[Number(key)] = value;
  else container[key] = value;
}

export function deleteAt(root: unknown, pointer: string): void {
  const { container, key } = parent(root, pointer);
  if (Array.isArray(container)) container.splice(Number(key), 1);
  else delete container[key];
}

export function getAt(root: unknown, pointer: string): unknown {
  const { container, key } = parent(root, pointer);
  return Array.isArray(container) ? container[Number(key)] : container[key];
}
