/**
 * The `Sandbox` port (DESIGN §7): every process the agent causes — its `bash` tool, the checks and test
 * commands the runtime runs on its work — is started through one of these, so it runs under an OS sandbox
 * (bubblewrap on Linux, Seatbelt `sandbox-exec` on macOS). The port lives here because two packages of the
 * same layer use it (the agent's tools and delivery's checks); the adapters live in `@worktrain/agent`
 * and the runtime injects the one it built into both.
 *
 * The model is "wrap, then spawn": {@link Sandbox.wrap} turns a command into the argv/env that runs it
 * confined, the caller spawns that with its own process handling (timeouts, output caps), and calls
 * {@link SandboxedCommand.release} once the process ended, which kills anything left, frees the cgroup and
 * stops the network proxy, and reports what the sandbox refused.
 */
import * as z from 'zod';
import type { WorkTrainError } from './errors.js';
import type { Result } from './result.js';

/** Which OS mechanism confines commands. `none` runs them unconfined (mode `off`, never a default). */
export type SandboxBackendKind = 'bubblewrap' | 'seatbelt' | 'none';

/**
 * Error codes of the sandbox:
 * - SANDBOX_UNAVAILABLE: no working backend (details.reasons: what each probe found, details.fix: how to fix)
 *   — with mode `enforce` agent sessions fail closed on it;
 * - SANDBOX_UNSUPPORTED_PLATFORM: Windows (details.platform);
 * - SANDBOX_POLICY_INVALID: a path of the policy is not absolute or does not exist (details.path);
 * - SANDBOX_SETUP_FAILED: the proxy or cgroup of one command could not be set up (details.cause).
 */
export type SandboxErrorCode =
  | 'SANDBOX_UNAVAILABLE'
  | 'SANDBOX_UNSUPPORTED_PLATFORM'
  | 'SANDBOX_POLICY_INVALID'
  | 'SANDBOX_SETUP_FAILED';
export type SandboxError = WorkTrainError<SandboxErrorCode>;

/** Resource limits of one sandboxed command (and everything it starts). */
export interface SandboxLimits {
  /** Memory of the whole process tree, bytes (cgroup `memory.max` / `memory.limit_in_bytes`). */
  readonly memoryBytes: number;
  /** Processes and threads of the whole tree (cgroup `pids.max`); a fork bomb stops here. */
  readonly maxProcesses: number;
}

/**
 * What one sandboxed command may see and do. Paths are absolute. Anything not named stays as the system
 * shows it to the daemon's user, read-only, except the {@link hidden} paths, which appear as empty folders.
 */
export interface SandboxPolicy {
  /** The session's worktree: read-write. */
  readonly worktree: string;
  /** The worktree's git admin folder (`<common dir>/worktrees/<name>`: index, HEAD): read-write. */
  readonly gitAdminDir?: string;
  /** The repository's git common dir: read-only (objects and refs readable; config and hooks never writable). */
  readonly gitCommonDir?: string;
  /** Private HOME of the command: read-write, created by the caller, outside the worktree. */
  readonly home: string;
  /** Private TMPDIR of the command: read-write, created by the caller, outside the worktree. */
  readonly tmp: string;
  /** Folders replaced by empty ones ($WORKTRAIN_HOME, the user's home, other secrets). */
  readonly hidden: readonly string[];
  /** Read-only folders made visible again although under a hidden one (toolchains under the home, the installation). */
  readonly readOnly: readonly string[];
  /** Host names (or `*.suffix`, or `host:port`) reachable through the filtering proxy; empty: no network. */
  readonly networkAllow: readonly string[];
  readonly limits: SandboxLimits;
}

/** A command to run confined: argv (no shell unless argv names one), working directory and environment. */
export interface SandboxCommandRequest {
  readonly argv: readonly [string, ...string[]];
  /** Inside the worktree (or the worktree itself). */
  readonly cwd: string;
  /** The command's whole environment (the sandbox adds HOME, TMPDIR and proxy variables). */
  readonly env: Readonly<Record<string, string>>;
}

/** A connection the sandbox's proxy refused. */
export interface SandboxNetworkDenial {
  readonly host: string;
  readonly port: number;
  /** Why: not in the allowlist, or a malformed request. */
  readonly reason: string;
}

/** What the sandbox saw while one command ran. */
export interface SandboxReport {
  readonly backend: SandboxBackendKind;
  readonly networkDenied: readonly SandboxNetworkDenial[];
  /** True when the memory limit was reached (the kernel's OOM killer acted inside the sandbox). */
  readonly memoryLimitHit: boolean;
  /** True when the process limit was reached (a fork failed with EAGAIN inside the sandbox). */
  readonly processLimitHit: boolean;
}

/** The wrapped command: spawn `file` with `args` and exactly `env`, then call `release()` once it ended. */
export interface SandboxedCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Kills whatever of the command is left, frees its cgroup and proxy, and says what was refused. Idempotent. */
  release(): Promise<SandboxReport>;
}

/** What a backend is and can do, for `doctor`, `sessions show` and events. */
export interface SandboxInfo {
  readonly backend: SandboxBackendKind;
  /** True unless the backend is `none`. */
  readonly enforced: boolean;
  /** The backend's version (`bubblewrap 0.8.0`), or null. */
  readonly version: string | null;
  /** Which limits bind: `cgroup-v2`, `cgroup-v1` or `none` (then only the timeout and output caps apply). */
  readonly limits: 'cgroup-v2' | 'cgroup-v1' | 'none';
  /** Human-readable caveats (limits unavailable, mode off). */
  readonly warnings: readonly string[];
}

/** One command for a {@link SandboxRunner}: what to run, for how long, and where its output goes. */
export interface SandboxRunRequest extends SandboxCommandRequest {
  /** ms; the command and everything it started are killed (SIGKILL) after this. */
  readonly timeoutMs: number;
  /** Aborting kills the command the same way (the session's kill switch). */
  readonly signal?: AbortSignal;
  /** Output as it arrives, decoded as UTF-8 (chunks may split lines; never split a character). */
  readonly onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
}

/** How a {@link SandboxRunner} command ended. */
export interface SandboxRunResult {
  /** The exit code, or null when a signal ended it (then {@link signal} names it). */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** True when {@link SandboxRunRequest.timeoutMs} passed and the command was killed. */
  readonly timedOut: boolean;
  /** True when {@link SandboxRunRequest.signal} aborted it. */
  readonly aborted: boolean;
  /** ms from the request to the end of its output. */
  readonly durationMs: number;
  readonly report: SandboxReport;
}

/**
 * Runs a session's commands in one long-lived sandbox: namespaces, mounts, cgroup and network proxy are set
 * up once (by `Sandbox.open`), so each command costs a fork inside it rather than a new sandbox (issue 12:
 * start-up under 15 ms per command). After each command its process group is killed, and when no other
 * command is running every process left in the sandbox too, so a `setsid`/`nohup` job does not outlive it.
 * Memory and process limits bind the whole session (the sum of its commands), not one command.
 */
export interface SandboxRunner {
  /**
   * Runs one command; concurrent calls run concurrently. Errors: SANDBOX_POLICY_INVALID (cwd outside the
   * worktree), SANDBOX_SETUP_FAILED (the sandbox could not be (re)started). A command that fails is a
   * result with its exit code, never an error. If the sandbox itself dies (a command killed it, the OOM
   * killer), running commands end with exit code null and the next call starts a fresh one.
   */
  run(request: SandboxRunRequest): Promise<Result<SandboxRunResult, SandboxError>>;
  /** Kills everything still running in the sandbox and frees its cgroup and proxy. Idempotent. */
  close(): Promise<void>;
}

/** The port. Implementations: `createSandbox()` in `@worktrain/agent` (bubblewrap, seatbelt, none). */
export interface Sandbox {
  readonly info: SandboxInfo;
  /** Wraps one command; errors are SANDBOX_POLICY_INVALID or SANDBOX_SETUP_FAILED. Nothing is spawned yet. */
  wrap(
    request: SandboxCommandRequest,
    policy: SandboxPolicy,
  ): Promise<Result<SandboxedCommand, SandboxError>>;
  /**
   * Opens a {@link SandboxRunner} for one session's policy (the agent's bash tool). A fresh sandbox per
   * command ({@link wrap}) stays the choice where the result is evidence (delivery checks): commands of a
   * long-lived sandbox share it, so an earlier one could tamper with what a later one reports. Errors as
   * {@link wrap}'s.
   */
  open(policy: SandboxPolicy): Promise<Result<SandboxRunner, SandboxError>>;
}

/** Default limits: 2 GiB of memory and 512 processes per command. */
export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: 2 * 1024 ** 3, maxProcesses: 512 };

const HostPattern = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/,
    'a host name, `*.domain`, `host:port` or `[ipv6]:port` (no scheme, no path)',
  );

/**
 * `sandbox:` in config.yaml (and `sandbox.network.allow` per trigger in triggers.yaml). `mode: enforce` is
 * the default; `off` must be written explicitly and is warned about at start, in doctor, in `sessions show`
 * and in each session's log.
 */
export const SandboxConfigSchema = z.strictObject({
  mode: z.enum(['enforce', 'off']).default('enforce'),
  network: z
    .strictObject({
      /** Hosts reachable through the filtering proxy (`registry.npmjs.org`, `*.github.com`, `host:port`). */
      allow: z.array(HostPattern).max(200).default([]),
    })
    .default({ allow: [] }),
  limits: z
    .strictObject({
      /** bytes; default 2 GiB. */
      memoryBytes: z
        .number()
        .int()
        .min(64 * 1024 ** 2)
        .default(DEFAULT_SANDBOX_LIMITS.memoryBytes),
      /** default 512. */
      maxProcesses: z.number().int().min(16).max(1_000_000).default(DEFAULT_SANDBOX_LIMITS.maxProcesses),
    })
    .default({ ...DEFAULT_SANDBOX_LIMITS }),
  /** More absolute paths to hide from commands (besides $WORKTRAIN_HOME and the home folders). */
  hide: z.array(z.string().startsWith('/')).max(100).default([]),
  /** More absolute paths to show read-only although under a hidden folder (a toolchain not on PATH). */
  readOnly: z.array(z.string().startsWith('/')).max(100).default([]),
});
export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;

/** Per-trigger sandbox settings (triggers.yaml): only the network allowlist, added to the global one. */
export const TriggerSandboxSchema = z.strictObject({
  network: z.strictObject({ allow: z.array(HostPattern).max(200).default([]) }).default({ allow: [] }),
});
export type TriggerSandbox = z.infer<typeof TriggerSandboxSchema>;

/** Splits an allowlist entry or a request target into host and optional port (`[::1]:80`, `a.b:443`, `a.b`). */
export function splitHostPort(target: string): { host: string; port: number | undefined } {
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(target);
  if (v6 !== null)
    return { host: (v6[1] ?? '').toLowerCase(), port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(target);
  if (m === null) return { host: target.toLowerCase(), port: undefined };
  return { host: (m[1] ?? '').toLowerCase(), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * True when `host:port` matches one allowlist entry: `example.com` (any port), `example.com:443`,
 * `*.example.com` (subdomains only, not the apex), `[::1]:8080`. Host names compare case-insensitively.
 */
export function hostAllowed(allow: readonly string[], host: string, port: number): boolean {
  const wanted = splitHostPort(host.startsWith('[') ? host : host.includes(':') ? `[${host}]` : host).host;
  return allow.some((entry) => {
    const rule = splitHostPort(entry);
    if (rule.port !== undefined && rule.port !== port) return false;
    if (rule.host.startsWith('*.')) return wanted.endsWith(rule.host.slice(1));
    return wanted === rule.host;
  });
}
