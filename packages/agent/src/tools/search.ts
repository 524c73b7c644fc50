/** Search tools: `glob` (file names) and `grep` (regular expression over file contents), both confined. */
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { glob as tinyglob } from 'tinyglobby';
import * as z from 'zod';
import { looksBinary } from './files.js';
import { resolveInWorktree } from './sandbox.js';
import { type AgentTool, DEFAULT_TOOL_LIMITS, type ToolLimits, type ToolResult, toolError } from './types.js';

const IGNORED = ['**/.git/**', '**/node_modules/**'];
/** Files larger than this are skipped by grep (bytes). */
const GREP_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Characters of a matching line shown. */
const GREP_LINE_CHARS = 400;

function checkPattern(pattern: string): string | undefined {
  if (pattern.includes('\0') || pattern.includes('\\'))
    return 'The pattern may not contain NUL or backslashes.';
  if (pattern.startsWith('/')) return 'The pattern must be relative to the search directory.';
  if (pattern.split('/').some((s) => s === '..')) return 'The pattern may not contain ".." segments.';
  return undefined;
}

/** Files under `dir` matching `pattern`, as real paths inside the worktree (symlinks out are dropped). */
async function listFiles(
  worktree: string,
  dir: string,
  pattern: string,
  max: number,
  signal: AbortSignal,
): Promise<{ files: string[]; more: boolean } | { error: string }> {
  let found: string[];
  try {
    found = await tinyglob(pattern, {
      cwd: dir,
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: false,
      ignore: IGNORED,
      expandDirectories: false,
      signal,
    });
  } catch (thrown) {
    return {
      error: `Invalid glob pattern ${JSON.stringify(pattern)}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    };
  }
  found.sort();
  const files: string[] = [];
  for (const rel of found) {
    const resolved = resolveInWorktree(worktree, join(dir, rel));
    if (resolved.isOk()) files.push(resolved.value);
    if (files.length > max) return { files: files.slice(0, max), more: true };
  }
  return { files, more: false };
}

const GlobSchema = z.object({ pattern: z.string().min(1).max(1000), path: z.string().optional() });

export function createGlobTool(options: { readonly limits?: Partial<ToolLimits> } = {}): AgentTool {
  const limits = { ...DEFAULT_TOOL_LIMITS, ...options.limits };
  return {
    definition: {
      name: 'glob',
      description: `List files matching a glob pattern (e.g. "src/**/*.ts"), relative to the worktree or to path. At most ${limits.maxMatches} results; .git and node_modules are skipped.`,
      inputSchema: {
        type: 'object',
        properties: {
          pattern: { type: 'string' },
          path: { type: 'string', description: 'Directory to search in.' },
        },
        required: ['pattern'],
      },
    },
    async execute(input, context): Promise<ToolResult> {
      const parsed = GlobSchema.safeParse(input);
      if (!parsed.success) return toolError('Invalid input: pattern (string) is required.');
      const bad = checkPattern(parsed.data.pattern);
      if (bad !== undefined) return toolError(bad);
      const root = resolveInWorktree(context.worktree, '.');
      if (root.isErr()) return toolError(root.error.message);
      const dir = resolveInWorktree(context.worktree, parsed.data.path ?? '.');
      if (dir.isErr()) return toolError(dir.error.message);
      const listed = await listFiles(
        context.worktree,
        dir.value,
        parsed.data.pattern,
        limits.maxMatches,
        context.signal,
      );
      if ('error' in listed) return toolError(listed.error);
      const { files, more } = listed;
      if (files.length === 0) return { content: 'No files match.', isError: false };
      const lines = files.map((f) => relative(root.value, f));
      if (more) lines.push(`[more than ${limits.maxMatches} files; narrow the pattern]`);
      return { content: lines.join('\n'), isError: false };
    },
  };
}

const GrepSchema = z.object({
  pattern: z.string().min(1).max(1000),
  path: z.string().optional(),
  glob: z.string().max(1000).optional(),
  caseInsensitive: z.boolean().optional(),
});

export function createGrepTool(options: { readonly limits?: Partial<ToolLimits> } = {}): AgentTool {
  const limits = { ...DEFAULT_TOOL_LIMITS, ...options.limits };
  return {
    definition: {
      name: 'grep',
      description: `Search file contents with a JavaScript regular expression. Returns "path:line: text". Optional path (directory) and glob filter (default "**/*"). At most ${limits.maxMatches} matches; binary and large files are skipped.`,
      inputSchema: {
        type: 'object',
        properties: {
          pattern: { type: 'string' },
          path: { type: 'string' },
          glob: { type: 'string' },
          caseInsensitive: { type: 'boolean' },
        },
        required: ['pattern'],
      },
    },
    async execute(input, context): Promise<ToolResult> {
      const parsed = GrepSchema.safeParse(input);
      if (!parsed.success) return toolError('Invalid input: pattern (string) is required.');
      let regex: RegExp;
      try {
        regex = new RegExp(parsed.data.pattern, parsed.data.caseInsensitive === true ? 'i' : '');
      } catch (thrown) {
        return toolError(
          `Invalid regular expression: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        );
      }
      const pattern = parsed.data.glob ?? '**/*';
      const bad = checkPattern(pattern);
      if (bad !== undefined) return toolError(bad);
      const root = resolveInWorktree(context.worktree, '.');
      if (root.isErr()) return toolError(root.error.message);
      const dir = resolveInWorktree(context.worktree, parsed.data.path ?? '.');
      if (dir.isErr()) return toolError(dir.error.message);
      const listed = await listFiles(context.worktree, dir.value, pattern, 20_000, context.signal);
      if ('error' in listed) return toolError(listed.error);
      const { files } = listed;
      const out: string[] = [];
      let more = false;
      for (const file of files) {
        if (context.signal.aborted) break;
        try {
          const st = statSync(file);
          if (!st.isFile() || st.size > GREP_MAX_FILE_BYTES) continue; // FIFOs would block
          const bytes = readFileSync(file);
          if (looksBinary(bytes)) continue;
          const lines = bytes.toString('utf8').split('\n');
          for (const [i, line] of lines.entries()) {
            if (!regex.test(line)) continue;
            if (out.length >= limits.maxMatches) {
              more = true;
              break;
            }
            out.push(`${relative(root.value, file)}:${i + 1}: ${line.slice(0, GREP_LINE_CHARS)}`);
          }
        } catch {
          // unreadable file (deleted meanwhile, permissions): skipped
        }
        if (more) break;
      }
      if (out.length === 0) return { content: 'No matches.', isError: false };
      if (more) out.push(`[more than ${limits.maxMatches} matches; narrow the search]`);
      return { content: out.join('\n'), isError: false };
    },
  };
}
