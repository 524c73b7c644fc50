import type { Logger } from '@worktrain/contracts';

/** A {@link Logger} that holds its records until the real logger exists. */
export interface DeferredLogger extends Logger {
  /**
   * Hands over the real logger: the records held so far are written to it in the order they were logged
   * (children's included), and every later call goes straight to it. Only the first call counts.
   */
  attach(real: Logger): void;
  /** Records logged and not yet written (0 once attached). */
  readonly held: number;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * A logger to use before the real one is loaded, so loading it (pino: ~15–20 ms of module evaluation on a
 * slow machine) need not delay the MCP handshake. Records are held in memory, at most `maxHeld` of them
 * (default 1 000; older ones are dropped first, and the number dropped is logged as a warning on attach);
 * level filtering and redaction happen in the real logger when the records are written.
 */
export function createDeferredLogger(maxHeld = 1000): DeferredLogger {
  let real: Logger | undefined;
  const held: Array<(root: Logger) => void> = [];
  let dropped = 0;
  const make = (resolve: (root: Logger) => Logger): Logger => {
    let resolved: Logger | undefined;
    const target = (root: Logger): Logger => {
      resolved ??= resolve(root);
      return resolved;
    };
    const write =
      (level: Level) =>
      (fields: Record<string, unknown>, msg?: string): void => {
        if (real !== undefined) {
          target(real)[level](fields, msg);
          return;
        }
        if (held.length >= maxHeld) {
          held.shift();
          dropped++;
        }
        held.push((root) => target(root)[level](fields, msg));
      };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (bindings) => make((root) => target(root).child(bindings)),
    };
  };
  const root = make((r) => r);
  return {
    ...root,
    attach(logger) {
      if (real !== undefined) return;
      real = logger;
      if (dropped > 0) logger.warn({ dropped }, 'log records dropped while the logger was loading');
      for (const record of held.splice(0)) record(logger);
    },
    get held() {
      return held.length;
    },
  };
}
