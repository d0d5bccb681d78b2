import { describe, expect, it } from 'vitest';
import type { Reservation, Transaction } from '../aws/types.js';
import { money } from '../domain/money.js';
import type { RequestAction } from '../domain/requests.js';
import {
  CALL_WINDOW_SLACK_MS,
  type CallWindow,
  callWindow,
  deviceFarmCandidates,
  type Found,
  LOOKUP_DELAYS_MS,
  type Lookup,
  nextLookupAt,
  PURCHASE_CALL_MAX_MS,
  reservationCandidates,
  SETTLE_MIN_ANSWERS,
  SETTLE_WINDOW_MS,
  settle,
} from './reconcile.js';

const T = new Date('2025-03-15T12:00:00Z');
const at = (offsetMs: number) => new Date(T.getTime() + offsetMs);
const SEC = 1_000;
const MIN = 60 * SEC;

const OFFERING = 'a'.repeat(36);
const OTHER_OFFERING = 'b'.repeat(36);

type DeviceFarmAction = Extract<RequestAction, { service: 'devicefarm' }>;

describe('constants the rules below rely on', () => {
  it('keeps the window, answers and schedule this suite was written for', () => {
    expect(CALL_WINDOW_SLACK_MS).toBe(MIN);
    expect(PURCHASE_CALL_MAX_MS).toBe(23 * SEC);
    expect(SETTLE_WINDOW_MS).toBe(10 * MIN);
    expect(SETTLE_MIN_ANSWERS).toBe(3);
    expect(LOOKUP_DELAYS_MS).toEqual([0, 15 * SEC, 30 * SEC, MIN, 2 * MIN]);
  });
});

describe('callWindow', () => {
  const created = at(-10 * MIN);
  const execution = at(-2 * MIN);
  const call = at(0);

  it.each([
    [
      'callStartedAt when the call was started',
      { callStartedAt: call, executionStartedAt: execution, createdAt: created },
      call,
    ],
    [
      'executionStartedAt when no call was recorded',
      { executionStartedAt: execution, createdAt: created },
      execution,
    ],
    ['createdAt when neither was recorded', { createdAt: created }, created],
  ])('starts from %s', (_, request, started) => {
    expect(callWindow(request, 0)).toEqual({
      from: new Date(started.getTime() - CALL_WINDOW_SLACK_MS),
      to: new Date(started.getTime() + PURCHASE_CALL_MAX_MS + CALL_WINDOW_SLACK_MS),
    });
  });

  it.each([
    ['AWS 5 minutes ahead', 5 * MIN],
    ['AWS 5 minutes behind', -5 * MIN],
    ['the clocks agreeing', 0],
  ])('moves the window onto AWS clock with %s', (_, offset) => {
    const window = callWindow({ callStartedAt: call, createdAt: created }, offset);
    expect(window.from).toEqual(at(offset - MIN));
    expect(window.to).toEqual(at(offset + 23 * SEC + MIN));
  });

  it('covers the longest call it is told of, with slack on both sides', () => {
    expect(callWindow({ createdAt: T }, 2 * MIN, 45 * SEC)).toEqual({
      from: at(2 * MIN - MIN),
      to: at(2 * MIN + 45 * SEC + MIN),
    });
  });
});

function tx(
  id: string,
  createdOn: Date,
  over: Partial<Pick<Transaction, 'offeringId' | 'type' | 'quantity'>> = {},
): Transaction {
  return {
    id,
    offeringId: OFFERING,
    offeringDescription: 'Android Remote Access Unmetered Device Slot',
    type: 'PURCHASE',
    quantity: 2,
    effectiveOn: createdOn,
    createdOn,
    cost: money('250'),
    promotionId: undefined,
    ...over,
  };
}

describe('deviceFarmCandidates', () => {
  const window: CallWindow = { from: at(-MIN), to: at(2 * MIN) };
  const buy: DeviceFarmAction = {
    service: 'devicefarm',
    kind: 'purchase',
    offeringId: OFFERING,
    quantity: 2,
  };
  const renew: DeviceFarmAction = {
    service: 'devicefarm',
    kind: 'renew',
    offeringId: OFFERING,
    quantity: 0,
  };

  it.each<[string, Transaction, DeviceFarmAction, number | undefined, Found]>([
    [
      'the quantity requested',
      tx('t', at(0), { quantity: 2 }),
      buy,
      5,
      { matched: [{ id: 't', matchedBy: 'quantity_requested' }], nearMisses: [] },
    ],
    [
      'the total held after the purchase',
      tx('t', at(0), { quantity: 5 }),
      buy,
      5,
      { matched: [{ id: 't', matchedBy: 'total_after' }], nearMisses: [] },
    ],
    [
      'the quantity requested before the total when they are equal',
      tx('t', at(0), { quantity: 2 }),
      buy,
      2,
      { matched: [{ id: 't', matchedBy: 'quantity_requested' }], nearMisses: [] },
    ],
    [
      'another quantity as a near miss',
      tx('t', at(0), { quantity: 3 }),
      buy,
      5,
      { matched: [], nearMisses: ['t'] },
    ],
    [
      'a total as a near miss when the holding was not read',
      tx('t', at(0), { quantity: 5 }),
      buy,
      undefined,
      { matched: [], nearMisses: ['t'] },
    ],
    [
      'a renewal by its quantity only',
      tx('t', at(0), { type: 'RENEW', quantity: 0 }),
      renew,
      5,
      { matched: [{ id: 't', matchedBy: 'renewal_quantity' }], nearMisses: [] },
    ],
    [
      'a renewal at the holding as a near miss, never a total',
      tx('t', at(0), { type: 'RENEW', quantity: 5 }),
      renew,
      5,
      { matched: [], nearMisses: ['t'] },
    ],
    [
      'the window start itself',
      tx('t', window.from),
      buy,
      5,
      { matched: [{ id: 't', matchedBy: 'quantity_requested' }], nearMisses: [] },
    ],
    [
      'the window end itself',
      tx('t', window.to),
      buy,
      5,
      { matched: [{ id: 't', matchedBy: 'quantity_requested' }], nearMisses: [] },
    ],
  ])('takes %s', (_, transaction, action, heldNow, found) => {
    expect(deviceFarmCandidates([transaction], action, window, heldNow)).toEqual(found);
  });

  it.each<[string, Transaction, DeviceFarmAction]>([
    ['another offering', tx('t', at(0), { offeringId: OTHER_OFFERING }), buy],
    ['a RENEW for a purchase', tx('t', at(0), { type: 'RENEW' }), buy],
    ['a SYSTEM renewal for a purchase', tx('t', at(0), { type: 'SYSTEM' }), buy],
    ['a PURCHASE for a renewal', tx('t', at(0), { quantity: 0 }), renew],
    ['one a millisecond before the window', tx('t', at(-MIN - 1), { quantity: 3 }), buy],
    ['one a millisecond after the window', tx('t', at(2 * MIN + 1), { quantity: 3 }), buy],
  ])('ignores %s, not even a near miss', (_, transaction, action) => {
    expect(deviceFarmCandidates([transaction], action, window, 5)).toEqual({
      matched: [],
      nearMisses: [],
    });
  });

  it('leaves out ids already taken, matches and near misses alike', () => {
    const transactions = [
      tx('taken-match', at(0)),
      tx('taken-miss', at(0), { quantity: 3 }),
      tx('free-match', at(SEC), { quantity: 5 }),
      tx('free-miss', at(SEC), { quantity: 4 }),
    ];
    const found = deviceFarmCandidates(
      transactions,
      buy,
      window,
      5,
      new Set(['taken-match', 'taken-miss']),
    );
    expect(found).toEqual({
      matched: [{ id: 'free-match', matchedBy: 'total_after' }],
      nearMisses: ['free-miss'],
    });
  });

  it('keeps every match in the order given', () => {
    const found = deviceFarmCandidates(
      [tx('newer', at(SEC), { quantity: 5 }), tx('older', at(0))],
      buy,
      window,
      5,
    );
    expect(found.matched.map((c) => c.id)).toEqual(['newer', 'older']);
  });
});

function reservation(arn: string, over: Partial<Reservation> = {}): Reservation {
  return {
    arn,
    name: 'live-events',
    state: 'ACTIVE',
    offeringArn: 'arn:aws:mediaconnect:us-west-2:111122223333:offering:X',
    description: '20 Mbps outbound for 12 months',
    start: new Date('2025-03-15T12:00:00Z'),
    end: new Date('2026-03-15T12:00:00Z'),
    pricePerUnit: money('0.16'),
    priceUnit: 'HOURLY',
    durationMonths: 12,
    bandwidthMbps: 20,
    ...over,
  };
}

describe('reservationCandidates', () => {
  const action: Extract<RequestAction, { service: 'mediaconnect' }> = {
    service: 'mediaconnect',
    kind: 'purchase',
    offeringArn: 'arn:aws:mediaconnect:us-west-2:111122223333:offering:X',
    reservationName: 'live-events',
  };
  const START = '2025-03-15T12:00:00Z';

  it.each<[string, Reservation, string | undefined, Found]>([
    [
      'name, offering and start all matching: claimable',
      reservation('r'),
      START,
      { matched: [{ id: 'r', matchedBy: 'reservation' }], nearMisses: [] },
    ],
    [
      'the same name and offering at another start: a near miss',
      reservation('r', { start: new Date('2025-03-15T12:00:01Z') }),
      START,
      { matched: [], nearMisses: ['r'] },
    ],
    [
      'no start sent: never a match, only a near miss',
      reservation('r'),
      undefined,
      { matched: [], nearMisses: ['r'] },
    ],
    [
      'another name: nothing',
      reservation('r', { name: 'live-events-2' }),
      START,
      { matched: [], nearMisses: [] },
    ],
    [
      'another offering: nothing',
      reservation('r', { offeringArn: `${action.offeringArn}Y` }),
      START,
      { matched: [], nearMisses: [] },
    ],
  ])('%s', (_, r, start, found) => {
    expect(reservationCandidates([r], action, start)).toEqual(found);
  });

  it('leaves out ARNs already taken', () => {
    const found = reservationCandidates(
      [
        reservation('taken'),
        reservation('taken-miss', { start: new Date('2025-03-01T00:00:00Z') }),
        reservation('free'),
      ],
      action,
      START,
      new Set(['taken', 'taken-miss']),
    );
    expect(found).toEqual({ matched: [{ id: 'free', matchedBy: 'reservation' }], nearMisses: [] });
  });
});

describe('settle', () => {
  const nothing: Found = { matched: [], nearMisses: [] };
  const answered = (offsetMs: number, candidates = 0): Lookup => ({ at: at(offsetMs), candidates });
  const errored = (offsetMs: number): Lookup => ({ at: at(offsetMs), candidates: undefined });
  const W = SETTLE_WINDOW_MS;

  it('claims the one match, whatever near misses sit beside it', () => {
    const candidate = { id: 't1', matchedBy: 'quantity_requested' as const };
    expect(settle({ matched: [candidate], nearMisses: [] }, [], T)).toEqual({
      kind: 'claim',
      candidate,
    });
    expect(settle({ matched: [candidate], nearMisses: ['t2'] }, [], T)).toEqual({
      kind: 'claim',
      candidate,
    });
  });

  it('claims none of several matches', () => {
    const found: Found = {
      matched: [
        { id: 't1', matchedBy: 'quantity_requested' },
        { id: 't2', matchedBy: 'total_after' },
      ],
      nearMisses: ['t3'],
    };
    expect(settle(found, [], T)).toEqual({ kind: 'ambiguous', ids: ['t1', 't2'] });
  });

  it('claims no near miss, and does not call it nothing either', () => {
    const history = [answered(-2 * W), answered(-W)];
    expect(settle({ matched: [], nearMisses: ['t1', 't2'] }, history, T)).toEqual({
      kind: 'ambiguous',
      ids: ['t1', 't2'],
    });
  });

  it.each<[string, readonly Lookup[], Date, 'nothing_bought' | Date]>([
    ['the first answer: keep checking a window from now', [], T, at(W)],
    ['a second answer long after the first', [answered(-5 * W)], T, at(-4 * W)],
    ['three answers, the window not yet over', [answered(-W + 1), answered(-MIN)], T, at(1)],
    [
      'three answers, the window over to the millisecond',
      [answered(-W), answered(-MIN)],
      T,
      'nothing_bought',
    ],
    [
      'three answers, well past the window',
      [answered(-3 * W), answered(-2 * W)],
      T,
      'nothing_bought',
    ],
    [
      'more answers than needed, all empty',
      [answered(-W), answered(-MIN), answered(-SEC)],
      T,
      'nothing_bought',
    ],
    ['failed lookups are no answers', [errored(-3 * W), errored(-2 * W), answered(-W)], T, at(0)],
    [
      'the window runs from the first lookup AWS answered, not the first tried',
      [errored(-2 * W), answered(-W + 1), answered(-MIN)],
      T,
      at(1),
    ],
    [
      'answers around failures still add up',
      [answered(-W), errored(-MIN), answered(-SEC)],
      T,
      'nothing_bought',
    ],
    [
      'an earlier lookup that saw a candidate',
      [answered(-3 * W, 1), answered(-2 * W)],
      T,
      at(-2 * W),
    ],
    [
      'a candidate seen once, however long ago and however many answers since',
      [answered(-9 * W), answered(-8 * W, 2), answered(-7 * W), answered(-6 * W)],
      T,
      at(-8 * W),
    ],
  ])('with no candidate now, %s', (_, history, now, expected) => {
    const settlement = settle(nothing, history, now);
    if (expected === 'nothing_bought') expect(settlement).toEqual({ kind: 'nothing_bought' });
    else expect(settlement).toEqual({ kind: 'keep_checking', until: expected });
  });

  it('counts exactly SETTLE_MIN_ANSWERS, this lookup included', () => {
    const long = Array.from({ length: SETTLE_MIN_ANSWERS - 1 }, (_, i) => answered(-2 * W + i));
    expect(settle(nothing, long, T).kind).toBe('nothing_bought');
    expect(settle(nothing, long.slice(1), T).kind).toBe('keep_checking');
  });

  it('uses the window it is given', () => {
    const history = [answered(-5 * MIN), answered(-MIN)];
    expect(settle(nothing, history, T, 5 * MIN)).toEqual({ kind: 'nothing_bought' });
    expect(settle(nothing, history, T, 5 * MIN + 1)).toEqual({
      kind: 'keep_checking',
      until: at(1),
    });
  });
});

describe('nextLookupAt', () => {
  const since = at(-10 * MIN);
  const lookups = (n: number): Lookup[] =>
    Array.from({ length: n }, (_, i) => ({
      at: at(i * MIN),
      candidates: i % 2 === 0 ? 0 : undefined,
    }));

  it('is due at once when nothing was looked up yet', () => {
    expect(nextLookupAt([], since)).toEqual(since);
  });

  it.each([
    [1, 15 * SEC],
    [2, 30 * SEC],
    [3, MIN],
    [4, 2 * MIN],
    [5, 2 * MIN],
    [12, 2 * MIN],
  ])('after %i lookups (failed ones too) waits %i ms from the last', (n, delay) => {
    const history = lookups(n);
    const last = history.at(-1)?.at ?? since;
    expect(nextLookupAt(history, since)).toEqual(new Date(last.getTime() + delay));
  });
});
