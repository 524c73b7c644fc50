import { createHash } from 'node:crypto';

/** What a route handler answers; the server wrapper adds validation, ETag, pagination and headers. */
export type Reply =
  | { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly status: 200; readonly list: readonly unknown[] }
  | { readonly status: 200; readonly search: readonly unknown[] };

const DOCS = 'https://docs.github.com/rest';

/** GitHub's basic error body, e.g. `{message: "Not Found", documentation_url, status: "404"}`. */
export function basicError(status: number, message: string, documentationUrl = DOCS): Reply {
  return { status, body: { message, documentation_url: documentationUrl, status: String(status) } };
}

/** GitHub's 422 body: `{message: "Validation Failed", errors: [{resource, code, field?, message?}], …}`. */
export function validationFailed(
  errors: ReadonlyArray<{ resource: string; code: string; field?: string; message?: string }>,
  documentationUrl = DOCS,
): Reply {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: documentationUrl, status: '422' },
  };
}

export function weakEtag(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('hex')}"`;
}

/** Page of `items` and the RFC 8288 `Link` header GitHub sends (next/last/first/prev), absolute URLs. */
export function paginate(
  items: readonly unknown[],
  requestUrl: URL,
  query: Readonly<Record<string, string>>,
): { page: unknown[]; link: string | undefined } {
  const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? '30') || 30));
  const pageNumber = Math.max(1, Number(query.page ?? '1') || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const urlFor = (n: number): string => {
    const url = new URL(requestUrl);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(n));
    return url.toString();
  };
  const links: string[] = [];
  if (pageNumber < last)
    links.push(`<${urlFor(pageNumber + 1)}>; rel="next"`, `<${urlFor(last)}>; rel="last"`);
  if (pageNumber > 1)
    links.push(`<${urlFor(1)}>; rel="first"`, `<${urlFor(Math.min(pageNumber - 1, last))}>; rel="prev"`);
  return { page, link: links.length > 0 ? links.join(', ') : undefined };
}
