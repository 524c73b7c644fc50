import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelMessage } from './provider.js';
import { createScriptedProvider, parseModelScript } from './scripted.js';

const user = (text: string): ModelMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const assistant: ModelMessage = { role: 'assistant', content: [{ type: 'text', text: 'x' }] };

describe('scripted provider', () => {
  it('is labelled scripted and derives its position from the conversation (stateless)', async () => {
    const p = createScriptedProvider({
      turns: [{ text: 'first' }, { text: 'second' }],
      model: 'demo',
    })._unsafeUnwrap();
    expect(p).toMatchObject({ scripted: true, name: 'scripted', model: 'scripted:demo' });
    const a = (await p.turn({ system: [], tools: [], messages: [user('hi')] }))._unsafeUnwrap();
    expect(a.message.content).toEqual([{ type: 'text', text: 'first' }]);
    const again = (await p.turn({ system: [], tools: [], messages: [user('hi')] }))._unsafeUnwrap();
    expect(again.message.content).toEqual([{ type: 'text', text: 'first' }]);
    const b = (
      await p.turn({ system: [], tools: [], messages: [user('hi'), assistant, user('more')] })
    )._unsafeUnwrap();
    expect(b.message.content).toEqual([{ type: 'text', text: 'second' }]);
    const none = await p.turn({
      system: [],
      tools: [],
      messages: [user('hi'), assistant, user('a'), assistant, user('b')],
    });
    expect(none._unsafeUnwrapErr().code).toBe('SCRIPT_EXHAUSTED');
    expect(p.cost({ inputTokens: 10, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBe(0);
  });

  it('matches turns on the pending step id and emits deterministic tool-use ids', async () => {
    const p = createScriptedProvider({
      turns: [
        { step: 'b', toolCalls: [{ name: 'bash', input: { command: 'b' } }] },
        { step: 'a', toolCalls: [{ name: 'bash', input: { command: 'a' } }] },
      ],
    })._unsafeUnwrap();
    const turn = (
      await p.turn({ system: [], tools: [], messages: [user('Step id: a\nDo a.')] })
    )._unsafeUnwrap();
    expect(turn.message.content).toEqual([
      { type: 'tool_use', id: 'toolu_scripted_1_0', name: 'bash', input: { command: 'a' } },
    ]);
    expect(turn.stopReason).toBe('tool_use');
    const next = await p.turn({
      system: [],
      tools: [],
      messages: [user('Step id: a'), turn.message, user('Step id: b')],
    });
    expect(next._unsafeUnwrap().message.content[0]).toMatchObject({ input: { command: 'b' } });
  });

  it('plays the turns whose match is in the first message, so sessions of one workflow differ', async () => {
    const p = createScriptedProvider({
      turns: [
        { match: '(review 2)', text: 'second review' },
        { match: '(review 1)', text: 'first review' },
        { text: 'anyone' },
      ],
    })._unsafeUnwrap();
    const one = (
      await p.turn({ system: [], tools: [], messages: [user('Review (review 1)')] })
    )._unsafeUnwrap();
    expect(one.message.content).toEqual([{ type: 'text', text: 'first review' }]);
    const two = (
      await p.turn({ system: [], tools: [], messages: [user('Review (review 2)')] })
    )._unsafeUnwrap();
    expect(two.message.content).toEqual([{ type: 'text', text: 'second review' }]);
    const other = (await p.turn({ system: [], tools: [], messages: [user('Code it')] }))._unsafeUnwrap();
    expect(other.message.content).toEqual([{ type: 'text', text: 'anyone' }]);
  });

  it('loads YAML and JSON script files and rejects bad ones with the issues', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-script-'));
    writeFileSync(
      join(dir, 's.yaml'),
      'turns:\n  - text: hello\n    toolCalls:\n      - name: bash\n        input: { command: ls }\n',
    );
    writeFileSync(join(dir, 's.json'), JSON.stringify({ turns: [{ text: 'hi' }] }));
    writeFileSync(join(dir, 'bad.yaml'), 'turns:\n  - toolCalls: [{ input: 3 }]\n');
    expect(createScriptedProvider({ file: join(dir, 's.yaml') }).isOk()).toBe(true);
    expect(createScriptedProvider({ file: join(dir, 's.json') }).isOk()).toBe(true);
    const bad = createScriptedProvider({ file: join(dir, 'bad.yaml') });
    expect(bad._unsafeUnwrapErr()).toMatchObject({
      code: 'SCRIPT_INVALID',
      details: { issues: expect.any(Array) },
    });
    expect(createScriptedProvider({ file: join(dir, 'missing.yaml') })._unsafeUnwrapErr().code).toBe(
      'SCRIPT_INVALID',
    );
    expect(parseModelScript('turns: [unclosed')._unsafeUnwrapErr().code).toBe('SCRIPT_INVALID');
    rmSync(dir, { recursive: true });
  });
});
