/**
 * Doctor's `config` and `sandbox` checks: config.yaml loads as the daemon loads it (with the runtime's own
 * warnings), and the configured sandbox really confines a session.
 */
import { existsSync as existsFile } from 'node:fs';
import { SandboxConfigSchema, type WorktrainPaths } from '@worktrain/contracts';
import { loadRuntimeConfig } from '../config.js';
import { configWarnings } from '../config-warnings.js';
import { probeSandbox } from '../sandbox-exec.js';
import { type DoctorCheck, doctorCheck } from './check.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `warn` when config.yaml is missing (defaults apply) or valid with warnings (no model, a missing model
 * script, a host other than loopback, a literal secret: `configWarnings`); `fail` with the located issues
 * when it does not load.
 */
export function checkConfig(paths: Pick<WorktrainPaths, 'config' | 'envFile'>, env: Env): DoctorCheck {
  if (!existsFile(paths.config))
    return doctorCheck(
      'config',
      'warn',
      `${paths.config} does not exist (defaults apply)`,
      'run `worktrain init`',
    );
  const loaded = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env });
  if (loaded.isOk()) {
    const warnings = configWarnings(loaded.value, paths.config);
    if (warnings.length > 0)
      return doctorCheck(
        'config',
        'warn',
        `${paths.config} is valid, but ${warnings.map((w) => w.message).join('; ')}`,
        warnings.map((w) => w.fix).join('; '),
        { path: paths.config, warnings: warnings.map((w) => ({ code: w.code, path: w.path })) },
      );
    return doctorCheck('config', 'ok', `${paths.config} is valid (model: ${loaded.value.model.provider})`);
  }
  const issues = Array.isArray(loaded.error.details?.issues) ? loaded.error.details.issues : [];
  return doctorCheck(
    'config',
    'fail',
    `${paths.config}: ${loaded.error.message}`,
    'fix the keys named above (docs/configuration.md)',
    { path: paths.config, issues },
  );
}

/**
 * The `sandbox` check: which backend, its version, the limits, and a live probe that a secret file placed in
 * $WORKTRAIN_HOME is unreadable from inside (`probeSandbox`). `fail` when agent sessions would not run. An
 * invalid config.yaml is the `config` check's failure; then the defaults are probed (what a fix would give).
 */
export async function checkSandbox(
  paths: Pick<WorktrainPaths, 'home' | 'sandbox' | 'config' | 'envFile'>,
  env: Env,
): Promise<DoctorCheck> {
  const loaded = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env });
  const config = loaded.isOk() ? loaded.value.sandbox : SandboxConfigSchema.parse({});
  const probe = await probeSandbox(paths, config);
  return doctorCheck('sandbox', probe.status, probe.message, probe.fix, probe.details);
}
