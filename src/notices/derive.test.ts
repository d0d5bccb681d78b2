import { describe, expect, it } from 'vitest';
import { AwsError } from '../aws/errors.js';
import type { Reservation, ServiceName, SlotStatus, Transaction } from '../aws/types.js';
import { MS_PER_DAY } from '../domain/dates.js';
import { money, times } from '../domain/money.js';
import { noticeKeys } from '../domain/notice-keys.js';
import { runAtOnce, runInSlices } from '../lifecycle/slices.js';
import { deriveNotices, deriveSteps, dueLeadDays, HOLD_CLOCK_SKEW_MS } from './derive.js';
import {
  type DeriveInput,
  type DeriveResult,
  type Notice,
  type NoticeKind,
  type Observation,
  type OpenRequestFootprint,
  storedMoney,
  type WatchSnapshot,
} from './types.js';

const NOW = new Date('2026-11-24T00:00:00.000Z');
const EFFECTIVE = new Date('2026-12-01T00:00:00.000Z');
const HOUR = 3_600_000;
const PRICE = money('250');
/** A next period too far off for any lead time, where renewals would only add noise. */
const FAR = new Date('2027-06-01T00:00:00.000Z');

const at = (iso: string) => new Date(iso);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

// ---------------------------------------------------------------------------------------------
// Factories

function slot(
  over: Partial<Omit<SlotStatus, 'offering'>> & { id?: string; description?: string } = {},
): SlotStatus {
  const { id = 'off-android', description = 'Android unmetered slot', ...rest } = over;
  const currentQuantity = rest.currentQuantity ?? 2;
  const nextPeriodQuantity = rest.nextPeriodQuantity ?? 2;
  return {
    offering: {
      service: 'devicefarm',
      id,
      description,
      platform: 'ANDROID',
      monthlyPrice: PRICE,
    },
    currentQuantity,
    nextPeriodQuantity,
    nextPeriodEffectiveOn: 'nextPeriodEffectiveOn' in rest ? rest.nextPeriodEffectiveOn : EFFECTIVE,
    currentMonthlyCost: times(PRICE, currentQuantity),
    nextMonthlyCost: times(PRICE, nextPeriodQuantity),
  };
}

function tx(over: Partial<Transaction> = {}): Transaction {
  return {
    id: 'tx-1',
    offeringId: 'off-android',
    offeringDescription: 'Android unmetered slot',
    type: 'PURCHASE',
    quantity: 1,
    effectiveOn: undefined,
    createdOn: plus(NOW, -HOUR),
    cost: money('125.5'),
    promotionId: undefined,
    ...over,
  };
}

function reservation(over: Partial<Reservation> = {}): Reservation {
  return {
    arn: 'arn:aws:mediaconnect:us-east-1:1:reservation:live',
    name: 'live-events',
    state: 'ACTIVE',
    offeringArn: 'arn:aws:mediaconnect:us-east-1:1:offering:20mbps',
    description: '20 Mbps outbound, 12 months',
    start: at('2026-01-01T00:00:00.000Z'),
    end: EFFECTIVE,
    pricePerUnit: money('0.0125'),
    priceUnit: 'HOURLY',
    durationMonths: 12,
    bandwidthMbps: 20,
    ...over,
  };
}

const failure = (service: ServiceName) =>
  new AwsError('aws_unavailable', service, 'List', `${service} is unavailable.`, 'unknown');

function observe(
  opts: {
    slots?: SlotStatus[];
    transactions?: Transaction[];
    reservations?: Reservation[];
    failing?: ServiceName[];
  } = {},
): Observation {
  const fails = (s: ServiceName) => opts.failing?.includes(s);
  return {
    devicefarm: fails('devicefarm')
      ? { ok: false, error: failure('devicefarm') }
      : { ok: true, value: { slots: opts.slots ?? [], transactions: opts.transactions ?? [] } },
    mediaconnect: fails('mediaconnect')
      ? { ok: false, error: failure('mediaconnect') }
      : { ok: true, value: { reservations: opts.reservations ?? [] } },
  };
}

/** A snapshot from an earlier poll that saw these slots and reservations (so not a first poll). */
function seenBefore(
  opts: { slots?: SlotStatus[]; reservations?: Reservation[]; takenAt?: Date } = {},
): WatchSnapshot {
  return deriveNotices(
    input({ now: opts.takenAt ?? plus(NOW, -HOUR), observation: observe(opts), leadDays: [] }),
  ).snapshot;
}

function input(over: Partial<DeriveInput> = {}): DeriveInput {
  return {
    now: NOW,
    leadDays: [7, 1],
    observation: observe(),
    previous: undefined,
    announced: new Set(),
    bot: { openRequests: [] },
    failureThreshold: 3,
    ...over,
  };
}

const derive = (over: Partial<DeriveInput> = {}) => deriveNotices(input(over));

const keysOf = (r: DeriveResult) => [
  ...r.notices.flatMap((n) => [n.key, ...(n.alsoKeys ?? [])]),
  ...r.quietKeys,
];

/** The input of the next poll, as the watcher would build it after committing `result`. */
function nextPoll(previous: DeriveInput, result: DeriveResult, over: Partial<DeriveInput> = {}) {
  return {
    ...previous,
    announced: new Set([...previous.announced, ...keysOf(result)]),
    previous: result.snapshot,
    ...over,
  };
}

const kinds = (r: DeriveResult) => r.notices.map((n) => n.kind);
const only = <K extends NoticeKind>(r: DeriveResult, kind: K) =>
  r.notices.filter((n): n is Extract<Notice, { kind: K }> => n.kind === kind);

// ---------------------------------------------------------------------------------------------

describe('dueLeadDays', () => {
  it.each([
    ['more than 7 days left', plus(EFFECTIVE, -7 * MS_PER_DAY - 1), undefined],
    ['exactly 7 days left', plus(EFFECTIVE, -7 * MS_PER_DAY), { announce: 7, passed: [] }],
    ['12 hours left', plus(EFFECTIVE, -12 * HOUR), { announce: 1, passed: [7] }],
    ['the target itself', EFFECTIVE, undefined],
    ['after the target', plus(EFFECTIVE, 1), undefined],
  ])('%s', (_label, now, expected) => {
    expect(dueLeadDays(now, EFFECTIVE, [1, 7])).toEqual(expected);
  });

  it('has nothing due when no lead days are configured', () => {
    expect(dueLeadDays(NOW, EFFECTIVE, [])).toBeUndefined();
  });
});

/**
 * Renewals and reservation endings share the lead-time rule, so both run the same table.
 * `first` is the first poll of that service: lead-time notices are announced on it too.
 */
const subjects = [
  {
    name: 'renewal',
    kind: 'renewal_upcoming' as const,
    prefix: 'renewal:',
    run: (now: Date, target: Date, announced: Set<string> = new Set()) =>
      derive({
        now,
        announced,
        observation: observe({ slots: [slot({ nextPeriodEffectiveOn: target })] }),
      }),
    key: (target: Date, days: number) =>
      noticeKeys.renewal('off-android', target.toISOString(), days),
  },
  {
    name: 'reservation ending',
    kind: 'reservation_ending' as const,
    prefix: 'reservation-ending:',
    run: (now: Date, target: Date, announced: Set<string> = new Set()) =>
      derive({
        now,
        announced,
        observation: observe({ reservations: [reservation({ end: target })] }),
      }),
    key: (target: Date, days: number) =>
      noticeKeys.reservationEnding(reservation().arn, target.toISOString(), days),
  },
];

describe.each(subjects)('lead times: $name', ({ kind, prefix, run, key }) => {
  const leadOf = (r: DeriveResult) =>
    r.notices.filter((n) => n.kind === kind).map((n) => ('leadDays' in n ? n.leadDays : -1));

  it.each([
    // label, now, target, announced lead, quietly recorded leads
    ['exactly 7×24h before', '2026-11-24T00:00:00.000Z', '2026-12-01T00:00:00.000Z', [7], []],
    ['7 days and 1 ms before', '2026-11-23T23:59:59.999Z', '2026-12-01T00:00:00.000Z', [], []],
    ['6 days before', '2026-11-25T00:00:00.000Z', '2026-12-01T00:00:00.000Z', [7], []],
    ['exactly 1 day before', '2026-11-30T00:00:00.000Z', '2026-12-01T00:00:00.000Z', [1], [7]],
    ['started 12 hours before', '2026-11-30T12:00:00.000Z', '2026-12-01T00:00:00.000Z', [1], [7]],
    ['at the target', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', [], []],
    ['after the target', '2026-12-02T00:00:00.000Z', '2026-12-01T00:00:00.000Z', [], []],
    ['month boundary', '2026-11-24T00:00:00.000Z', '2026-12-01T00:00:00.000Z', [7], []],
    ['year boundary, 7 days', '2026-12-25T00:00:00.000Z', '2027-01-01T00:00:00.000Z', [7], []],
    ['year boundary, 1 day', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z', [1], [7]],
    ['leap February is 7 days', '2028-02-23T00:00:00.000Z', '2028-03-01T00:00:00.000Z', [7], []],
    ['leap February, 1 ms more', '2028-02-22T23:59:59.999Z', '2028-03-01T00:00:00.000Z', [], []],
    ['plain February is 7 days', '2027-02-22T00:00:00.000Z', '2027-03-01T00:00:00.000Z', [7], []],
  ])('%s', (_label, now, target, announce, quiet) => {
    const result = run(at(now), at(target));
    expect(leadOf(result)).toEqual(announce);
    expect(result.notices.filter((n) => n.kind === kind).map((n) => n.key)).toEqual(
      announce.map((d) => key(at(target), d)),
    );
    expect(result.quietKeys.filter((k) => k.startsWith(prefix))).toEqual(
      quiet.map((d) => key(at(target), d)),
    );
  });

  it('does not record an already announced looser lead time again', () => {
    const result = run(at('2026-11-30T12:00:00.000Z'), EFFECTIVE, new Set([key(EFFECTIVE, 7)]));
    expect(leadOf(result)).toEqual([1]);
    expect(result.quietKeys).not.toContain(key(EFFECTIVE, 7));
  });

  it('does not announce a lead time already announced', () => {
    const result = run(at('2026-11-30T12:00:00.000Z'), EFFECTIVE, new Set([key(EFFECTIVE, 1)]));
    expect(leadOf(result)).toEqual([]);
    expect(result.quietKeys).toContain(key(EFFECTIVE, 7));
  });
});

describe('renewal_upcoming', () => {
  it.each([
    ['keeps the same quantity', 2, 2],
    ['renews fewer than held', 3, 1],
    ['lapses (next = 0)', 2, 0],
    ['starts next period only', 0, 2],
  ])('%s: announced with both quantities', (_label, current, next) => {
    const result = derive({
      observation: observe({
        slots: [slot({ currentQuantity: current, nextPeriodQuantity: next })],
      }),
    });
    const [notice] = only(result, 'renewal_upcoming');
    expect(notice).toMatchObject({
      offeringId: 'off-android',
      offeringDescription: 'Android unmetered slot',
      platform: 'ANDROID',
      effectiveOn: EFFECTIVE.toISOString(),
      leadDays: 7,
      currentQuantity: current,
      nextQuantity: next,
      monthlyPrice: storedMoney(PRICE),
      currentMonthlyCost: storedMoney(times(PRICE, current)),
      nextMonthlyCost: storedMoney(times(PRICE, next)),
    });
  });

  it.each([
    ['nothing held and nothing renewing', slot({ currentQuantity: 0, nextPeriodQuantity: 0 })],
    ['no next period reported', slot({ nextPeriodEffectiveOn: undefined })],
  ])('no notice when %s', (_label, status) => {
    const result = derive({ observation: observe({ slots: [status] }) });
    expect(result.notices).toEqual([]);
    expect(result.quietKeys).toEqual([]);
  });
});

describe('nothing is repeated', () => {
  const previousSlots = [slot({ nextPeriodQuantity: 3 })];
  const previousReservation = reservation({ state: 'PROCESSING', end: at('2027-06-01T00:00:00Z') });
  const scenarios: [string, () => DeriveInput][] = [
    ['renewal (first poll)', () => input({ observation: observe({ slots: [slot()] }) })],
    [
      'external transaction',
      () =>
        input({
          observation: observe({ slots: previousSlots, transactions: [tx({ createdOn: NOW })] }),
          previous: seenBefore({ slots: previousSlots }),
        }),
    ],
    [
      'next-period change',
      () =>
        input({
          observation: observe({ slots: [slot({ nextPeriodEffectiveOn: undefined })] }),
          previous: seenBefore({ slots: previousSlots }),
        }),
    ],
    [
      'reservation state and ending',
      () =>
        input({
          observation: observe({ reservations: [reservation()] }),
          previous: seenBefore({ reservations: [previousReservation] }),
        }),
    ],
    [
      'new external reservation',
      () =>
        input({
          observation: observe({ reservations: [reservation({ end: at('2027-06-01T00:00Z') })] }),
          previous: seenBefore(),
        }),
    ],
    [
      'AWS failing',
      () =>
        input({
          observation: observe({ failing: ['devicefarm'] }),
          previous: { ...seenBefore(), outages: { devicefarm: outage({ failures: 2 }) } },
        }),
    ],
    [
      'AWS recovered',
      () =>
        input({
          previous: {
            ...seenBefore(),
            outages: { mediaconnect: outage({ failures: 4, warned: true }) },
          },
        }),
    ],
  ];

  describe.each(scenarios)('%s', (_label, build) => {
    it.each([
      ['at the same time', 0],
      ['a minute later', 60_000],
    ])('a second derive %s yields no notices', (_when, laterMs) => {
      const first = build();
      const result = deriveNotices(first);
      expect(result.notices.length).toBeGreaterThan(0);
      const again = deriveNotices(nextPoll(first, result, { now: plus(first.now, laterMs) }));
      expect(again.notices).toEqual([]);
      expect(again.quietKeys).toEqual([]);
    });
  });

  it('stepping hour by hour across 8 days gives one 7-day and one 1-day notice per item', () => {
    const slots = [
      slot({ id: 'off-a', nextPeriodEffectiveOn: at('2026-12-01T00:00:00Z') }),
      slot({ id: 'off-b', nextPeriodEffectiveOn: at('2026-11-30T06:30:00Z') }),
    ];
    const reservations = [reservation({ end: at('2026-11-29T17:00:00Z') })];
    let next = input({
      now: at('2026-11-23T00:00:00Z'),
      observation: observe({ slots, reservations }),
    });
    const seen: string[] = [];
    for (let hour = 0; hour <= 8 * 24; hour++) {
      next = { ...next, now: plus(at('2026-11-23T00:00:00Z'), hour * HOUR) };
      const result = deriveNotices(next);
      for (const n of result.notices) {
        if (n.kind === 'renewal_upcoming') seen.push(`${n.offeringId}:${n.leadDays}`);
        if (n.kind === 'reservation_ending') seen.push(`${n.reservationName}:${n.leadDays}`);
      }
      next = nextPoll(next, result);
    }
    expect(seen.sort()).toEqual([
      'live-events:1',
      'live-events:7',
      'off-a:1',
      'off-a:7',
      'off-b:1',
      'off-b:7',
    ]);
  });
});

describe('first poll', () => {
  const history = [
    tx({ id: 'tx-old', type: 'PURCHASE', createdOn: at('2026-01-02T00:00:00Z') }),
    tx({ id: 'tx-renew', type: 'SYSTEM', createdOn: at('2026-11-01T00:00:00Z') }),
  ];

  it('records history quietly and still announces what is upcoming', () => {
    const result = derive({
      observation: observe({
        slots: [slot()],
        transactions: history,
        reservations: [reservation()],
      }),
    });
    expect(kinds(result)).toEqual(['renewal_upcoming', 'reservation_ending']);
    expect(result.quietKeys).toEqual(
      expect.arrayContaining([
        noticeKeys.transaction('tx-old'),
        noticeKeys.transaction('tx-renew'),
        noticeKeys.reservation(reservation().arn),
        noticeKeys.reservationState(reservation().arn, 'ACTIVE'),
      ]),
    );
    expect(result.snapshot).toMatchObject({
      takenAt: NOW.toISOString(),
      devicefarm: {
        offerings: { 'off-android': { current: 2, next: 2, effectiveOn: EFFECTIVE.toISOString() } },
      },
      mediaconnect: {
        reservations: {
          [reservation().arn]: { state: 'ACTIVE', end: EFFECTIVE.toISOString() },
        },
      },
      outages: {},
    });
  });

  it('is the first successful Device Farm poll, even after earlier polls of MediaConnect', () => {
    const { devicefarm: _unread, ...previous } = seenBefore();
    const result = derive({ previous, observation: observe({ transactions: history }) });
    expect(result.notices).toEqual([]);
    expect(result.quietKeys).toEqual([
      noticeKeys.transaction('tx-old'),
      noticeKeys.transaction('tx-renew'),
    ]);
  });

  it('never records a key already recorded', () => {
    const announced = new Set([noticeKeys.transaction('tx-old')]);
    const result = derive({ announced, observation: observe({ transactions: history }) });
    expect(result.quietKeys).toEqual([noticeKeys.transaction('tx-renew')]);
  });
});

describe('external_transactions', () => {
  const slots = [slot({ nextPeriodQuantity: 3, nextPeriodEffectiveOn: FAR })];
  const later = (transactions: Transaction[], over: Partial<DeriveInput> = {}) =>
    input({
      observation: observe({ slots, transactions }),
      previous: seenBefore({ slots }),
      ...over,
    });

  it.each(['RENEW', 'SYSTEM', 'PURCHASE'])('a new %s transaction is announced once', (type) => {
    const first = later([tx({ id: 'tx-new', type, quantity: 3, promotionId: 'promo-1' })]);
    const result = deriveNotices(first);
    expect(kinds(result)).toEqual(['external_transactions']);
    const [notice] = only(result, 'external_transactions');
    expect(notice?.key).toBe(noticeKeys.transaction('tx-new'));
    expect(notice?.alsoKeys).toBeUndefined();
    expect(notice?.transactions).toEqual([
      {
        id: 'tx-new',
        type,
        offeringId: 'off-android',
        offeringDescription: 'Android unmetered slot',
        quantity: 3,
        cost: storedMoney(money('125.5')),
        createdOn: plus(NOW, -HOUR).toISOString(),
        promotionId: 'promo-1',
        nextQuantity: 3,
      },
    ]);
    expect(deriveNotices(nextPoll(first, result)).notices).toEqual([]);
  });

  it('groups the transactions of one poll oldest first, one key each', () => {
    const result = deriveNotices(
      later([
        tx({ id: 'tx-c', createdOn: plus(NOW, -1 * HOUR) }),
        tx({ id: 'tx-b', createdOn: plus(NOW, -2 * HOUR), offeringId: 'off-gone' }),
        tx({ id: 'tx-a', createdOn: plus(NOW, -2 * HOUR) }),
      ]),
    );
    const [notice] = only(result, 'external_transactions');
    expect(notice?.transactions.map((t) => t.id)).toEqual(['tx-a', 'tx-b', 'tx-c']);
    expect(notice?.key).toBe(noticeKeys.transaction('tx-a'));
    expect(notice?.alsoKeys).toEqual([
      noticeKeys.transaction('tx-b'),
      noticeKeys.transaction('tx-c'),
    ]);
    // The offering is not in this poll's status, so what renews next is unknown.
    expect(notice?.transactions[1]).not.toHaveProperty('nextQuantity');
  });

  it("the bot's own transaction (already recorded) is not announced", () => {
    const result = deriveNotices(
      later([tx({ id: 'tx-bot' })], { announced: new Set([noticeKeys.transaction('tx-bot')]) }),
    );
    expect(result.notices).toEqual([]);
    expect(result.quietKeys).toEqual([]);
  });

  const footprint = (over: Partial<OpenRequestFootprint> = {}): OpenRequestFootprint =>
    ({
      service: 'devicefarm',
      offeringId: 'off-android',
      type: 'PURCHASE',
      quantity: 1,
      since: plus(NOW, -HOUR).toISOString(),
      ...over,
    }) as OpenRequestFootprint;

  it.each([
    ['same offering, type and quantity, after since', footprint(), true],
    [
      'created within the clock-skew allowance before since',
      footprint({ since: plus(NOW, -HOUR + HOLD_CLOCK_SKEW_MS).toISOString() }),
      true,
    ],
    [
      'created before since less the allowance',
      footprint({ since: plus(NOW, -HOUR + HOLD_CLOCK_SKEW_MS + 1).toISOString() }),
      false,
    ],
    // AWS may record the total held after a purchase: any quantity could be the request's.
    ['another quantity', footprint({ quantity: 2 }), true],
    ['another type', footprint({ type: 'RENEW' }), false],
    ['another offering', footprint({ offeringId: 'off-ios' }), false],
  ])('open request footprint, %s: deferred = $2', (_label, open, deferred) => {
    const result = deriveNotices(later([tx()], { bot: { openRequests: [open] } }));
    expect(kinds(result)).toEqual(deferred ? [] : ['external_transactions']);
    if (deferred) expect(result.quietKeys).toEqual([]);
  });

  it('any of several open requests for the offering and type can hold a transaction', () => {
    const late = footprint({ since: NOW.toISOString() });
    const early = footprint({ since: plus(NOW, -2 * HOUR).toISOString() });
    const other = footprint({ offeringId: 'off-ios', since: plus(NOW, -3 * HOUR).toISOString() });
    // Created an hour before NOW: after the early request started, before the late one did.
    expect(kinds(deriveNotices(later([tx()], { bot: { openRequests: [late, other] } })))).toEqual([
      'external_transactions',
    ]);
    expect(deriveNotices(later([tx()], { bot: { openRequests: [late, early] } })).notices).toEqual(
      [],
    );
  });

  it('a deferred transaction is announced once the request is gone, if still unrecorded', () => {
    const first = later([tx()], { bot: { openRequests: [footprint()] } });
    const deferred = deriveNotices(first);
    const settledOutside = nextPoll(first, deferred, { bot: { openRequests: [] } });
    expect(kinds(deriveNotices(settledOutside))).toEqual(['external_transactions']);
    const settledAsBots = {
      ...settledOutside,
      announced: new Set([...settledOutside.announced, noticeKeys.transaction('tx-1')]),
    };
    expect(deriveNotices(settledAsBots).notices).toEqual([]);
  });
});

describe('next_period_changed', () => {
  const takenAt = plus(NOW, -HOUR);
  const previous = seenBefore({
    slots: [slot({ nextPeriodQuantity: 3, nextPeriodEffectiveOn: FAR })],
    takenAt,
  });
  const changed = slot({ nextPeriodQuantity: 1, nextPeriodEffectiveOn: FAR });

  it('a change with no transaction is announced once', () => {
    const first = input({ observation: observe({ slots: [changed] }), previous });
    const result = deriveNotices(first);
    expect(kinds(result)).toEqual(['next_period_changed']);
    expect(only(result, 'next_period_changed')[0]).toEqual({
      kind: 'next_period_changed',
      offeringId: 'off-android',
      offeringDescription: 'Android unmetered slot',
      effectiveOn: FAR.toISOString(),
      from: 3,
      to: 1,
      nextMonthlyCost: storedMoney(times(PRICE, 1)),
      key: noticeKeys.nextPeriod('off-android', 3, 1, takenAt.toISOString()),
    });
    expect(deriveNotices(nextPoll(first, result)).notices).toEqual([]);
  });

  it('an offering that vanished changes to 0 and is named by its id', () => {
    const result = derive({ observation: observe(), previous });
    expect(only(result, 'next_period_changed')[0]).toMatchObject({
      offeringId: 'off-android',
      offeringDescription: 'off-android',
      effectiveOn: FAR.toISOString(),
      from: 3,
      to: 0,
      nextMonthlyCost: storedMoney(money('0')),
    });
  });

  it('a new offering changes from 0', () => {
    const result = derive({
      observation: observe({
        slots: [
          changed,
          slot({ id: 'off-ios', nextPeriodQuantity: 2, nextPeriodEffectiveOn: undefined }),
        ],
      }),
      previous: seenBefore({ slots: [changed], takenAt }),
    });
    expect(only(result, 'next_period_changed').map((n) => [n.offeringId, n.from, n.to])).toEqual([
      ['off-ios', 0, 2],
    ]);
  });

  it.each([
    ['a recorded transaction', { transactions: [tx({ createdOn: NOW })] }, true],
    [
      'a transaction just within the skew',
      { transactions: [tx({ createdOn: plus(takenAt, -59_999) })] },
      true,
    ],
    [
      'a transaction older than the last poll',
      { transactions: [tx({ createdOn: plus(takenAt, -60_000) })] },
      false,
    ],
    [
      'a transaction of another offering',
      { transactions: [tx({ offeringId: 'off-ios', createdOn: NOW })] },
      false,
    ],
    ['an open request', { open: true }, true],
  ])('with %s: explained = %s', (_label, opts, explained) => {
    const transactions = 'transactions' in opts ? opts.transactions : [];
    const result = derive({
      observation: observe({ slots: [changed], transactions }),
      previous,
      announced: new Set(transactions.map((t) => noticeKeys.transaction(t.id))),
      bot: {
        openRequests:
          'open' in opts
            ? [
                {
                  service: 'devicefarm',
                  offeringId: 'off-android',
                  type: 'RENEW',
                  quantity: 1,
                  since: NOW.toISOString(),
                },
              ]
            : [],
      },
    });
    expect(only(result, 'next_period_changed')).toHaveLength(explained ? 0 : 1);
  });

  it('is not derived on the first Device Farm poll', () => {
    expect(derive({ observation: observe({ slots: [changed] }) }).notices).toEqual([]);
  });

  it('after an outage, counts transactions from the last good Device Farm read', () => {
    // Read at takenAt; Device Farm then fails for two hours while MediaConnect is read.
    const during = plus(NOW, -30 * 60_000);
    const outage = deriveNotices(
      input({
        now: plus(takenAt, HOUR),
        observation: observe({ failing: ['devicefarm'] }),
        previous,
      }),
    ).snapshot;
    expect(outage.devicefarm?.takenAt).toBe(takenAt.toISOString());
    const renewedDuringOutage = tx({ id: 'tx-outage', type: 'RENEW', createdOn: during });
    const result = derive({
      observation: observe({ slots: [changed], transactions: [renewedDuringOutage] }),
      previous: outage,
    });
    expect(kinds(result)).toEqual(['external_transactions']);
  });
});

describe('reservation_state', () => {
  const arn = reservation().arn;
  const farEnd = at('2027-06-01T00:00:00.000Z');
  const expired = reservation({ state: 'EXPIRED', end: farEnd });

  it('ACTIVE → EXPIRED is announced once', () => {
    const first = input({
      observation: observe({ reservations: [expired] }),
      previous: seenBefore({ reservations: [reservation({ end: farEnd })] }),
    });
    const result = deriveNotices(first);
    expect(result.notices).toEqual([
      {
        kind: 'reservation_state',
        reservationArn: arn,
        reservationName: 'live-events',
        offeringArn: reservation().offeringArn,
        offeringDescription: '20 Mbps outbound, 12 months',
        from: 'ACTIVE',
        to: 'EXPIRED',
        start: '2026-01-01T00:00:00.000Z',
        end: farEnd.toISOString(),
        pricePerUnit: storedMoney(money('0.0125')),
        priceUnit: 'HOURLY',
        bandwidthMbps: 20,
        durationMonths: 12,
        key: noticeKeys.reservationState(arn, 'EXPIRED'),
      },
    ]);
    expect(deriveNotices(nextPoll(first, result)).notices).toEqual([]);
  });

  it('a reservation made outside the bot is announced as new', () => {
    const result = derive({
      observation: observe({
        reservations: [reservation({ end: farEnd, bandwidthMbps: undefined })],
      }),
      previous: seenBefore(),
    });
    const [notice] = only(result, 'reservation_state');
    expect(notice).not.toHaveProperty('from');
    expect(notice).not.toHaveProperty('bandwidthMbps');
    expect(notice).toMatchObject({
      to: 'ACTIVE',
      key: noticeKeys.reservationState(arn, 'ACTIVE'),
      alsoKeys: [noticeKeys.reservation(arn)],
    });
  });

  it("the bot's own reservation is recorded quietly", () => {
    const result = derive({
      observation: observe({ reservations: [reservation({ end: farEnd })] }),
      previous: seenBefore(),
      announced: new Set([noticeKeys.reservation(arn)]),
    });
    expect(result.notices).toEqual([]);
    expect(result.quietKeys).toEqual([noticeKeys.reservationState(arn, 'ACTIVE')]);
    expect(result.snapshot.mediaconnect?.reservations[arn]).toEqual({
      state: 'ACTIVE',
      end: farEnd.toISOString(),
    });
  });

  it('one that may be an open request is deferred: no keys, left out of the snapshot', () => {
    const mine = reservation({ end: farEnd });
    const first = input({
      observation: observe({ reservations: [mine] }),
      previous: seenBefore(),
      bot: {
        openRequests: [
          { service: 'mediaconnect', offeringArn: mine.offeringArn, reservationName: mine.name },
        ],
      },
    });
    const result = deriveNotices(first);
    expect(result.notices).toEqual([]);
    expect(result.quietKeys).toEqual([]);
    expect(result.snapshot.mediaconnect).toEqual({ reservations: {} });
    const next = deriveNotices(nextPoll(first, result, { bot: { openRequests: [] } }));
    expect(kinds(next)).toEqual(['reservation_state']);
  });

  it('a state already recorded is not announced again', () => {
    const result = derive({
      observation: observe({ reservations: [expired] }),
      previous: seenBefore({ reservations: [reservation({ end: farEnd })] }),
      announced: new Set([noticeKeys.reservationState(arn, 'EXPIRED')]),
    });
    expect(result.notices).toEqual([]);
  });
});

describe('reservation_ending', () => {
  it.each([
    ['ACTIVE', 1],
    ['active', 1],
    ['EXPIRED', 0],
    ['PROCESSING', 0],
  ])('state %s: %i ending notice(s)', (state, count) => {
    const result = derive({ observation: observe({ reservations: [reservation({ state })] }) });
    expect(only(result, 'reservation_ending')).toHaveLength(count);
  });

  it('carries the reservation and the lead time', () => {
    const [notice] = only(
      derive({ observation: observe({ reservations: [reservation()] }) }),
      'reservation_ending',
    );
    expect(notice).toEqual({
      kind: 'reservation_ending',
      reservationArn: reservation().arn,
      reservationName: 'live-events',
      offeringArn: reservation().offeringArn,
      offeringDescription: '20 Mbps outbound, 12 months',
      end: EFFECTIVE.toISOString(),
      leadDays: 7,
      pricePerUnit: storedMoney(money('0.0125')),
      priceUnit: 'HOURLY',
      bandwidthMbps: 20,
      durationMonths: 12,
      key: noticeKeys.reservationEnding(reservation().arn, EFFECTIVE.toISOString(), 7),
    });
  });
});

function outage(over: Partial<NonNullable<WatchSnapshot['outages']['devicefarm']>> = {}) {
  return {
    since: '2026-11-23T20:00:00.000Z',
    failures: 1,
    warned: false,
    message: 'devicefarm is unavailable.',
    ...over,
  };
}

describe('outages', () => {
  /** Polls `failing` times with Device Farm down, then once with it back; threshold 3. */
  function run(failing: number) {
    let next = input({ previous: seenBefore(), now: at('2026-11-23T00:00:00Z') });
    const log: { poll: number; notice: Notice }[] = [];
    for (let poll = 1; poll <= failing + 1; poll++) {
      const up = poll > failing;
      next = {
        ...next,
        now: plus(at('2026-11-23T00:00:00Z'), poll * 60_000),
        observation: observe({ failing: up ? [] : ['devicefarm'] }),
      };
      const result = deriveNotices(next);
      for (const notice of result.notices) log.push({ poll, notice });
      next = nextPoll(next, result);
    }
    return { log, last: next.previous };
  }

  it.each([
    [1, []],
    [2, []],
    [3, ['3:aws_failing', '4:aws_recovered']],
    [5, ['3:aws_failing', '6:aws_recovered']],
  ])('%i failed polls then recovery → %j', (failing, expected) => {
    const { log, last } = run(failing);
    expect(log.map(({ poll, notice }) => `${poll}:${notice.kind}`)).toEqual(expected);
    expect(last?.outages).toEqual({});
  });

  it('warns with the first failure time, the count and the last message', () => {
    const { log } = run(5);
    const since = '2026-11-23T00:01:00.000Z';
    expect(log.map(({ notice }) => notice)).toEqual([
      {
        kind: 'aws_failing',
        service: 'devicefarm',
        since,
        failures: 3,
        message: 'devicefarm is unavailable.',
        key: noticeKeys.awsFailing('devicefarm', since),
      },
      {
        kind: 'aws_recovered',
        service: 'devicefarm',
        since,
        recoveredAt: '2026-11-23T00:06:00.000Z',
        failures: 5,
        key: noticeKeys.awsRecovered('devicefarm', since),
      },
    ]);
  });

  it('counts an outage in the snapshot', () => {
    const result = derive({
      observation: observe({ failing: ['mediaconnect'] }),
      previous: { ...seenBefore(), outages: { mediaconnect: outage({ failures: 1 }) } },
    });
    expect(result.notices).toEqual([]);
    expect(result.snapshot.outages).toEqual({
      mediaconnect: outage({ failures: 2, message: 'mediaconnect is unavailable.' }),
    });
  });

  it('a failing Device Farm keeps its previous snapshot while MediaConnect still speaks', () => {
    const previous = seenBefore({
      slots: [slot({ nextPeriodQuantity: 3 })],
      reservations: [reservation({ end: at('2027-06-01T00:00Z') })],
    });
    const result = derive({
      observation: observe({
        failing: ['devicefarm'],
        reservations: [reservation({ state: 'EXPIRED', end: at('2027-06-01T00:00Z') })],
      }),
      previous,
    });
    expect(kinds(result)).toEqual(['reservation_state']);
    expect(result.snapshot.devicefarm).toEqual(previous.devicefarm);
    expect(result.snapshot.takenAt).toBe(NOW.toISOString());
  });

  it('a service failing from the very first poll leaves its part absent', () => {
    const result = derive({ observation: observe({ failing: ['devicefarm', 'mediaconnect'] }) });
    expect(result.snapshot).not.toHaveProperty('devicefarm');
    expect(result.snapshot).not.toHaveProperty('mediaconnect');
    expect(Object.keys(result.snapshot.outages).sort()).toEqual(['devicefarm', 'mediaconnect']);
  });
});

describe('order', () => {
  it('orders by kind, then by date within a kind', () => {
    const takenAt = plus(NOW, -HOUR);
    const result = derive({
      observation: observe({
        failing: ['mediaconnect'],
        slots: [
          // Ids sort the other way round, so the date is what orders them.
          slot({ id: 'off-late' }),
          slot({
            id: 'off-z-early',
            nextPeriodQuantity: 5,
            nextPeriodEffectiveOn: plus(EFFECTIVE, -HOUR),
          }),
        ],
        transactions: [tx({ offeringId: 'off-late', createdOn: NOW })],
      }),
      previous: {
        ...seenBefore({ slots: [slot({ id: 'off-z-early' }), slot({ id: 'off-late' })], takenAt }),
        outages: {
          devicefarm: outage({ warned: true, failures: 4 }),
          mediaconnect: outage({ failures: 2 }),
        },
      },
    });
    expect(kinds(result)).toEqual([
      'aws_recovered',
      'renewal_upcoming',
      'renewal_upcoming',
      'external_transactions',
      'next_period_changed',
      'aws_failing',
    ]);
    expect(only(result, 'renewal_upcoming').map((n) => n.offeringId)).toEqual([
      'off-z-early',
      'off-late',
    ]);
  });
});

describe('deriveSteps', () => {
  const busy = input({
    observation: observe({
      slots: [slot(), slot({ id: 'off-ios', nextPeriodQuantity: 0 })],
      transactions: [tx({ id: 'tx-a' }), tx({ id: 'tx-b', createdOn: NOW })],
      reservations: [reservation()],
    }),
    previous: seenBefore({ slots: [slot()], reservations: [reservation({ state: 'PROCESSING' })] }),
  });

  it('pauses after each item it looks at', () => {
    let pauses = 0;
    const steps = deriveSteps(busy);
    while (steps.next().done !== true) pauses += 1;
    // Two slots twice, two transactions twice, the offerings compared, one reservation.
    expect(pauses).toBeGreaterThanOrEqual(9);
  });

  it('derives what deriveNotices does, run at once or in slices', async () => {
    const expected = deriveNotices(busy);
    expect(kinds(expected).length).toBeGreaterThan(0);
    expect(runAtOnce(deriveSteps(busy))).toEqual(expected);
    expect(await runInSlices(deriveSteps(busy), { sliceMs: 0 })).toEqual(expected);
  });
});
