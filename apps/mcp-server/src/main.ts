/**
 * The `worktrain-mcp` bin: parse argv and env, build the engine, serve MCP on stdio or Streamable HTTP.
 * Exit codes: 0 on clean shutdown, 1 when the server cannot start, 2 on usage errors.
 * Heavy modules (MCP SDK, engine, SQLite) are imported only after the arguments are known, so `--help`
 * is instant and startup does no work the chosen mode does not need.
 */
import { readFileSync } from 'node:fs';
import type { EngineError } from '@worktrain/engine';
import { parseInvocation, USAGE } from './args.js';
import { createDeferredLogger } from './deferred-logger.js';
import { describeThrown, silentLogger } from './light.js';

/** Over stdio, the logger is loaded this long after start-up at the latest (ms), handshake or not. */
const LOGGER_FALLBACK_MS = 500;

function readVersion(): string {
  // ../package.json from both src/main.ts and dist/main.js.
  // readFileSync + JSON.parse, not require: the CommonJS loader is not needed on the stdio path.
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
}

async function main(): Promise<number> {
  const parsed = parseInvocation(process.argv.slice(2), process.env, process.cwd());
  if (parsed.isErr()) {
    process.stderr.write(`worktrain-mcp: ${parsed.error.message}\n\n${USAGE}\n`);
    return 2;
  }
  const invocation = parsed.value;
  if (invocation.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const version = readVersion();
  if (invocation.kind === 'version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }

  // Records are held until pino is loaded: over stdio that happens once the handshake is done (or after
  // LOGGER_FALLBACK_MS), so loading the logger does not delay the client's initialize; over HTTP at once.
  const logger = createDeferredLogger();
  let loggerLoad: Promise<void> | undefined;
  const loadLogger = (): Promise<void> => {
    loggerLoad ??= import('./logger.js').then(
      ({ createStderrLogger }) => logger.attach(createStderrLogger(invocation.logLevel)),
      (thrown: unknown) => {
        process.stderr.write(`worktrain-mcp: cannot load the logger: ${describeThrown(thrown)}\n`);
        logger.attach(silentLogger);
      },
    );
    return loggerLoad;
  };
  const stdioModule = invocation.transport === 'stdio' ? import('./stdio.js') : undefined;
  const { createLazyEngine } = await import('./lazy-engine.js');
  let closeStore: () => void = () => undefined;
  let home: string | undefined;
  const lazy = createLazyEngine(async () => {
    const { composeEngine } = await import('./compose.js');
    const composed = composeEngine({
      home: invocation.home,
      env: process.env,
      workflowDirs: invocation.workflowDirs,
      logger: logger.child({ component: 'engine' }),
    });
    if (composed.isErr()) {
      logger.error({ code: composed.error.code, details: composed.error.details }, composed.error.message);
      const failure: EngineError = {
        code: 'STORE_ERROR',
        message: composed.error.message,
        details: { cause: composed.error.code },
      };
      return failure;
    }
    closeStore = composed.value.close;
    home = composed.value.home;
    return composed.value.engine;
  });
  let stopping = false;
  const stopWith = (close: () => Promise<void>) => async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    await loadLogger();
    // Answer the calls already received (their responses are written before the store closes).
    await new Promise((resolve) => setImmediate(resolve));
    await lazy.idle(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    await close().catch(() => undefined);
    closeStore();
    process.exit(0);
  };

  if (stdioModule !== undefined) {
    // The handshake does not wait for the engine: it loads once the client has initialized (or on the
    // first tool call, whichever comes first). If it cannot load, every tool call says why.
    const { startStdioServer } = await stdioModule;
    let shutdown: (reason: string) => Promise<void> = async () => undefined;
    const running = await startStdioServer({
      engine: lazy.engine,
      logger,
      version,
      onInitialized: () => {
        void loadLogger();
        void lazy.ensure().then(() => logger.debug({ home }, 'engine ready'));
      },
      onClose: () => void shutdown('stdin closed'),
    });
    shutdown = stopWith(() => running.close());
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    logger.info(
      { transport: 'stdio', workflowDirs: invocation.workflowDirs, version },
      'worktrain-mcp ready',
    );
    // A client that never completes the handshake still gets its log written.
    setTimeout(() => void loadLogger(), LOGGER_FALLBACK_MS).unref();
    return -1;
  }

  await loadLogger();
  // HTTP: load the engine before listening, so a broken data directory fails the start (exit 1).
  const loaded = await lazy.ensure();
  if ('code' in loaded) {
    process.stderr.write(`worktrain-mcp: ${loaded.message}\n`);
    return 1;
  }
  const { startHttpServer } = await import('./http.js');
  try {
    const running = await startHttpServer({
      engine: lazy.engine,
      logger,
      version,
      port: invocation.port,
      host: invocation.host,
    });
    const shutdown = stopWith(() => running.close());
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    logger.info({ transport: 'http', url: running.url, home, version }, 'worktrain-mcp ready');
    process.stderr.write(`worktrain-mcp listening on ${running.url}\n`);
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    process.stderr.write(
      `worktrain-mcp: cannot listen on ${invocation.host}:${invocation.port}: ${message}\n`,
    );
    closeStore();
    return 1;
  }
  return -1;
}

main().then(
  (code) => {
    // -1: a server is running; the process lives until shutdown.
    if (code >= 0) process.exitCode = code;
  },
  (thrown: unknown) => {
    process.stderr.write(
      `worktrain-mcp: fatal: ${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}\n`,
    );
    process.exitCode = 1;
  },
);
