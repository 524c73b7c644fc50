/**
 * The filtering proxy of a sandboxed command's network allowlist. The command has no network of its own
 * (bubblewrap: a new network namespace, loopback included; Seatbelt: outbound denied except to this
 * proxy); its `HTTP_PROXY`/`HTTPS_PROXY` point here, and the proxy connects only to allowlisted hosts:
 * `CONNECT host:port` for TLS (the proxy never sees the plaintext) and absolute-form `GET http://…` for
 * plain HTTP, the two forms of RFC 9110 §9.3.6 and RFC 9112 §3.2.2. Everything else is answered 403 and
 * reported as a {@link SandboxNetworkDenial}. Same design as `@anthropic-ai/sandbox-runtime`'s HTTP proxy.
 * Host names are resolved by the proxy, outside the sandbox (the sandbox has no DNS).
 */
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { hostAllowed, type SandboxNetworkDenial, splitHostPort } from '@worktrain/contracts';

/** Denials kept per command; the rest are counted only. */
const MAX_DENIALS = 100;

/** A running proxy: where it listens and what it refused. */
export interface FilteringProxy {
  /** Unix socket path or `127.0.0.1:<port>`. */
  readonly address: string;
  readonly denied: () => readonly SandboxNetworkDenial[];
  close(): Promise<void>;
}

function deny(socketOrRes: Socket | ServerResponse, status = 403): void {
  const body = 'Blocked by the WorkTrain sandbox: host not in sandbox.network.allow\n';
  if ('writeHead' in socketOrRes) {
    socketOrRes.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(body);
    return;
  }
  socketOrRes.end(
    `HTTP/1.1 ${status} Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Starts a proxy allowing `allow` (see `hostAllowed`) on `listen`: a Unix socket path (bubblewrap binds it
 * into the sandbox) or `{ port: 0 }` on 127.0.0.1 (Seatbelt). Resolves once it listens.
 */
export async function startFilteringProxy(
  allow: readonly string[],
  listen: { readonly path: string } | { readonly port: number },
): Promise<FilteringProxy> {
  const { createServer } = await import('node:http');
  const denials: SandboxNetworkDenial[] = [];
  const sockets = new Set<Socket>();
  const record = (host: string, port: number, reason: string): void => {
    if (denials.length < MAX_DENIALS) denials.push({ host, port, reason });
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      record(req.headers.host ?? '', 0, 'not a proxy request (origin-form URL)');
      deny(res, 400);
      return;
    }
    const port = url.port === '' ? 80 : Number(url.port);
    if (url.protocol !== 'http:') {
      record(url.hostname, port, `scheme ${url.protocol} over plain proxy`);
      deny(res);
      return;
    }
    if (!hostAllowed(allow, url.hostname, port)) {
      record(url.hostname, port, 'not in sandbox.network.allow');
      deny(res);
      return;
    }
    const upstream = httpRequest(
      {
        host: url.hostname,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = splitHostPort(req.url ?? '');
    if (target.port === undefined || target.host === '') {
      record(target.host, 0, 'CONNECT without host:port');
      deny(client, 400);
      return;
    }
    if (!hostAllowed(allow, target.host, target.port)) {
      record(target.host, target.port, 'not in sandbox.network.allow');
      deny(client);
      return;
    }
    const upstream = connect(target.port, target.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, resolve);
    else server.listen(listen.port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const address = typeof addr === 'string' ? addr : `127.0.0.1:${addr?.port ?? 0}`;
  return {
    address,
    denied: () => [...denials],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Inside a bubblewrap sandbox: listens on 127.0.0.1:<port> and forwards each connection to the proxy's
 * Unix socket, then runs the command and exits with its status (128+n when killed by signal n). Run as
 * `node -e BRIDGE_SCRIPT <socket> <port> <file> [args...]`; needs nothing but Node, which WorkTrain runs on.
 */
export const BRIDGE_SCRIPT = `const net=require('net'),cp=require('child_process'),os=require('os');
const [sock,port,cmd,...args]=process.argv.slice(1);
const srv=net.createServer((c)=>{const u=net.connect(sock);c.pipe(u);u.pipe(c);c.on('error',()=>u.destroy());u.on('error',()=>c.destroy());});
srv.on('error',(e)=>{process.stderr.write('sandbox proxy bridge: '+e.message+'\\n');process.exit(125);});
srv.listen(Number(port),'127.0.0.1',()=>{const ch=cp.spawn(cmd,args,{stdio:'inherit'});
for(const s of ['SIGTERM','SIGINT','SIGHUP'])process.on(s,()=>ch.kill(s));
ch.on('error',(e)=>{process.stderr.write(cmd+': '+e.message+'\\n');process.exit(127);});
ch.on('exit',(code,sig)=>process.exit(sig?128+(os.constants.signals[sig]||0):code===null?1:code));});`;
