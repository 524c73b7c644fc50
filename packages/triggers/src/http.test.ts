import { err, ok } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { type TriggerErrorCode, triggerError } from './errors.js';
import { TRIGGER_ERROR_HTTP_STATUS, webhookHttpStatus } from './http.js';
import type { DispatchOutcome } from './router/router.js';

// Every code of the union, spelled out: adding a code to TriggerErrorCode without a status fails to compile
// (the table `satisfies Record<TriggerErrorCode, number>`) and adding one here without the table fails below.
const ALL_CODES = [
  'CONFIG_YAML',
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'UNKNOWN_PROVIDER',
  'PROVIDER_LOAD_FAILED',
  'TRIGGER_NOT_FOUND',
  'NOT_SUPPORTED',
  'SIGNATURE_INVALID',
  'PAYLOAD_TOO_LARGE',
  'PAYLOAD_INVALID',
  'DUPLICATE_DELIVERY',
  'TEMPLATE_FIELD_MISSING',
  'CRON_INVALID',
  'UPSTREAM_AUTH',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_INVALID',
  'STORE_IO',
  'TRIGGER_NOT_RUNNABLE',
] as const satisfies readonly TriggerErrorCode[];

// Compile-time: the list above names every member of the union.
type Missing = Exclude<TriggerErrorCode, (typeof ALL_CODES)[number]>;
const noneMissing: [Missing] extends [never] ? true : Missing = true;

describe('TRIGGER_ERROR_HTTP_STATUS', () => {
  it('gives every trigger error code an HTTP status, and nothing else', () => {
    expect(noneMissing).toBe(true);
    expect(Object.keys(TRIGGER_ERROR_HTTP_STATUS).sort()).toEqual([...ALL_CODES].sort());
    for (const code of ALL_CODES) {
      const status = TRIGGER_ERROR_HTTP_STATUS[code];
      expect(status >= 200 && status <= 599, code).toBe(true);
    }
  });

  it('answers 422 for a goalTemplate field the payload lacks (the request content is the problem)', () => {
    const e = triggerError('TEMPLATE_FIELD_MISSING', 'no $.issue.title', { paths: ['$.issue.title'] });
    expect(webhookHttpStatus(err(e))).toBe(422);
  });

  it('answers 503 only where a later retry may succeed', () => {
    const retryable = ALL_CODES.filter((c) => TRIGGER_ERROR_HTTP_STATUS[c] === 503).sort();
    expect(retryable).toEqual(['STORE_IO', 'UPSTREAM_UNAVAILABLE']);
  });

  it('answers 202 for an enqueued task and 200 for a duplicate or ignored delivery', () => {
    const outcome = (status: DispatchOutcome['status']): DispatchOutcome => ({
      status,
      triggerId: 'gh',
      event: 'issues.opened',
      taskId: status === 'ignored' ? null : 'task_1',
      candidate: null,
      reason: null,
    });
    expect(webhookHttpStatus(ok(outcome('enqueued')))).toBe(202);
    expect(webhookHttpStatus(ok(outcome('duplicate')))).toBe(200);
    expect(webhookHttpStatus(ok(outcome('ignored')))).toBe(200);
  });
});
