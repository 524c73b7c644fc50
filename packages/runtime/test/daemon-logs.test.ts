/**
 * What the real daemon writes to `<home>/logs/daemon.log` (what `worktrain logs` reads): failures at warn and
 * error with their code and reason, a client hanging up at debug.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createGitFixture } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { BUGGY_ADD, type Daemon, makeHome, startDaemon, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

function logLines(home: string): LogLine[] {
  let text = '';
  try {
    text = readFileSync(join(home, 'logs', 'daemon.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogLine);
}

async function start(home: string, args: readonly string[] = []): Promise<Daemon> {
  const d = await startDaemon(home, args);
  cleanups.push(async () => {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  });
  return d;
}

describe('daemon log levels', () => {
  it('logs a failed agent run at warn and the dead letter at error, each with its code and reason', async () => {
    const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
    cleanups.push(() => git.cleanup());
    // An empty model script: every run fails at its first model request (MODEL_ERROR).
    const home = makeHome({ turns: [], repoDir: git.repoDir });
    cleanups.push(() => home.cleanup());
    const config = join(home.home, 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('maxAttempts: 5', 'maxAttempts: 2'));
    const d = await start(home.home);
    const res = await d.api('/dispatch', {
      method: 'POST',
      body: JSON.stringify({ workflowId: 'test.daemon-fix', goal: 'Fix add()', workspace: git.repoDir }),
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { task: { id: string } }).task.id;
    const deadLetter = await waitFor('the dead letter in the log', () =>
      logLines(home.home).find((l) => l.taskId === taskId && l.level === 50),
    );
    expect(deadLetter).toMatchObject({
      failureClass: 'execution',
      attempt: 2,
      maxAttempts: 2,
      msg: expect.stringMatching(
        /^task dead-lettered \(execution\): agent failed \(MODEL_ERROR\): The model script/,
      ),
    });
    const warnings = logLines(home.home).filter((l) => l.level === 40);
    expect(warnings.filter((l) => l.code === 'MODEL_ERROR')).toHaveLength(2);
    expect(warnings.find((l) => l.code === 'MODEL_ERROR')?.msg).toMatch(
      /^agent run failed \(MODEL_ERROR\): The model script has no turn left/,
    );
    expect(warnings.find((l) => l.taskId === taskId)).toMatchObject({
      attempt: 1,
      msg: expect.stringMatching(/^task attempt 1 of 2 failed \(execution\), retried: /),
    });
  });

  it('logs a client that hangs up in the middle of a webhook body at debug, not as an error', async () => {
    const home = makeHome({ turns: [] });
    cleanups.push(() => home.cleanup());
    const d = await start(home.home, ['--log-level', 'debug']);
    const { hostname, port } = new URL(d.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(
          'POST /webhooks/gh-issues HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"partial":',
          () => {
            socket.destroy();
            resolve();
          },
        );
      });
      socket.on('error', reject);
    });
    // Whatever the daemon makes of it (debug line or error), it is logged with the webhook's path.
    const line = await waitFor('the aborted request in the log', () =>
      logLines(home.home).find((l) => l.path === '/webhooks/gh-issues'),
    );
    expect(line).toMatchObject({ level: 20, msg: 'client closed the request' });
    expect(logLines(home.home).filter((l) => l.level >= 50)).toEqual([]);
  });
});
