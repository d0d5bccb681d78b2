/**
 * One suite for every store backend: each backend's test file calls `describeStore` with a
 * function that opens a fresh, empty store. Nothing here knows which database is underneath.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PurchaseRequest, RequestAction, RequestState } from '../../src/domain/requests.js';
import type { Clock } from '../../src/lifecycle/clock.js';
import type {
  NewOutboxMessage,
  NewRequest,
  Store,
  Transition,
  WatchCommit,
} from '../../src/store/store.js';

export interface OpenedStore {
  readonly store: Store;
  /** Closes nothing; opens another handle on the same data (a restart, or a second replica). */
  readonly reopen?: () => Promise<Store>;
  cleanup(): Promise<void>;
}

/** Opens a fresh, empty store whose events and messages are stamped by `clock`. */
export type OpenStore = (clock: Clock) => Promise<OpenedStore>;

// ---------------------------------------------------------------------------------------------
// Factories

export const T0 = new Date('2025-03-01T10:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A clock tests move by hand. */
export function manualClock(start: Date = T0) {
  let now = start.getTime();
  return {
    clock: (() => new Date(now)) as Clock,
    set(date: Date) {
      now = date.getTime();
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

let sequence = 0;

export function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  sequence += 1;
  return {
    id: `R${String(sequence).padStart(7, '0')}`,
    action: { service: 'devicefarm', kind: 'purchase', offeringId: `off-${sequence}`, quantity: 2 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android Remote Access Unmetered Device Slot',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '500000000',
      commitsPeriod: 'month',
    },
    requester: 'UREQUESTER',
    reason: 'release testing',
    createdAt: T0,
    expiresAt: new Date(T0.getTime() + DAY),
    ...overrides,
  };
}

const created = { actor: 'UREQUESTER', type: 'created' } as const;
const cardFor = (requestId: string): NewOutboxMessage => ({
  kind: 'card',
  channel: 'CSLOTS',
  requestId,
});

/** Approval and the claim to execute are one write. */
function approve(approver: string, at: Date = T0): Transition {
  return {
    from: ['pending'],
    to: 'executing',
    patch: { decidedBy: approver, decidedAt: at, executionStartedAt: at },
    event: { actor: approver, type: 'approved' },
  };
}

const notice = (text: string): NewOutboxMessage => ({
  kind: 'notice',
  channel: 'CSLOTS',
  payload: { text, blocks: [{ type: 'section' }] },
});

function move(from: readonly RequestState[], to: RequestState, type: string = to): Transition {
  return { from, to, event: { actor: 'slots-bot', type } };
}

/** Every edge of the request lifecycle, with a way to reach its starting state. */
const LIFECYCLE: ReadonlyArray<{
  readonly from: RequestState;
  readonly to: RequestState;
  readonly path: readonly RequestState[];
}> = [
  { from: 'pending', to: 'executing', path: [] },
  { from: 'pending', to: 'rejected', path: [] },
  { from: 'pending', to: 'cancelled', path: [] },
  { from: 'pending', to: 'expired', path: [] },
  { from: 'executing', to: 'succeeded', path: ['executing'] },
  { from: 'executing', to: 'failed', path: ['executing'] },
  { from: 'executing', to: 'unknown', path: ['executing'] },
  { from: 'unknown', to: 'succeeded', path: ['executing', 'unknown'] },
  { from: 'unknown', to: 'failed', path: ['executing', 'unknown'] },
  { from: 'unknown', to: 'unknown', path: ['executing', 'unknown'] },
  { from: 'pending', to: 'pending', path: [] },
  { from: 'executing', to: 'dry_run', path: ['executing'] },
];

const ALL_STATES: readonly RequestState[] = [
  'pending',
  'executing',
  'succeeded',
  'failed',
  'unknown',
  'rejected',
  'cancelled',
  'expired',
  'dry_run',
];

// ---------------------------------------------------------------------------------------------
// The suite

export function describeStore(name: string, open: OpenStore): void {
  describe(`Store: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let time: ReturnType<typeof manualClock>;

    beforeEach(async () => {
      time = manualClock();
      opened = await open(time.clock);
      store = opened.store;
    });

    afterEach(async () => {
      await store.close();
      await opened.cleanup();
    });

    /** Creates a request and walks it through `path`. */
    async function requestIn(path: readonly RequestState[], overrides: Partial<NewRequest> = {}) {
      const request = await store.createRequest(newRequest(overrides), created, []);
      let state: RequestState = 'pending';
      for (const next of path) {
        const result = await store.transition(request.id, move([state], next));
        expect(result.applied).toBe(true);
        state = next;
      }
      return (await store.getRequest(request.id))!;
    }

    /** Claims everything claimable now and gives the leases back. */
    async function claimable(now = time.clock()) {
      const claimed = await store.claimOutbox(now, 100, 1);
      return claimed;
    }

    describe('a fresh store (migrated from empty)', () => {
      it('opens empty and usable', async () => {
        expect(await store.listRequests()).toEqual([]);
        expect(await store.listExpired(T0)).toEqual([]);
        expect(await store.claimOutbox(T0, 10, 1_000)).toEqual([]);
        expect(await store.getRequest('NOPE')).toBeUndefined();
        expect(await store.listEvents('NOPE')).toEqual([]);
      });
    });

    describe('createRequest / getRequest', () => {
      it('round-trips every field, dates as instants and money as strings', async () => {
        const input = newRequest({
          action: {
            service: 'devicefarm',
            kind: 'purchase',
            offeringId: 'f9ab8ae5-0d3f-4d2a-9c9b-000000000001',
            quantity: 7,
            promotionId: 'promo-1',
          },
          quote: {
            service: 'devicefarm',
            offeringDescription: 'iOS "unmetered" slot — ünïcode',
            currency: 'USD',
            // Beyond what a double holds exactly: must come back digit for digit.
            unitPriceMicros: '123456789012345678901',
            priceUnit: 'MONTHLY',
            commitsMicros: '-864197523086419752307',
            commitsPeriod: 'month',
          },
          reason: 'line one\nline two',
          createdAt: new Date('2025-03-01T10:00:00.123Z'),
          expiresAt: new Date('2025-03-02T10:00:00.456Z'),
        });
        const request = await store.createRequest(input, created, []);
        const expected: PurchaseRequest = {
          id: input.id,
          state: 'pending',
          action: input.action,
          quote: input.quote,
          requester: input.requester,
          reason: input.reason,
          createdAt: input.createdAt,
          expiresAt: input.expiresAt,
          approvalsNeeded: 1,
          approvals: [],
          remindersSent: 0,
          version: 1,
        };
        expect(request).toStrictEqual(expected);
        const read = await store.getRequest(input.id);
        expect(read).toStrictEqual(expected);
        expect(read!.createdAt).toBeInstanceOf(Date);
        expect(read!.createdAt.getTime()).toBe(input.createdAt.getTime());
        expect(typeof read!.quote.unitPriceMicros).toBe('string');
        expect(read!.quote.unitPriceMicros).toBe('123456789012345678901');
        expect(read!.quote.commitsMicros).toBe('-864197523086419752307');
      });

      it.each<RequestAction>([
        { service: 'devicefarm', kind: 'purchase', offeringId: 'off-1', quantity: 1 },
        { service: 'devicefarm', kind: 'renew', offeringId: 'off-2', quantity: 0 },
        {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: 'arn:aws:mediaconnect:us-east-1:111122223333:offering:abc',
          reservationName: 'main-feed',
          start: '2025-04-01T00:00:00Z',
        },
      ])('round-trips a $service $kind action', async (action) => {
        const quote = {
          service: action.service,
          offeringDescription: '20 Mbps outbound',
          currency: 'USD',
          unitPriceMicros: '160000',
          priceUnit: 'HOURLY',
          commitsMicros: '28032000000',
          commitsPeriod: 'term',
          durationMonths: 12,
          bandwidthMbps: 20,
        } as const;
        const request = await store.createRequest(newRequest({ action, quote }), created, []);
        const read = await store.getRequest(request.id);
        expect(read!.action).toStrictEqual(action);
        expect(read!.quote).toStrictEqual(quote);
      });

      it('writes the created event and the outbox messages with the request', async () => {
        const input = newRequest();
        await store.createRequest(
          input,
          { actor: 'UREQUESTER', type: 'created', detail: { quantity: 2, nested: { ok: true } } },
          [
            cardFor(input.id),
            { kind: 'ephemeral', channel: 'CSLOTS', requestId: input.id, user: 'UREQUESTER' },
          ],
        );
        const events = await store.listEvents(input.id);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          requestId: input.id,
          actor: 'UREQUESTER',
          type: 'created',
          detail: { quantity: 2, nested: { ok: true } },
        });
        expect(events[0]!.at.getTime()).toBe(input.createdAt.getTime());
        // Only the first of the request's messages is eligible (per-request order).
        const claimed = await store.claimOutbox(T0, 10, 1_000);
        expect(claimed).toHaveLength(1);
        expect(claimed[0]).toMatchObject({ kind: 'card', channel: 'CSLOTS', requestId: input.id });
      });

      it('refuses a second request with the same id and writes nothing', async () => {
        const input = newRequest();
        await store.createRequest(input, created, []);
        await expect(
          store.createRequest({ ...input, reason: 'again' }, created, [cardFor(input.id)]),
        ).rejects.toMatchObject({ name: 'StoreError', code: 'store_conflict' });
        expect((await store.getRequest(input.id))!.reason).toBe(input.reason);
        expect(await store.listEvents(input.id)).toHaveLength(1);
        expect(await claimable()).toEqual([]);
      });

      it('refuses an invalid date or a malformed quote and writes nothing', async () => {
        const bad = newRequest({ expiresAt: new Date(Number.NaN) });
        await expect(store.createRequest(bad, created, [])).rejects.toMatchObject({
          code: 'store_invalid_input',
        });
        const float = newRequest({
          quote: { ...newRequest().quote, unitPriceMicros: 250.5 as unknown as string },
        });
        await expect(store.createRequest(float, created, [])).rejects.toMatchObject({
          code: 'store_invalid_input',
        });
        expect(await store.listRequests()).toEqual([]);
      });

      it('rolls the request back when one of its messages cannot be written', async () => {
        const input = newRequest();
        await expect(
          store.createRequest(input, created, [cardFor(input.id), cardFor('NO-SUCH-REQUEST')]),
        ).rejects.toMatchObject({ code: 'store_not_found' });
        expect(await store.getRequest(input.id)).toBeUndefined();
        expect(await store.listEvents(input.id)).toEqual([]);
        expect(await claimable()).toEqual([]);
      });
    });

    describe('transition (compare-and-set)', () => {
      it('applies from the expected state: state, patch, version, event and messages', async () => {
        const request = await requestIn([]);
        time.set(new Date(T0.getTime() + 5 * MINUTE));
        const at = time.clock();
        const result = await store.transition(request.id, {
          ...approve('UAPPROVER', at),
          event: { actor: 'UAPPROVER', type: 'approved', detail: { via: 'button' } },
          outbox: [
            cardFor(request.id),
            { kind: 'thread_reply', channel: 'CSLOTS', requestId: request.id },
          ],
        });
        expect(result.applied).toBe(true);
        expect(result.request).toStrictEqual({
          ...request,
          state: 'executing',
          decidedBy: 'UAPPROVER',
          decidedAt: at,
          executionStartedAt: at,
          version: 2,
        });
        expect(await store.getRequest(request.id)).toStrictEqual(result.request);

        const events = await store.listEvents(request.id);
        expect(events.map((e) => e.type)).toEqual(['created', 'approved']);
        expect(events[1]).toMatchObject({ actor: 'UAPPROVER', detail: { via: 'button' } });
        expect(events[1]!.at.getTime()).toBe(at.getTime());

        const claimed = await claimable();
        expect(claimed).toHaveLength(1);
        expect(claimed[0]).toMatchObject({ kind: 'card', requestId: request.id });
        expect(claimed[0]!.createdAt.getTime()).toBe(at.getTime());
      });

      it('sets every patch field, and later patches keep what they do not name', async () => {
        const request = await requestIn([]);
        const t1 = new Date(T0.getTime() + MINUTE);
        const t2 = new Date(T0.getTime() + 2 * MINUTE);
        await store.transition(request.id, approve('UAPPROVER', t1));
        const result = await store.transition(request.id, {
          from: ['executing'],
          to: 'succeeded',
          patch: {
            finishedAt: t2,
            outcome: { transactionId: 'tx-1', source: 'answer', message: 'Bought 2 slots.' },
          },
          event: { actor: 'slots-bot', type: 'succeeded' },
        });
        expect(result.request).toStrictEqual({
          ...request,
          state: 'succeeded',
          decidedBy: 'UAPPROVER',
          decidedAt: t1,
          executionStartedAt: t1,
          finishedAt: t2,
          outcome: { transactionId: 'tx-1', source: 'answer', message: 'Bought 2 slots.' },
          version: 3,
        });

        const rejected = await requestIn([]);
        const result2 = await store.transition(rejected.id, {
          from: ['pending'],
          to: 'rejected',
          patch: { decidedBy: 'UAPPROVER', decidedAt: t1, decisionNote: 'not this quarter' },
          event: { actor: 'UAPPROVER', type: 'rejected' },
        });
        expect(result2.request).toMatchObject({
          state: 'rejected',
          decisionNote: 'not this quarter',
        });
      });

      it.each(ALL_STATES.filter((s) => s !== 'pending'))(
        'refuses pending → executing when the request is %s, writing nothing',
        async (state) => {
          const path: Record<RequestState, RequestState[]> = {
            pending: [],
            executing: ['executing'],
            succeeded: ['executing', 'succeeded'],
            failed: ['executing', 'failed'],
            unknown: ['executing', 'unknown'],
            rejected: ['rejected'],
            cancelled: ['cancelled'],
            expired: ['expired'],
            dry_run: ['executing', 'dry_run'],
          };
          const before = await requestIn(path[state]);
          const eventsBefore = await store.listEvents(before.id);
          await claimable();
          const result = await store.transition(before.id, {
            ...approve('UAPPROVER'),
            outbox: [cardFor(before.id)],
          });
          expect(result).toStrictEqual({ applied: false, request: before });
          expect(await store.getRequest(before.id)).toStrictEqual(before);
          expect(await store.listEvents(before.id)).toEqual(eventsBefore);
          time.advance(DAY);
          expect(await claimable()).toEqual([]);
        },
      );

      it('reports an unknown request as not applied, with no request, writing nothing', async () => {
        const result = await store.transition('MISSING', {
          ...approve('UAPPROVER'),
          outbox: [{ kind: 'notice', channel: 'CSLOTS', payload: { text: 'x' } }],
        });
        expect(result).toStrictEqual({ applied: false, request: undefined });
        expect(await store.listEvents('MISSING')).toEqual([]);
        expect(await claimable()).toEqual([]);
      });

      it('refuses a transition without from-states', async () => {
        const request = await requestIn([]);
        await expect(
          store.transition(request.id, { ...move([], 'executing') }),
        ).rejects.toMatchObject({ code: 'store_invalid_input' });
        expect((await store.getRequest(request.id))!.state).toBe('pending');
      });

      it.each(LIFECYCLE)('applies the lifecycle edge $from → $to', async ({ from, to, path }) => {
        const request = await requestIn(path);
        expect(request.state).toBe(from);
        const result = await store.transition(request.id, move([from], to, `to_${to}`));
        expect(result.applied).toBe(true);
        expect(result.request!.state).toBe(to);
        expect(result.request!.version).toBe(request.version + 1);
        const events = await store.listEvents(request.id);
        expect(events.at(-1)!.type).toBe(`to_${to}`);
      });

      it.each(['succeeded', 'failed', 'rejected', 'cancelled', 'expired'] as const)(
        'never moves a %s request again',
        async (final) => {
          const path = final === 'succeeded' || final === 'failed' ? ['executing', final] : [final];
          const request = await requestIn(path as RequestState[]);
          for (const to of ALL_STATES) {
            const result = await store.transition(
              request.id,
              move(['pending', 'executing', 'unknown'], to),
            );
            expect(result.applied).toBe(false);
          }
          expect(await store.getRequest(request.id)).toStrictEqual(request);
        },
      );

      it('accepts any of several from-states', async () => {
        const executing = await requestIn(['executing']);
        const unknown = await requestIn(['executing', 'unknown']);
        for (const r of [executing, unknown]) {
          const result = await store.transition(r.id, move(['executing', 'unknown'], 'failed'));
          expect(result.applied).toBe(true);
        }
      });

      it('applies exactly one of 20 concurrent approvals; the others write nothing', async () => {
        const request = await requestIn([]);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.transition(request.id, {
              ...approve(`UAPPROVER${i}`),
              outbox: [cardFor(request.id)],
            }),
          ),
        );
        const applied = results.filter((r) => r.applied);
        expect(applied).toHaveLength(1);
        const winner = applied[0]!.request!.decidedBy;
        for (const r of results) {
          expect(r.request!.state).toBe('executing');
          expect(r.request!.decidedBy).toBe(winner);
        }
        const events = await store.listEvents(request.id);
        expect(events.filter((e) => e.type === 'approved')).toHaveLength(1);
        expect(await claimable()).toHaveLength(1);
      });

      it('lets exactly one of an approval and an expiry racing each other win', async () => {
        const request = await requestIn([]);
        const [approval, expiry] = await Promise.all([
          store.transition(request.id, approve('UAPPROVER')),
          store.transition(request.id, move(['pending'], 'expired')),
        ]);
        expect([approval.applied, expiry.applied].filter(Boolean)).toHaveLength(1);
        expect((await store.listEvents(request.id)).map((e) => e.type)).toHaveLength(2);
      });
    });

    describe('events', () => {
      it('lists a request’s events oldest first, with their time and detail', async () => {
        const request = await requestIn([]);
        for (let attempt = 1; attempt <= 3; attempt++) {
          time.advance(MINUTE);
          await store.addEvent(request.id, {
            actor: 'slots-bot',
            type: 'reconciliation_attempt',
            detail: { attempt, found: null, list: [1, 'two'] },
          });
        }
        await store.transition(request.id, move(['pending'], 'cancelled'));
        const events = await store.listEvents(request.id);
        expect(events.map((e) => e.type)).toEqual([
          'created',
          'reconciliation_attempt',
          'reconciliation_attempt',
          'reconciliation_attempt',
          'cancelled',
        ]);
        expect(events.map((e) => e.detail.attempt)).toEqual([undefined, 1, 2, 3, undefined]);
        expect(events[0]!.detail).toEqual({});
        expect(events[1]!.detail).toEqual({ attempt: 1, found: null, list: [1, 'two'] });
        const ids = events.map((e) => e.id);
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        expect(events.map((e) => e.at.getTime() - T0.getTime())).toEqual([
          0,
          MINUTE,
          2 * MINUTE,
          3 * MINUTE,
          3 * MINUTE,
        ]);
        // Addressing another request's trail shows nothing of this one.
        const other = await requestIn([]);
        expect((await store.listEvents(other.id)).map((e) => e.type)).toEqual(['created']);
      });

      it('refuses an event for a request that does not exist', async () => {
        await expect(
          store.addEvent('MISSING', { actor: 'slots-bot', type: 'x' }),
        ).rejects.toMatchObject({ code: 'store_not_found' });
        expect(await store.listEvents('MISSING')).toEqual([]);
      });
    });

    describe('listRequests', () => {
      async function createSeries(states: readonly RequestState[]) {
        const made: PurchaseRequest[] = [];
        for (const [i, state] of states.entries()) {
          const path =
            state === 'pending'
              ? []
              : state === 'succeeded' || state === 'failed' || state === 'unknown'
                ? ['executing', state]
                : [state];
          made.push(
            await requestIn(path as RequestState[], {
              createdAt: new Date(T0.getTime() + i * MINUTE),
            }),
          );
        }
        return made;
      }

      it('lists newest first, filtered by state, up to the limit', async () => {
        const made = await createSeries([
          'pending',
          'succeeded',
          'pending',
          'executing',
          'rejected',
          'unknown',
          'pending',
        ]);
        const ids = (list: PurchaseRequest[]) => list.map((r) => r.id);
        const newestFirst = ids([...made].reverse());
        expect(ids(await store.listRequests())).toEqual(newestFirst);
        expect(ids(await store.listRequests({ limit: 3 }))).toEqual(newestFirst.slice(0, 3));
        expect(ids(await store.listRequests({ states: ['pending'] }))).toEqual([
          made[6]!.id,
          made[2]!.id,
          made[0]!.id,
        ]);
        expect(
          ids(await store.listRequests({ states: ['executing', 'unknown', 'pending'], limit: 2 })),
        ).toEqual([made[6]!.id, made[5]!.id]);
        expect(await store.listRequests({ states: ['expired'] })).toEqual([]);
        expect(await store.listRequests({ states: [] })).toEqual([]);
        // Full requests, not summaries.
        expect((await store.listRequests({ states: ['succeeded'] }))[0]).toStrictEqual(
          await store.getRequest(made[1]!.id),
        );
      });

      it('returns 20 by default, never more than 200, and at least one', async () => {
        for (let i = 0; i < 205; i++) {
          await store.createRequest(
            newRequest({ createdAt: new Date(T0.getTime() + i * 1_000) }),
            created,
            [],
          );
        }
        expect(await store.listRequests()).toHaveLength(20);
        expect(await store.listRequests({ limit: 1_000 })).toHaveLength(200);
        expect(await store.listRequests({ limit: 0 })).toHaveLength(1);
        const newest = await store.listRequests({ limit: 1 });
        expect(newest[0]!.createdAt.getTime()).toBe(T0.getTime() + 204 * 1_000);
      });
    });

    describe('listExpired', () => {
      it('lists pending requests whose expiry is at or before now', async () => {
        const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
        const early = await requestIn([], { expiresAt: at(10) });
        const exact = await requestIn([], { expiresAt: at(20) });
        await requestIn([], { expiresAt: at(21) });
        await requestIn(['cancelled'], { expiresAt: at(5) });
        await requestIn(['executing'], { expiresAt: at(5) });
        const expired = await store.listExpired(at(20));
        expect(expired.map((r) => r.id).sort()).toEqual([early.id, exact.id].sort());
        expect(expired.every((r) => r.state === 'pending')).toBe(true);
        expect(await store.listExpired(at(9))).toEqual([]);
      });
    });

    describe('setCard', () => {
      it('records where the card was posted; the first write wins', async () => {
        const request = await requestIn([]);
        await store.setCard(request.id, { channel: 'CSLOTS', ts: '1700000000.000100' });
        const first = await store.getRequest(request.id);
        expect(first!.card).toStrictEqual({ channel: 'CSLOTS', ts: '1700000000.000100' });
        await store.setCard(request.id, { channel: 'COTHER', ts: '1700000099.000900' });
        expect(await store.getRequest(request.id)).toStrictEqual(first);
        // The card survives later transitions.
        const moved = await store.transition(request.id, approve('UAPPROVER'));
        expect(moved.request!.card).toStrictEqual(first!.card);
      });

      it('never voids a compare-and-set: where the card is is not part of the version', async () => {
        const request = await requestIn([]);
        const approved = await store.transition(request.id, approve('UAPPROVER'));
        // The outbox records the card between the approval and the call stamp.
        await store.setCard(request.id, { channel: 'CSLOTS', ts: '1700000000.000100' });
        const stamped = await store.transition(request.id, {
          from: ['executing'],
          to: 'executing',
          expectedVersion: approved.request!.version,
          patch: { callStartedAt: T0 },
          event: { actor: 'slots-bot', type: 'call_started' },
        });
        expect(stamped.applied).toBe(true);
      });

      it('ignores an unknown request', async () => {
        await expect(
          store.setCard('MISSING', { channel: 'CSLOTS', ts: '1.2' }),
        ).resolves.toBeUndefined();
        expect(await store.getRequest('MISSING')).toBeUndefined();
      });
    });

    describe('outbox', () => {
      it('queues messages due now, with every field, and leases what it hands out', async () => {
        await store.enqueue([
          notice('renewal in 7 days'),
          {
            kind: 'ephemeral',
            channel: 'CSLOTS',
            user: 'UREQUESTER',
            payload: { about: 'refused' },
          },
        ]);
        expect(await store.claimOutbox(new Date(T0.getTime() - 1), 10, MINUTE)).toEqual([]);

        const claimed = await store.claimOutbox(T0, 10, MINUTE);
        expect(claimed).toStrictEqual([
          {
            id: claimed[0]!.id,
            kind: 'notice',
            channel: 'CSLOTS',
            payload: { text: 'renewal in 7 days', blocks: [{ type: 'section' }] },
            createdAt: T0,
            attempts: 0,
            nextAttemptAt: T0,
          },
          {
            id: claimed[1]!.id,
            kind: 'ephemeral',
            channel: 'CSLOTS',
            user: 'UREQUESTER',
            payload: { about: 'refused' },
            createdAt: T0,
            attempts: 0,
            nextAttemptAt: T0,
          },
        ]);
        expect(claimed[0]!.id).toBeLessThan(claimed[1]!.id);

        // Leased: nobody else gets them until the lease runs out.
        expect(await store.claimOutbox(T0, 10, MINUTE)).toEqual([]);
        expect(await store.claimOutbox(new Date(T0.getTime() + MINUTE - 1), 10, MINUTE)).toEqual(
          [],
        );
        const again = await store.claimOutbox(new Date(T0.getTime() + MINUTE), 10, MINUTE);
        expect(again.map((m) => m.id)).toEqual(claimed.map((m) => m.id));
      });

      it('honours the limit, oldest first', async () => {
        await store.enqueue([notice('a'), notice('b'), notice('c')]);
        const first = await store.claimOutbox(T0, 2, MINUTE);
        expect(first.map((m) => m.payload?.text)).toEqual(['a', 'b']);
        const rest = await store.claimOutbox(T0, 2, MINUTE);
        expect(rest.map((m) => m.payload?.text)).toEqual(['c']);
        expect(await store.claimOutbox(T0, 0, MINUTE)).toEqual([]);
      });

      it('never hands out a delivered message again', async () => {
        await store.enqueue([notice('a')]);
        const [message] = await store.claimOutbox(T0, 10, MINUTE);
        await store.markDelivered(message!.id, new Date(T0.getTime() + 1_000));
        expect(await store.claimOutbox(new Date(T0.getTime() + DAY), 10, MINUTE)).toEqual([]);
        // A late failure report does not bring it back.
        await store.markFailed(message!.id, T0, 'late timeout');
        expect(await store.claimOutbox(new Date(T0.getTime() + DAY), 10, MINUTE)).toEqual([]);
      });

      it('releases a failed message and retries it at its next attempt time', async () => {
        await store.enqueue([notice('a')]);
        const [message] = await store.claimOutbox(T0, 10, 10 * MINUTE);
        const retryAt = new Date(T0.getTime() + 30_000);
        await store.markFailed(message!.id, retryAt, 'slack error: channel_not_found');

        expect(await store.claimOutbox(new Date(retryAt.getTime() - 1), 10, MINUTE)).toEqual([]);
        const [retried] = await store.claimOutbox(retryAt, 10, MINUTE);
        expect(retried).toMatchObject({
          id: message!.id,
          attempts: 1,
          nextAttemptAt: retryAt,
          lastError: 'slack error: channel_not_found',
        });

        const later = new Date(retryAt.getTime() + 2 * MINUTE);
        await store.markFailed(retried!.id, later, 'rate limited');
        const [third] = await store.claimOutbox(later, 10, MINUTE);
        expect(third).toMatchObject({ attempts: 2, lastError: 'rate limited' });
      });

      it('delivers the messages of one request in order; others are independent', async () => {
        const a = await requestIn([]);
        const b = await requestIn([]);
        await store.enqueue([
          { kind: 'card', channel: 'CSLOTS', requestId: a.id },
          { kind: 'thread_reply', channel: 'CSLOTS', requestId: a.id, payload: { n: 2 } },
          notice('independent 1'),
          { kind: 'card', channel: 'CSLOTS', requestId: b.id },
          { kind: 'thread_reply', channel: 'CSLOTS', requestId: a.id, payload: { n: 3 } },
          notice('independent 2'),
        ]);
        const label = (m: {
          requestId?: string;
          kind: string;
          payload?: Record<string, unknown>;
        }) =>
          m.requestId === a.id
            ? `a${m.kind === 'card' ? 1 : String(m.payload?.n)}`
            : m.requestId === b.id
              ? 'b1'
              : String(m.payload?.text);

        const first = await store.claimOutbox(T0, 10, MINUTE);
        expect(first.map(label)).toEqual(['a1', 'independent 1', 'b1', 'independent 2']);

        // a1 fails: a2 waits behind it, even after a1's lease would have run out.
        const a1 = first[0]!;
        await store.markFailed(a1.id, new Date(T0.getTime() + 5 * MINUTE), 'network error');
        for (const m of first.slice(1)) await store.markDelivered(m.id, T0);
        expect(await store.claimOutbox(new Date(T0.getTime() + 2 * MINUTE), 10, MINUTE)).toEqual(
          [],
        );

        const t5 = new Date(T0.getTime() + 5 * MINUTE);
        const retried = await store.claimOutbox(t5, 10, MINUTE);
        expect(retried.map(label)).toEqual(['a1']);
        await store.markDelivered(retried[0]!.id, t5);

        const next = await store.claimOutbox(t5, 10, MINUTE);
        expect(next.map(label)).toEqual(['a2']);
        // While a2 is leased, a3 is not eligible.
        expect(await store.claimOutbox(t5, 10, MINUTE)).toEqual([]);
        await store.markDelivered(next[0]!.id, t5);
        expect((await store.claimOutbox(t5, 10, MINUTE)).map(label)).toEqual(['a3']);
      });

      it('refuses a message about a request that does not exist, writing nothing', async () => {
        await expect(
          store.enqueue([notice('ok'), { kind: 'card', channel: 'CSLOTS', requestId: 'MISSING' }]),
        ).rejects.toMatchObject({ code: 'store_not_found' });
        expect(await claimable()).toEqual([]);
      });

      it('hands each message to exactly one of many concurrent claimers', async () => {
        await store.enqueue(Array.from({ length: 30 }, (_, i) => notice(`n${i}`)));
        const batches = await Promise.all(
          Array.from({ length: 10 }, () => store.claimOutbox(T0, 4, MINUTE)),
        );
        const ids = batches.flat().map((m) => m.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(30);
      });
    });

    describe('outbox: dead messages', () => {
      const at = (ms: number) => new Date(T0.getTime() + ms);

      it('never hands out a dead message again, and keeps its error', async () => {
        const request = await requestIn([]);
        await store.enqueue([
          notice('to a deleted channel'),
          {
            kind: 'response',
            channel: 'CSLOTS',
            requestId: request.id,
            user: 'UREQUESTER',
            payload: { about: 'requested', responseUrl: 'https://hooks.slack.com/commands/T/1/x' },
          },
        ]);
        const [dead, response] = await store.claimOutbox(T0, 10, MINUTE);
        expect(response).toMatchObject({
          kind: 'response',
          requestId: request.id,
          user: 'UREQUESTER',
          payload: { about: 'requested', responseUrl: 'https://hooks.slack.com/commands/T/1/x' },
        });
        await store.markDead(dead!.id, at(1_000), 'slack error: channel_not_found');
        await store.markDelivered(response!.id, at(1_000));

        expect(await store.claimOutbox(at(DAY), 10, MINUTE)).toEqual([]);
        // A late failure report does not bring it back, nor a second death change it.
        await store.markFailed(dead!.id, T0, 'late timeout');
        await store.markDead(dead!.id, at(5_000), 'again');
        expect(await store.claimOutbox(at(DAY), 10, MINUTE)).toEqual([]);
        // Dying does not undo a delivery either.
        await store.markDead(response!.id, at(2_000), 'too late');
        const [kept] = await store.listOutbox(request.id);
        expect(kept).toMatchObject({ deliveredAt: at(1_000), attempts: 0 });
        expect(kept?.deadAt).toBeUndefined();
        expect(await store.outboxHealth()).toEqual({ dead: 1, lastDeadAt: at(1_000), waiting: 0 });
      });

      it('counts the attempt, releases the lease, and records when and why', async () => {
        const request = await requestIn([]);
        await store.enqueue([{ kind: 'card', channel: 'CSLOTS', requestId: request.id }]);
        const [card] = await store.claimOutbox(T0, 10, 10 * MINUTE);
        await store.markFailed(card!.id, at(1_000), 'rate limited');
        await store.claimOutbox(at(1_000), 10, 10 * MINUTE);
        await store.markDead(card!.id, at(2_000), 'slack error: not_in_channel');
        expect(await store.listOutbox(request.id)).toStrictEqual([
          {
            id: card!.id,
            kind: 'card',
            channel: 'CSLOTS',
            requestId: request.id,
            createdAt: T0,
            attempts: 2,
            nextAttemptAt: at(1_000),
            lastError: 'slack error: not_in_channel',
            deadAt: at(2_000),
          },
        ]);
      });

      it('lets the next message of a request go once the one before it is dead', async () => {
        const a = await requestIn([]);
        await store.enqueue([
          { kind: 'card', channel: 'CSLOTS', requestId: a.id },
          { kind: 'response', channel: 'CSLOTS', requestId: a.id, payload: { n: 2 } },
          { kind: 'thread_reply', channel: 'CSLOTS', requestId: a.id, payload: { n: 3 } },
        ]);
        const [card] = await store.claimOutbox(T0, 10, MINUTE);
        expect(card?.kind).toBe('card');
        expect(await store.claimOutbox(T0, 10, MINUTE)).toEqual([]);

        await store.markDead(card!.id, T0, 'slack error: channel_not_found');
        const [second] = await store.claimOutbox(T0, 10, MINUTE);
        expect(second?.payload).toEqual({ n: 2 });
        // Still one at a time: the third waits behind the second.
        expect(await store.claimOutbox(T0, 10, MINUTE)).toEqual([]);
        await store.markDead(second!.id, T0, 'response URL: http 404');
        expect((await store.claimOutbox(T0, 10, MINUTE)).map((m) => m.payload)).toEqual([{ n: 3 }]);
      });

      it('lists every message of one request, oldest first, whatever its state', async () => {
        const a = await requestIn([]);
        const b = await requestIn([]);
        await store.enqueue([
          { kind: 'card', channel: 'CSLOTS', requestId: a.id },
          { kind: 'card', channel: 'CSLOTS', requestId: b.id },
          notice('not about a request'),
          { kind: 'thread_reply', channel: 'CSLOTS', requestId: a.id },
        ]);
        const [first] = await store.claimOutbox(T0, 1, MINUTE);
        await store.markDelivered(first!.id, T0);
        const listed = await store.listOutbox(a.id);
        expect(listed.map((m) => [m.kind, m.deliveredAt !== undefined])).toEqual([
          ['card', true],
          ['thread_reply', false],
        ]);
        expect(listed[0]!.id).toBeLessThan(listed[1]!.id);
        expect(await store.listOutbox('MISSING')).toEqual([]);
      });

      it('counts dead and waiting messages for the health check', async () => {
        expect(await store.outboxHealth()).toEqual({ dead: 0, waiting: 0 });
        await store.enqueue([notice('a')]);
        time.advance(MINUTE);
        await store.enqueue([notice('b'), notice('c'), notice('d')]);
        const [a, b, c] = await store.claimOutbox(at(MINUTE), 3, MINUTE);
        await store.markDelivered(a!.id, at(MINUTE));
        await store.markDead(b!.id, at(2 * MINUTE), 'slack error: is_archived');
        await store.markDead(c!.id, at(3 * MINUTE), 'slack error: invalid_blocks');
        expect(await store.outboxHealth()).toEqual({
          dead: 2,
          lastDeadAt: at(3 * MINUTE),
          waiting: 1,
          oldestWaitingSince: at(MINUTE),
        });
      });

      it('keeps dead messages dead across a restart', async (ctx) => {
        if (!opened.reopen) return ctx.skip();
        await store.enqueue([notice('a')]);
        const [a] = await store.claimOutbox(T0, 10, MINUTE);
        await store.markDead(a!.id, T0, 'slack error: channel_not_found');
        const other = await opened.reopen();
        try {
          expect(await other.claimOutbox(at(DAY), 10, MINUTE)).toEqual([]);
          expect(await other.outboxHealth()).toMatchObject({ dead: 1, waiting: 0 });
        } finally {
          await other.close();
        }
      });
    });

    describe('recordNotice', () => {
      it('records a key once: true the first time, false after', async () => {
        expect(await store.recordNotice('renewal:off-1:2025-04-01:7d', T0, { days: 7 })).toBe(true);
        expect(await store.recordNotice('renewal:off-1:2025-04-01:7d', T0, { days: 7 })).toBe(
          false,
        );
        expect(await store.recordNotice('renewal:off-1:2025-04-01:1d', T0)).toBe(true);
      });

      it('lets exactly one of concurrent callers announce', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.recordNotice('expiry:arn:1', T0)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('notices and the watch state', () => {
      const poll = (expectedVersion: number, over: Partial<WatchCommit> = {}): WatchCommit => ({
        expectedVersion,
        value: { takenAt: T0.toISOString(), n: expectedVersion + 1 },
        at: T0,
        notices: [],
        quietKeys: [],
        ...over,
      });

      it('reads a notice back with its detail, and lists keys by prefix', async () => {
        await store.recordNotice('renewal:off-1:2025-04-01:7d', T0, { offeringId: 'off-1' });
        await store.recordNotice('renewal:off-2:2025-04-01:7d', T0);
        await store.recordNotice('transaction:tx-1', T0);
        expect(await store.getNotice('renewal:off-1:2025-04-01:7d')).toEqual({
          key: 'renewal:off-1:2025-04-01:7d',
          at: T0,
          detail: { offeringId: 'off-1' },
        });
        expect(await store.getNotice('missing')).toBeUndefined();
        expect([...(await store.listNoticeKeys('renewal:'))].sort()).toEqual([
          'renewal:off-1:2025-04-01:7d',
          'renewal:off-2:2025-04-01:7d',
        ]);
        expect((await store.listNoticeKeys()).size).toBe(3);
      });

      it('commits a poll once per version; a stale version writes nothing', async () => {
        expect(await store.getWatchState()).toBeUndefined();
        const first = await store.commitWatch(
          poll(0, {
            quietKeys: ['transaction:old'],
            notices: [{ keys: ['renewal:a'], detail: { x: 1 }, outbox: [notice('renewal a')] }],
          }),
        );
        expect(first).toEqual({ applied: true, announced: 1 });
        expect(await store.getWatchState()).toMatchObject({ version: 1, value: { n: 1 } });

        // A second replica that read the same (empty) state loses: no keys, no messages.
        const stale = await store.commitWatch(
          poll(0, { notices: [{ keys: ['renewal:b'], outbox: [notice('renewal b')] }] }),
        );
        expect(stale).toEqual({ applied: false, announced: 0 });
        expect(await store.getNotice('renewal:b')).toBeUndefined();

        const second = await store.commitWatch(
          poll(1, {
            notices: [
              { keys: ['renewal:a'], outbox: [notice('again')] },
              { keys: ['transaction:old', 'transaction:new'], outbox: [notice('tx')] },
            ],
          }),
        );
        expect(second).toEqual({ applied: true, announced: 1 });
        expect(await store.getWatchState()).toMatchObject({ version: 2, value: { n: 2 } });
        const texts = (await store.claimOutbox(T0, 10, MINUTE)).map((m) => m.payload?.text);
        expect(texts).toEqual(['renewal a', 'tx']);
        expect(await store.getNotice('renewal:a')).toMatchObject({ detail: { x: 1 } });
      });

      it('lets one of concurrent commits of the same version apply', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            store.commitWatch(
              poll(0, { notices: [{ keys: [`k${i}`], outbox: [notice(`n${i}`)] }] }),
            ),
          ),
        );
        expect(results.filter((r) => r.applied)).toHaveLength(1);
        expect(await store.claimOutbox(T0, 10, MINUTE)).toHaveLength(1);
      });

      it('records notice keys with a transition, only when it applies', async () => {
        const request = await requestIn([]);
        const withKey = {
          ...approve('UAPPROVER'),
          notices: [{ key: 'transaction:tx-bot', detail: { requestId: request.id } }],
        };
        expect((await store.transition(request.id, withKey)).applied).toBe(true);
        expect(await store.getNotice('transaction:tx-bot')).toMatchObject({
          detail: { requestId: request.id },
        });
        const again = { ...withKey, notices: [{ key: 'transaction:tx-other' }] };
        expect((await store.transition(request.id, again)).applied).toBe(false);
        expect(await store.getNotice('transaction:tx-other')).toBeUndefined();
      });
    });

    describe('one open request per offering and action', () => {
      const action = {
        service: 'devicefarm',
        kind: 'renew',
        offeringId: 'off-open',
        quantity: 3,
      } as const;

      it('refuses a second open request for the same service, offering and kind, naming the first', async () => {
        const first = await store.createRequest(newRequest({ action }), created, []);
        const second = store.createRequest(newRequest({ action }), created, [cardFor('X')]);
        await expect(second).rejects.toMatchObject({
          code: 'store_open_request',
          detail: { openRequestId: first.id },
        });
        expect(await store.listRequests()).toHaveLength(1);
      });

      it('keeps the key open through executing and unknown, and frees it when the request ends', async () => {
        const first = await store.createRequest(newRequest({ action }), created, []);
        await store.transition(first.id, approve('UBOB'));
        await store.transition(first.id, move(['executing'], 'unknown'));
        await expect(
          store.createRequest(newRequest({ action }), created, []),
        ).rejects.toMatchObject({ code: 'store_open_request' });
        await store.transition(first.id, move(['unknown'], 'failed'));
        const next = await store.createRequest(newRequest({ action }), created, []);
        expect(next.state).toBe('pending');
      });

      it('lets a purchase and a renewal of one offering be open together', async () => {
        await store.createRequest(newRequest({ action }), created, []);
        const purchase = await store.createRequest(
          newRequest({ action: { ...action, kind: 'purchase', quantity: 1 } }),
          created,
          [],
        );
        expect(purchase.state).toBe('pending');
      });

      it('admits exactly one of many concurrent requests for one offering', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () =>
            store.createRequest(newRequest({ action }), created, []),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });
    });

    describe('trigger ids', () => {
      it('refuses a second request made from the same trigger id, writing nothing', async () => {
        await store.createRequest(newRequest({ triggerId: 'T-1' }), created, []);
        await expect(
          store.createRequest(newRequest({ triggerId: 'T-1' }), created, []),
        ).rejects.toMatchObject({ code: 'store_duplicate_trigger' });
        expect(await store.listRequests()).toHaveLength(1);
        await store.createRequest(newRequest({ triggerId: 'T-2' }), created, []);
        await store.createRequest(newRequest(), created, []);
        expect(await store.listRequests()).toHaveLength(3);
      });
    });

    describe('conditional on the version, and the call stamp', () => {
      it('applies only at the version read, and records callStartedAt', async () => {
        const r = await store.createRequest(newRequest(), created, []);
        const executing = (await store.transition(r.id, approve('UBOB'))).request!;
        const stale = await store.transition(r.id, {
          ...move(['executing'], 'executing', 'call_started'),
          expectedVersion: executing.version - 1,
          patch: { callStartedAt: T0 },
        });
        expect(stale.applied).toBe(false);
        expect(stale.request?.callStartedAt).toBeUndefined();
        const stamped = await store.transition(r.id, {
          ...move(['executing'], 'executing', 'call_started'),
          expectedVersion: executing.version,
          patch: { callStartedAt: T0 },
        });
        expect(stamped.applied).toBe(true);
        expect(stamped.request?.callStartedAt?.getTime()).toBe(T0.getTime());
        // A reconciler that read before the stamp cannot settle the request any more.
        const late = await store.transition(r.id, {
          ...move(['executing'], 'failed'),
          expectedVersion: executing.version,
        });
        expect(late.applied).toBe(false);
      });
    });

    describe('AWS records belong to one request', () => {
      async function executing(): Promise<string> {
        const r = await store.createRequest(newRequest(), created, []);
        await store.transition(r.id, approve('UBOB'));
        return r.id;
      }
      const succeed = (transactionId: string): Transition => ({
        ...move(['executing', 'unknown'], 'succeeded'),
        patch: { outcome: { transactionId, source: 'reconciliation' } },
      });

      it('refuses a second request claiming the same transaction, and reports it', async () => {
        const a = await executing();
        const b = await executing();
        expect((await store.transition(a, succeed('tx-1'))).applied).toBe(true);
        const second = await store.transition(b, succeed('tx-1'));
        expect(second.applied).toBe(false);
        expect(second.refused).toEqual({ code: 'aws_record_taken', awsId: 'tx-1' });
        expect(second.request?.state).toBe('executing');
        expect(await store.takenAwsIds(['tx-1', 'tx-2'], b)).toEqual(new Set(['tx-1']));
        expect(await store.takenAwsIds(['tx-1'], a)).toEqual(new Set());
      });

      it('never lets a request claim a transaction announced as made outside the bot', async () => {
        const a = await executing();
        await store.recordNotice('transaction:tx-outside', T0, { kind: 'external' });
        expect(await store.takenAwsIds(['tx-outside'], a)).toEqual(new Set(['tx-outside']));
        const result = await store.transition(a, succeed('tx-outside'));
        expect(result).toMatchObject({ applied: false, refused: { awsId: 'tx-outside' } });
      });

      it("treats the request's own notice key as its own", async () => {
        const a = await executing();
        const result = await store.transition(a, {
          ...succeed('tx-own'),
          notices: [{ key: 'transaction:tx-own', detail: { by: 'slots-bot', requestId: a } }],
        });
        expect(result.applied).toBe(true);
        expect(await store.takenAwsIds(['tx-own'], a)).toEqual(new Set());
      });
    });

    describe('leases', () => {
      const LEASE = 'aws-poll';
      const at = (ms: number) => new Date(T0.getTime() + ms);

      it('is taken when free and renewed by its holder', async () => {
        expect(await store.acquireLease(LEASE, 'host-a', T0, MINUTE)).toBe(true);
        expect(await store.acquireLease(LEASE, 'host-a', at(30_000), MINUTE)).toBe(true);
        // The renewal moved the end: still held at the first term's end.
        expect(await store.acquireLease(LEASE, 'host-b', at(MINUTE), MINUTE)).toBe(false);
      });

      it('is refused to another holder while it runs, and taken over once it ran out', async () => {
        expect(await store.acquireLease(LEASE, 'host-a', T0, MINUTE)).toBe(true);
        expect(await store.acquireLease(LEASE, 'host-b', at(MINUTE - 1), MINUTE)).toBe(false);
        expect(await store.acquireLease(LEASE, 'host-b', at(MINUTE), MINUTE)).toBe(true);
        // The old holder lost it: it cannot renew.
        expect(await store.acquireLease(LEASE, 'host-a', at(MINUTE + 1), MINUTE)).toBe(false);
      });

      it('is free at once when its holder releases it; another holder cannot release it', async () => {
        expect(await store.acquireLease(LEASE, 'host-a', T0, MINUTE)).toBe(true);
        await store.releaseLease(LEASE, 'host-b');
        expect(await store.acquireLease(LEASE, 'host-b', at(1), MINUTE)).toBe(false);
        await store.releaseLease(LEASE, 'host-a');
        expect(await store.acquireLease(LEASE, 'host-b', at(2), MINUTE)).toBe(true);
      });

      it('keeps leases of different names apart', async () => {
        expect(await store.acquireLease('one', 'host-a', T0, MINUTE)).toBe(true);
        expect(await store.acquireLease('two', 'host-b', T0, MINUTE)).toBe(true);
      });

      it('gives a free lease to exactly one of many concurrent holders', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.acquireLease(LEASE, `host-${i}`, T0, MINUTE)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('refuses a lease without a name or holder, or with a bad lifetime', async () => {
        for (const [name, holder, ttl] of [
          ['', 'host-a', MINUTE],
          [LEASE, '', MINUTE],
          [LEASE, 'host-a', 0],
          [LEASE, 'host-a', 1.5],
        ] as const) {
          await expect(store.acquireLease(name, holder, T0, ttl)).rejects.toMatchObject({
            code: 'store_invalid_input',
          });
        }
        expect(await store.acquireLease(LEASE, 'host-a', T0, MINUTE)).toBe(true);
      });
    });

    describe('ping', () => {
      it('answers while the database can be read', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('approvals, reminders and the listings they need', () => {
      /** One more approval at the version read: the conditional write per approver. */
      const addApproval = (r: PurchaseRequest, by: string, at: Date = T0): Transition => ({
        from: ['pending'],
        to: 'pending',
        expectedVersion: r.version,
        patch: { approvals: [...r.approvals, { by, at }] },
        event: { actor: by, type: 'approval_recorded' },
      });

      it('keeps the approvers needed, the approvals and the reminders sent', async () => {
        const made = await store.createRequest(newRequest({ approvalsNeeded: 3 }), created, []);
        expect(made).toMatchObject({ approvalsNeeded: 3, approvals: [], remindersSent: 0 });
        const at = new Date(T0.getTime() + MINUTE);
        const first = await store.transition(made.id, addApproval(made, 'UBOB', at));
        expect(first.applied).toBe(true);
        expect(first.request?.approvals).toEqual([{ by: 'UBOB', at }]);
        const reminded = await store.transition(made.id, {
          from: ['pending'],
          to: 'pending',
          patch: { remindersSent: 2 },
          event: { actor: 'slots-bot', type: 'reminded' },
        });
        expect(reminded.request).toMatchObject({ remindersSent: 2, approvals: [{ by: 'UBOB' }] });
        expect((await store.getRequest(made.id))?.approvals).toEqual([{ by: 'UBOB', at }]);
      });

      it('defaults to one approver and refuses a count below one', async () => {
        const made = await store.createRequest(newRequest(), created, []);
        expect(made.approvalsNeeded).toBe(1);
        await expect(
          store.createRequest(newRequest({ approvalsNeeded: 0 }), created, []),
        ).rejects.toMatchObject({ code: 'store_invalid_input' });
      });

      it('applies one of two approvals written at the same version', async () => {
        const made = await store.createRequest(newRequest({ approvalsNeeded: 3 }), created, []);
        const results = await Promise.all([
          store.transition(made.id, addApproval(made, 'UBOB')),
          store.transition(made.id, addApproval(made, 'UCAROL')),
        ]);
        expect(results.filter((r) => r.applied)).toHaveLength(1);
        expect((await store.getRequest(made.id))?.approvals).toHaveLength(1);
      });

      it('lists by requester, since a date, oldest first and after a cursor', async () => {
        const at = (m: number) => new Date(T0.getTime() + m * MINUTE);
        const a = await requestIn([], { requester: 'UANN', createdAt: at(1) });
        const b = await requestIn([], { requester: 'UBEN', createdAt: at(2) });
        const c = await requestIn([], { requester: 'UANN', createdAt: at(3) });
        const ids = (rs: PurchaseRequest[]) => rs.map((r) => r.id);
        expect(ids(await store.listRequests({ requester: 'UANN' }))).toEqual([c.id, a.id]);
        expect(ids(await store.listRequests({ createdSince: at(2) }))).toEqual([c.id, b.id]);
        expect(ids(await store.listRequests({ oldestFirst: true }))).toEqual([a.id, b.id, c.id]);
        expect(ids(await store.listRequests({ oldestFirst: true, after: a, limit: 1 }))).toEqual([
          b.id,
        ]);
        expect(ids(await store.listRequests({ after: c }))).toEqual([b.id, a.id]);
      });

      it('counts requests by state', async () => {
        await requestIn([]);
        await requestIn([]);
        await requestIn(['executing', 'dry_run']);
        expect(await store.countRequestsByState()).toEqual({ pending: 2, dry_run: 1 });
      });

      it('queues a direct message like any other', async () => {
        const input = newRequest();
        await store.createRequest(input, created, [
          {
            kind: 'dm',
            channel: 'UREQUESTER',
            user: 'UREQUESTER',
            requestId: input.id,
            payload: { about: 'approved' },
          },
        ]);
        const [message] = await store.claimOutbox(T0, 10, MINUTE);
        expect(message).toMatchObject({
          kind: 'dm',
          user: 'UREQUESTER',
          payload: { about: 'approved' },
        });
      });
    });

    describe('durability (another handle on the same data)', () => {
      it('keeps requests, events, card, outbox state and notices', async (ctx) => {
        if (!opened.reopen) ctx.skip();
        const request = await requestIn([]);
        await store.setCard(request.id, { channel: 'CSLOTS', ts: '1.000100' });
        const moved = await store.transition(request.id, {
          ...approve('UAPPROVER'),
          outbox: [cardFor(request.id)],
        });
        await store.recordNotice('k1', T0);
        await store.commitWatch({
          expectedVersion: 0,
          value: { takenAt: 'then' },
          at: T0,
          notices: [],
          quietKeys: [],
        });
        const [leased] = await store.claimOutbox(T0, 10, MINUTE);
        await store.close();

        store = await opened.reopen!();
        expect(await store.getRequest(request.id)).toStrictEqual(moved.request);
        expect((await store.listEvents(request.id)).map((e) => e.type)).toEqual([
          'created',
          'approved',
        ]);
        expect(await store.recordNotice('k1', T0)).toBe(false);
        expect(await store.getWatchState()).toMatchObject({
          version: 1,
          value: { takenAt: 'then' },
        });
        // The lease survived too.
        expect(await store.claimOutbox(T0, 10, MINUTE)).toEqual([]);
        const [again] = await store.claimOutbox(new Date(T0.getTime() + MINUTE), 10, MINUTE);
        expect(again!.id).toBe(leased!.id);
      });

      it('lets two handles race the same approval: exactly one applies', async (ctx) => {
        if (!opened.reopen) ctx.skip();
        const second = await opened.reopen!();
        try {
          const request = await requestIn([]);
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              (i % 2 ? second : store).transition(request.id, approve(`U${i}`)),
            ),
          );
          expect(results.filter((r) => r.applied)).toHaveLength(1);
          expect(
            (await second.listEvents(request.id)).filter((e) => e.type === 'approved'),
          ).toHaveLength(1);
        } finally {
          await second.close();
        }
      });

      it('never gives two handles the same message', async (ctx) => {
        if (!opened.reopen) ctx.skip();
        const second = await opened.reopen!();
        try {
          await store.enqueue(Array.from({ length: 20 }, (_, i) => notice(`n${i}`)));
          const batches = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              (i % 2 ? second : store).claimOutbox(T0, 3, MINUTE),
            ),
          );
          const ids = batches.flat().map((m) => m.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids).toHaveLength(20);
        } finally {
          await second.close();
        }
      });
    });
  });
}
