import { TASK_COLUMNS } from '../rows.js';

const UNFINISHED = "('pending','leased','failed')";

/** The queue's SQL for one schema. Every time comes from the database clock (`queue_now_ms()`). */
export function buildSql(schema: string) {
  const T = `"${schema}".queue_tasks`;
  const A = `"${schema}".queue_audit`;
  const NOW = `"${schema}".queue_now_ms()`;
  const cols = TASK_COLUMNS;
  const tcols = TASK_COLUMNS.split(', ')
    .map((c) => `t.${c}`)
    .join(', ');
  const PURGE_WHERE = `state = ANY($1::text[]) AND finished_at <= ${NOW} - $2
        AND ($3::text IS NULL OR queue = $3::text) AND ($4::bigint IS NULL OR finished_at >= $4::bigint)`;
  return {
    now: `SELECT ${NOW} AS now`,
    insertMany: `INSERT INTO ${T} (id, queue, payload, priority, run_at, dedupe_key, max_attempts, state, transition_actor, transition_reason)
      SELECT x.id, x.queue, x.payload, x.priority, COALESCE(x.run_at, ${NOW} + x.delay_ms), x.dedupe_key, x.max_attempts,
        'pending', x.actor, 'enqueued'
      FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::text[], $8::int[], $9::text[])
        AS x(id, queue, payload, priority, run_at, delay_ms, dedupe_key, max_attempts, actor)
      ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ${UNFINISHED} DO NOTHING
      RETURNING ${cols}`,
    byDedupe: `SELECT ${cols} FROM ${T} WHERE dedupe_key = ANY($1::text[]) AND state IN ${UNFINISHED}`,
    byId: `SELECT ${cols} FROM ${T} WHERE id = $1`,
    byIds: `SELECT ${cols}, ${NOW} AS now FROM ${T} WHERE id = ANY($1::text[])`,
    claim: `WITH c AS (
        SELECT id FROM ${T}
        WHERE queue = $1 AND state IN ('pending','failed') AND run_at <= ${NOW}
        ORDER BY priority DESC, run_at, seq
        LIMIT $2 FOR UPDATE SKIP LOCKED)
      UPDATE ${T} t SET state = 'leased', lease_token = replace(gen_random_uuid()::text, '-', ''),
        lease_owner = $3, leased_until = ${NOW} + $4, attempt = t.attempt + 1,
        transition_actor = $3, transition_reason = 'claimed'
      FROM c WHERE t.id = c.id
      RETURNING ${tcols}`,
    heartbeat: `UPDATE ${T} SET leased_until = ${NOW} + $3
      WHERE id = $1 AND state = 'leased' AND lease_token = $2 AND leased_until > ${NOW}
      RETURNING leased_until`,
    completeMany: `UPDATE ${T} t SET state = 'succeeded', finished_at = ${NOW}, leased_until = NULL,
        transition_actor = t.lease_owner, transition_reason = 'completed'
      FROM unnest($1::text[], $2::text[]) AS x(id, token)
      WHERE t.id = x.id AND t.lease_token = x.token AND t.state = 'leased' AND t.leased_until > ${NOW}
      RETURNING ${tcols}`,
    // $3 class, $4 message, $5 retryable?, $6 base ms, $7 max ms, $8 uniform[0,1)
    fail: `UPDATE ${T} SET
        state = CASE WHEN $5 AND attempt < max_attempts THEN 'failed' ELSE 'dead' END,
        run_at = CASE WHEN $5 AND attempt < max_attempts
          THEN ${NOW} + round(LEAST($7::float8, $6::float8 * power(2, GREATEST(attempt - 1, 0))) * (0.5 + 0.5 * $8::float8))::bigint
          ELSE run_at END,
        finished_at = CASE WHEN $5 AND attempt < max_attempts THEN NULL ELSE ${NOW} END,
        leased_until = NULL, last_error_class = $3, last_error_message = $4,
        transition_actor = lease_owner,
        transition_reason = CASE WHEN $5 AND attempt < max_attempts THEN 'retry after failure' ELSE 'dead letter: ' || $3 END
      WHERE id = $1 AND state = 'leased' AND lease_token = $2 AND leased_until > ${NOW}
      RETURNING ${cols}`,
    cancel: `UPDATE ${T} SET state = 'dead', finished_at = ${NOW}, leased_until = NULL,
        last_error_class = 'cancelled', last_error_message = $2, transition_actor = $3, transition_reason = 'cancelled: ' || $2
      WHERE id = $1 AND state IN ${UNFINISHED} RETURNING ${cols}`,
    requeue: `UPDATE ${T} SET state = 'pending', attempt = 0, run_at = ${NOW} + $4, finished_at = NULL,
        lease_token = NULL, lease_owner = NULL, leased_until = NULL,
        transition_actor = $3, transition_reason = 'requeued: ' || $2
      WHERE id = $1 AND state = 'dead' RETURNING ${cols}`,
    sweep: `UPDATE ${T} SET
        state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'failed' END,
        finished_at = CASE WHEN attempt >= max_attempts THEN ${NOW} ELSE NULL END,
        leased_until = NULL,
        last_error_class = 'timeout', last_error_message = 'lease of ' || lease_owner || ' expired',
        transition_actor = 'sweeper', transition_reason = 'lease expired'
      WHERE id IN (SELECT id FROM ${T} WHERE state = 'leased' AND leased_until <= ${NOW} FOR UPDATE SKIP LOCKED)
      RETURNING state`,
    release: `UPDATE ${T} SET
        state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'failed' END,
        finished_at = CASE WHEN attempt >= max_attempts THEN ${NOW} ELSE NULL END,
        leased_until = NULL,
        last_error_class = 'timeout', last_error_message = 'lease of ' || lease_owner || ' released: ' || $2,
        transition_actor = $3, transition_reason = $2
      WHERE state = 'leased' AND lease_owner = ANY($1::text[])
      RETURNING state, queue`,
    history: `SELECT task_id, actor, from_state, to_state, at, reason FROM ${A} WHERE task_id = $1 ORDER BY seq`,
    historyMany: `SELECT task_id, actor, from_state, to_state, at, reason FROM ${A} WHERE task_id = ANY($1::text[]) ORDER BY seq`,
    // $1 queue or NULL for every queue
    stats: `SELECT queue, state, count(*)::bigint AS n FROM ${T} WHERE ($1::text IS NULL OR queue = $1::text)
      GROUP BY queue, state`,
    oldest: `SELECT ${NOW} - min(run_at) AS age FROM ${T} WHERE state IN ('pending','failed') AND run_at <= ${NOW}
        AND ($1::text IS NULL OR queue = $1::text)`,
    // $1 states, $2 age in ms, $3 queue or NULL for every queue, $4 since (ms epoch) or NULL, $5 row limit
    purgeSelect: `SELECT ${cols} FROM ${T} WHERE ${PURGE_WHERE}
      ORDER BY finished_at, seq LIMIT $5 FOR UPDATE SKIP LOCKED`,
    purgeCount: `SELECT count(*)::bigint AS n FROM ${T} WHERE ${PURGE_WHERE}`,
    purgePreview: `SELECT ${cols} FROM ${T} WHERE ${PURGE_WHERE}
      ORDER BY finished_at, seq LIMIT $5`,
    purgeTasks: `DELETE FROM ${T} WHERE id = ANY($1::text[])`,
    purgeAudit: `DELETE FROM ${A} WHERE task_id = ANY($1::text[])`,
    list: (where: string[]) =>
      `SELECT ${cols} FROM ${T} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, seq DESC LIMIT $1`,
  };
}

export type PgSql = ReturnType<typeof buildSql>;
