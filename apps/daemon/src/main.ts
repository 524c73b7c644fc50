/**
 * The `worktrain-daemon` bin: argv → config → `createRuntime` → `start()`; SIGTERM/SIGINT drain and stop.
 * Exit codes: 0 clean shutdown, 1 cannot start, 2 usage. While it listens the runtime keeps
 * `<home>/daemon.json` ({pid, url, port, home, startedAt}) so `worktrain daemon status|stop` can find it.
 */
import { createRequire } from 'node:module';
import { parseInvocation, USAGE } from './args.js';

function readVersion(): string {
  const pkg: unknown = createRequire(import.meta.url)('../package.json');
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
}

async function main(): Promise<number> {
  const parsed = parseInvocation(process.argv.slice(2), process.env);
  if (parsed.isErr()) {
    process.stderr.write(`worktrain-daemon: ${parsed.error.message}\n\n${USAGE}\n`);
    return 2;
  }
  const inv = parsed.value;
  if (inv.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (inv.kind === 'version') {
    process.stdout.write(`${readVersion()}\n`);
    return 0;
  }
  const { resolveWorktrainPaths } = await import('@worktrain/contracts');
  const { createRuntime, createWorktrainLogger, loadRuntimeConfig } = await import('@worktrain/runtime');
  const { mkdirSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');

  const paths = resolveWorktrainPaths({
    ...(inv.home !== undefined ? { home: inv.home } : {}),
    env: process.env,
  });
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const logger = createWorktrainLogger({
    name: 'worktrain-daemon',
    level: inv.logLevel,
    file: join(paths.logs, 'daemon.log'),
    stderr: true,
  });
  const loaded = loadRuntimeConfig({
    configPath: inv.config !== undefined ? resolve(inv.config) : paths.config,
    envFile: paths.envFile,
    env: process.env,
  });
  if (loaded.isErr()) {
    process.stderr.write(`worktrain-daemon: ${loaded.error.message}\n`);
    return 1;
  }
  const config = {
    ...loaded.value,
    ...(inv.port !== undefined ? { port: inv.port } : {}),
    ...(inv.host !== undefined ? { host: inv.host } : {}),
  };
  const runtime = createRuntime({ config, paths, logger });
  const started = await runtime.start();
  if (started.isErr()) {
    logger.error({ code: started.error.code, details: started.error.details }, started.error.message);
    process.stderr.write(`worktrain-daemon: ${started.error.message}\n`);
    return 1;
  }
  process.stdout.write(`worktrain-daemon listening on ${started.value.url} (home ${paths.home})\n`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'draining');
      void runtime.stop({ drain: true }).then(() => {
        logger.info({}, 'stopped');
        resolveExit(0);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

main().then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    process.stderr.write(`worktrain-daemon: unexpected failure: ${String(thrown)}\n`);
    process.exit(1);
  },
);
