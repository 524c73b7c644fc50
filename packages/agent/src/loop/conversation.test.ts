import { err, makeError } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import type { ModelMessage } from '../model/provider.js';
import { emptyTotals } from './budget.js';
import { Conversation, loadConversation, NOT_STARTED, queueOpening, RESUMED } from './conversation.js';
import { type ConversationStore, createMemoryConversationStore } from './conversation-store.js';
import { Stop } from './run-control.js';
import type { SessionFacts } from './session-facts.js';

const facts = (gateWaiting: string[] = []): SessionFacts => ({
  workflowId: 'wf',
  goal: 'Fix it',
  context: {},
  totals: emptyTotals(),
  gateWaiting: new Set(gateWaiting),
});
const state = (stepId: string) =>
  ({
    kind: 'step',
    continueToken: 'ct_x',
    pending: { stepId, title: stepId, prompt: `Do ${stepId}.` },
  }) as const;

const interruptedTurn: ModelMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'Step id: fix' }] },
  {
    role: 'assistant',
    content: [
      { type: 'tool_use', id: 'a', name: 'read_file', input: { path: 'x' } },
      { type: 'tool_use', id: 'b', name: 'bash', input: { command: 'rm -rf build' } },
      { type: 'tool_use', id: 'c', name: 'read_file', input: { path: 'y' } },
    ],
  },
];

function stored(messages: ModelMessage[]): { store: ConversationStore; conversation: Conversation } {
  const store = createMemoryConversationStore();
  store.append('s1', 0, messages)._unsafeUnwrap();
  const conversation = loadConversation(store, 's1');
  if ('error' in conversation) throw new Error(conversation.error.message);
  return { store, conversation };
}

const texts = (c: Conversation) => c.pending.flatMap((b) => (b.type === 'text' ? [b.text] : []));

describe('queueOpening', () => {
  it('queues the brief and the step for a new session', () => {
    const { conversation } = stored([]);
    const rerun = queueOpening(conversation, { facts: facts(), state: state('fix'), withActionGate: false });
    expect(rerun).toEqual([]);
    const [brief, step] = texts(conversation);
    expect(brief).toContain('Fix it');
    expect(step).toContain('Step id: fix');
  });

  it('answers the unanswered calls of a resumed session and says it was resumed on the same step', () => {
    const { conversation } = stored(interruptedTurn);
    const rerun = queueOpening(conversation, { facts: facts(), state: state('fix'), withActionGate: false });
    expect(rerun).toEqual([]);
    expect(conversation.pending.filter((b) => b.type === 'tool_result').map((b) => b.toolUseId)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(texts(conversation)).toEqual([RESUMED]);
  });

  it('runs a command that waited for the gate again and answers the calls after it as not started', () => {
    const { conversation } = stored(interruptedTurn);
    const rerun = queueOpening(conversation, {
      facts: facts(['b']),
      state: state('verify'),
      withActionGate: true,
    });
    expect(rerun).toEqual([{ id: 'b', name: 'bash', input: { command: 'rm -rf build' } }]);
    const results = conversation.pending.filter((b) => b.type === 'tool_result');
    expect(results.map((b) => [b.toolUseId, b.content === NOT_STARTED])).toEqual([
      ['a', false],
      ['c', true],
    ]);
    expect(texts(conversation)[0]).toContain('Step id: verify');
  });

  it('answers a gate-waiting command as interrupted when the run has no gate', () => {
    const { conversation } = stored(interruptedTurn);
    expect(
      queueOpening(conversation, { facts: facts(['b']), state: state('fix'), withActionGate: false }),
    ).toEqual([]);
  });
});

describe('Conversation', () => {
  it('stores the pending content as one user message and clears it', () => {
    const { store, conversation } = stored([]);
    conversation.push({ type: 'text', text: 'one' });
    conversation.push({ type: 'text', text: 'two' });
    conversation.flush();
    conversation.flush();
    expect(conversation.pending).toEqual([]);
    expect(store.load('s1')._unsafeUnwrap()).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
    ]);
  });

  it('throws Stop with CONVERSATION_ERROR when the store refuses a message', () => {
    const failing: ConversationStore = {
      ...createMemoryConversationStore(),
      append: () => err(makeError('CONVERSATION_IO', 'disk full')),
    };
    const conversation = new Conversation(failing, 's1', []);
    let thrown: unknown;
    try {
      conversation.persist({ role: 'user', content: [{ type: 'text', text: 'x' }] });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Stop);
    expect((thrown as Stop).ending).toMatchObject({ kind: 'failed', error: { code: 'CONVERSATION_ERROR' } });
    expect(conversation.messages).toEqual([]);
  });
});
