/**
 * The hooks the tools call back into the run with: complete_step goes to the step driver, report_issue and
 * signal_coordinator and the sandbox's refusals become session events (a coordinator signal is also
 * forwarded to the caller's handler).
 */
import type { RunSessionOptions } from '../session-types.js';
import type { SessionHooks } from '../tools/types.js';
import type { RecordEvents } from './run-control.js';
import type { StepDriver } from './step-driver.js';

/** The {@link SessionHooks} of one run over its driver and recorder. */
export function createSessionHooks(
  driver: StepDriver,
  record: RecordEvents,
  onCoordinatorSignal: RunSessionOptions['onCoordinatorSignal'],
): SessionHooks {
  return {
    completeStep: (output) => driver.complete(output),
    reportIssue: async (issue) => record([{ kind: 'issue_reported', data: issue }]),
    signalCoordinator: async (signal) => {
      await record([
        {
          kind: 'decision_trace',
          data: {
            nodeId: null,
            decision: `signal_coordinator:${signal.kind}`,
            reason: signal.message,
            ...(signal.data === undefined ? {} : { data: signal.data }),
          },
        },
      ]);
      await onCoordinatorSignal?.({ kind: signal.kind, message: signal.message });
    },
    recordSandboxEvent: async (event) =>
      record([
        {
          kind: 'decision_trace',
          data:
            event.kind === 'network_denied'
              ? {
                  nodeId: null,
                  decision: 'sandbox_network_denied',
                  reason: `connection to ${event.host}:${event.port} refused: ${event.reason}`,
                  data: { host: event.host, port: event.port },
                }
              : {
                  nodeId: null,
                  decision: 'sandbox_limit_hit',
                  reason: `the sandbox's ${event.limit} limit was reached`,
                  data: { limit: event.limit },
                },
        },
      ]),
  };
}
