import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';

/**
 * A loopback Jira Cloud double for `GET /rest/api/3/search/jql`, checked against the operation's OpenAPI
 * description (fixtures/third-party/jira/openapi-search-jql.json): unknown or mistyped query parameters
 * and response bodies that do not match `SearchAndReconcileResults` are recorded in `violations` (and a
 * bad request answers 400 like Jira). Basic auth `email:token` is required (401 otherwise). The JQL is not
 * interpreted: the double returns `issues` as set, paginated by `maxResults` with `nextPageToken`.
 */
export interface JiraDouble {
  readonly url: string;
  readonly requests: Array<{ url: string; status: number; jql: string | null }>;
  readonly violations: string[];
  issues: unknown[];
  close(): Promise<void>;
}

const spec = JSON.parse(
  readFileSync(new URL('./fixtures/third-party/jira/openapi-search-jql.json', import.meta.url), 'utf8'),
) as {
  paths: Record<
    string,
    { get: { parameters: Array<{ name: string; in: string; schema: { type?: string } }> } }
  >;
  components: { schemas: Record<string, unknown> };
};

export async function startJiraDouble(email: string, token: string): Promise<JiraDouble> {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    formats: { uri: true, 'date-time': true, uuid: true, int32: true, int64: true },
  });
  ajv.addSchema({ $id: 'jira', components: spec.components });
  const validateResults = ajv.compile({ $ref: 'jira#/components/schemas/SearchAndReconcileResults' });
  const params = spec.paths['/rest/api/3/search/jql']?.get.parameters ?? [];
  const double: JiraDouble = {
    url: '',
    requests: [],
    violations: [],
    issues: [],
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body: unknown) => {
      double.requests.push({ url: `${url.pathname}${url.search}`, status, jql: url.searchParams.get('jql') });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`)
      return reply(401, {
        errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
      });
    if (url.pathname !== '/rest/api/3/search/jql') return reply(404, { errorMessages: ['not found'] });
    for (const [name, value] of url.searchParams) {
      const p = params.find((x) => x.name === name && x.in === 'query');
      if (!p) double.violations.push(`unknown query parameter ${name}`);
      else if (p.schema.type === 'integer' && !/^\d+$/.test(value))
        double.violations.push(`${name} is not an integer`);
    }
    if (double.violations.length > 0) return reply(400, { errorMessages: double.violations });
    const max = Number(url.searchParams.get('maxResults') ?? 50);
    const start = Number(url.searchParams.get('nextPageToken') ?? 0);
    const page = double.issues.slice(start, start + max);
    const isLast = start + max >= double.issues.length;
    const body = { issues: page, isLast, ...(isLast ? {} : { nextPageToken: String(start + max) }) };
    if (!validateResults(body)) double.violations.push(`response: ${ajv.errorsText(validateResults.errors)}`);
    return reply(200, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(double, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A Cloud-shaped issue (v3: description in Atlassian Document Format). */
export function cloudIssue(site: string, id: number, key: string, summary: string, description: string) {
  return {
    expand: '',
    id: String(id),
    key,
    self: `${site}/rest/api/3/issue/${id}`,
    fields: {
      summary,
      description: {
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: description }] }],
      },
      labels: ['worktrain'],
      status: { name: 'Ready for Dev' },
      reporter: { displayName: 'Mia Krystof' },
      issuetype: { name: 'Task' },
      project: { key: key.split('-')[0] },
    },
  };
}
