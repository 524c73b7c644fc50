import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileKeyring, retireKey, rotateKeyring } from './file-keyring.js';
import { signToken, verifyToken } from './sign.js';

const temps: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wt-keys-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const PAYLOAD = { kind: 'continue', sessionId: 'sess_1', nodeId: 'node_1', attempt: 1 } as const;
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('createFileKeyring', () => {
  it('creates the directory (0700), one key file (0600) and the current pointer', () => {
    const dir = path.join(tempDir(), 'home', 'keys');
    const keyring = createFileKeyring(dir)._unsafeUnwrap();
    expect(mode(dir)).toBe(0o700);
    const keyFile = path.join(dir, `${keyring.currentKeyId}.key`);
    expect(mode(keyFile)).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'current'), 'utf8').trim()).toBe(keyring.currentKeyId);
    expect(fs.readdirSync(dir).sort()).toEqual(['current', `${keyring.currentKeyId}.key`].sort());
    expect(keyring.key(keyring.currentKeyId)?.length).toBe(32);
  });

  it('reopens the same key, so tokens survive a restart', () => {
    const dir = tempDir();
    const first = createFileKeyring(dir)._unsafeUnwrap();
    const token = signToken(first, PAYLOAD);
    const second = createFileKeyring(dir)._unsafeUnwrap();
    expect(second.currentKeyId).toBe(first.currentKeyId);
    expect(verifyToken(second, token)._unsafeUnwrap()).toEqual(PAYLOAD);
  });

  it('reports a path that is a file as a keyring I/O error', () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    for (const dir of [file, path.join(file, 'keys')]) {
      const error = createFileKeyring(dir)._unsafeUnwrapErr();
      expect(error.code).toBe('KEYRING_IO');
      expect(error.code).toBe('KEYRING_IO');
      expect(error.message).toContain(file);
    }
  });

  it('reports a corrupt key file by name', () => {
    const dir = tempDir();
    const keyring = createFileKeyring(dir)._unsafeUnwrap();
    const keyFile = path.join(dir, `${keyring.currentKeyId}.key`);
    for (const content of ['not base64!', 'c2hvcnQ', '']) {
      fs.writeFileSync(keyFile, content);
      const error = createFileKeyring(dir)._unsafeUnwrapErr();
      expect(error.code).toBe('KEYRING_CORRUPT');
      expect(error.message).toContain(keyFile);
    }
  });

  it('reports a corrupt pointer and a pointer to a missing key', () => {
    const dir = tempDir();
    const keyring = createFileKeyring(dir)._unsafeUnwrap();
    fs.writeFileSync(path.join(dir, 'current'), '../../etc/passwd\n');
    expect(createFileKeyring(dir)._unsafeUnwrapErr().code).toBe('KEYRING_CORRUPT');
    fs.writeFileSync(path.join(dir, 'current'), `${keyring.currentKeyId}\n`);
    fs.rmSync(path.join(dir, `${keyring.currentKeyId}.key`));
    const error = createFileKeyring(dir)._unsafeUnwrapErr();
    expect(error.code).toBe('KEYRING_CORRUPT');
    expect(error.message).toMatch(/does not exist/);
  });

  it('ignores temporary and unrelated files in the directory', () => {
    const dir = tempDir();
    const keyring = createFileKeyring(dir)._unsafeUnwrap();
    fs.writeFileSync(path.join(dir, '.k_x.123.abc.tmp'), 'half');
    fs.writeFileSync(path.join(dir, 'README'), 'hello');
    expect(createFileKeyring(dir)._unsafeUnwrap().keyIds()).toEqual([keyring.currentKeyId]);
  });
});

describe('rotateKeyring and retire', () => {
  it('makes a new current key and keeps old tokens valid', () => {
    const dir = tempDir();
    const before = createFileKeyring(dir)._unsafeUnwrap();
    const oldToken = signToken(before, PAYLOAD);
    const after = rotateKeyring(dir)._unsafeUnwrap();
    expect(after.currentKeyId).not.toBe(before.currentKeyId);
    expect(after.keyIds()).toEqual([before.currentKeyId, after.currentKeyId].sort());
    expect(mode(path.join(dir, `${after.currentKeyId}.key`))).toBe(0o600);
    expect(verifyToken(after, oldToken).isOk()).toBe(true);
    // A keyring opened before the rotation picks the new key up on first use.
    expect(verifyToken(before, signToken(after, PAYLOAD)).isOk()).toBe(true);
    expect(createFileKeyring(dir)._unsafeUnwrap().currentKeyId).toBe(after.currentKeyId);
  });

  it('retires an old key: its tokens fail with TOKEN_UNKNOWN_KEY, here and after reopening', () => {
    const dir = tempDir();
    const first = createFileKeyring(dir)._unsafeUnwrap();
    const oldToken = signToken(first, PAYLOAD);
    const rotated = rotateKeyring(dir)._unsafeUnwrap();
    expect(rotated.retire(first.currentKeyId).isOk()).toBe(true);
    expect(fs.existsSync(path.join(dir, `${first.currentKeyId}.key`))).toBe(false);
    expect(verifyToken(rotated, oldToken)._unsafeUnwrapErr().code).toBe('TOKEN_UNKNOWN_KEY');
    expect(verifyToken(createFileKeyring(dir)._unsafeUnwrap(), oldToken)._unsafeUnwrapErr().code).toBe(
      'TOKEN_UNKNOWN_KEY',
    );
  });

  it('retireKey works on the directory, for CLIs', () => {
    const dir = tempDir();
    const first = createFileKeyring(dir)._unsafeUnwrap();
    const token = signToken(first, PAYLOAD);
    const rotated = rotateKeyring(dir)._unsafeUnwrap();
    expect(retireKey(dir, rotated.currentKeyId).isErr()).toBe(true);
    expect(retireKey(dir, first.currentKeyId).isOk()).toBe(true);
    expect(verifyToken(createFileKeyring(dir)._unsafeUnwrap(), token)._unsafeUnwrapErr().code).toBe(
      'TOKEN_UNKNOWN_KEY',
    );
  });

  it('refuses to retire the current key or a non-id', () => {
    const dir = tempDir();
    const keyring = createFileKeyring(dir)._unsafeUnwrap();
    expect(keyring.retire(keyring.currentKeyId)._unsafeUnwrapErr().message).toMatch(/rotate/);
    expect(keyring.retire('../current').isErr()).toBe(true);
    expect(fs.existsSync(path.join(dir, 'current'))).toBe(true);
  });
});

describe('concurrent first-time creation', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const repoRoot = path.resolve(here, '../../../..');

  /** Starts one child; `done` settles when it exits (rejects with its output on a non-zero exit). */
  function runChild(
    keysDir: string,
    barrierDir: string,
  ): { child: ChildProcess; done: Promise<string>; exited: () => boolean } {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@worktrain/source',
        '--import',
        'tsx',
        path.join(here, 'file-keyring.child.ts'),
        keysDir,
        barrierDir,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let errText = '';
    let hasExited = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      errText += chunk.toString();
    });
    const done = new Promise<string>((resolve, reject) => {
      child.on('exit', (code) => {
        hasExited = true;
        if (code === 0) resolve(out);
        else reject(new Error(`child exited with ${code}: ${out} ${errText}`));
      });
    });
    done.catch(() => undefined); // observed below; avoid an unhandled rejection while we wait for readiness
    return { child, done, exited: () => hasExited };
  }

  it('agrees on one current key across processes, so every token verifies everywhere', async () => {
    const keysDir = path.join(tempDir(), 'keys');
    const barrierDir = tempDir();
    const count = 3;
    const children = Array.from({ length: count }, () => runChild(keysDir, barrierDir));
    try {
      // Child start-up (tsx) is slow on a loaded machine: wait generously, but stop at once if one dies.
      const deadline = Date.now() + 150_000;
      while (fs.readdirSync(barrierDir).filter((name) => name.startsWith('ready-')).length < count) {
        const dead = children.find((c) => c.exited());
        if (dead !== undefined) await dead.done;
        if (Date.now() > deadline) throw new Error('children did not start within 150 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      fs.writeFileSync(path.join(barrierDir, 'go'), '');
      const outputs = (await Promise.all(children.map((c) => c.done))).map(
        (text) => JSON.parse(text) as { keyId: string; token: string },
      );
      const keyIds = new Set(outputs.map((o) => o.keyId));
      expect(keyIds.size).toBe(1);
      const keyring = createFileKeyring(keysDir)._unsafeUnwrap();
      expect([...keyIds]).toEqual([keyring.currentKeyId]);
      expect(keyring.keyIds()).toEqual([keyring.currentKeyId]);
      for (const { token } of outputs) expect(verifyToken(keyring, token).isOk()).toBe(true);
    } finally {
      for (const { child, exited } of children) if (!exited()) child.kill('SIGKILL');
    }
  }, 200_000);
});
