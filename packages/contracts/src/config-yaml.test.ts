import { describe, expect, it } from 'vitest';
import { formatConfigIssue, formatConfigPath, parseStrictYaml, resolveEnvReferences } from './config-yaml.js';

const issuesOf = (text: string) => parseStrictYaml('/h/x.yaml', text)._unsafeUnwrapErr().details.issues;

describe('parseStrictYaml', () => {
  it('reads plain YAML and locates keys by path (1-based line and column)', () => {
    const doc = parseStrictYaml('/h/x.yaml', 'a:\n  list:\n    - { b: 1 }\n')._unsafeUnwrap();
    expect(doc.value).toEqual({ a: { list: [{ b: 1 }] } });
    expect(doc.locate(['a', 'list', 0, 'b'])).toEqual({ line: 3, col: 12 });
    // A key that is not there: its deepest existing ancestor.
    expect(doc.locate(['a', 'nope'])).toEqual({ line: 2, col: 3 });
    expect(doc.issueAt(['a', 'list', 0], 'bad', 'X')).toEqual({
      file: '/h/x.yaml',
      path: 'a.list[0]',
      line: 3,
      col: 7,
      message: 'bad',
      code: 'X',
    });
  });

  it('refuses anchors and aliases, each at its line and column', () => {
    const issues = issuesOf('base: &b { x: 1 }\nother: *b\n');
    expect(issues).toEqual([
      // The anchored node starts after its anchor.
      { file: '/h/x.yaml', path: '', line: 1, col: 10, message: 'anchors (&b) are not allowed' },
      { file: '/h/x.yaml', path: '', line: 2, col: 8, message: 'aliases (*b) are not allowed' },
    ]);
    expect(issuesOf('a: &x 1\n').map((i) => i.message)).toEqual(['anchors (&x) are not allowed']);
  });

  it('refuses merge keys, which only work with anchors', () => {
    expect(issuesOf('a: { x: 1 }\nb:\n  <<: *a\n').some((i) => i.message.includes('aliases'))).toBe(true);
  });

  it('refuses tabs in indentation at the tab', () => {
    expect(issuesOf('a:\n\tb: 1\n')).toContainEqual({
      file: '/h/x.yaml',
      path: '',
      line: 2,
      col: 1,
      message: 'tab character in indentation (use spaces)',
    });
  });

  it('refuses duplicate keys and syntax errors with their position', () => {
    const dup = issuesOf('a: 1\nb: 2\na: 3\n');
    expect(dup).toHaveLength(1);
    expect(dup[0]).toMatchObject({ line: 3, col: 1 });
    expect(dup[0]?.message).toContain('unique');
    const syntax = parseStrictYaml('/h/x.yaml', 'a: [1, 2\n')._unsafeUnwrapErr();
    expect(syntax.code).toBe('CONFIG_YAML');
    expect(syntax.details.issues[0]?.line).not.toBeNull();
    expect(syntax.message).toMatch(
      /^\/h\/x\.yaml is not valid YAML: 1 issue\(s\); first at \/h\/x\.yaml:\d+:\d+: /,
    );
  });

  it('reads an empty file as null', () => {
    expect(parseStrictYaml('/h/x.yaml', '')._unsafeUnwrap().value).toBeNull();
  });
});

describe('resolveEnvReferences', () => {
  const doc = (text: string) => parseStrictYaml('/h/config.yaml', text)._unsafeUnwrap();

  it('replaces values that are exactly $NAME or the braced form, nothing else', () => {
    const value = resolveEnvReferences(
      doc(`a: $A\nb: "$\{B}"\nc: "$A and more"\nd: $.label.name\ne: [$A]\n`),
      { A: 'one', B: 'two' },
    )._unsafeUnwrap();
    expect(value).toEqual({ a: 'one', b: 'two', c: '$A and more', d: '$.label.name', e: ['one'] });
  });

  it('names the missing variable, the .env file and where it is used (path, line, column)', () => {
    const r = resolveEnvReferences(
      doc('forge:\n  github: { token: $GH_TOKEN }\n'),
      {},
      {
        envFile: '/h/.env',
      },
    )._unsafeUnwrapErr();
    expect(r.code).toBe('CONFIG_ENV_UNSET');
    expect(r.details.issues).toEqual([
      {
        file: '/h/config.yaml',
        path: 'forge.github.token',
        line: 2,
        col: 20,
        message: 'environment variable GH_TOKEN is not set (set it in the environment or /h/.env)',
        code: 'ENV_UNSET',
      },
    ]);
    expect(r.message).toContain('/h/config.yaml:2:20 forge.github.token: environment variable GH_TOKEN');
  });

  it('treats an empty variable as unset', () => {
    expect(resolveEnvReferences(doc('a: $A\n'), { A: '' }).isErr()).toBe(true);
  });
});

describe('formatting', () => {
  it('formats paths and issues the way every surface prints them', () => {
    expect(formatConfigPath(['triggers', 0, 'webhook', 'secret'])).toBe('triggers[0].webhook.secret');
    expect(formatConfigPath([])).toBe('');
    expect(formatConfigIssue({ file: '/f', path: 'a', line: 2, col: 3, message: 'm' })).toBe('/f:2:3 a: m');
    expect(formatConfigIssue({ file: '/f', path: '', line: null, col: null, message: 'm' })).toBe('/f: m');
  });
});
