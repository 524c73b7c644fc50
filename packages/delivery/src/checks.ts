import {
  errAsync,
  okAsync,
  ResultAsync,
  type Sandbox,
  type SandboxPolicy,
  type SandboxReport,
} from '@worktrain/contracts';
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
  /** What the sandbox refused while the check ran (null when it ran unconfined). */
  readonly sandbox: {
    backend: string;
    networkDenied: { host: string; port: number }[];
    memoryLimitHit: boolean;
    processLimitHit: boolean;
  } | null;
}

/** The OS sandbox checks run in (the daemon's, injected by the runtime) and the session's policy. */
export interface ChecksSandbox {
  readonly sandbox: Sandbox;
  readonly policy: SandboxPolicy;
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
 * check. With `sandboxed` (the daemon always passes it) each check runs under the OS sandbox with the
 * session's policy, since a check executes the agent's code (a test can be a prompt-injected payload);
 * a sandbox that cannot start a check fails that check (exit null, its message as stderr). Output is
 * capped and redacted (`secrets` literally, plus the non-generic `SECRET_RULES`). A failed run is not an
 * error here; {@link checksOutcome} turns results into CHECKS_FAILED.
 */
export function runChecks(
  worktree: string,
  checks: readonly DeliveryCheck[],
  secrets: readonly string[] = [],
  sandboxed?: ChecksSandbox,
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
        const env = { ...base, ...check.env, CI: 'true' };
        let file = '/bin/sh';
        let args: readonly string[] = ['-c', check.command];
        let childEnv: Readonly<Record<string, string>> = env;
        let release: (() => Promise<SandboxReport>) | undefined;
        if (sandboxed !== undefined) {
          const wrapped = await sandboxed.sandbox.wrap(
            { argv: ['/bin/sh', '-c', check.command], cwd: worktree, env },
            { ...sandboxed.policy, worktree },
          );
          if (wrapped.isErr()) {
            results.push({
              name: check.name,
              command: check.command,
              exitCode: null,
              timedOut: false,
              durationMs: Math.round(performance.now() - started),
              stdout: '',
              stderr: `The sandbox refused to start the check: ${wrapped.error.message}`,
              passed: false,
              sandbox: null,
            });
            break;
          }
          ({ file, args, env: childEnv } = wrapped.value);
          release = () => wrapped.value.release();
        }
        const run = await execa(file, args, {
          cwd: worktree,
          env: childEnv,
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
          timeout: check.timeoutMs ?? 600_000,
          killSignal: 'SIGKILL',
          cleanup: true,
          maxBuffer: 64 * 1024 * 1024,
        });
        const report = await release?.();
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
          sandbox:
            report === undefined
              ? null
              : {
                  backend: report.backend,
                  networkDenied: report.networkDenied.map((d) => ({ host: d.host, port: d.port })),
                  memoryLimitHit: report.memoryLimitHit,
                  processLimitHit: report.processLimitHit,
                },
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
