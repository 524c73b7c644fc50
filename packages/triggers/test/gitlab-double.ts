import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback GitLab REST v4 double for the poller: `GET /api/v4/projects/:id/{issues,merge_requests}`
 * answering recorded go-gitlab response bodies, `PRIVATE-TOKEN` auth (401 otherwise, like GitLab), weak
 * ETags with 304 on `If-None-Match` (GitLab sends `ETag` on list endpoints), and `labels` /
 * `assignee_username` filtering. `fail` makes the next N requests answer the given status.
 */
export interface GitLabDouble {
  readonly url: string;
  readonly requests: Array<{ url: string; status: number }>;
  fail(status: number, times: number): void;
  close(): Promise<void>;
}

export async function startGitLabDouble(token: string): Promise<GitLabDouble> {
  const mrs: unknown = JSON.parse(
    readFileSync(new URL('./fixtures/third-party/gitlab/get_merge_requests.json', import.meta.url), 'utf8'),
  );
  const requests: Array<{ url: string; status: number }> = [];
  let failing: { status: number; times: number } = { status: 0, times: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      requests.push({ url: `${url.pathname}${url.search}`, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (failing.times > 0) {
      failing.times--;
      return reply(failing.status, { message: 'failure injected' });
    }
    if (req.headers['private-token'] !== token) return reply(401, { message: '401 Unauthorized' });
    const m = /^\/api\/v4\/projects\/([^/]+)\/(issues|merge_requests)$/.exec(url.pathname);
    if (!m) return reply(404, { message: '404 Not Found' });
    let list = m[2] === 'merge_requests' && Array.isArray(mrs) ? mrs : [];
    const labels = url.searchParams.get('labels')?.split(',');
    if (labels) list = list.filter((i: { labels?: string[] }) => labels.every((l) => i.labels?.includes(l)));
    const assignee = url.searchParams.get('assignee_username');
    if (assignee)
      list = list.filter((i: { assignee?: { username?: string } }) => i.assignee?.username === assignee);
    const body = JSON.stringify(list);
    const etag = `W/"${createHash('sha1').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) return reply(304, undefined, { etag });
    return reply(200, list, { etag });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (status, times) => {
      failing = { status, times };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
