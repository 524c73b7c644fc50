/**
 * Child process for the file keyring concurrency test (not part of the package surface).
 * argv: <keysDir> <barrierDir>. Announces readiness, waits for the barrier file `go`, then opens the keyring
 * and prints `{"keyId": …, "token": …}` (or `{"error": …}`) on stdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFileKeyring } from './file-keyring.js';
import { signToken } from './sign.js';

const [keysDir = '', barrierDir = ''] = process.argv.slice(2);
fs.writeFileSync(path.join(barrierDir, `ready-${process.pid}`), '');
const deadline = Date.now() + 180_000;
const pause = new Int32Array(new SharedArrayBuffer(4));
while (!fs.existsSync(path.join(barrierDir, 'go'))) {
  if (Date.now() > deadline) {
    process.stdout.write(JSON.stringify({ error: 'barrier timeout' }));
    process.exit(2);
  }
  Atomics.wait(pause, 0, 0, 2); // poll interval (ms), so waiting children leave the CPU to the others
}
const opened = createFileKeyring(keysDir);
if (opened.isErr()) {
  process.stdout.write(JSON.stringify({ error: opened.error.message }));
  process.exit(1);
}
const keyring = opened.value;
const token = signToken(keyring, {
  kind: 'continue',
  sessionId: `sess_${process.pid}`,
  nodeId: 'node_1',
  attempt: 1,
});
process.stdout.write(JSON.stringify({ keyId: keyring.currentKeyId, token, pid: process.pid }));
