import type { JsonValue, Result } from '@worktrain/contracts';
import { canonicalJson, err, ok } from '@worktrain/contracts';
import { storeError } from './errors.js';
import type { SessionStoreError } from './port.js';

/**
 * Validates a snapshot put: the hash must be a non-empty string and the snapshot representable as JSON.
 * Shared by both backends. Errors: INVALID_EVENT (the closest code: the input is malformed).
 */
export function snapshotJson(hash: string, snapshot: JsonValue): Result<string, SessionStoreError> {
  if (typeof hash !== 'string' || hash.length === 0 || hash.length > 256) {
    return err(
      storeError('INVALID_EVENT', 'A workflow snapshot hash must be a 1–256 character string', { hash }),
    );
  }
  try {
    return ok(canonicalJson(snapshot));
  } catch {
    return err(
      storeError('INVALID_EVENT', `Workflow snapshot ${hash} is not representable as JSON`, { hash }),
    );
  }
}
