/**
 * The `bash` tool: runs a command with `bash -c` in the worktree, with a timeout, an output cap and a
 * scrubbed environment. The child leads its own process group so a timeout or the kill switch kills the
 * command and everything it started (SIGKILL to the group). stdin is closed so nothing waits for input.
 * With `sandbox` and `policy` set (the daemon always sets them), the command runs under the OS sandbox
 * (`Sandbox` port of `@worktrain/contracts`): what the sandbox refused (connections outside the network
 * allowlist, a memory or process limit reached) is appended to the result and reported through
 * `context.hooks.recordSandboxEvent`. Without them it runs unconfined, as the daemon's user.
 * When the session has an action gate (`ToolContext.gate`), the command is cleared with it before it is
 * spawned; a refusal is a tool error the model sees: "command refused by <actor>: <reason>".
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SANDBOX_LIMITS,
  type Sandbox,
  type SandboxPolicy,
  type SandboxReport,
  type SandboxRunner,
  sha256Hex,
} from '@worktrain/contracts';
import * as z from 'zod';
import { createUnconfinedSandbox } from '../sandbox/create.js';
import { createWrappedRunner } from '../sandbox/runner.js';
import { buildToolEnv } from './env.js';
import { worktreeRoot } from './sandbox.js';
import {
  type AgentTool,
  DEFAULT_TOOL_LIMITS,
  type ToolContext,
  type ToolLimits,
  toolError,
  truncateMiddle,
} from './types.js';

export interface BashToolOptions {
  readonly limits?: Partial<ToolLimits>;
  /** HOME of the child; default a private per-worktree directory under the OS temp dir. */
  readonly home?: string;
  /** Extra variables for the child (secret-looking names are dropped). */
  readonly env?: Readonly<Record<string, string>>;
  /** Parent environment to take allow-listed variables from (default `process.env`). */
  readonly parentEnv?: NodeJS.ProcessEnv;
  /** The OS sandbox every command runs in; unconfined when absent. */
  readonly sandbox?: Sandbox;
  /** The session's sandbox policy (worktree, private HOME/TMPDIR, hidden paths, network, limits). */
  readonly policy?: SandboxPolicy;
  /**
   * The session's long-lived sandbox (`Sandbox.open(policy)`); the daemon passes it so a command costs a
   * fork, not a new sandbox. Without it, `sandbox` and `policy` sandbox each command afresh.
   */
  readonly runner?: SandboxRunner;
}

/** The policy of an unconfined run: only HOME and TMPDIR matter (the `none` backend sets them). */
function unconfinedPolicy(worktree: string, home: string): SandboxPolicy {
  return {
    worktree,
    home,
    tmp: tmpdir(),
    hidden: [],
    readOnly: [],
    networkAllow: [],
    limits: DEFAULT_SANDBOX_LIMITS,
  };
}

const InputSchema = z.object({
  command: z.string().min(1).max(100_000),
  timeoutMs: z.number().int().positive().optional(),
});

/** Collects a stream's text keeping the first and last `max` characters and the count of the rest. */
class HeadTailCollector {
  private head = '';
  private tail = '';
  private dropped = 0;

  constructor(private readonly max: number) {}

  push(chunk: string): void {
    if (this.head.length < this.max) {
      const room = this.max - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (chunk === '') return;
    this.tail += chunk;
    if (this.tail.length > this.max) {
      this.dropped += this.tail.length - this.max;
      this.tail = this.tail.slice(-this.max);
    }
  }

  /** The text, with a marker where characters were dropped (then cut again by the caller's cap). */
  text(): string {
    return this.dropped === 0
      ? this.head + this.tail
      : `${this.head}\n…[${this.dropped} characters not kept]…\n${this.tail}`;
  }
}

/** Notes for the model about what the sandbox refused, each also recorded as a session event. */
async function sandboxNotes(report: SandboxReport, context: ToolContext): Promise<string[]> {
  const notes: string[] = [];
  for (const d of report.networkDenied) {
    notes.push(`[sandbox: connection to ${d.host}:${d.port} refused (${d.reason})]`);
    await context.hooks.recordSandboxEvent?.({
      kind: 'network_denied',
      host: d.host,
      port: d.port,
      reason: d.reason,
    });
  }
  if (report.memoryLimitHit) {
    notes.push('[sandbox: the memory limit was reached; the kernel killed a process of the command]');
    await context.hooks.recordSandboxEvent?.({ kind: 'limit_hit', limit: 'memory' });
  }
  if (report.processLimitHit) {
    notes.push('[sandbox: the process limit was reached; new processes were refused]');
    await context.hooks.recordSandboxEvent?.({ kind: 'limit_hit', limit: 'processes' });
  }
  return notes;
}

/** Creates the `bash` tool. */
export function createBashTool(options: BashToolOptions = {}): AgentTool {
  const limits = { ...DEFAULT_TOOL_LIMITS, ...options.limits };
  return {
    definition: {
      name: 'bash',
      description:
        'Run a shell command (bash -c) in the worktree root. stdout and stderr are combined; long output is cut in the middle. ' +
        `Default timeout ${limits.bashTimeoutMs} ms (max ${limits.bashMaxTimeoutMs}). No credentials are available in the environment.`,
      inputSchema: {
        type: 'object',
        properties: {
          command: { type: 'string', description: 'The command line.' },
          timeoutMs: { type: 'integer', description: 'Timeout in milliseconds.' },
        },
        required: ['command'],
      },
    },
    async execute(input, context) {
      const parsed = InputSchema.safeParse(input);
      if (!parsed.success)
        return toolError(`Invalid input: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      const root = worktreeRoot(context.worktree);
      if (root.isErr()) return toolError(root.error.message);
      const timeoutMs = Math.min(parsed.data.timeoutMs ?? limits.bashTimeoutMs, limits.bashMaxTimeoutMs);
      // Sandboxed: the policy's private HOME (under $WORKTRAIN_HOME/sandbox); else one under the OS temp dir.
      const home =
        options.policy?.home ??
        options.home ??
        join(tmpdir(), 'worktrain-agent-home', sha256Hex(root.value).slice(0, 16));
      mkdirSync(home, { recursive: true });
      const { env } = buildToolEnv({
        parent: options.parentEnv ?? process.env,
        home,
        ...(options.env === undefined ? {} : { extras: options.env }),
      });
      if (context.signal.aborted) return toolError('The session was cancelled before the command ran.');
      // The blast-radius policy first (it may wait for a person); nothing is spawned before it allows.
      if (context.gate !== undefined) {
        const decision = await context.gate({ kind: 'run_command', command: parsed.data.command });
        if (context.signal.aborted)
          return toolError(
            'The session was cancelled while the command waited for approval; it did not run.',
          );
        if (!decision.allowed) return toolError(`command refused by ${decision.actor}: ${decision.reason}`);
      }
      // One path for every mode: the session's long-lived sandbox (the daemon), a sandbox per command
      // (a sandbox and a policy without a runner), or unconfined, each as a SandboxRunner.
      const runner =
        options.runner ??
        (options.sandbox !== undefined && options.policy !== undefined
          ? createWrappedRunner(options.sandbox.wrap, { ...options.policy, worktree: root.value })
          : createWrappedRunner(createUnconfinedSandbox().wrap, unconfinedPolicy(root.value, home)));
      // Keep the head and the tail of the output without buffering all of it, and never stop a command
      // because it is verbose (a test run may print megabytes).
      const output = new HeadTailCollector(limits.maxResultChars);
      const ran = await runner.run({
        argv: ['bash', '-c', parsed.data.command],
        cwd: root.value,
        env,
        timeoutMs,
        signal: context.signal,
        onOutput: (_stream, chunk) => output.push(chunk),
      });
      if (ran.isErr()) return toolError(`The sandbox refused to start the command: ${ran.error.message}`);
      const result = ran.value;
      const cut = truncateMiddle(output.text(), limits.maxResultChars);
      const notes = await sandboxNotes(result.report, context);
      if (result.timedOut)
        return toolError(
          `${cut.text}\n${[...notes, `[command timed out after ${timeoutMs} ms; its process group was killed]`].join('\n')}`,
        );
      if (result.aborted || context.signal.aborted)
        return toolError(`${cut.text}\n[command killed: the session was cancelled]`);
      const code = result.exitCode;
      const status = code === null ? `[killed by ${result.signal ?? 'signal'}]` : `[exit code ${code}]`;
      return {
        content: `${cut.text}${cut.text.endsWith('\n') || cut.text === '' ? '' : '\n'}${[...notes, status].join('\n')}`,
        isError: code !== 0,
      };
    },
  };
}
