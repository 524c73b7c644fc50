import { redactOutput } from '@worktrain/delivery';

/**
 * A task failure message made safe for the queue's lastError, the logs and the session log: git or forge
 * output can carry a token, as a known token shape (`ghp_…`, `glpat-…`, …: delivery's secret rules) or as
 * the password of a remote URL (`https://user:token@host/…`, masked to `https://user:***@host/…`).
 */
export function redactFailureMessage(message: string): string {
  return redactOutput(message).replace(/(\/\/[^/@\s:]+):[^/@\s]+@/g, '$1:***@');
}
