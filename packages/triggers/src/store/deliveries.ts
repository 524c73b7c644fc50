/**
 * Webhook delivery ids (`trigger_deliveries`): the replay guard. A (trigger, delivery id) pair is recorded
 * once; recording it again reports a replay. Ids older than the retention are purged, after which a replay
 * of them is no longer detected. Functions throw on database errors; the store maps them to STORE_IO.
 */
import type { Sql } from './statements.js';

/** Records the delivery at `receivedAt` (ms epoch); true when it is new, false when it was a replay. */
export function recordDeliveryId(
  sql: Sql,
  triggerId: string,
  deliveryId: string,
  receivedAt: number,
): boolean {
  return (
    sql(
      'INSERT INTO trigger_deliveries(trigger_id, delivery_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(triggerId, deliveryId, receivedAt).changes === 1
  );
}

/** Deletes delivery ids received before `cutoff` (ms epoch); the number deleted. */
export function purgeDeliveriesBefore(sql: Sql, cutoff: number): number {
  return sql('DELETE FROM trigger_deliveries WHERE received_at < ?').run(cutoff).changes;
}
