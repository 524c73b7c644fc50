/**
 * A {@link SandboxRunner} over `Sandbox.wrap`: a fresh sandbox per command. The Seatbelt and `none`
 * backends open this one (Seatbelt profiles cost little to apply, and there is nothing to keep warm);
 * bubblewrap opens the long-lived one in `warm.ts`. The command leads its own process group, so a timeout,
 * an abort or its end kills it and every job it left behind (SIGKILL to the group), then `release()`
 * kills what is left in its cgroup.
 */
import { StringDecoder } from 'node:string_decoder';
import {
  err,
  ok,
  type Result,
  type Sandbox,
  type SandboxError,
  type SandboxPolicy,
  type SandboxRunner,
  type SandboxRunRequest,
  type SandboxRunResult,
} from '@worktrain/contracts';
import { execa } from 'execa';

/** Sends SIGKILL to a process group; a group already gone is fine. */
export function killProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs one command wrapped by `wrap` (see the module comment). */
export async function runWrapped(
  wrap: Sandbox['wrap'],
  policy: SandboxPolicy,
  request: SandboxRunRequest,
): Promise<Result<SandboxRunResult, SandboxError>> {
  const started = performance.now();
  const wrapped = await wrap({ argv: request.argv, cwd: request.cwd, env: request.env }, policy);
  if (wrapped.isErr()) return err(wrapped.error);
  const command = wrapped.value;
  const child = execa(command.file, [...command.args], {
    cwd: request.cwd,
    env: { ...command.env },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    detached: true,
    buffer: false,
    stripFinalNewline: false,
  });
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    const decoder = new StringDecoder('utf8');
    stream?.on('data', (chunk: Buffer) => request.onOutput?.(name, decoder.write(chunk)));
    stream?.on('end', () => {
      const rest = decoder.end();
      if (rest !== '') request.onOutput?.(name, rest);
    });
  }
  let timedOut = false;
  let aborted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killProcessGroup(child.pid);
  }, request.timeoutMs);
  const onAbort = (): void => {
    aborted = true;
    killProcessGroup(child.pid);
  };
  if (request.signal?.aborted === true) onAbort();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  const result = await child;
  clearTimeout(timer);
  request.signal?.removeEventListener('abort', onAbort);
  killProcessGroup(child.pid); // background jobs the command left behind
  const report = await command.release();
  return ok({
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut,
    aborted,
    durationMs: Math.round(performance.now() - started),
    report,
  });
}

/** A runner that wraps each command afresh (no state to close but what `wrap` returns per command). */
export function createWrappedRunner(wrap: Sandbox['wrap'], policy: SandboxPolicy): SandboxRunner {
  return {
    run: (request) => runWrapped(wrap, policy, request),
    close: async () => undefined,
  };
}
