import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// Validates the fake's requests and responses against GitHub's own OpenAPI description (the subset in
// fixtures/github-openapi-subset.json, extracted from @octokit/openapi by scripts/extract-github-openapi.mjs).

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Finds fixtures/ from src/github (tests) or dist (built package). */
function loadSubset(): Json {
  for (const relative of [
    '../../fixtures/github-openapi-subset.json',
    '../fixtures/github-openapi-subset.json',
  ]) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(url)) {
      const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
      if (isObject(parsed)) return parsed;
    }
  }
  throw new Error('fake-github: fixtures/github-openapi-subset.json not found next to @worktrain/testkit');
}

/** OpenAPI 3.0 `nullable: true` → JSON Schema `anyOf [schema, null]`, so plain ajv understands it. */
function convertNullable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convertNullable);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) if (key !== 'nullable') out[key] = convertNullable(inner);
  return value.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

function pointer(segments: readonly string[]): string {
  return segments
    .map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1')))
    .join('/');
}

export interface SpecOperation {
  readonly operationId: string;
  readonly path: string;
  readonly method: string;
}

export interface SpecValidator {
  /** The operation for a path template + method, or undefined when the subset lacks it. */
  operation(path: string, method: string): SpecOperation | undefined;
  /** Problems of a request's query (string values, coerced per the parameter schemas) and JSON body. */
  validateRequest(op: SpecOperation, query: Readonly<Record<string, string>>, body: unknown): string[];
  /** Problems of a response body for a status (an undeclared status is itself a problem). */
  validateResponse(op: SpecOperation, status: number, body: unknown): string[];
}

// GitHub may answer these on any operation without the description listing them on each.
const UNIVERSAL_STATUSES = new Set([304, 401, 403, 500, 503]);

let cached: SpecValidator | undefined;

/** Builds (once per process) the validator over the committed OpenAPI subset. */
export function githubSpecValidator(): SpecValidator {
  cached ??= buildValidator();
  return cached;
}

function buildValidator(): SpecValidator {
  const spec = loadSubset();
  const converted = convertNullable(spec);
  if (!isObject(converted)) throw new Error('fake-github: malformed OpenAPI subset');
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  // ajv-formats is CommonJS; its default export arrives wrapped depending on the loader.
  const addFormats = (
    isObject(addFormatsModule) && 'default' in addFormatsModule ? addFormatsModule.default : addFormatsModule
  ) as (a: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
  ajv.addSchema({ ...converted, $id: 'github' });
  const paths = isObject(spec.paths) ? spec.paths : {};
  const components = isObject(spec.components) ? spec.components : {};
  const compiled = new Map<string, ValidateFunction>();
  const compile = (segments: readonly string[]): ValidateFunction => {
    const ref = `github#/${pointer(segments)}`;
    let fn = compiled.get(ref);
    if (fn === undefined) {
      fn = ajv.compile({ $ref: ref });
      compiled.set(ref, fn);
    }
    return fn;
  };
  const deref = (value: unknown): { value: unknown; segments: string[] | undefined } => {
    if (isObject(value) && typeof value.$ref === 'string') {
      const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(value.$ref);
      if (match?.[1] !== undefined && match[2] !== undefined) {
        const group = components[match[1]];
        return {
          value: isObject(group) ? group[match[2]] : undefined,
          segments: ['components', match[1], match[2]],
        };
      }
    }
    return { value, segments: undefined };
  };
  const errorsOf = (fn: ValidateFunction, where: string): string[] =>
    (fn.errors ?? []).map(
      (error) =>
        `${where}${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`,
    );

  return {
    operation(path, method) {
      const item = paths[path];
      const op = isObject(item) ? item[method] : undefined;
      if (!isObject(op) || typeof op.operationId !== 'string') return undefined;
      return { operationId: op.operationId, path, method };
    },
    validateRequest(op, query, body) {
      const operation = (paths[op.path] as Json)[op.method] as Json;
      const problems: string[] = [];
      const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
      parameters.forEach((raw, index) => {
        const { value, segments } = deref(raw);
        if (!isObject(value) || value.in !== 'query' || typeof value.name !== 'string') return;
        const text = query[value.name];
        if (text === undefined) return;
        const schema = isObject(value.schema) ? value.schema : {};
        const typed =
          schema.type === 'integer' || schema.type === 'number'
            ? /^-?\d+(\.\d+)?$/.test(text)
              ? Number(text)
              : text
            : schema.type === 'boolean'
              ? text === 'true'
                ? true
                : text === 'false'
                  ? false
                  : text
              : text;
        const fn = compile([
          ...(segments ?? ['paths', op.path, op.method, 'parameters', String(index)]),
          'schema',
        ]);
        if (!fn(typed)) problems.push(...errorsOf(fn, `query ${value.name}`));
      });
      const requestBody = deref(operation.requestBody).value;
      if (isObject(requestBody)) {
        const content = isObject(requestBody.content) ? requestBody.content['application/json'] : undefined;
        if (body === undefined) {
          if (requestBody.required === true) problems.push('body is required');
        } else if (isObject(content) && content.schema !== undefined) {
          const fn = compile([
            'paths',
            op.path,
            op.method,
            'requestBody',
            'content',
            'application/json',
            'schema',
          ]);
          if (!fn(body)) problems.push(...errorsOf(fn, 'body'));
        }
      }
      return problems;
    },
    validateResponse(op, status, body) {
      const operation = (paths[op.path] as Json)[op.method] as Json;
      const responses = isObject(operation.responses) ? operation.responses : {};
      const declared = responses[String(status)];
      if (declared === undefined) {
        return UNIVERSAL_STATUSES.has(status)
          ? []
          : [`status ${status} is not declared for ${op.operationId}`];
      }
      const { value, segments } = deref(declared);
      const content =
        isObject(value) && isObject(value.content) ? value.content['application/json'] : undefined;
      if (!isObject(content) || content.schema === undefined) return [];
      const fn = compile([
        ...(segments ?? ['paths', op.path, op.method, 'responses', String(status)]),
        'content',
        'application/json',
        'schema',
      ]);
      return fn(body) ? [] : errorsOf(fn, `response ${status}`);
    },
  };
}
