import type { Logger } from '@worktrain/contracts';
import { pino } from 'pino';

/**
 * A pino logger writing JSON lines to stderr (fd 2): in stdio mode stdout is the protocol channel.
 * Token-like fields are redacted so a debug log never carries advance authority.
 */
export function createStderrLogger(level: string): Logger {
  return pino(
    {
      name: 'worktrain-mcp',
      level,
      redact: {
        paths: ['continueToken', 'checkpointToken', 'resumeToken', 'token', '*.token', 'authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
