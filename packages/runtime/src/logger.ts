/**
 * The one logger factory of WorkTrain's processes that run the runtime (the `worktrain-daemon` bin, and the
 * CLI's `daemon run` and in-process `run`/`sessions continue`): pino, JSON lines appended to the daemon's
 * log file (`<home>/logs/daemon.log`, read by `worktrain logs`), optionally to stderr too, with one list of
 * redaction paths so a token never reaches a log line.
 */
import type { Logger } from '@worktrain/contracts';
import { pino } from 'pino';

/** Fields (and fields one level down) whose values are replaced by `[redacted]` in every log line. */
export const LOG_REDACT_PATHS: readonly string[] = [
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  'continueToken',
  'gateToken',
];

/** The levels a WorkTrain log accepts, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export interface WorktrainLoggerOptions {
  /** pino's `name` field of every line, e.g. `worktrain-daemon`. */
  readonly name: string;
  /** One of {@link LOG_LEVELS}; anything else (an unset or mistyped `WORKTRAIN_LOG_LEVEL`) means `info`. */
  readonly level: string;
  /** The JSON-lines file, appended to synchronously (its directory is created when missing). */
  readonly file: string;
  /** Also write every line to stderr (the daemon bin does; the CLI keeps stderr for its own messages). */
  readonly stderr?: boolean;
  /** Fields on every line, e.g. `{ component: 'run' }`. */
  readonly bindings?: Record<string, unknown>;
}

/**
 * A pino logger as {@link Logger}. Lines have pino's shape (`level` as a number, `time` in ms since the
 * epoch, `pid`, `hostname`, `name`, the fields, `msg`). Throws only when `file` cannot be opened.
 */
export function createWorktrainLogger(options: WorktrainLoggerOptions): Logger {
  const level: string = (LOG_LEVELS as readonly string[]).includes(options.level) ? options.level : 'info';
  const file = pino.destination({ dest: options.file, sync: true, mkdir: true });
  const logger = pino(
    {
      name: options.name,
      level,
      redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    },
    options.stderr === true
      ? pino.multistream([
          { stream: pino.destination({ fd: 2, sync: true }), level: level as pino.Level },
          { stream: file, level: level as pino.Level },
        ])
      : file,
  );
  return options.bindings !== undefined ? logger.child(options.bindings) : logger;
}
