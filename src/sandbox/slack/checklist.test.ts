import { describe, expect, it } from 'vitest';
import type { ChecklistId } from '../protocol.js';
import {
  type ChecklistEvent,
  type ChecklistState,
  checklistItems,
  EMPTY_CHECKLIST,
  reduceChecklist,
  restoreChecklist,
} from './checklist.js';

const run = (...events: ChecklistEvent[]): ChecklistState =>
  events.reduce(reduceChecklist, EMPTY_CHECKLIST);
const done = (s: ChecklistState): ChecklistId[] =>
  checklistItems(s)
    .filter((i) => i.done)
    .map((i) => i.id);

const card = (ts = '1.000001', requestId = 'R1'): ChecklistEvent => ({
  kind: 'bot-posted',
  ts,
  inChannel: true,
  requestId,
});
const request = (
  state: 'pending' | 'executing' | 'succeeded' | 'rejected',
  decidedBy?: string,
) => ({
  id: 'R1',
  state,
  requester: 'U0ALICE',
  decidedBy,
});

describe('the checklist', () => {
  it('starts with nothing done, every item labelled with a hint', () => {
    const items = checklistItems(EMPTY_CHECKLIST);
    expect(items.map((i) => i.id)).toEqual([
      'status',
      'request',
      'self-approve',
      'approve',
      'thread',
      'renewal-notice',
      'renewal-answer',
    ]);
    for (const i of items) {
      expect(i.done).toBe(false);
      expect(i.label).not.toBe('');
      expect(i.hint).not.toBe('');
    }
  });

  it.each<[string, ChecklistEvent[], ChecklistId[]]>([
    ['a status answer', [{ kind: 'status-answered' }], ['status']],
    ['a request card', [card()], ['request']],
    ['a message without Approve', [{ kind: 'bot-posted', ts: '1.1', inChannel: true }], []],
    ['a self-approval refused', [{ kind: 'self-approval-answered' }], ['self-approve']],
    [
      'an approval by someone else, once executing',
      [
        card(),
        { kind: 'approve-clicked', requestId: 'R1' },
        { kind: 'request-seen', request: request('executing', 'U0BOB') },
      ],
      ['request', 'approve'],
    ],
    [
      'a request seen decided without anyone clicking here',
      [card(), { kind: 'request-seen', request: request('succeeded', 'U0BOB') }],
      ['request'],
    ],
    [
      'a request still pending after the click',
      [
        card(),
        { kind: 'approve-clicked', requestId: 'R1' },
        { kind: 'request-seen', request: request('pending') },
      ],
      ['request'],
    ],
    [
      'a rejection',
      [
        card(),
        { kind: 'approve-clicked', requestId: 'R1' },
        { kind: 'request-seen', request: request('rejected', 'U0BOB') },
      ],
      ['request'],
    ],
    [
      'a thread reply on a succeeded request',
      [card(), { kind: 'card-thread-reply', request: request('succeeded', 'U0BOB') }],
      ['request', 'thread'],
    ],
    [
      'a thread reply on a pending request',
      [card(), { kind: 'card-thread-reply', request: request('pending') }],
      ['request'],
    ],
    [
      'a channel message before any advance',
      [{ kind: 'bot-posted', ts: '1.1', inChannel: true }],
      [],
    ],
    [
      'a notice after the period advanced',
      [{ kind: 'period-advanced' }, { kind: 'bot-posted', ts: '1.1', inChannel: true }],
      ['renewal-notice'],
    ],
    [
      'a thread reply after the period advanced',
      [
        { kind: 'period-advanced' },
        { kind: 'bot-posted', ts: '1.2', threadTs: '1.1', inChannel: true },
      ],
      [],
    ],
    [
      'a DM after the period advanced',
      [{ kind: 'period-advanced' }, { kind: 'bot-posted', ts: '1.1', inChannel: false }],
      [],
    ],
    [
      'a notice answered, then a card',
      [{ kind: 'notice-answered' }, card()],
      ['request', 'renewal-answer'],
    ],
    ['a card, then a notice answered', [card(), { kind: 'notice-answered' }], ['request']],
  ])('%s', (_what, events, expected) => {
    expect(done(run(...events))).toEqual(expected);
  });

  it('returns the same state when nothing changes, so no snapshot is pushed', () => {
    const s = run({ kind: 'status-answered' });
    expect(reduceChecklist(s, { kind: 'status-answered' })).toBe(s);
  });

  it('restores what it saved and drops what it does not know', () => {
    const s = run(
      card(),
      { kind: 'approve-clicked', requestId: 'R1' },
      { kind: 'period-advanced' },
    );
    expect(restoreChecklist(structuredClone(s))).toEqual(s);
    expect(restoreChecklist({ done: ['status', 'nonsense'], cards: { a: 1 } })).toEqual({
      ...EMPTY_CHECKLIST,
      done: ['status'],
    });
    expect(restoreChecklist('garbage')).toEqual(EMPTY_CHECKLIST);
  });
});
