/**
 * The program that runs inside a long-lived bubblewrap sandbox (`node -e WARM_SERVER_SCRIPT [socket port]`)
 * and starts the session's commands there. It is plain CommonJS with Node's built-ins only, because it runs
 * from the read-only system inside the sandbox, where nothing of WorkTrain's is mounted.
 *
 * Protocol: one JSON object per line. The host writes to the server's stdin
 *   {"t":"run","id":N,"argv":[…],"cwd":"…","env":{…}}   start a command (its own process group)
 *   {"t":"kill","id":N}                                   SIGKILL the command's process group
 * and reads from its stdout
 *   {"t":"ready"}                                         listening (after the proxy bridge, if any, is up)
 *   {"t":"out","id":N,"s":"o"|"e","d":"<base64>"}         a chunk of the command's stdout or stderr
 *   {"t":"exit","id":N,"code":C|null,"signal":S|null}     the command ended and its output is complete
 * When a command's first process exits, its process group is killed (background jobs), and when no other
 * command is running, every process in the sandbox but init (pid 1) and the server is killed: a `setsid`
 * job cannot outlive its command. End of stdin (the host closed or died) ends the server and everything.
 * With `socket port` arguments it also bridges 127.0.0.1:port inside the sandbox to the filtering proxy's
 * Unix socket (what `BRIDGE_SCRIPT` does for one command).
 */
export const WARM_SERVER_SCRIPT = `'use strict';
const cp = require('child_process'), fs = require('fs'), net = require('net'), readline = require('readline');
const [sock, port] = process.argv.slice(1);
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const running = new Map();
const killGroup = (pid) => { try { process.kill(-pid, 'SIGKILL'); } catch {} };
function sweep() {
  if (running.size > 0) return;
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
}
function run(m) {
  const c = { open: 2, exit: null, sent: false, pid: undefined };
  const done = () => {
    if (c.sent || c.exit === null || c.open > 0) return;
    c.sent = true;
    send({ t: 'exit', id: m.id, code: c.exit[0], signal: c.exit[1] });
  };
  const fail = (e) => {
    send({ t: 'out', id: m.id, s: 'e', d: Buffer.from(String(m.argv[0]) + ': ' + e.message + '\\n').toString('base64') });
    running.delete(m.id);
    c.exit = [127, null];
    c.open = 0;
    done();
  };
  let ch;
  try {
    ch = cp.spawn(m.argv[0], m.argv.slice(1), { cwd: m.cwd, env: m.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (e) { fail(e); return; }
  c.pid = ch.pid;
  running.set(m.id, c);
  for (const [s, st] of [['o', ch.stdout], ['e', ch.stderr]]) {
    st.on('data', (d) => send({ t: 'out', id: m.id, s, d: d.toString('base64') }));
    st.on('close', () => { c.open -= 1; done(); });
  }
  ch.on('error', (e) => { if (c.exit === null) fail(e); });
  ch.on('exit', (code, signal) => {
    c.exit = [code, signal];
    running.delete(m.id);
    killGroup(ch.pid);
    sweep();
    done();
  });
}
function start() {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    let m;
    try { m = JSON.parse(line); } catch { return; }
    if (m.t === 'run') run(m);
    else if (m.t === 'kill') { const c = running.get(m.id); if (c && c.pid) killGroup(c.pid); }
  }).on('close', () => { for (const c of running.values()) if (c.pid) killGroup(c.pid); running.clear(); sweep(); process.exit(0); });
  send({ t: 'ready' });
}
if (sock) {
  const srv = net.createServer((c) => { const u = net.connect(sock); c.pipe(u); u.pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); });
  srv.on('error', (e) => { process.stderr.write('sandbox proxy bridge: ' + e.message + '\\n'); process.exit(125); });
  srv.listen(Number(port), '127.0.0.1', start);
} else start();
`;
