/**
 * One loader, one error: the same invalid triggers.yaml gives the same located issue (file, line, column,
 * path, message) from `worktrain trigger validate`, `worktrain doctor` and the daemon's start; a missing
 * file is "no triggers" on every surface, said the same way. Real CLI and daemon processes, temp homes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('trigger-errors');
afterAll(dir.cleanup);

function home(name: string, triggers: string | null): { home: string; file: string } {
  const path = join(dir.path, name);
  mkdirSync(path);
  writeFileSync(join(path, 'config.yaml'), 'port: 0\n');
  const file = join(path, 'triggers.yaml');
  if (triggers !== null) writeFileSync(file, triggers);
  return { home: path, file };
}

interface Issue {
  file: string;
  path: string;
  line: number | null;
  col: number | null;
  message: string;
}

/** The issue as `validate`, doctor and the daemon print it. */
const printed = (i: Issue) =>
  `${i.file}:${i.line}:${i.col}${i.path === '' ? '' : ` ${i.path}`}: ${i.message}`;

async function everySurface(h: { home: string }) {
  const validate = await runWorktrain(['trigger', 'validate', '--format', 'json'], { home: h.home });
  const validateText = await runWorktrain(['trigger', 'validate'], { home: h.home });
  const doctor = await runWorktrain(['doctor', '--format', 'json'], { home: h.home });
  const daemon = await runWorktrain(['daemon', 'run', '--port', '0'], { home: h.home });
  const checks = (
    parseJson(doctor) as {
      checks: Array<{ name: string; status: string; message: string; details?: { issues?: Issue[] } }>;
    }
  ).checks;
  return {
    validate,
    validateIssues: (parseJson(validate) as { issues: Issue[] }).issues,
    validateText: validateText.stdout,
    doctor: checks.find((c) => c.name === 'triggers'),
    daemon,
  };
}

describe('triggers.yaml errors are the same everywhere', { timeout: 240_000 }, () => {
  it('a tab in the indentation: the same line and column from validate, doctor and the daemon start', async () => {
    const h = home('tab', 'triggers:\n  - id: a\n\t  provider: schedule\n');
    const s = await everySurface(h);
    const expected: Issue = {
      file: h.file,
      path: '',
      line: 3,
      col: 1,
      message: 'tab character in indentation (use spaces)',
    };
    expect(s.validate.code).toBe(1);
    expect(s.validateIssues).toEqual([expected]);
    expect(s.validateText).toContain(printed(expected));
    expect(s.doctor).toMatchObject({ status: 'fail', details: { issues: [expected] } });
    expect(s.doctor?.message).toContain(printed(expected));
    expect(s.daemon.code).toBe(1);
    expect(s.daemon.stderr).toContain(printed(expected));
  });

  it('an unset $NAME: names the variable, the .env file and where it is used, on every surface', async () => {
    const h = home(
      'env',
      'triggers:\n  - id: hook\n    provider: github\n    repo: acme/widgets\n    workflowId: wr.quick-task\n    workspace: /nowhere\n    webhook: { secret: $NOPE_SECRET }\n',
    );
    const s = await everySurface(h);
    const expected: Issue & { code: string } = {
      file: h.file,
      path: 'triggers[0].webhook.secret',
      line: 7,
      col: 24,
      message: `environment variable NOPE_SECRET is not set (set it in the environment or ${join(h.home, '.env')})`,
      code: 'ENV_UNSET',
    };
    expect(s.validateIssues).toEqual([expected]);
    expect(s.doctor).toMatchObject({ status: 'fail', details: { issues: [expected] } });
    expect(s.daemon.code).toBe(1);
    expect(s.daemon.stderr).toContain(printed(expected));
  });

  it('refuses anchors and aliases at their line and column', async () => {
    const h = home(
      'anchors',
      'defaults:\n  base: &b { provider: schedule, workflowId: w, cron: "0 3 * * *" }\ntriggers:\n  - { id: a, workspace: /w, extends: base, x: *b }\n',
    );
    const validate = await runWorktrain(['trigger', 'validate', '--format', 'json'], { home: h.home });
    expect(validate.code).toBe(1);
    expect((parseJson(validate) as { issues: Issue[] }).issues).toEqual([
      { file: h.file, path: '', line: 2, col: 12, message: 'anchors (&b) are not allowed' },
      { file: h.file, path: '', line: 4, col: 47, message: 'aliases (*b) are not allowed' },
    ]);
  });

  it('no triggers.yaml: no triggers, and every surface says which file and what to do', async () => {
    const h = home('missing', null);
    const said = `${h.file} does not exist, so it adds no triggers`;
    const validate = await runWorktrain(['trigger', 'validate', '--format', 'json'], { home: h.home });
    expect(validate.code).toBe(0);
    expect(parseJson(validate)).toMatchObject({
      valid: true,
      triggers: [],
      missing: [{ file: h.file, message: expect.stringContaining(said) }],
    });
    const list = await runWorktrain(['trigger', 'list'], { home: h.home });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(said);
    const doctor = await runWorktrain(['doctor', '--format', 'json'], { home: h.home });
    const checks = (parseJson(doctor) as { checks: Array<{ name: string; status: string; message: string }> })
      .checks;
    expect(checks.find((c) => c.name === 'triggers')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(said),
    });
    // A file named on the command line must exist: a typo is not "no triggers".
    const named = await runWorktrain(['trigger', 'validate', '--config', h.file], { home: h.home });
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('does not exist');
  });
});
