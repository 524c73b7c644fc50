/**
 * Seals a session's hash chain when it ends (issue #15): the head `(seq, hash)` of an ended session's log
 * is signed with the daemon's Ed25519 key (`$WORKTRAIN_HOME/keys/signing/`) and stored in the
 * `session_seals` table of `worktrain.db`, so that a rewrite of the log that recomputes every hash still
 * fails `worktrain sessions verify`. The task handler calls {@link SessionSealer.sealIfEnded} after every
 * task of a session, so the seal covers whatever was appended last (a delivery after `session_completed`, a
 * failure record); a later seal with a higher seq supersedes an earlier one.
 *
 * Failure-tolerant: a seal that cannot be made (key folder unreadable, database busy, a broken chain) is
 * logged as a warning and never fails the task. Such a session verifies as "ended without a seal".
 */
import { join } from 'node:path';
import type { Clock, Logger, WorktrainPaths } from '@worktrain/contracts';
import {
  openSigningKeyring,
  openSqliteSessionSealStore,
  type SessionSealStore,
  type SigningKeyring,
  sealSessionHead,
} from '@worktrain/coordinator-kit';
import { isTerminalStatus, type SessionStore } from '@worktrain/session-store';

/** Seals ended sessions' chain heads. */
export interface SessionSealer {
  /**
   * Seals `sessionId`'s current head when the session has ended (completed, failed or aborted) and its
   * chain verifies; does nothing for a running session. Never rejects.
   */
  sealIfEnded(sessionId: string): Promise<void>;
  /** Closes the seal store's connection (the runtime's shutdown); later ends are not sealed. */
  close(): void;
}

/**
 * A sealer over the data directory `paths` (keys in `paths.keys/signing`, seals in `paths.database`)
 * and the daemon's session `store`. The key and the seal store are opened on the first seal and kept; an
 * open that fails is retried at the next session end.
 */
export function createSessionSealer(input: {
  readonly paths: Pick<WorktrainPaths, 'keys' | 'database'>;
  readonly store: Pick<SessionStore, 'getSummary' | 'verify'>;
  readonly clock: Clock;
  readonly logger: Logger;
}): SessionSealer {
  const { paths, store, clock } = input;
  const log = input.logger.child({ component: 'lifecycle' });
  let opened: { keyring: SigningKeyring; seals: SessionSealStore } | null = null;
  let closed = false;

  const open = (): { keyring: SigningKeyring; seals: SessionSealStore } | string => {
    if (opened !== null) return opened;
    const keyring = openSigningKeyring(join(paths.keys, 'signing'));
    if (keyring.isErr()) return `${keyring.error.code}: ${keyring.error.message}`;
    const seals = openSqliteSessionSealStore({ path: paths.database });
    if (seals.isErr()) return `${seals.error.code}: ${seals.error.message}`;
    opened = { keyring: keyring.value, seals: seals.value };
    return opened;
  };

  const seal = async (sessionId: string): Promise<void> => {
    const summary = await store.getSummary(sessionId);
    if (summary.isErr()) {
      log.warn({ sessionId, code: summary.error.code }, `session not sealed: ${summary.error.message}`);
      return;
    }
    if (!isTerminalStatus(summary.value.status)) return;
    // Verify before signing: a chain already broken is never sealed as if it were intact.
    const chain = await store.verify(sessionId);
    if (chain.isErr()) {
      log.warn({ sessionId, code: chain.error.code }, `session not sealed: ${chain.error.message}`);
      return;
    }
    if (!chain.value.ok) {
      log.warn(
        { sessionId, brokenAtSeq: chain.value.brokenAtSeq, reason: chain.value.reason },
        'session not sealed: its hash chain is broken',
      );
      return;
    }
    if (closed) {
      log.warn({ sessionId }, 'session not sealed: the runtime is stopping');
      return;
    }
    const ready = open();
    if (typeof ready === 'string') {
      log.warn({ sessionId }, `session not sealed: ${ready}`);
      return;
    }
    const head = { sessionId, seq: chain.value.events, headHash: chain.value.headHash };
    const sealed = sealSessionHead(ready.seals, head, ready.keyring, () => new Date(clock.now()));
    if (sealed.isErr())
      log.warn(
        { sessionId, seq: head.seq, code: sealed.error.code },
        `session not sealed: ${sealed.error.message}`,
      );
    else if (sealed.value.created)
      log.info({ sessionId, seq: head.seq, keyId: sealed.value.seal.keyId }, 'session chain head sealed');
  };

  return {
    async sealIfEnded(sessionId) {
      try {
        await seal(sessionId);
      } catch (e) {
        log.warn({ sessionId }, `session not sealed: ${(e as Error).message}`);
      }
    },
    close() {
      closed = true;
      opened?.seals.close();
      opened = null;
    },
  };
}
