import type { JsonObject } from '@worktrain/contracts';
import { readChangeRequestTemplate } from '@worktrain/delivery';
import type { DeliveryTarget } from './payload.js';

/** Templates longer than this (characters) are not put in the prompt; delivery fills them itself. */
const MAX_TEMPLATE_CHARS = 20_000;

/**
 * The session context that gives the final step of the coding workflows the repository's PR/MR template to
 * fill (`deliveryTemplate`, `deliveryTemplateName`, `deliveryTemplatePath`; the workflows' prompt fragment
 * asks for it in the handoff's `prBody`, which delivery checks section by section). Read from `commit` when
 * given (the freshly fetched base commit the session's worktree starts from), else from the repository's
 * `origin/HEAD` (its default branch), else `HEAD`, with the target's forge conventions and template name.
 * No template, an unknown name or an unreadable repository → `{}` (the delivery stage then fills the
 * template itself or reports TEMPLATE_NOT_FOUND).
 */
export async function deliveryTemplateContext(
  repoPath: string,
  target: DeliveryTarget,
  commit?: string,
): Promise<JsonObject> {
  const name = typeof target.template === 'string' ? target.template : undefined;
  const refs = commit === undefined ? ['refs/remotes/origin/HEAD', 'HEAD'] : [commit];
  for (const ref of refs) {
    const read = await readChangeRequestTemplate(repoPath, ref, {
      forge: target.forge,
      ...(name === undefined ? {} : { name }),
    });
    if (read.isErr()) {
      if (read.error.code === 'TEMPLATE_NOT_FOUND') return {};
      continue;
    }
    const t = read.value;
    if (t === null || t.text.length > MAX_TEMPLATE_CHARS) return {};
    return { deliveryTemplate: t.text, deliveryTemplateName: t.name, deliveryTemplatePath: t.path };
  }
  return {};
}

/** Template contexts remembered by {@link createDeliveryTemplates} (the oldest is dropped beyond this). */
const MAX_CACHED_TEMPLATES = 256;

/** {@link deliveryTemplateContext} with the reads of one commit remembered (see {@link createDeliveryTemplates}). */
export interface DeliveryTemplates {
  context(repoPath: string, target: DeliveryTarget, commit?: string): Promise<JsonObject>;
}

/**
 * Remembers the template context of a commit: a commit's tree never changes, so sessions that start from
 * the same base commit share one read (two or three git processes fewer per session start). Reads without
 * a commit (no fetched base) are never cached. Concurrent reads of one key share the running read.
 */
export function createDeliveryTemplates(read = deliveryTemplateContext): DeliveryTemplates {
  const cache = new Map<string, Promise<JsonObject>>();
  return {
    context(repoPath, target, commit) {
      if (commit === undefined) return read(repoPath, target);
      const key = JSON.stringify([repoPath, commit, target.forge, target.template ?? null]);
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const pending = read(repoPath, target, commit);
      cache.set(key, pending);
      if (cache.size > MAX_CACHED_TEMPLATES) cache.delete(cache.keys().next().value as string);
      return pending;
    },
  };
}
