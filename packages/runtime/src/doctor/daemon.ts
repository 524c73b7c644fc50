/** Doctor's `daemon` check: does this home's daemon answer `/health` at the URL it would use? */
import { describeOccupant, probeDaemon } from '../daemon-state.js';
import { type DoctorCheck, doctorCheck } from './check.js';

/** Where this home's daemon would listen (`daemon.json`, else config.yaml, else 127.0.0.1:3200). */
export interface DaemonTarget {
  readonly home: string;
  readonly url: string;
  /** pid from `<home>/daemon.json` while a daemon started there is running; null otherwise. */
  readonly pid: number | null;
}

/**
 * `ok` when this home's daemon answers; `warn` when nothing or another home's daemon (or another program)
 * answers there; `fail` when `daemon.json`'s pid is alive but `/health` does not answer (a hung daemon).
 */
export async function checkDaemon(
  target: DaemonTarget,
  options: { readonly timeoutMs?: number; readonly fetch?: typeof globalThis.fetch } = {},
): Promise<DoctorCheck> {
  const probe = await probeDaemon(target.url, target.home, {
    timeoutMs: options.timeoutMs ?? 2000,
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
  });
  if (probe.kind === 'ours')
    return doctorCheck('daemon', 'ok', `daemon answers at ${target.url}`, undefined, { url: target.url });
  const occupant = describeOccupant(probe);
  if (occupant !== null)
    return doctorCheck(
      'daemon',
      'warn',
      `no daemon of this home is running: ${occupant}`,
      'give this home its own `port:` in config.yaml (or --port), then `worktrain daemon start`',
      { url: target.url },
    );
  if (target.pid !== null && pidAlive(target.pid))
    return doctorCheck(
      'daemon',
      'fail',
      `daemon pid ${target.pid} is running but ${target.url}/health does not answer`,
      'see $WORKTRAIN_HOME/logs/daemon.out; restart with `worktrain daemon stop && worktrain daemon start`',
    );
  return doctorCheck(
    'daemon',
    'warn',
    `no daemon running at ${target.url}`,
    'start it with `worktrain daemon start`',
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
