/**
 * The build of `pnpm demo` (the README's first command): `turbo run build` printing one line per package as
 * it finishes, instead of minutes of silence (`--output-logs=errors-only`) or every tsup line. Turbo runs with
 * `--log-order=grouped`, which prints a task's output when the task ends, so the first line of a package's
 * group means that package is finished (a failed one is then named FAILED). On failure the whole turbo
 * output is printed, then turbo's exit code is returned.
 *
 * Usage: `tsx scripts/build-progress.ts [more turbo run options, e.g. --filter=@worktrain/cli...]`
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Turns turbo's grouped output into progress lines. */
export interface BuildProgress {
  /** Feeds one line of turbo's output; returns what to print for it, if anything. */
  line(raw: string): string | null;
  /** Everything turbo printed so far (shown when the build fails). */
  transcript(): string;
}

/** `<package>:build: <text>`: a line of one task's output (turbo's task prefix). */
const TASK_LINE = /^(\S+?):build: ?(.*)$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the colour codes turbo may print.
const ANSI = /\u001b\[[0-9;]*m/g;

/** `now` in ms (injected for tests): each line says how long the build has run. */
export function createBuildProgress(now: () => number = Date.now): BuildProgress {
  const started = now();
  const done = new Set<string>();
  const lines: string[] = [];
  let total: number | null = null;
  return {
    line(raw) {
      lines.push(raw);
      const text = raw.replace(ANSI, '');
      const task = TASK_LINE.exec(text);
      if (task === null) {
        const failed = /^(\S+)#build:\s+ERROR/.exec(text);
        if (failed !== null) return `  FAILED ${failed[1]} (its output is printed below)`;
        const running = /Running build in (\d+) packages?/.exec(text);
        if (running !== null) {
          total = Number(running[1]);
          return `building ${total} package${total === 1 ? '' : 's'} (the first build takes a few minutes; a line as each one is done)`;
        }
        return /^\s*(?:Tasks|Cached|Time):/.test(text) ? text.trim() : null;
      }
      const name = task[1] ?? '';
      if (done.has(name)) return null;
      done.add(name);
      const seconds = Math.round((now() - started) / 1000);
      // With --filter, turbo counts the named packages, not the dependencies it builds too.
      const count = total === null || done.size > total ? `${done.size}` : `${done.size}/${total}`;
      const cached = /^cache hit/.test(task[2] ?? '') ? ', cached' : '';
      return `  finished ${name} (${count}, ${seconds} s${cached})`;
    },
    transcript: () => lines.join('\n'),
  };
}

async function main(): Promise<number> {
  const turbo = fileURLToPath(new URL('../node_modules/.bin/turbo', import.meta.url));
  const args = ['run', 'build', '--output-logs=new-only', '--log-order=grouped', '--ui=stream'];
  const child = spawn(turbo, [...args, ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const progress = createBuildProgress();
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (raw) => {
      const shown = progress.line(raw);
      if (shown !== null) process.stdout.write(`${shown}\n`);
    });
  const code = await new Promise<number>((resolveExit) => {
    child.on('error', (e) => {
      process.stderr.write(`cannot run ${turbo}: ${e.message}\n`);
      resolveExit(1);
    });
    child.on('close', (c) => resolveExit(c ?? 1));
  });
  if (code !== 0) process.stderr.write(`\nthe build failed; turbo's output:\n${progress.transcript()}\n`);
  return code;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  main().then((code) => process.exit(code));
