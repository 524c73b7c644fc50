/** Doctor's `home` and `permissions` checks: the data directory is writable and its secrets are private. */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WorktrainPaths } from '@worktrain/contracts';
import { type DoctorCheck, doctorCheck } from './check.js';

/** `warn` when the home does not exist yet (init creates it), `fail` when it is not writable. */
export function checkHome(paths: Pick<WorktrainPaths, 'home'>): DoctorCheck {
  if (!existsSync(paths.home))
    return doctorCheck('home', 'warn', `${paths.home} does not exist yet`, 'run `worktrain init`');
  try {
    accessSync(paths.home, constants.W_OK);
    return doctorCheck('home', 'ok', `${paths.home} is writable`);
  } catch {
    return doctorCheck(
      'home',
      'fail',
      `${paths.home} is not writable`,
      `chown/chmod ${paths.home} for this user`,
    );
  }
}

/** The keys dir must be 0700 and its files 0600; the same for daemon.token and .env when present. */
export function checkPermissions(
  paths: Pick<WorktrainPaths, 'keys' | 'daemonToken' | 'envFile'>,
): DoctorCheck {
  const problems: string[] = [];
  const loose = (p: string, expected: number): void => {
    if (!existsSync(p)) return;
    const mode = statSync(p).mode & 0o777;
    if ((mode & 0o077) !== 0) problems.push(`${p} is ${mode.toString(8)}, expected ${expected.toString(8)}`);
  };
  loose(paths.keys, 0o700);
  if (existsSync(paths.keys) && statSync(paths.keys).isDirectory())
    for (const f of readdirSync(paths.keys)) loose(join(paths.keys, f), 0o600);
  loose(paths.daemonToken, 0o600);
  loose(paths.envFile, 0o600);
  if (problems.length > 0)
    return doctorCheck(
      'permissions',
      'fail',
      problems.join('; '),
      `chmod 700 ${paths.keys}; chmod 600 ${paths.keys}/* ${paths.daemonToken} ${paths.envFile}`,
      { problems },
    );
  return existsSync(paths.keys)
    ? doctorCheck('permissions', 'ok', 'keys 0700, key files, daemon.token and .env 0600')
    : doctorCheck('permissions', 'ok', 'no keys yet (created 0700 on first start)');
}
