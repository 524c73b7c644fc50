import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// Validates the fake Jira's requests and responses against Atlassian's Jira Cloud platform REST v3 OpenAPI
// description (the subset in fixtures/jira/jira-openapi-subset.json, made by scripts/extract-jira-openapi.mjs).

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function loadSubset(): Json {
  for (const relative of [
    '../../fixtures/jira/jira-openapi-subset.json',
    '../fixtures/jira/jira-openapi-subset.json',
  ]) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(url)) {
      const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
      if (isObject(parsed)) return parsed;
    }
  }
  throw new Error('fake-jira: fixtures/jira/jira-openapi-subset.json not found next to @worktrain/testkit');
}

/** OpenAPI 3.0 `nullable: true` → `anyOf [schema, null]` for plain JSON Schema. */
function convertNullable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convertNullable);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) if (key !== 'nullable') out[key] = convertNullable(inner);
  return value.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

const pointer = (segments: readonly string[]) =>
  segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export interface JiraSpecValidator {
  /** operationId of a path template + method, or undefined when the subset lacks it. */
  operationId(path: string, method: string): string | undefined;
  /**
   * Problems of a request's query string: a parameter the operation does not declare, or a value that is not
   * of the declared type (integer, boolean; arrays are comma-separated or repeated values).
   */
  validateQuery(path: string, method: string, query: Readonly<Record<string, string>>): string[];
  /** Problems of a JSON request body. */
  validateRequest(path: string, method: string, body: unknown): string[];
  /** Problems of a response body (an undeclared status is itself a problem). */
  validateResponse(path: string, method: string, status: number, body: unknown): string[];
}

let cached: JiraSpecValidator | undefined;

/** Builds (once per process) the ajv validator over the committed Jira OpenAPI subset. */
export function jiraSpecValidator(): JiraSpecValidator {
  cached ??= build();
  return cached;
}

function build(): JiraSpecValidator {
  const spec = loadSubset();
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  const addFormats = (
    isObject(addFormatsModule) && 'default' in addFormatsModule ? addFormatsModule.default : addFormatsModule
  ) as (a: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema({ ...(convertNullable(spec) as Json), $id: 'jira' });
  const paths = isObject(spec.paths) ? spec.paths : {};
  const compiled = new Map<string, ValidateFunction>();
  const compile = (segments: readonly string[]) => {
    const ref = `jira#/${pointer(segments)}`;
    let fn = compiled.get(ref);
    if (fn === undefined) {
      fn = ajv.compile({ $ref: ref });
      compiled.set(ref, fn);
    }
    return fn;
  };
  const op = (path: string, method: string): Json | undefined => {
    const item = paths[path];
    const o = isObject(item) ? item[method] : undefined;
    return isObject(o) ? o : undefined;
  };
  const errorsOf = (fn: ValidateFunction, where: string) =>
    (fn.errors ?? []).map(
      (e) => `${where}${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`,
    );
  return {
    operationId: (path, method) => {
      const id = op(path, method)?.operationId;
      return typeof id === 'string' ? id : undefined;
    },
    validateQuery(path, method, query) {
      const declared = op(path, method)?.parameters;
      const params = (Array.isArray(declared) ? declared : []).filter(
        (p): p is Json => isObject(p) && p.in === 'query' && typeof p.name === 'string',
      );
      const problems: string[] = [];
      for (const [name, value] of Object.entries(query)) {
        const param = params.find((p) => p.name === name);
        if (param === undefined) {
          problems.push(`query parameter ${name} is not declared for ${method} ${path}`);
          continue;
        }
        const schema = isObject(param.schema) ? param.schema : {};
        const items = isObject(schema.items) ? schema.items : {};
        const type = schema.type === 'array' ? items.type : schema.type;
        const values = schema.type === 'array' ? value.split(',') : [value];
        for (const v of values) {
          if (type === 'integer' && !/^-?\d+$/.test(v))
            problems.push(`query parameter ${name}=${v} is not an integer`);
          if (type === 'boolean' && v !== 'true' && v !== 'false')
            problems.push(`query parameter ${name}=${v} is not a boolean`);
        }
      }
      return problems;
    },
    validateRequest(path, method, body) {
      const requestBody = op(path, method)?.requestBody;
      if (!isObject(requestBody)) return [];
      if (body === undefined) return requestBody.required === true ? ['body is required'] : [];
      const fn = compile(['paths', path, method, 'requestBody', 'content', 'application/json', 'schema']);
      return fn(body) ? [] : errorsOf(fn, 'body');
    },
    validateResponse(path, method, status, body) {
      const responses = op(path, method)?.responses;
      const declared = isObject(responses) ? responses[String(status)] : undefined;
      if (!isObject(declared)) return [`status ${status} is not declared for ${method} ${path}`];
      const content = isObject(declared.content) ? declared.content['application/json'] : undefined;
      if (!isObject(content) || content.schema === undefined) return [];
      const fn = compile([
        'paths',
        path,
        method,
        'responses',
        String(status),
        'content',
        'application/json',
        'schema',
      ]);
      return fn(body) ? [] : errorsOf(fn, `response ${status}`);
    },
  };
}
