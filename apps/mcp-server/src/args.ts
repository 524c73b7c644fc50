import { delimiter, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Result, WorkTrainError } from '@worktrain/contracts';
import { err, ok } from 'neverthrow';
import { describeThrown } from './light.js';

/** What `worktrain-mcp` was asked to do, after parsing argv and the environment. */
export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'serve';
      readonly transport: 'stdio' | 'http';
      readonly port: number;
      readonly host: string;
      /** Explicit `--home`, or undefined to use WORKTRAIN_HOME / ~/.worktrain. */
      readonly home: string | undefined;
      /** Absolute workflow directories: `--workflows` flags first, then WORKTRAIN_WORKFLOWS_PATH entries. */
      readonly workflowDirs: readonly string[];
      readonly logLevel: string;
    };

export type UsageError = WorkTrainError<'USAGE'>;

export const USAGE = `worktrain-mcp — WorkTrain workflows for any MCP client

Usage: worktrain-mcp [options]

Options:
  --transport <stdio|http>  Transport (default: stdio)
  --port <n>                HTTP port (default: 3100)
  --host <addr>             HTTP bind address (default: 127.0.0.1)
  --workflows <dir>         Extra workflow directory; repeatable
  --home <dir>              Data directory (default: $WORKTRAIN_HOME, else ~/.worktrain)
  --log-level <level>       fatal|error|warn|info|debug|trace|silent (default: info; logs go to stderr)
  -h, --help                Show this help
  -v, --version             Show the version

Environment:
  WORKTRAIN_HOME             Data directory (database, keys)
  WORKTRAIN_WORKFLOWS_PATH   Extra workflow directories, separated by "${delimiter}"
  WORKTRAIN_LOG_LEVEL        Same as --log-level

Workflows are loaded from the bundled library, $WORKTRAIN_HOME/workflows, the directories above, and
<workspacePath>/.worktrain/workflows/ of the workspace each request names.`;

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function usage(message: string): Result<Invocation, UsageError> {
  return err({ code: 'USAGE', message });
}

/**
 * Parses argv (without node and script) and the environment. Pure: no filesystem access.
 * Errors (code USAGE) name the bad flag or value; the bin prints them and exits 2.
 */
export function parseInvocation(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Result<Invocation, UsageError> {
  let values: ReturnType<typeof parseFlags>;
  try {
    values = parseFlags(argv);
  } catch (thrown) {
    return usage(describeThrown(thrown));
  }
  if (values.help) return ok({ kind: 'help' });
  if (values.version) return ok({ kind: 'version' });
  const transport = values.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') {
    return usage(`--transport must be "stdio" or "http", got "${transport}"`);
  }
  const portText = values.port ?? '3100';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 0 || port > 65_535) {
    return usage(`--port must be an integer from 0 to 65535, got "${portText}"`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host.length === 0) return usage('--host must not be empty');
  if (transport === 'stdio' && (values.port !== undefined || values.host !== undefined)) {
    return usage('--port and --host apply only with --transport http');
  }
  const logLevel = values['log-level'] ?? env.WORKTRAIN_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.has(logLevel))
    return usage(`--log-level must be one of ${[...LOG_LEVELS].join(', ')}, got "${logLevel}"`);
  const flagDirs = values.workflows ?? [];
  if (flagDirs.some((d) => d.length === 0)) return usage('--workflows needs a directory');
  const envDirs = (env.WORKTRAIN_WORKFLOWS_PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  const toAbsolute = (d: string) => (isAbsolute(d) ? d : resolve(cwd, d));
  const home = values.home === undefined ? undefined : toAbsolute(values.home);
  if (home === '') return usage('--home needs a directory');
  return ok({
    kind: 'serve',
    transport,
    port,
    host,
    home,
    workflowDirs: [...new Set([...flagDirs, ...envDirs].map(toAbsolute))],
    logLevel,
  });
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      transport: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      workflows: { type: 'string', multiple: true },
      home: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  }).values;
}
