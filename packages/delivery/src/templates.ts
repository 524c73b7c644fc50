/**
 * Pull request / merge request templates: where forges keep them, picking one by name, and checking that a
 * body filled from a template still has every section of it, each one filled.
 *
 * Locations follow the forges' docs:
 * - GitHub, "Creating a pull request template for your repository": a single template
 *   `pull_request_template.md` (any case) in `.github/`, the root or `docs/`; several named templates as
 *   `.md` files in a `PULL_REQUEST_TEMPLATE/` directory (any case) in one of those three places, picked with
 *   `?template=<name>.md`.
 * - GitLab, "Description templates": `.gitlab/merge_request_templates/<Name>.md`; the one called `Default`
 *   is used when none is chosen.
 */
import { errAsync, type GitTarget, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';
import { runGit } from './git.js';

/** Which forge's template conventions apply. */
export type TemplateForge = 'github' | 'gitlab';

/** A template found in a tree. `name` is what selects it (file name without `.md`; `default` for GitHub's
 *  single-file template). */
export interface TemplateRef {
  readonly name: string;
  readonly path: string;
}

export interface ChangeRequestTemplate extends TemplateRef {
  readonly text: string;
}

const GITHUB_SINGLE = /^(?:\.github\/|docs\/)?pull_request_template\.md$/i;
const GITHUB_DIR = /^(?:\.github\/|docs\/)?pull_request_template\/([^/]+)\.md$/i;
const GITLAB_DIR = /^\.gitlab\/merge_request_templates\/([^/]+)\.md$/i;
/** GitHub's own lookup order for the single template: `.github/`, root, `docs/`. */
const githubRank = (path: string) =>
  path.toLowerCase().startsWith('.github/') ? 0 : path.toLowerCase().startsWith('docs/') ? 2 : 1;

/**
 * Every template in `files` (paths of a tree, `/`-separated) under `forge`'s conventions, default ones
 * first. GitHub: the single-file template is named `default`; directory templates by file name.
 */
export function findTemplates(files: readonly string[], forge: TemplateForge): TemplateRef[] {
  if (forge === 'gitlab') {
    return files
      .flatMap((path) => {
        const m = GITLAB_DIR.exec(path);
        return m?.[1] === undefined ? [] : [{ name: m[1], path }];
      })
      .sort((a, b) => Number(b.name === 'Default') - Number(a.name === 'Default'));
  }
  const single = files
    .filter((p) => GITHUB_SINGLE.test(p))
    .sort((a, b) => githubRank(a) - githubRank(b))
    .map((path) => ({ name: 'default', path }));
  const named = files
    .flatMap((path) => {
      const m = GITHUB_DIR.exec(path);
      return m?.[1] === undefined ? [] : [{ name: m[1], path }];
    })
    .sort((a, b) => githubRank(a.path) - githubRank(b.path));
  return [...single, ...named];
}

/**
 * Picks a template: by `name` (case-insensitive, with or without `.md`) when given, else the default one
 * (GitHub's single-file template or a directory template called `default`; GitLab's `Default`).
 * Returns null when no name was asked for and there is no default; TEMPLATE_NOT_FOUND (details.available:
 * the names there are) when the named one does not exist.
 */
export function selectTemplate(
  found: readonly TemplateRef[],
  forge: TemplateForge,
  name?: string,
): TemplateRef | null | DeliveryError {
  const wanted = name?.trim().replace(/\.md$/i, '').toLowerCase();
  if (wanted === undefined || wanted === '') {
    // GitHub: the single-file template (named `default`), else a directory one called `default`;
    // GitLab: `Default.md`. Both compare case-insensitively.
    return found.find((t) => t.name.toLowerCase() === 'default') ?? null;
  }
  const match = found.find((t) => t.name.toLowerCase() === wanted);
  if (match !== undefined) return match;
  const available = [...new Set(found.map((t) => t.name))];
  return deliveryError(
    'TEMPLATE_NOT_FOUND',
    `No ${forge === 'gitlab' ? 'merge' : 'pull'} request template named '${name}'; available: ${
      available.length === 0 ? '(none)' : available.join(', ')
    }`,
    { name, available },
  );
}

/**
 * Reads the template to use from the tree of `commit` in `worktree` (the base commit, so the agent cannot
 * rewrite the template its work is checked against). `paths` (a forge's explicit list, e.g. from
 * `ForgeClient.templatePaths`) is tried first when no name is given. Errors: TEMPLATE_NOT_FOUND, GIT_FAILED.
 */
export function readChangeRequestTemplate(
  worktree: GitTarget,
  commit: string,
  options: { readonly forge: TemplateForge; readonly name?: string; readonly paths?: readonly string[] },
): ResultAsync<ChangeRequestTemplate | null, DeliveryError> {
  return runGit(worktree, ['-c', 'core.quotePath=false', 'ls-tree', '-r', '--name-only', '-z', commit])
    .map((o) => o.stdout.split('\0').filter((f) => f !== ''))
    .andThen((files): ResultAsync<ChangeRequestTemplate | null, DeliveryError> => {
      let picked: TemplateRef | null = null;
      const named = options.name !== undefined && options.name.trim() !== '';
      if (!named && options.paths !== undefined) {
        for (const wanted of options.paths) {
          const path = files.find((f) => f.toLowerCase() === wanted.toLowerCase());
          if (path !== undefined) {
            picked = { name: nameOf(path), path };
            break;
          }
        }
      }
      if (picked === null) {
        const chosen = selectTemplate(findTemplates(files, options.forge), options.forge, options.name);
        if (chosen !== null && 'code' in chosen) return errAsync(chosen);
        picked = chosen;
      }
      if (picked === null) return okAsync(null);
      const ref = picked;
      return runGit(worktree, ['show', `${commit}:${ref.path}`]).map((s) => ({ ...ref, text: s.stdout }));
    });
}

function nameOf(path: string): string {
  const base = path.split('/').at(-1) ?? path;
  const stem = base.replace(/\.md$/i, '');
  return /^pull_request_template$/i.test(stem) ? 'default' : stem;
}

/** A heading of a markdown document (outside code fences) and the lines under it up to the next heading of
 *  the same or a higher level. */
export interface TemplateSection {
  readonly heading: string;
  readonly level: number;
  /** The section's own text (sub-headings' lines included), HTML comments removed, trimmed. */
  readonly content: string;
  /** True when the heading says it may be left out: `(optional)` in its text. */
  readonly optional: boolean;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/** Splits markdown into its headed sections (ATX headings; those inside ``` or ~~~ fences do not count). */
export function templateSections(markdown: string): TemplateSection[] {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const heads: { index: number; level: number; heading: string }[] = [];
  let inFence = false;
  lines.forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const m = inFence ? null : HEADING.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) heads.push({ index, level: m[1].length, heading: m[2] });
  });
  const headingLines = new Set(heads.map((h) => h.index));
  return heads.map((h, i) => {
    const end = heads.slice(i + 1).find((n) => n.level <= h.level)?.index ?? lines.length;
    const body = lines
      .slice(h.index + 1, end)
      .filter((_, offset) => !headingLines.has(h.index + 1 + offset))
      .join('\n');
    return {
      heading: h.heading,
      level: h.level,
      content: stripComments(body).trim(),
      optional: /\(optional\)/i.test(h.heading),
    };
  });
}

function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
}

/** A template section the filled body lacks: not there at all, empty, or still the template's own text. */
export interface SectionProblem {
  readonly heading: string;
  readonly problem: 'missing' | 'empty' | 'unchanged';
}

const normalizeHeading = (h: string) =>
  h
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const onlyChecklist = (text: string) =>
  text !== '' && text.split('\n').every((l) => l.trim() === '' || /^\s*[-*] \[[ xX]\]/.test(l));

/**
 * Checks a body filled from `template`: every heading of the template (except `(optional)` ones) must be in
 * the body (same text, any case/punctuation), with content that is not empty once HTML comments are removed
 * and is not the template's placeholder text left as it was (a section holding only a checklist may stay as
 * written). Returns the problems in template order; empty means the body is complete.
 */
export function checkFilledTemplate(template: string, body: string): SectionProblem[] {
  const filled = templateSections(body);
  const problems: SectionProblem[] = [];
  const used = new Set<number>();
  for (const section of templateSections(template)) {
    if (section.optional) continue;
    const index = filled.findIndex(
      (s, i) => !used.has(i) && normalizeHeading(s.heading) === normalizeHeading(section.heading),
    );
    if (index === -1) {
      problems.push({ heading: section.heading, problem: 'missing' });
      continue;
    }
    used.add(index);
    const content = filled[index]?.content ?? '';
    if (content === '') problems.push({ heading: section.heading, problem: 'empty' });
    else if (content === section.content && !onlyChecklist(content))
      problems.push({ heading: section.heading, problem: 'unchanged' });
  }
  return problems;
}
