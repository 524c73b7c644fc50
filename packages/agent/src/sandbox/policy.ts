/**
 * Builds the {@link SandboxPolicy} of a session (DESIGN §7, issue #12's profile): read-write the worktree,
 * its git admin folder, a private HOME and TMPDIR; read-only the system, the repository's git common dir,
 * the toolchains on PATH (also those under the home: nvm, volta, fnm, pnpm, cargo, pyenv) and the
 * WorkTrain installation; hidden all of `$WORKTRAIN_HOME` outside the worktree, every home folder, `/run`
 * (sockets such as docker's or the ssh agent's), `/tmp` and `/var/tmp`, and the shadow password files.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits, type SandboxPolicy } from '@worktrain/contracts';

/** Inputs of {@link buildSandboxPolicy}. All paths absolute. */
export interface SandboxPolicyOptions {
  readonly worktree: string;
  readonly gitAdminDir?: string;
  readonly gitCommonDir?: string;
  /** Folder for this session's private HOME (`<stateDir>/home`) and TMPDIR (`<stateDir>/tmp`); created. */
  readonly stateDir: string;
  /** `$WORKTRAIN_HOME`: hidden. */
  readonly worktrainHome: string;
  readonly networkAllow?: readonly string[];
  readonly limits?: SandboxLimits;
  /** More paths to hide / to show read-only (config `sandbox.hide` / `sandbox.readOnly`). */
  readonly hide?: readonly string[];
  readonly readOnly?: readonly string[];
  /** PATH to take toolchain folders from (default `process.env.PATH`). */
  readonly path?: string;
  /** The user's home (default `os.homedir()`). */
  readonly userHome?: string;
}

const exists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/** True when `child` is `parent` or lies under it. */
export function isWithin(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : `${parent}${sep}`);
}

/** The folder a PATH entry's tools need: `…/bin` and `…/shims` need their parent (nvm, pyenv, cargo). */
function toolchainRoot(entry: string): string {
  const name = basename(entry);
  return name === 'bin' || name === 'shims' ? dirname(entry) : entry;
}

/** Siblings a toolchain needs besides its own folder (rustup's toolchains behind cargo's proxies). */
const COMPANIONS: Readonly<Record<string, readonly string[]>> = { '.cargo': ['.rustup'] };

/** The root of the WorkTrain installation this module runs from (the folder holding `node_modules`). */
function installationRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (basename(dir) === 'node_modules') return dirname(dir);
    if (exists(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/**
 * Folders to show read-only although they lie under a hidden folder: toolchains on PATH, the Node running
 * WorkTrain, the installation, and `extra`. Never a hidden folder itself or one of its ancestors (a PATH
 * entry equal to the home must not re-expose `~/.ssh`), never anything under `$WORKTRAIN_HOME`.
 */
export function visibleToolchains(options: {
  readonly hidden: readonly string[];
  readonly worktrainHome: string;
  readonly path: string;
  readonly userHome: string;
  readonly extra?: readonly string[];
}): string[] {
  const candidates = new Set<string>();
  for (const entry of options.path.split(delimiter)) {
    if (entry === '' || !isAbsolute(entry)) continue;
    const root = toolchainRoot(resolve(entry));
    candidates.add(root);
    const companions = COMPANIONS[basename(root)] ?? [];
    for (const c of companions) candidates.add(join(dirname(root), c));
  }
  candidates.add(dirname(dirname(process.execPath)));
  candidates.add(installationRoot());
  for (const e of options.extra ?? []) candidates.add(resolve(e));
  const out: string[] = [];
  for (const c of candidates) {
    if (!exists(c)) continue;
    if (!options.hidden.some((h) => isWithin(h, c) && h !== c)) continue; // visible anyway
    if (options.hidden.some((h) => isWithin(c, h))) continue; // would re-expose a hidden folder
    if (isWithin(options.worktrainHome, c)) continue;
    if (c === options.userHome) continue;
    out.push(c);
  }
  // A folder inside another visible one needs no mount of its own.
  return out.filter((c) => !out.some((o) => o !== c && isWithin(o, c))).sort();
}

/** Hidden by default besides `$WORKTRAIN_HOME` and the user's home. */
export const DEFAULT_HIDDEN: readonly string[] = [
  '/home',
  '/root',
  '/run',
  '/tmp',
  '/var/tmp',
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/sudoers',
];

/** Builds a session's policy and creates its private HOME and TMPDIR (mode 0700). Throws only on I/O errors. */
export function buildSandboxPolicy(options: SandboxPolicyOptions): SandboxPolicy {
  const userHome = options.userHome ?? homedir();
  const home = join(options.stateDir, 'home');
  const tmp = join(options.stateDir, 'tmp');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  // The agent's git writes new objects here (the repository's object store is read-only to it).
  if (options.gitCommonDir !== undefined)
    mkdirSync(join(home, '.git-objects'), { recursive: true, mode: 0o700 });
  const hidden = [
    ...new Set([
      resolve(options.worktrainHome),
      resolve(userHome),
      ...DEFAULT_HIDDEN,
      ...(options.hide ?? []),
    ]),
  ]
    .filter((p) => exists(p) && !lstatSync(p).isSymbolicLink())
    .sort();
  return {
    worktree: options.worktree,
    ...(options.gitAdminDir === undefined ? {} : { gitAdminDir: options.gitAdminDir }),
    ...(options.gitCommonDir === undefined ? {} : { gitCommonDir: options.gitCommonDir }),
    home,
    tmp,
    hidden,
    readOnly: visibleToolchains({
      hidden,
      worktrainHome: resolve(options.worktrainHome),
      path: options.path ?? process.env.PATH ?? '',
      userHome: resolve(userHome),
      ...(options.readOnly === undefined ? {} : { extra: options.readOnly }),
    }),
    networkAllow: [...(options.networkAllow ?? [])],
    limits: options.limits ?? DEFAULT_SANDBOX_LIMITS,
  };
}
