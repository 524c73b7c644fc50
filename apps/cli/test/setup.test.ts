import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_ANTHROPIC_MODEL } from '@worktrain/agent';
import { parseRuntimeConfig, RuntimeConfigSchema } from '@worktrain/runtime';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

/** Several CLI runs per test, each a fresh node + tsx process; generous on a loaded machine. */
const SLOW = { timeout: 180_000 };

interface Check {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly message: string;
  readonly fix?: string;
  readonly details?: { issues?: { path: string; message: string }[] };
}
interface DoctorJson {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

function isDoctorJson(value: unknown): value is DoctorJson {
  return typeof value === 'object' && value !== null && 'checks' in value && Array.isArray(value.checks);
}

/** A git repository at `path` (with a bare `origin` beside it when `withOrigin`); returns `path`. */
function gitRepo(path: string, withOrigin: boolean): string {
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q', '-b', 'main', path);
  if (withOrigin) {
    git('init', '-q', '--bare', '-b', 'main', `${path}.git`);
    git('-C', path, 'remote', 'add', 'origin', `${path}.git`);
  }
  return path;
}

async function doctor(home: string, env: Record<string, string> = {}) {
  const run = await runWorktrain(['--format', 'json', 'doctor'], { home, env });
  const out = parseJson(run);
  if (!isDoctorJson(out)) throw new Error(`not a doctor document: ${run.stdout}`);
  const byName = (name: string): Check => {
    const c = out.checks.find((x) => x.name === name);
    if (c === undefined) throw new Error(`no check ${name}`);
    return c;
  };
  return { code: run.code, out, byName };
}

/** No Anthropic key, whatever the machine running the tests has: `init` must decide from what it is given. */
const NO_KEY = { ANTHROPIC_API_KEY: '' };

describe('worktrain init', SLOW, () => {
  const dir = tempDir('init');
  afterAll(dir.cleanup);
  const home = join(dir.path, 'home');

  it('without a key: a config that says no model is set (the schema defaults), placeholder triggers, a 0600 .env', async () => {
    const run = await runWorktrain(['--format', 'json', 'init'], { home, cwd: dir.path, env: NO_KEY });
    expect(run.code, run.stderr).toBe(0);
    const out = parseJson(run);
    expect(out).toMatchObject({
      refused: false,
      model: 'none',
      files: [
        { path: join(home, 'config.yaml'), action: 'written' },
        { path: join(home, 'triggers.yaml'), action: 'written' },
        { path: join(home, '.env'), action: 'written' },
      ],
    });
    const config = parseRuntimeConfig(readFileSync(join(home, 'config.yaml'), 'utf8'), {});
    expect(config.isOk() && config.value).toEqual({ ...RuntimeConfigSchema.parse({}), version: 1 });
    expect(config.isOk() && config.value.model).toEqual({ provider: 'none' });
    expect(readFileSync(join(home, 'config.yaml'), 'utf8')).toMatch(/^model:\n {2}provider: none$/m);
    const text = await runWorktrain(['init', '--force'], { home, env: NO_KEY });
    expect(text.stdout).toContain('WARNING: no model is configured');
    const triggers = readFileSync(join(home, 'triggers.yaml'), 'utf8');
    expect(triggers).toContain('secret: $GITHUB_WEBHOOK_SECRET');
    // Not the directory init ran in (often the WorkTrain clone itself): a placeholder doctor flags.
    expect(triggers).toContain('workspace: /path/to/a/clone/of/your-repo');
    expect(triggers).not.toContain(dir.path);
    expect(readFileSync(join(home, '.env'), 'utf8')).toMatch(/^GITHUB_WEBHOOK_SECRET=[0-9a-f]{64}\n$/);
    expect(statSync(join(home, '.env')).mode & 0o777).toBe(0o600);

    const validate = await runWorktrain(['trigger', 'validate', '--config', join(home, 'triggers.yaml')], {
      home,
      env: { GITHUB_WEBHOOK_SECRET: 'a-long-enough-secret' },
    });
    // The starter is valid YAML and schema, but cannot run until the placeholder is replaced: validate
    // runs the daemon's own check (issue #13 item 5) and names the workspace.
    expect(validate.code, validate.stdout + validate.stderr).toBe(1);
    expect(validate.stdout + validate.stderr).toContain('/path/to/a/clone/of/your-repo does not exist');
  });

  it('refuses to overwrite without --force (exit 1, nothing changed) and overwrites with it', async () => {
    writeFileSync(join(home, 'config.yaml'), 'port: 4000\n');
    const refused = await runWorktrain(['init'], { home });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('refusing to overwrite');
    expect(readFileSync(join(home, 'config.yaml'), 'utf8')).toBe('port: 4000\n');

    const forced = await runWorktrain(['--format', 'json', 'init', '--force'], { home, env: NO_KEY });
    expect(forced.code, forced.stderr).toBe(0);
    expect(parseJson(forced)).toMatchObject({
      refused: false,
      files: [
        { path: join(home, 'config.yaml'), action: 'overwritten' },
        { path: join(home, 'triggers.yaml'), action: 'overwritten' },
      ],
    });
    expect(readFileSync(join(home, 'config.yaml'), 'utf8')).toContain('# port: 3200');
  });

  it('writes the Anthropic model when ANTHROPIC_API_KEY is set (environment or .env), as $ANTHROPIC_API_KEY', async () => {
    const fromEnv = join(dir.path, 'anthropic-env');
    const run = await runWorktrain(['--format', 'json', 'init'], {
      home: fromEnv,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-key' },
    });
    expect(parseJson(run)).toMatchObject({ model: 'anthropic', apiKeyFound: true });
    const text = readFileSync(join(fromEnv, 'config.yaml'), 'utf8');
    expect(text).toContain('apiKey: $ANTHROPIC_API_KEY');
    expect(text).not.toContain('sk-ant-test-key');
    const config = parseRuntimeConfig(text, { ANTHROPIC_API_KEY: 'sk-ant-test-key' })._unsafeUnwrap();
    expect(config.model).toMatchObject({
      provider: 'anthropic',
      apiKey: 'sk-ant-test-key',
      model: DEFAULT_ANTHROPIC_MODEL,
    });

    const fromDotEnv = join(dir.path, 'anthropic-dotenv');
    mkdirSync(fromDotEnv);
    writeFileSync(join(fromDotEnv, '.env'), 'ANTHROPIC_API_KEY=sk-ant-in-dotenv\n', { mode: 0o600 });
    // (The environment wins over .env, even when empty: this run leaves ANTHROPIC_API_KEY as it is.)
    const dotenv = await runWorktrain(['--format', 'json', 'init'], { home: fromDotEnv });
    expect(parseJson(dotenv)).toMatchObject({ model: 'anthropic', apiKeyFound: true });
    expect((await doctor(fromDotEnv)).byName('config').status).toBe('ok');
  });

  it('--model scripted writes an example script that runs the starter workflow to the end', async () => {
    const scripted = join(dir.path, 'scripted');
    const run = await runWorktrain(['--format', 'json', 'init', '--model', 'scripted'], {
      home: scripted,
      env: NO_KEY,
    });
    expect(parseJson(run)).toMatchObject({
      model: 'scripted',
      files: expect.arrayContaining([{ path: join(scripted, 'model-script.yaml'), action: 'written' }]),
    });
    const repo = gitRepo(join(dir.path, 'scripted-repo'), true);
    spawnSync('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'init'], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@e',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@e',
      },
    });
    spawnSync('git', ['-C', repo, 'push', '-q', 'origin', 'main']);
    const session = await runWorktrain(
      ['--format', 'json', 'run', 'wr.coding-task', '--goal', 'Try the example', '--workspace', repo],
      { home: scripted, env: NO_KEY },
    );
    expect(session.code, session.stdout + session.stderr).toBe(0);
    const out = parseJson(session) as { sessionId: string };
    expect(out).toMatchObject({ state: 'succeeded', status: 'completed' });
    expect(
      readFileSync(join(scripted, 'worktrees', out.sessionId, 'WORKTRAIN-SCRIPTED-EXAMPLE.md'), 'utf8'),
    ).toContain('scripted example model');
  });
});

describe('worktrain doctor', SLOW, () => {
  const dir = tempDir('doctor');
  let health: Server;
  beforeAll(async () => {
    // Answers as the daemon of the 'running' home below (a daemon names its home and start time).
    health = createServer((req, res) => {
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'ok',
          pid: process.pid,
          home: join(dir.path, 'running'),
          startedAt: new Date().toISOString(),
        }),
      );
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => health.close(() => r()));
    dir.cleanup();
  });

  it('passes on a fresh init (warnings for what the first start creates) and reports every check', async () => {
    const home = join(dir.path, 'fresh');
    expect((await runWorktrain(['init'], { home, env: NO_KEY })).code).toBe(0);
    const { code, out, byName } = await doctor(home, NO_KEY);
    expect(code).toBe(0);
    expect(out.ok).toBe(true);
    expect(out.checks.map((c) => c.name)).toEqual([
      'node',
      'git',
      'home',
      'database',
      'permissions',
      'config',
      'sandbox',
      'triggers',
      'workspaces',
      'daemon',
      'postgres',
    ]);
    // What init cannot know is flagged: the model, and the clone the starter trigger works in.
    expect(byName('config')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('no model is configured'),
    });
    expect(byName('workspaces')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('gh-ready: /path/to/a/clone/of/your-repo'),
    });
    expect(byName('git').message).toMatch(/^git \d+\.\d+/);
    expect(byName('database').status).toBe('warn');
    expect(byName('triggers')).toMatchObject({ status: 'ok' });
    expect(byName('daemon')).toMatchObject({ status: 'warn' });
    expect(byName('daemon').fix).toContain('daemon start');
  });

  it("warns about triggers that cannot run, by the daemon's own check: workspace, origin, workflow", async () => {
    const home = join(dir.path, 'workspaces');
    expect((await runWorktrain(['init'], { home, cwd: gitRepo(join(dir.path, 'ws-ok'), true) })).code).toBe(
      0,
    );
    const plain = join(dir.path, 'ws-plain');
    mkdirSync(plain);
    const local = gitRepo(join(dir.path, 'ws-local'), false);
    // A clone whose origin nobody pushed to: doctor said ok, then the daemon rejected every task.
    const empty = gitRepo(join(dir.path, 'ws-empty-origin'), true);
    const trigger = (id: string, workspace: string, workflowId = 'wr.quick-task') =>
      `  - id: ${id}\n    provider: schedule\n    workflowId: ${workflowId}\n    workspace: ${JSON.stringify(workspace)}\n    cron: "0 3 * * *"\n`;
    writeFileSync(
      join(home, 'triggers.yaml'),
      `triggers:\n${trigger('plain', plain)}${trigger('local', local)}${trigger('gone', join(dir.path, 'nope'))}${trigger('empty', empty)}${trigger('typo', plain, 'wr.report')}`,
    );
    const { code, byName } = await doctor(home);
    expect(code).toBe(0);
    const workspaces = byName('workspaces');
    expect(workspaces.status).toBe('warn');
    expect(workspaces.message.split('; ')).toEqual([
      `plain: ${plain} is not a git repository`,
      `local: ${local} has no origin remote`,
      `gone: ${join(dir.path, 'nope')} does not exist`,
      `empty: ${empty}: its origin has no default branch to start sessions from (push a branch to origin)`,
      expect.stringMatching(/^typo: no workflow with id 'wr\.report'/),
      `typo: ${plain} is not a git repository`,
    ]);
    expect(byName('workspaces').fix).toContain('origin remote');
  });

  it('warns about a host other than loopback and a literal apiKey in config.yaml', async () => {
    const home = join(dir.path, 'exposed');
    expect((await runWorktrain(['init'], { home, env: NO_KEY })).code).toBe(0);
    writeFileSync(
      join(home, 'config.yaml'),
      'host: 0.0.0.0\nmodel: { provider: anthropic, apiKey: sk-ant-literal-key }\n',
    );
    const { byName } = await doctor(home, NO_KEY);
    const config = byName('config');
    expect(config.status).toBe('warn');
    expect(config.message).toContain('listens on 0.0.0.0');
    expect(config.message).toContain('model.apiKey is written literally');
    expect(config.message).not.toContain('sk-ant-literal-key');
    expect(config.fix).toContain('apiKey: $NAME');
  });

  it('fails (exit 1) on an invalid config, loose key permissions and a foreign database, naming paths and fixes', async () => {
    const home = join(dir.path, 'broken');
    expect((await runWorktrain(['init'], { home })).code).toBe(0);
    writeFileSync(join(home, 'config.yaml'), 'queue: { leaseMs: 10 }\nbogus: 1\n');
    mkdirSync(join(home, 'keys'), { mode: 0o700 });
    writeFileSync(join(home, 'keys', 'session.key'), 'k');
    chmodSync(join(home, 'keys', 'session.key'), 0o644);
    const foreign = new Database(join(home, 'worktrain.db'));
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    writeFileSync(join(home, 'triggers.yaml'), 'triggers:\n  - id: a\n    provider: nope\n');

    const { code, out, byName } = await doctor(home);
    expect(code).toBe(1);
    expect(out.ok).toBe(false);
    const config = byName('config');
    expect(config.status).toBe('fail');
    expect(config.details?.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['queue.leaseMs']));
    expect(config.message).toContain(join(home, 'config.yaml'));
    expect(byName('permissions')).toMatchObject({ status: 'fail' });
    expect(byName('permissions').message).toContain('session.key is 644');
    expect(byName('database').message).toContain('not a WorkTrain one');
    expect(byName('triggers').status).toBe('fail');

    const text = await runWorktrain(['doctor'], { home });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^fail\s+config/m);
    expect(text.stdout).toContain('fix: chmod 700');
  });

  it('reports a running daemon and probes PostgreSQL from WORKTRAIN_DATABASE_URL', async () => {
    const home = join(dir.path, 'running');
    mkdirSync(home, { recursive: true });
    const { port } = health.address() as AddressInfo;
    writeFileSync(
      join(home, 'daemon.json'),
      JSON.stringify({
        pid: process.pid,
        url: `http://127.0.0.1:${port}`,
        port,
        home,
        startedAt: new Date().toISOString(),
      }),
    );
    const up = await doctor(home, { WORKTRAIN_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(up.byName('daemon')).toMatchObject({ status: 'ok' });
    expect(up.byName('postgres')).toMatchObject({
      status: 'ok',
      message: 'PostgreSQL answers at 127.0.0.1:5432',
    });

    // The health server's own port speaks HTTP, not PostgreSQL: no S/N byte comes back.
    const down = await doctor(home, { WORKTRAIN_DATABASE_URL: 'postgres://x@127.0.0.1:1/test' });
    expect(down.byName('postgres').status).toBe('fail');
    expect(down.code).toBe(1);
  });
});
