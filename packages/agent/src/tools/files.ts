/** File tools: `read_file` (line ranges, size cap, binary detection), `write_file`, `edit_file`. */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { resolveInWorktree } from './sandbox.js';
import { type AgentTool, DEFAULT_TOOL_LIMITS, type ToolLimits, type ToolResult, toolError } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when `bytes` look binary: a NUL byte, or not valid UTF-8 (checked on the first 8 KiB). */
export function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return true;
  try {
    // A multi-byte character may be cut at 8 KiB: decode in streaming mode so a cut tail is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function ioError(path: string, thrown: unknown): ToolResult {
  const code =
    typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : 'EIO';
  const text: Record<string, string> = {
    ENOENT: 'does not exist',
    EISDIR: 'is a directory',
    EACCES: 'is not accessible (permission denied)',
    ENOTDIR: 'has a file where a directory was expected',
  };
  return toolError(`${path} ${text[code] ?? `could not be accessed (${code})`}.`);
}

const ReadSchema = z.object({
  path: z.string(),
  offset: z.number().int().positive().optional(),
  limit: z.number().int().positive().optional(),
});

export function createReadFileTool(options: { readonly limits?: Partial<ToolLimits> } = {}): AgentTool {
  const limits = { ...DEFAULT_TOOL_LIMITS, ...options.limits };
  return {
    definition: {
      name: 'read_file',
      description: `Read a text file of the worktree, with line numbers. offset (1-based line) and limit (lines) select a range. Files over ${limits.maxReadBytes} bytes need a range. Binary files are refused.`,
      inputSchema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'Path relative to the worktree root.' },
          offset: { type: 'integer', description: 'First line to return (1-based).' },
          limit: { type: 'integer', description: 'Number of lines to return.' },
        },
        required: ['path'],
      },
    },
    async execute(input, context) {
      const parsed = ReadSchema.safeParse(input);
      if (!parsed.success)
        return toolError('Invalid input: path (string) is required; offset/limit are positive integers.');
      const resolved = resolveInWorktree(context.worktree, parsed.data.path);
      if (resolved.isErr()) return toolError(resolved.error.message);
      const path = resolved.value;
      try {
        const st = statSync(path);
        if (st.isDirectory()) return toolError(`${parsed.data.path} is a directory; use glob to list it.`);
        if (!st.isFile())
          return toolError(`${parsed.data.path} is not a regular file (FIFO, socket or device); not read.`);
        const ranged = parsed.data.offset !== undefined || parsed.data.limit !== undefined;
        // Without a range only the cap is read; with one, up to 16x the cap (a range picks lines from it).
        const budget = ranged ? limits.maxReadBytes * 16 : limits.maxReadBytes;
        const bytes = readHead(path, Math.min(st.size, budget));
        if (looksBinary(bytes))
          return toolError(`${parsed.data.path} is a binary file (${st.size} bytes); not shown.`);
        const text = utf8.decode(bytes, { stream: true });
        let lines = text.split('\n');
        const cutAtCap = st.size > bytes.length;
        if (cutAtCap) lines = lines.slice(0, -1); // the last line may be partial
        const first = parsed.data.offset ?? 1;
        const count = parsed.data.limit ?? lines.length;
        const picked = lines.slice(first - 1, first - 1 + count);
        const body = picked.map((line, i) => `${String(first + i).padStart(6)}\t${line}`).join('\n');
        const notes: string[] = [];
        if (cutAtCap)
          notes.push(
            `[file is ${st.size} bytes; showed lines up to ${lines.length} — use offset/limit to read further]`,
          );
        if (picked.length === 0) notes.push(`[no lines in range; the file has ${lines.length} lines]`);
        return { content: [body, ...notes].filter((s) => s !== '').join('\n'), isError: false };
      } catch (thrown) {
        return ioError(parsed.data.path, thrown);
      }
    },
  };
}

const WriteSchema = z.object({ path: z.string(), content: z.string() });

export function createWriteFileTool(options: { readonly limits?: Partial<ToolLimits> } = {}): AgentTool {
  const limits = { ...DEFAULT_TOOL_LIMITS, ...options.limits };
  return {
    definition: {
      name: 'write_file',
      description:
        'Create or overwrite a file of the worktree with the given content (parent directories are created).',
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string' }, content: { type: 'string' } },
        required: ['path', 'content'],
      },
    },
    async execute(input, context) {
      const parsed = WriteSchema.safeParse(input);
      if (!parsed.success) return toolError('Invalid input: path and content (strings) are required.');
      const bytes = Buffer.byteLength(parsed.data.content, 'utf8');
      if (bytes > limits.maxWriteBytes)
        return toolError(`The content is ${bytes} bytes; the limit is ${limits.maxWriteBytes}.`);
      const resolved = resolveInWorktree(context.worktree, parsed.data.path);
      if (resolved.isErr()) return toolError(resolved.error.message);
      try {
        if (existsSync(resolved.value) && !statSync(resolved.value).isFile())
          return toolError(`${parsed.data.path} exists and is not a regular file; not written.`);
        mkdirSync(dirname(resolved.value), { recursive: true });
        writeFileSync(resolved.value, parsed.data.content, 'utf8');
        return { content: `Wrote ${bytes} bytes to ${parsed.data.path}.`, isError: false };
      } catch (thrown) {
        return ioError(parsed.data.path, thrown);
      }
    },
  };
}

const EditSchema = z.object({
  path: z.string(),
  old_string: z.string().min(1),
  new_string: z.string(),
  replace_all: z.boolean().optional(),
});

function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length))
    count++;
  return count;
}

export function createEditFileTool(options: { readonly limits?: Partial<ToolLimits> } = {}): AgentTool {
  const limits = { ...DEFAULT_TOOL_LIMITS, ...options.limits };
  return {
    definition: {
      name: 'edit_file',
      description:
        'Replace an exact string in a file. old_string must occur exactly once (include surrounding lines to make it unique) unless replace_all is true.',
      inputSchema: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          old_string: { type: 'string' },
          new_string: { type: 'string' },
          replace_all: { type: 'boolean' },
        },
        required: ['path', 'old_string', 'new_string'],
      },
    },
    async execute(input, context) {
      const parsed = EditSchema.safeParse(input);
      if (!parsed.success)
        return toolError('Invalid input: path, old_string (non-empty) and new_string are required.');
      const resolved = resolveInWorktree(context.worktree, parsed.data.path);
      if (resolved.isErr()) return toolError(resolved.error.message);
      try {
        const st = statSync(resolved.value);
        if (!st.isFile()) return toolError(`${parsed.data.path} is not a regular file; it cannot be edited.`);
        if (st.size > limits.maxWriteBytes)
          return toolError(`${parsed.data.path} is larger than ${limits.maxWriteBytes} bytes.`);
        const bytes = readFileSync(resolved.value);
        if (looksBinary(bytes))
          return toolError(`${parsed.data.path} is a binary file; it cannot be edited.`);
        const text = bytes.toString('utf8');
        const { old_string: from, new_string: to } = parsed.data;
        const count = countOccurrences(text, from);
        if (count === 0) return toolError(`old_string was not found in ${parsed.data.path}.`);
        if (count > 1 && parsed.data.replace_all !== true)
          return toolError(
            `old_string occurs ${count} times in ${parsed.data.path}; add context to make it unique or set replace_all.`,
          );
        const updated =
          parsed.data.replace_all === true ? text.split(from).join(to) : text.replace(from, () => to);
        if (Buffer.byteLength(updated, 'utf8') > limits.maxWriteBytes)
          return toolError(`The edited file would exceed ${limits.maxWriteBytes} bytes.`);
        writeFileSync(resolved.value, updated, 'utf8');
        return {
          content: `Replaced ${parsed.data.replace_all === true ? count : 1} occurrence(s) in ${parsed.data.path}.`,
          isError: false,
        };
      } catch (thrown) {
        return ioError(parsed.data.path, thrown);
      }
    },
  };
}
