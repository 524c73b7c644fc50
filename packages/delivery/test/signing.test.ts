import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver, readSigningConfig, rollbackDelivery } from '../src/index.js';
import { createHarness, type Harness } from './setup.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

/** A real ed25519 key made by ssh-keygen in the test's temp dir, configured as git's SSH signing key, with
 *  an allowed-signers file naming the delivery identity (git-config(1) `gpg.ssh.allowedSignersFile`). */
async function sshSigning(): Promise<{ key: string }> {
  const key = join(h.fx.rootDir, 'id_signing');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'worktrain-signing', '-f', key]);
  const pub = (await execa('cat', [`${key}.pub`])).stdout.trim();
  const allowed = join(h.fx.rootDir, 'allowed_signers');
  writeFileSync(allowed, `bot@worktrain.invalid namespaces="git" ${pub}\n`);
  await h.git(['config', 'gpg.format', 'ssh']);
  await h.git(['config', 'user.signingkey', key]);
  await h.git(['config', 'commit.gpgsign', 'true']);
  await h.git(['config', 'gpg.ssh.allowedSignersFile', allowed]);
  return { key };
}

describe('commit signing (gpg.format=ssh, real ssh-keygen key)', () => {
  it('signs the delivery commit; git verify-commit accepts it against the allowed signers', async () => {
    await sshSigning();
    await h.write({ 'src/page.ts': 'export const page = 50;\n' });
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const verify = await execa('git', ['-C', h.worktree, 'verify-commit', result.commitSha], {
      reject: false,
    });
    expect(verify.exitCode).toBe(0);
    expect(verify.stderr).toContain('Good "git" signature for bot@worktrain.invalid with ED25519 key');
    const log = await h.git(['log', '-1', '--show-signature', '--format=%H', result.commitSha]);
    expect(log).toContain('Good "git" signature');
    // What arrived on origin is the same signed commit.
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBe(result.commitSha);
  });

  it('signs the rollback revert commit too', async () => {
    await sshSigning();
    await h.write({ 'src/page.ts': 'export const page = 51;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const rolled = (
      await rollbackDelivery({ sessionId: h.sessionId, repoPath: h.fx.repoDir }, h.deps())
    )._unsafeUnwrap();
    const verify = await execa('git', ['-C', h.fx.repoDir, 'verify-commit', rolled.revertSha ?? ''], {
      reject: false,
    });
    expect(verify.exitCode).toBe(0);
  });

  it('a rollback that cannot sign its revert is SIGNING_FAILED and leaves the branch as delivered', async () => {
    await sshSigning();
    await h.write({ 'src/page.ts': 'export const page = 55;\n' });
    const delivered = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    await h.fx.git(['config', 'user.signingkey', join(h.fx.rootDir, 'gone_key')]);
    const error = (
      await rollbackDelivery({ sessionId: h.sessionId, repoPath: h.fx.repoDir }, h.deps())
    )._unsafeUnwrapErr();
    expect(error.code).toBe('SIGNING_FAILED');
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBe(delivered.commitSha);
  });

  it('reports SIGNING_FAILED naming the missing key file, before committing anything', async () => {
    await sshSigning();
    const missing = join(h.fx.rootDir, 'gone_key');
    await h.git(['config', 'user.signingkey', missing]);
    await h.write({ 'src/page.ts': 'export const page = 52;\n' });
    const head = await h.git(['rev-parse', 'HEAD']);
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('SIGNING_FAILED');
    expect(error.message).toContain(`the signing key ${missing} (user.signingkey) does not exist`);
    expect(await h.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBeUndefined();
  });

  it('reports SIGNING_FAILED when signing is required but no key is configured', async () => {
    await h.git(['config', 'gpg.format', 'ssh']);
    await h.git(['config', 'commit.gpgsign', 'true']);
    await h.write({ 'src/page.ts': 'export const page = 53;\n' });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('SIGNING_FAILED');
    expect(error.message).toContain('user.signingkey is not set');
  });

  it("reports SIGNING_FAILED with git's reason when the key file is not a usable key", async () => {
    await sshSigning();
    const bogus = join(h.fx.rootDir, 'not_a_key');
    writeFileSync(bogus, 'this is not a key\n');
    await h.git(['config', 'user.signingkey', bogus]);
    await h.write({ 'src/page.ts': 'export const page = 54;\n' });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('SIGNING_FAILED');
    expect(error.message).toMatch(/signing failed \(.+\)/);
  });

  it('reads the signing configuration git will apply', async () => {
    expect((await readSigningConfig(h.worktree))._unsafeUnwrap()).toEqual({
      required: false,
      format: 'openpgp',
      signingKey: null,
    });
    const { key } = await sshSigning();
    expect((await readSigningConfig(h.worktree))._unsafeUnwrap()).toEqual({
      required: true,
      format: 'ssh',
      signingKey: key,
    });
  });
});
