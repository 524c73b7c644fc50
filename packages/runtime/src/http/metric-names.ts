/** Every session status, so the metric has a zero series for each. */
export const SESSION_STATUSES_FOR_METRICS = [
  'running',
  'blocked',
  'awaiting_approval',
  'completed',
  'failed',
  'aborted',
] as const;
