/**
 * The logging port: the subset of pino's API packages use. Pass a pino logger (or `child()` of one);
 * tests can pass {@link silentLogger}. Fields are structured (`sessionId`, `taskId`, …), never secrets.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, msg?: string): void;
  info(fields: Record<string, unknown>, msg?: string): void;
  warn(fields: Record<string, unknown>, msg?: string): void;
  error(fields: Record<string, unknown>, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
