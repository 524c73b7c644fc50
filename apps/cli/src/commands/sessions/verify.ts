/**
 * `worktrain sessions verify <id>`: recomputes a session's hash chain and checks the Ed25519 seals the
 * daemon signed over its head when it ended (coordinator-kit's `verifySessionIn`). Read-only: the database
 * is opened read-only and only the public signing keys are read (no key, table or file is created).
 */
import { join } from 'node:path';
import { err, fromPromise, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { SessionLogVerification } from '@worktrain/coordinator-kit';
import type { Command } from 'commander';
import { type CliError, cliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderSealLine, renderVerify } from '../../format/sessions.js';
import type { CommandContext } from '../../program.js';
import { sessionNotFound, withExistingSessionStore } from '../../session-access.js';
import { homeOf } from './options.js';

export interface SessionsVerifyOptions {
  readonly home?: string;
  readonly sessionId: string;
}

/**
 * `--format json` of `sessions verify`: the chain's verdict (the session store's `VerifyResult` fields),
 * `chainOk`, the `seal` verdict, and `ok` — true only when the chain is intact and no seal is invalid.
 */
function verifyJson(r: SessionLogVerification): Record<string, unknown> {
  return { ...r.chain, ok: r.ok, chainOk: r.chain.ok, seal: r.seal };
}

/**
 * `worktrain sessions verify <id>`: recomputes the hash chain and checks the seals. A broken chain or an
 * invalid seal is an ok result with `ok: false` (exit 1); no seal (a running session, or one that ended
 * unsealed) is not a failure. Errors: SESSION_NOT_FOUND, STORE_ERROR,
 * PROOF_ERROR (the seal table or the key folder cannot be read; details.proofCode).
 */
export async function executeSessionsVerify(
  deps: CliDeps,
  opts: SessionsVerifyOptions,
): Promise<Result<SessionLogVerification, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(opts.home === undefined ? {} : { home: opts.home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  const source = { databasePath: paths.database, signingKeysDir: join(paths.keys, 'signing') };
  return withExistingSessionStore(deps, opts.home, (store) =>
    fromPromise(
      // Loaded on use: the CLI's start-up stays light (startup-imports.test.ts).
      import('@worktrain/coordinator-kit').then(({ verifySessionIn }) =>
        verifySessionIn(store, opts.sessionId, source),
      ),
      (e) => cliError('PROOF_ERROR', (e as Error).message),
    ).andThen((r) =>
      r.isOk()
        ? ok(r.value)
        : err(
            r.error.code === 'SESSION_STORE_IO'
              ? cliError('STORE_ERROR', r.error.message, r.error.details)
              : cliError('PROOF_ERROR', r.error.message, { proofCode: r.error.code, ...r.error.details }),
          ),
    ),
  ).andThen((r) => (r === null ? err(sessionNotFound(opts.sessionId)) : ok(r)));
}

/** Registers `sessions verify <session-id>`. */
export function registerSessionsVerify(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('verify')
    .description(
      "recompute a session's hash chain and check its signed seal; exit 1 when the chain is broken or the seal invalid",
    )
    .argument('<session-id>', 'the session id (sess_…)')
    .action(async (sessionId: string, _raw: unknown, command: Command) => {
      await ctx.run(command, (globals) => executeSessionsVerify(deps, { ...homeOf(globals), sessionId }), {
        text: (r) => `${renderVerify(r.chain)}\n${renderSealLine(r.seal)}`,
        json: verifyJson,
        failed: (r) => !r.ok,
      });
    });
}
