/**
 * `worktrain verify <pr-url|session-id|pipeline-id|proof-id> [--public-key <file>...]` recomputes a change's
 * proof records (chain, evidence hashes, Ed25519 seals) and, for a session id, the session's own log
 * (hash chain and chain-head seal); `worktrain keys export` prints the public signing
 * keys to pin elsewhere; `worktrain keys rotate` makes a new signing key current. The logic lives in
 * `@worktrain/coordinator-kit`; this file parses options and renders.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { err, ok, resolveWorktrainPaths } from '@worktrain/contracts';
import type { CoordinatorError, PublicSigningKey, VerifyChangeReport } from '@worktrain/coordinator-kit';
import type { Command } from 'commander';
import { type CliError, cliError } from '../cli-error.js';
import { renderVerify as renderChainVerify, renderSealLine } from '../format/sessions.js';
import type { CommandContext } from '../program.js';

function renderVerify(r: VerifyChangeReport): string {
  const lines: string[] = [];
  if (r.session !== undefined)
    lines.push(
      `${r.session.ok ? 'ok' : 'FAILED'}  session ${renderChainVerify(r.session.chain)}`,
      `  ${renderSealLine(r.session.seal)}`,
    );
  for (const p of r.proofs) {
    lines.push(
      `${p.ok ? 'ok' : 'FAILED'}  proof ${p.proofId}: ${p.entries} entries, sealed through ${p.sealedThrough ?? 'none'} (${r.keySource} keys)`,
    );
    for (const g of p.gates)
      lines.push(
        `  ${String(g.seq).padStart(3)}  ${g.verdict.padEnd(8)} ${g.gate.padEnd(14)} ${g.actor.kind}:${g.actor.id}  ${g.at}${g.note === undefined ? '' : `  ${g.note}`}`,
      );
    for (const problem of p.problems) lines.push(`  problem ${problem.code}: ${problem.message}`);
  }
  const checked = [
    ...(r.session === undefined ? [] : ['the session log']),
    `${r.proofs.length} proof record${r.proofs.length === 1 ? '' : 's'}`,
  ].join(', ');
  lines.push(r.ok ? `verify: ok (${checked})` : 'verify: FAILED');
  return lines.join('\n');
}

function renderKeys(keys: readonly PublicSigningKey[]): string {
  if (keys.length === 0) return 'No signing keys yet: the daemon creates one when it first records a proof.';
  return keys
    .map((k) => `# key ${k.keyId} (Ed25519)${k.current ? ', current' : ''}\n${k.publicKeyPem.trim()}`)
    .join('\n\n');
}

/** The CLI's error for a coordinator-kit error. */
function proofError(e: CoordinatorError): CliError {
  return e.code === 'PROOF_NOT_FOUND'
    ? cliError('PROOF_NOT_FOUND', e.message, e.details)
    : cliError('PROOF_ERROR', e.message, { proofCode: e.code, ...e.details });
}

export function registerProofCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const pathsOf = (home: string | undefined) =>
    resolveWorktrainPaths({ ...(home !== undefined ? { home } : {}), env: deps.env, cwd: deps.cwd });

  program
    .command('verify')
    .description(
      "recompute a change's proof records (hash chain, evidence hashes, Ed25519 seals) and a session's own log and seal (exit 1 when any fails)",
    )
    .argument('<target>', 'a PR/MR URL, a session id, a pipeline id or a proof id')
    .option(
      '--public-key <file...>',
      'trust only these public keys (PEM or JWK files from `worktrain keys export`), not the ones in $WORKTRAIN_HOME',
    )
    .action(async (target: string, raw: { publicKey?: string[] }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          // Loaded on use: the CLI's start-up stays light (startup-imports.test.ts).
          const { parsePublicSigningKey, verifyChange } = await import('@worktrain/coordinator-kit');
          const paths = pathsOf(g.home);
          let trustedKeys: import('node:crypto').KeyObject[] | undefined;
          if (raw.publicKey !== undefined) {
            trustedKeys = [];
            for (const file of raw.publicKey) {
              let text: string;
              try {
                text = readFileSync(resolve(deps.cwd, file), 'utf8');
              } catch (e) {
                return err(
                  cliError('FILE_UNREADABLE', `Cannot read ${file}: ${(e as Error).message}`, { path: file }),
                );
              }
              const key = parsePublicSigningKey(text);
              if (key.isErr())
                return err(proofError({ ...key.error, message: `${file}: ${key.error.message}` }));
              trustedKeys.push(key.value);
            }
          }
          const report = await verifyChange({
            databasePath: paths.database,
            signingKeysDir: join(paths.keys, 'signing'),
            target,
            ...(trustedKeys === undefined ? {} : { trustedKeys }),
          });
          if (report.isErr()) return err(proofError(report.error));
          return ok(report.value);
        },
        { text: renderVerify, failed: (r) => !r.ok },
      );
    });

  const keys = program.command('keys').description('the Ed25519 keys that sign proof records');
  keys
    .command('export')
    .description(
      'print the public signing keys (PEM; JWK with --format json) to pin where verifiers can read them',
    )
    .action(async (_raw: unknown, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const { readPublicSigningKeys } = await import('@worktrain/coordinator-kit');
          const found = readPublicSigningKeys(join(pathsOf(g.home).keys, 'signing'));
          if (found.isErr()) return err(proofError(found.error));
          return ok(found.value);
        },
        { text: renderKeys, json: (k) => ({ keys: k }) },
      );
    });
  keys
    .command('rotate')
    .description('create a new signing key and make it current; old keys keep verifying what they signed')
    .action(async (_raw: unknown, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const { rotateSigningKey } = await import('@worktrain/coordinator-kit');
          const ring = rotateSigningKey(join(pathsOf(g.home).keys, 'signing'));
          if (ring.isErr()) return err(proofError(ring.error));
          return ok(ring.value.publicKeys());
        },
        {
          text: (k) =>
            `New current signing key ${k.find((x) => x.current)?.keyId ?? '?'}; export it again with \`worktrain keys export\`.\n\n${renderKeys(k)}`,
          json: (k) => ({ keys: k }),
        },
      );
    });
}
