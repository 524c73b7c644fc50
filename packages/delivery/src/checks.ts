import { errAsync, okAsync, ResultAsync } from '@worktrain/contracts';
import { execa } from 'execa';
import { type DeliveryError, deliveryError } from './errors.js';
import { SECRET_RULES } from './secrets.js';

/** A check delivery runs in the worktree before committing (tests, lint): a shell command line. */
export interface DeliveryCheck {
  /** Short name shown in events (`test`, `lint`). */
  readonly name: string;
  /** Run with `/bin/sh -c` in the worktree, like a CI step. */
  readonly command: string;
  /** Default 600 000 ms (10 minutes); the process group is killed (SIGKILL) after it. */
  readonly timeoutMs?: number;
  /** Extra environment variables; the daemon's own environment is not passed on (see {@link runChecks}). */
  readonly env?: Readonly<Record<string, string>>;
}

/** What one check did; `stdout`/`stderr` are the last {@link MAX_OUTPUT_CHARS} characters, secrets masked. */
export interface CheckResult {
  readonly name: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly passed: boolean;
}

/** Output kept per stream and check (characters), so events stay small. */
export const MAX_OUTPUT_CHARS = 16_384;

/** Variables passed through to checks; nothing else of the daemon's environment (tokens live there). */
const PASS_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TERM', 'USER', 'SHELL', 'TZ'];

/** Masks known secret shapes and the given literal secrets in check output. */
export function redactOutput(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  for (const rule of SECRET_RULES) {
    if (rule.minEntropy !== undefined) continue; // generic rules would mask ordinary output
    out = out.replace(rule.pattern, (m) => `${m.slice(0, 4)}${'*'.repeat(Math.max(0, m.length - 4))}`);
  }
  return out;
}

const tail = (text: string) =>
  text.length <= MAX_OUTPUT_CHARS ? text : `…(truncated)\n${text.slice(text.length - MAX_OUTPUT_CHARS)}`;

/**
 * Runs `checks` one after another in `worktree` and returns every result (stopping at the first failure).
 * The environment is the allow-list {@link PASS_ENV} plus each check's `env`, so forge tokens never reach a
 * check. Output is capped and redacted (`secrets` literally, plus the non-generic `SECRET_RULES`). A failed
 * run is not an error here; {@link checksOutcome} turns results into CHECKS_FAILED.
 */
export function runChecks(
  worktree: string,
  checks: readonly DeliveryCheck[],
  secrets: readonly string[] = [],
): ResultAsync<CheckResult[], DeliveryError> {
  const base: Record<string, string> = {};
  for (const key of PASS_ENV) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  return ResultAsync.fromSafePromise(
    (async () => {
      const results: CheckResult[] = [];
      for (const check of checks) {
        const started = performance.now();
        const run = await execa(check.command, {
          shell: '/bin/sh',
          cwd: worktree,
          env: { ...base, ...check.env, CI: 'true' },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
          timeout: check.timeoutMs ?? 600_000,
          killSignal: 'SIGKILL',
          cleanup: true,
          maxBuffer: 64 * 1024 * 1024,
        });
        const stdout = typeof run.stdout === 'string' ? run.stdout : '';
        const stderr = typeof run.stderr === 'string' ? run.stderr : '';
        const exitCode = run.exitCode ?? null;
        const timedOut = run.timedOut === true;
        results.push({
          name: check.name,
          command: check.command,
          exitCode,
          timedOut,
          durationMs: Math.round(performance.now() - started),
          stdout: tail(redactOutput(stdout, secrets)),
          stderr: tail(redactOutput(stderr, secrets)),
          passed: exitCode === 0 && !timedOut,
        });
        if (exitCode !== 0 || timedOut) break;
      }
      return results;
    })(),
  );
}

/** Ok when every check passed; else CHECKS_FAILED naming the first failing check (details.checks: all results). */
export function checksOutcome(results: readonly CheckResult[]): ResultAsync<CheckResult[], DeliveryError> {
  const failed = results.find((r) => !r.passed);
  if (failed === undefined) return okAsync([...results]);
  return errAsync(
    deliveryError(
      'CHECKS_FAILED',
      `Check '${failed.name}' ${failed.timedOut ? 'timed out' : `exited with ${String(failed.exitCode)}`}: ${(
        failed.stderr.trim() || failed.stdout.trim()
      )
        .split('\n')
        .slice(-3)
        .join(' | ')
        .slice(0, 400)}`,
      {
        check: failed.name,
        exitCode: failed.exitCode,
        timedOut: failed.timedOut,
        checks: results.map((r) => ({ ...r })),
      },
    ),
  );
}
