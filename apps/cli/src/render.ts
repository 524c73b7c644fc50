import { type Result, toErrorBody } from '@worktrain/contracts';
import { type CliError, type ExitCode, exitCodeOf } from './cli-error.js';
import type { WriteFn } from './deps.js';
import { escapeControlKeepLines } from './format/terminal-text.js';

/** Output format selected by the global `--format` option. */
export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

/**
 * How one command's successful output is shown. Rendering and exit codes are decided here and only here:
 * commands return a `Result` and never write to a stream or pick an exit code themselves.
 */
export interface CommandView<O> {
  /** Human-readable text for stdout. A trailing newline is added when missing. */
  readonly text: (output: O) => string;
  /** The single JSON document printed with `--format json` (default: the output value itself). */
  readonly json?: (output: O) => unknown;
  /**
   * True when the command ran to completion but its verdict is negative (an invalid workflow, a broken
   * hash chain): the output is printed as usual and the exit code is 1.
   */
  readonly failed?: (output: O) => boolean;
  /** The exit code, for a command that passes on another program's (`sandbox exec`); wins over `failed`. */
  readonly exitCode?: (output: O) => number;
}

export interface RenderIo {
  readonly stdout: WriteFn;
  readonly stderr: WriteFn;
}

/** Prints a command's result in the requested format and returns the process exit code. */
export function renderResult<O>(
  io: RenderIo,
  format: OutputFormat,
  result: Result<O, CliError>,
  view: CommandView<O>,
): ExitCode {
  if (result.isErr()) return renderError(io, format, result.error);
  const output = result.value;
  if (format === 'json') {
    const document = view.json ? view.json(output) : output;
    // A streaming command (`--follow`) has printed its items already and returns no document.
    if (document !== undefined) io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    // Text renderers print untrusted strings (titles, tool output, log lines): no control sequence gets
    // through to the terminal, whatever a renderer forgot (fields are escaped one by one as well).
    const text = escapeControlKeepLines(view.text(output));
    if (text.length > 0) io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }
  if (view.exitCode !== undefined) return view.exitCode(output);
  return view.failed?.(output) === true ? 1 : 0;
}

/**
 * Prints one item of a streaming command (`sessions events --follow`): a text line, or with `--format json`
 * one compact JSON document per line (JSON Lines), so a consumer can act on each item as it arrives.
 */
export function renderStreamItem<T>(
  io: RenderIo,
  format: OutputFormat,
  item: T,
  text: (item: T) => string,
): void {
  io.stdout(format === 'json' ? `${JSON.stringify(item)}\n` : `${escapeControlKeepLines(text(item))}\n`);
}

/**
 * Prints an error: with `--format json` as `{ "error": { code, message, details } }` on stdout (so stdout
 * always holds exactly one JSON document), otherwise as `error: <message>` on stderr (control characters
 * escaped: messages quote outside text). Never a stack trace.
 */
export function renderError(io: RenderIo, format: OutputFormat, error: CliError): ExitCode {
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ error: toErrorBody(error) }, null, 2)}\n`);
  } else {
    const lines = [`error: ${error.message}`, ...detailLines(error)];
    if (error.code === 'USAGE') lines.push('(run with --help for usage)');
    io.stderr(`${escapeControlKeepLines(lines.join('\n'))}\n`);
  }
  return exitCodeOf(error);
}

/**
 * Extra lines under an error message: issue lists in `details.issues` (`[{path, message}]`), one per line,
 * close matches in `details.suggestions` (e.g. a mistyped workflow id), and the captured output of a
 * process in `details.output` (e.g. why the daemon exited while starting), indented.
 */
function detailLines(error: CliError): string[] {
  const lines: string[] = [];
  const issues = error.details?.issues;
  if (Array.isArray(issues)) {
    for (const issue of issues as unknown[]) {
      if (typeof issue === 'object' && issue !== null && 'message' in issue) {
        const path =
          'path' in issue && typeof issue.path === 'string' && issue.path !== '' ? `${issue.path}: ` : '';
        lines.push(`  - ${path}${String(issue.message)}`);
      } else lines.push(`  - ${JSON.stringify(issue)}`);
    }
  }
  const suggestions = error.details?.suggestions;
  if (Array.isArray(suggestions) && suggestions.length > 0 && !/did you mean/i.test(error.message)) {
    lines.push(`did you mean: ${suggestions.slice(0, 5).map(String).join(', ')}?`);
  }
  const output = error.details?.output;
  if (typeof output === 'string' && output.trim() !== '') {
    lines.push('output:');
    for (const line of output.trimEnd().split('\n')) lines.push(`  ${line}`);
  }
  return lines;
}
