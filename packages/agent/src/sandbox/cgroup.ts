/**
 * Memory and process limits for one sandboxed command through a cgroup (v2, or v1's `memory` and `pids`
 * hierarchies). Rlimits are no substitute: `RLIMIT_NPROC` does not bind root and counts per user, and
 * `RLIMIT_AS` breaks V8, which reserves large address ranges up front.
 *
 * The command enters its cgroup before it executes anything: the sandbox spawns `/bin/sh` that writes its
 * own pid into each `cgroup.procs` file and then `exec`s the backend, so every process it starts is
 * counted from the first fork. v2 needs a delegated subtree (the daemon's own cgroup with `memory` and
 * `pids` enabled for children, e.g. systemd `Delegate=yes`); v1 needs write access to the hierarchies.
 * Sources: kernel docs Documentation/admin-guide/cgroup-v2.rst ("memory.max", "pids.max", "cgroup.kill",
 * "no internal process constraint") and cgroup-v1/memory.rst, cgroup-v1/pids.rst.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLimits } from '@worktrain/contracts';

/** One command's cgroup. */
export interface CommandCgroup {
  /** `cgroup.procs` files the command's first process writes its pid to. */
  readonly procsFiles: readonly string[];
  /** Whether a limit was reached while the command ran (read before `remove`). */
  limitsHit(): { memory: boolean; processes: boolean };
  /**
   * The kernel's counters behind {@link limitsHit} (OOM kills and limit hits for memory, refused forks for
   * processes), so a long-lived cgroup can tell which command hit a limit: compare before and after it.
   */
  counters(): { memory: number; processes: number };
  /** Kills every process still in the cgroup (SIGKILL), then removes it. Idempotent, never throws. */
  remove(): void;
}

/** Where limits can be set on this machine. */
export interface CgroupSupport {
  readonly kind: 'cgroup-v2' | 'cgroup-v1' | 'none';
  /** Why limits are unavailable (kind `none`), for doctor and the sandbox's warnings. */
  readonly reason?: string;
  /** Creates a cgroup for one command; undefined when it cannot (the command then runs without limits). */
  create(name: string, limits: SandboxLimits): CommandCgroup | undefined;
}

const readText = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Value of `key N` in a flat-keyed cgroup file (`memory.events`, `pids.events`), 0 when absent. */
export function keyedValue(text: string, key: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? 0 : Number(line.slice(key.length + 1)) || 0;
}

function killAll(dir: string): void {
  // A process may fork while we read the list: a few passes catch the stragglers (pids.max bounds them).
  for (let pass = 0; pass < 20; pass++) {
    const pids = readText(join(dir, 'cgroup.procs'))
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function removeDir(dir: string): void {
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      killAll(dir); // EBUSY: processes left (zombies being reaped)
    }
  }
}

function v2Support(root: string, selfCgroupFile: string, parentName: string): CgroupSupport | string {
  const line = readText(selfCgroupFile)
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (line === undefined) return 'no cgroup v2 membership in /proc/self/cgroup';
  const base = join(root, line.slice(3));
  const controllers = readText(join(base, 'cgroup.controllers')).split(/\s+/);
  if (!controllers.includes('memory') || !controllers.includes('pids'))
    return `cgroup v2: the memory and pids controllers are not available in ${base}`;
  const enabled = () => readText(join(base, 'cgroup.subtree_control')).split(/\s+/);
  if (!enabled().includes('memory') || !enabled().includes('pids')) {
    try {
      writeFileSync(join(base, 'cgroup.subtree_control'), '+memory +pids');
    } catch (e) {
      return `cgroup v2: cannot enable memory and pids for children of ${base} (${(e as Error).message}); run the daemon in a delegated cgroup (systemd Delegate=yes, or systemd-run --user -p Delegate=yes --scope)`;
    }
  }
  const parent = join(base, parentName);
  return {
    kind: 'cgroup-v2',
    create(name, limits) {
      const dir = join(parent, name);
      try {
        mkdirSync(dir, { recursive: true });
        if (!readText(join(parent, 'cgroup.subtree_control')).includes('memory'))
          writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +pids');
        writeFileSync(join(dir, 'memory.max'), String(limits.memoryBytes));
        if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
        writeFileSync(join(dir, 'pids.max'), String(limits.maxProcesses));
      } catch {
        removeDir(dir);
        return undefined;
      }
      let removed = false;
      return {
        procsFiles: [join(dir, 'cgroup.procs')],
        limitsHit: () => ({
          memory: keyedValue(readText(join(dir, 'memory.events')), 'oom_kill') > 0,
          processes: keyedValue(readText(join(dir, 'pids.events')), 'max') > 0,
        }),
        counters: () => ({
          memory: keyedValue(readText(join(dir, 'memory.events')), 'oom_kill'),
          processes: keyedValue(readText(join(dir, 'pids.events')), 'max'),
        }),
        remove() {
          if (removed) return;
          removed = true;
          try {
            writeFileSync(join(dir, 'cgroup.kill'), '1'); // Linux 5.14+
          } catch {
            killAll(dir);
          }
          removeDir(dir);
        },
      };
    },
  };
}

function v1Support(root: string, parentName: string): CgroupSupport | string {
  const memRoot = join(root, 'memory');
  const pidsRoot = join(root, 'pids');
  if (!existsSync(join(memRoot, 'cgroup.procs')) || !existsSync(join(pidsRoot, 'cgroup.procs')))
    return 'cgroup v1: the memory and pids hierarchies are not mounted';
  const memParent = join(memRoot, parentName);
  const pidsParent = join(pidsRoot, parentName);
  try {
    mkdirSync(memParent, { recursive: true });
    mkdirSync(pidsParent, { recursive: true });
  } catch (e) {
    return `cgroup v1: cannot create cgroups under ${memRoot} and ${pidsRoot} (${(e as Error).message})`;
  }
  return {
    kind: 'cgroup-v1',
    create(name, limits) {
      const mem = join(memParent, name);
      const pids = join(pidsParent, name);
      const cleanup = (): void => {
        killAll(mem);
        killAll(pids);
        removeDir(mem);
        removeDir(pids);
      };
      try {
        mkdirSync(mem);
        mkdirSync(pids);
        writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // Swap would let a big allocation crawl past the limit instead of being stopped.
        if (existsSync(join(mem, 'memory.memsw.limit_in_bytes')))
          writeFileSync(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
        writeFileSync(join(mem, 'memory.swappiness'), '0');
        writeFileSync(join(pids, 'pids.max'), String(limits.maxProcesses));
      } catch {
        cleanup();
        return undefined;
      }
      let removed = false;
      return {
        procsFiles: [join(mem, 'cgroup.procs'), join(pids, 'cgroup.procs')],
        limitsHit: () => ({
          memory:
            keyedValue(readText(join(mem, 'memory.oom_control')), 'oom_kill') > 0 ||
            Number(readText(join(mem, 'memory.failcnt')).trim() || '0') > 0,
          processes: keyedValue(readText(join(pids, 'pids.events')), 'max') > 0,
        }),
        counters: () => ({
          memory:
            keyedValue(readText(join(mem, 'memory.oom_control')), 'oom_kill') +
            (Number(readText(join(mem, 'memory.failcnt')).trim() || '0') || 0),
          processes: keyedValue(readText(join(pids, 'pids.events')), 'max'),
        }),
        remove() {
          if (removed) return;
          removed = true;
          cleanup();
        },
      };
    },
  };
}

/** Options of {@link detectCgroupSupport}. */
export interface CgroupOptions {
  /** Default `/sys/fs/cgroup` (tests pass a folder). */
  readonly root?: string;
  /** Default `/proc/self/cgroup`. */
  readonly selfCgroupFile?: string;
  /**
   * Relative path of the folder holding the per-command cgroups (default `worktrain-sandbox`). Limits are
   * hierarchical, so a parent with its own limits bounds every command below it (tests use that as an
   * outer guard).
   */
  readonly parent?: string;
}

/**
 * Finds where this process can create limited cgroups: v2 first (when this process is in a v2 hierarchy
 * with the controllers delegated), then v1.
 */
export function detectCgroupSupport(options: CgroupOptions = {}): CgroupSupport {
  const root = options.root ?? '/sys/fs/cgroup';
  const parent = options.parent ?? 'worktrain-sandbox';
  if (process.platform !== 'linux')
    return { kind: 'none', reason: 'cgroups exist on Linux only', create: () => undefined };
  const reasons: string[] = [];
  // A pure v2 host has cgroup.controllers at the root; a hybrid one mounts v2 at root/unified.
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const v2 = v2Support(root, options.selfCgroupFile ?? '/proc/self/cgroup', parent);
    if (typeof v2 !== 'string') return v2;
    reasons.push(v2);
  }
  const v1 = v1Support(root, parent);
  if (typeof v1 !== 'string') return v1;
  reasons.push(v1);
  return { kind: 'none', reason: reasons.join('; '), create: () => undefined };
}
