/**
 * Sandbox acceptance: every line of the PayloadsAllTheThings directory-traversal lists (copied into
 * fixtures/third-party/path-traversal with SOURCE.txt) is fed as a path to the file tools. Sentinel files
 * sit at every level above the worktree; none may be read, changed or created outside the worktree.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentTool, ToolContext } from '../src/index.js';
import {
  createEditFileTool,
  createGlobTool,
  createGrepTool,
  createReadFileTool,
  createWriteFileTool,
} from '../src/index.js';

const FIXTURES = join(
  dirname(new URL(import.meta.url).pathname),
  'fixtures',
  'third-party',
  'path-traversal',
);
const LISTS = [
  'deep_traversal.txt',
  'directory_traversal.txt',
  'dotdotpwn.txt',
  'traversals-8-deep-exotic-encoding.txt',
];
const MARKER = `SENTINEL-${process.pid}-${Date.now()}`;
const TARGETS = [
  'sentinel.txt',
  'etc/passwd',
  'etc/issue',
  'boot.ini',
  'windows/win.ini',
  'WINDOWS/win.ini',
  'windows/system32/drivers/etc/hosts',
];

let base: string;
let wt: string;
let context: ToolContext;
const outsideBefore = new Map<string, { content: string; mtimeMs: number }>();

function payloads(file: string): string[] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '')
    .map((l) => l.replaceAll('{FILE}', 'sentinel.txt'));
}

function filesOutsideWorktree(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === wt) continue;
    if (entry.isDirectory()) filesOutsideWorktree(path, out);
    else out.push(path);
  }
  return out;
}

const passwdHead = (() => {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? '';
  } catch {
    return '';
  }
})();

function leaked(content: string): boolean {
  return content.includes(MARKER) || (passwdHead !== '' && content.includes(passwdHead));
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-traversal-')));
  const levels = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8'];
  wt = join(base, ...levels, 'wt');
  mkdirSync(join(wt, 'src'), { recursive: true });
  writeFileSync(join(wt, 'src', 'inside.txt'), 'inside the worktree\n');
  for (let depth = 0; depth <= levels.length; depth++) {
    const dir = join(base, ...levels.slice(0, depth));
    for (const target of TARGETS) {
      const path = join(dir, target);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${MARKER} ${target}\n`);
    }
  }
  // A prefix sibling of the worktree holding a sentinel too.
  mkdirSync(`${wt}b`);
  writeFileSync(join(`${wt}b`, 'sentinel.txt'), `${MARKER} sibling\n`);
  for (const path of filesOutsideWorktree(base))
    outsideBefore.set(path, { content: readFileSync(path, 'utf8'), mtimeMs: statSync(path).mtimeMs });
  context = {
    worktree: wt,
    sessionId: 'sess_traversal',
    signal: new AbortController().signal,
    hooks: {
      completeStep: async () => ({ content: 'unused', isError: true }),
      reportIssue: async () => {},
      signalCoordinator: async () => {},
    },
  };
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A successful glob lists worktree-relative paths; each must be a real file inside the worktree. */
function listsOnlyInside(result: { content: string; isError: boolean }): boolean {
  if (result.isError || result.content === 'No files match.') return true;
  return result.content
    .split('\n')
    .filter((line) => !line.startsWith('['))
    .every((line) => {
      try {
        const real = realpathSync(join(wt, line));
        return real.startsWith(`${wt}/`) && !readFileSync(real, 'utf8').includes(MARKER);
      } catch {
        return false;
      }
    });
}

async function call(tool: AgentTool, input: Record<string, string>): Promise<string> {
  const result = await tool.execute(input, context);
  return result.content;
}

describe('path traversal lists against the file tools', () => {
  const all = LISTS.flatMap((file) => payloads(file).map((p) => ({ file, p })));

  it('loaded every list (sanity: thousands of payloads)', () => {
    expect(all.length).toBeGreaterThan(20_000);
    expect(outsideBefore.size).toBeGreaterThan(60);
  });

  it('read_file never returns a sentinel or a real system file', async () => {
    const read = createReadFileTool();
    const leaks: string[] = [];
    for (const { file, p } of all) {
      const content = await call(read, { path: p });
      if (leaked(content)) leaks.push(`${file}: ${p}`);
    }
    expect(leaks).toEqual([]);
  });

  it('glob and grep never list or read outside the worktree', async () => {
    const glob = createGlobTool();
    const grep = createGrepTool();
    const leaks: string[] = [];
    for (const { file, p } of all.filter((x) => x.file !== 'dotdotpwn.txt')) {
      if (!listsOnlyInside(await glob.execute({ pattern: '**/*', path: p }, context)))
        leaks.push(`glob ${file}: ${p}`);
      const found = await call(grep, { pattern: 'SENTINEL|root:', path: p });
      if (leaked(found)) leaks.push(`grep ${file}: ${p}`);
      if (!listsOnlyInside(await glob.execute({ pattern: p }, context)))
        leaks.push(`glob pattern ${file}: ${p}`);
    }
    expect(leaks).toEqual([]);
  });

  it('write_file and edit_file never create or change a file outside the worktree', async () => {
    const write = createWriteFileTool();
    const edit = createEditFileTool();
    for (const { p } of all) {
      await call(write, { path: p, content: 'WRITTEN BY THE AGENT\n' });
      await call(edit, { path: p, old_string: MARKER, new_string: 'EDITED' });
    }
    const after = filesOutsideWorktree(base);
    expect(after.sort()).toEqual([...outsideBefore.keys()].sort());
    const changed = after.filter((path) => {
      const before = outsideBefore.get(path);
      return (
        before === undefined ||
        readFileSync(path, 'utf8') !== before.content ||
        statSync(path).mtimeMs !== before.mtimeMs
      );
    });
    expect(changed.map((p) => relative(base, p))).toEqual([]);
  });
});
