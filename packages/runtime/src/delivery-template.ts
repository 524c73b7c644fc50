import type { JsonObject } from '@worktrain/contracts';
import { readChangeRequestTemplate } from '@worktrain/delivery';
import type { DeliveryTarget } from './payload.js';

/** Templates longer than this (characters) are not put in the prompt; delivery fills them itself. */
const MAX_TEMPLATE_CHARS = 20_000;

/**
 * The session context that gives the final step of the coding workflows the repository's PR/MR template to
 * fill (`deliveryTemplate`, `deliveryTemplateName`, `deliveryTemplatePath`; the workflows' prompt fragment
 * asks for it in the handoff's `prBody`, which delivery checks section by section). Read from the
 * repository's `origin/HEAD` (its default branch), else `HEAD`, with the target's forge conventions and
 * template name. No template, an unknown name or an unreadable repository → `{}` (the delivery stage then
 * fills the template itself or reports TEMPLATE_NOT_FOUND).
 */
export async function deliveryTemplateContext(repoPath: string, target: DeliveryTarget): Promise<JsonObject> {
  const name = typeof target.template === 'string' ? target.template : undefined;
  for (const ref of ['refs/remotes/origin/HEAD', 'HEAD']) {
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
