/** The tool port: what the agent loop offers the model, and what a tool sees when it runs. */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import type { ActionGateDecision } from '../loop/action-gate.js';
import type { ToolDefinition } from '../model/provider.js';

/** The agent's output for the current step (the `complete_step` tool's input, validated). */
export interface StepOutput {
  readonly notesMarkdown?: string;
  readonly artifacts?: readonly JsonValue[];
  readonly context?: JsonObject;
}

/** What the loop answers to `complete_step`: the text for the model and whether the step advanced. */
export interface StepCompletion {
  readonly content: string;
  readonly isError: boolean;
}

/** Session-side effects tools may trigger; implemented by the session loop. */
export interface SessionHooks {
  /** Submits the step output to the engine (continue_workflow). */
  completeStep(output: StepOutput): Promise<StepCompletion>;
  /** Records an `issue_reported` event. */
  reportIssue(issue: {
    readonly severity: 'info' | 'warning' | 'error' | 'fatal';
    readonly summary: string;
    readonly details?: string;
  }): Promise<void>;
  /** Sends a signal to the coordinator (recorded as a decision trace; forwarded when a handler is set). */
  signalCoordinator(signal: {
    readonly kind: string;
    readonly message: string;
    readonly data?: JsonValue;
  }): Promise<void>;
  /**
   * Records what the OS sandbox refused while a command ran (a `decision_trace` event
   * `sandbox_network_denied` / `sandbox_limit_hit`). Optional for hosts that keep no session log.
   */
  recordSandboxEvent?(event: SandboxEvent): Promise<void>;
}

/** What the sandbox refused during one command. */
export type SandboxEvent =
  | { readonly kind: 'network_denied'; readonly host: string; readonly port: number; readonly reason: string }
  | { readonly kind: 'limit_hit'; readonly limit: 'memory' | 'processes' };

export interface ToolContext {
  /** The worktree (may have been deleted meanwhile: tools check with `worktreeRoot`). */
  readonly worktree: string;
  readonly sessionId: string;
  /** Fires on cancellation (kill switch) and budget stops; tools stop work and kill children. */
  readonly signal: AbortSignal;
  readonly hooks: SessionHooks;
  /** The model's `tool_use` id of this call (absent when a tool runs outside the agent loop). */
  readonly toolUseId?: string;
  /**
   * Asks the session's action gate (`RunSessionOptions.actionGate`) whether a command may run; it may wait
   * for a person's decision (hours). Absent when the session has no gate: every command may run. After it
   * resolves, check `signal` first: a session killed while waiting is answered with a refusal.
   */
  readonly gate?: (request: {
    readonly kind: 'run_command';
    readonly command: string;
  }) => Promise<ActionGateDecision>;
}

/** A tool's answer. `content` is shown to the model (capped and marked when truncated by the loop). */
export interface ToolResult {
  readonly content: string;
  readonly isError: boolean;
}

/** One tool the model can call. `input` is untrusted: every tool validates it (zod). */
export interface AgentTool {
  readonly definition: ToolDefinition;
  execute(input: JsonObject, context: ToolContext): Promise<ToolResult>;
}

/** Caps shared by the tools. Units: bytes / characters / ms as named. */
export interface ToolLimits {
  /** Largest file `read_file` returns without a line range, in bytes (default 256 KiB). */
  readonly maxReadBytes: number;
  /** Largest content `write_file` / `edit_file` writes, in bytes (default 4 MiB). */
  readonly maxWriteBytes: number;
  /** Characters of a tool result kept for the model (default 30 000); the rest is cut with a marker. */
  readonly maxResultChars: number;
  /** Default bash timeout in ms (default 120 000) and the largest a call may ask for (default 600 000). */
  readonly bashTimeoutMs: number;
  readonly bashMaxTimeoutMs: number;
  /** Max glob/grep results (default 500). */
  readonly maxMatches: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLimits = {
  maxReadBytes: 256 * 1024,
  maxWriteBytes: 4 * 1024 * 1024,
  maxResultChars: 30_000,
  bashTimeoutMs: 120_000,
  bashMaxTimeoutMs: 600_000,
  maxMatches: 500,
};

/** Cuts `text` to `max` characters keeping head and tail, with a marker saying how much was removed. */
export function truncateMiddle(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const keepHead = Math.floor(max * 0.6);
  const keepTail = Math.max(0, max - keepHead);
  const removed = text.length - keepHead - keepTail;
  return {
    text: `${text.slice(0, keepHead)}\n…[truncated ${removed} characters]…\n${keepTail > 0 ? text.slice(-keepTail) : ''}`,
    truncated: true,
  };
}

/** A tool error result (the model sees it and can correct itself). */
export function toolError(message: string): ToolResult {
  return { content: message, isError: true };
}
