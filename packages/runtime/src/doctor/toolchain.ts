/** Doctor's `node` and `git` checks: the versions WorkTrain needs on this machine. */
import { spawnSync } from 'node:child_process';
import { type DoctorCheck, doctorCheck } from './check.js';

/** Minimum Node version (root package.json `engines`). */
export const MIN_NODE: readonly [number, number] = [20, 19];
/** `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n` (command-scoped auth for push) needs git ≥ 2.31 (git-config(1)). */
export const MIN_GIT: readonly [number, number] = [2, 31];

/** True when `version` (`20.19.2`, `2.39`) is at least `[major, minor]`. */
export function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/** `fail` when `version` (e.g. `process.versions.node`) is older than {@link MIN_NODE}. */
export function checkNode(version: string): DoctorCheck {
  return atLeast(version, MIN_NODE)
    ? doctorCheck('node', 'ok', `Node ${version}`)
    : doctorCheck(
        'node',
        'fail',
        `Node ${version} is older than ${MIN_NODE.join('.')}`,
        'install Node 20.19 or newer',
      );
}

/** Runs `git --version` on `env.PATH`: `fail` when git is missing or older than {@link MIN_GIT}. */
export function checkGit(env: Readonly<Record<string, string | undefined>>): DoctorCheck {
  const run = spawnSync('git', ['--version'], { encoding: 'utf8', env: { PATH: env.PATH ?? '' } });
  if (run.error !== undefined || run.status !== 0)
    return doctorCheck('git', 'fail', 'git was not found on PATH', 'install git 2.31 or newer');
  const version = /(\d+\.\d+(?:\.\d+)?)/.exec(run.stdout)?.[1] ?? '0.0';
  return atLeast(version, MIN_GIT)
    ? doctorCheck('git', 'ok', `git ${version}`)
    : doctorCheck('git', 'fail', `git ${version} is older than ${MIN_GIT.join('.')}`, 'upgrade git', {
        version,
      });
}
