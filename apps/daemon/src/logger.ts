import type { Logger } from '@worktrain/contracts';
import { pino } from 'pino';

/**
 * JSON-lines logger to stderr and `<logsDir>/daemon.log` (read by `worktrain logs`). Token-like fields are
 * redacted; secrets never reach the log.
 */
export function createDaemonLogger(level: string, logFile: string): Logger {
  return pino(
    {
      name: 'worktrain-daemon',
      level,
      redact: {
        paths: ['token', '*.token', 'apiKey', '*.apiKey', 'authorization', 'continueToken', 'gateToken'],
        censor: '[redacted]',
      },
    },
    pino.multistream([
      { stream: pino.destination({ fd: 2, sync: true }), level: level as pino.Level },
      { stream: pino.destination({ dest: logFile, sync: true, mkdir: true }), level: level as pino.Level },
    ]),
  );
}
