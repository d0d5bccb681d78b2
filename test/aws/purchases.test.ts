/**
 * The mutating side against the simulator with the real SDK clients: PurchaseOffering and
 * RenewOffering sent exactly once through the write clients, every failure with the right
 * outcome, and reconciliation (`findTransactions`, `findReservation`) after a lost answer.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsErrorCode, AwsOutcome } from '../../src/aws/errors.js';
import { AwsError } from '../../src/aws/errors.js';
import {
  type AwsClients,
  type AwsTimeouts,
  createAwsClients,
  createCapacityServices,
} from '../../src/aws/index.js';
import type { CapacityServices, ServiceName } from '../../src/aws/types.js';
import { money } from '../../src/domain/money.js';
import {
  DEVICE_FARM_MONTHLY_PRICE,
  type DfOfferingStatus,
  defaultSeed,
  formatSeconds,
  nextPeriodStart,
  SEED_IDS,
  type Simulator,
  startSimulator,
} from '../../src/sim/index.js';
import { isolateAwsEnv } from '../helpers/aws-env.js';

/** A frozen clock: mid-month, so prorated prices and the MediaConnect start window are fixed. */
const NOW = new Date('2025-03-15T12:00:00Z');
const START = formatSeconds(NOW);

let sim: Simulator;
let restoreEnv: (() => void) | undefined;
const built: AwsClients[] = [];
let aws: CapacityServices;

function servicesWith(timeouts: Partial<AwsTimeouts> = {}): CapacityServices {
  const clients = createAwsClients({ region: 'us-west-2', timeouts });
  built.push(clients);
  return createCapacityServices(clients, { mediaConnectPageSize: 1 });
}

beforeAll(async () => {
  // One item per page: every list, and so every reconciliation, walks several pages.
  sim = await startSimulator({ pageSize: 1, seed: defaultSeed(NOW), now: () => NOW });
  restoreEnv = isolateAwsEnv(sim.url);
});

afterAll(async () => {
  restoreEnv?.();
  await sim?.close();
});

beforeEach(() => {
  sim.reset();
  // Fresh clients per test: the SDK's retry quota is per client.
  aws = servicesWith();
});

afterEach(() => {
  for (const clients of built.splice(0)) clients.destroy();
});

/** A reconciliation window on AWS's (the simulator's) clock around the frozen now. */
const aroundNow = {
  from: new Date(NOW.getTime() - 60_000),
  to: new Date(NOW.getTime() + 60_000),
};

const usd = (amount: number | string) => money(amount, 'USD');
const dfSlots = (id: string) => sim.state.deviceFarm.slots[id];

/** The MediaConnect account without the seed's active reservation, so purchases are allowed. */
function clearActiveReservation(): void {
  sim.state.mediaConnect.reservations = sim.state.mediaConnect.reservations.filter(
    (r) => r.reservationArn !== SEED_IDS.activeReservation,
  );
}

/** A Device Farm transaction written straight into the simulator's state. */
function seedTransaction(
  transactionId: string,
  offeringId: string,
  type: DfOfferingStatus['type'],
  quantity: number,
  createdOn: Date,
): void {
  const offering = sim.state.deviceFarm.offerings.find((o) => o.id === offeringId)!;
  sim.state.deviceFarm.transactions.push({
    transactionId,
    offeringStatus: { type, offering, quantity, effectiveOn: createdOn },
    createdOn,
    cost: { amount: 1, currencyCode: 'USD' },
  });
}

async function failureOf(promise: Promise<unknown>): Promise<AwsError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AwsError);
  return err as AwsError;
}

describe('Device Farm purchase and renew', () => {
  it('buys once, through the write client, and returns the transaction', async () => {
    const tx = await aws.devicefarm.purchase({ offeringId: SEED_IDS.androidPrivate, quantity: 2 });

    const calls = sim.callsTo('PurchaseOffering', 'devicefarm');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      input: { offeringId: SEED_IDS.androidPrivate, quantity: 2 },
      sdkRequest: 'attempt=1; max=1',
      status: 200,
    });
    expect(calls[0]?.input).not.toHaveProperty('offeringPromotionId');

    const recorded = sim.state.deviceFarm.transactions.at(-1)!;
    expect(tx).toEqual({
      id: recorded.transactionId,
      offeringId: SEED_IDS.androidPrivate,
      offeringDescription: 'Android Private Device Slot',
      type: 'PURCHASE',
      quantity: 2,
      effectiveOn: NOW,
      createdOn: NOW,
      // 16.5 of 31 days left in March, for two slots.
      cost: usd(recorded.cost.amount),
      promotionId: undefined,
    });
    expect(recorded.cost.amount).toBeCloseTo((DEVICE_FARM_MONTHLY_PRICE * 2 * 16.5) / 31, 2);
    expect(dfSlots(SEED_IDS.androidPrivate)).toEqual({ current: 2, nextPeriod: 2 });
  });

  it('buys with a promotion: sent as offeringPromotionId, free, promotion used', async () => {
    const tx = await aws.devicefarm.purchase({
      offeringId: SEED_IDS.androidRemote,
      quantity: 1,
      promotionId: SEED_IDS.promotionAndroid,
    });
    const calls = sim.callsTo('PurchaseOffering', 'devicefarm');
    expect(calls.map((c) => [c.input, c.sdkRequest])).toEqual([
      [
        {
          offeringId: SEED_IDS.androidRemote,
          quantity: 1,
          offeringPromotionId: SEED_IDS.promotionAndroid,
        },
        'attempt=1; max=1',
      ],
    ]);
    expect(tx).toMatchObject({
      type: 'PURCHASE',
      quantity: 1,
      cost: usd(0),
      promotionId: SEED_IDS.promotionAndroid,
    });
    expect(dfSlots(SEED_IDS.androidRemote)).toEqual({ current: 3, nextPeriod: 3 });
    expect(await aws.devicefarm.listPromotions()).toEqual([
      { id: SEED_IDS.promotionIos, description: 'One free iOS device slot for a month' },
    ]);
  });

  it.each([3, 0])('renews %i slots for the next period, once', async (quantity) => {
    const tx = await aws.devicefarm.renew({ offeringId: SEED_IDS.androidAutomated, quantity });
    const calls = sim.callsTo('RenewOffering', 'devicefarm');
    expect(calls.map((c) => [c.input, c.sdkRequest, c.status])).toEqual([
      [{ offeringId: SEED_IDS.androidAutomated, quantity }, 'attempt=1; max=1', 200],
    ]);
    expect(tx).toMatchObject({
      id: sim.state.deviceFarm.transactions.at(-1)?.transactionId,
      offeringId: SEED_IDS.androidAutomated,
      type: 'RENEW',
      quantity,
      effectiveOn: nextPeriodStart(NOW),
      createdOn: NOW,
      cost: usd(DEVICE_FARM_MONTHLY_PRICE * quantity),
    });
    // Only the next period changes.
    expect(dfSlots(SEED_IDS.androidAutomated)).toEqual({ current: 3, nextPeriod: quantity });
  });

  it('a real LimitExceededException is refused once, never retried', async () => {
    const err = await failureOf(
      aws.devicefarm.purchase({ offeringId: SEED_IDS.androidRemote, quantity: 49 }),
    );
    expect(err).toMatchObject({
      code: 'aws_limit_exceeded',
      outcome: 'rejected',
      operation: 'PurchaseOffering',
    });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    expect(dfSlots(SEED_IDS.androidRemote)).toEqual({ current: 2, nextPeriod: 2 });
  });

  it('input AWS would refuse is not sent at all', async () => {
    const err = await failureOf(
      aws.devicefarm.purchase({ offeringId: SEED_IDS.androidRemote, quantity: 0 }),
    );
    expect(err).toMatchObject({ code: 'aws_invalid_argument', outcome: 'rejected' });
    await failureOf(aws.devicefarm.renew({ offeringId: 'too-short', quantity: 1 }));
    expect(sim.calls).toHaveLength(0);
  });
});

describe('MediaConnect purchase', () => {
  it('buys once (201) once no reservation is active, and returns the reservation', async () => {
    clearActiveReservation();
    const reservation = await aws.mediaconnect.purchase({
      offeringArn: SEED_IDS.offering50,
      reservationName: 'q2-bandwidth',
      start: START,
    });
    const calls = sim.callsTo('PurchaseOffering', 'mediaconnect');
    expect(calls.map((c) => [c.input, c.sdkRequest, c.status])).toEqual([
      [
        { offeringArn: SEED_IDS.offering50, reservationName: 'q2-bandwidth', start: START },
        'attempt=1; max=1',
        201,
      ],
    ]);
    const recorded = sim.state.mediaConnect.reservations.at(-1)!;
    expect(reservation).toEqual({
      arn: recorded.reservationArn,
      name: 'q2-bandwidth',
      state: 'ACTIVE',
      offeringArn: SEED_IDS.offering50,
      description: 'Offering to reserve 50 Mbps of outbound bandwidth for 12 months',
      start: NOW,
      end: new Date('2026-03-15T12:00:00Z'),
      pricePerUnit: usd('0.15'),
      priceUnit: 'HOURLY',
      durationMonths: 12,
      bandwidthMbps: 50,
    });
    expect(await aws.mediaconnect.activeReservation(NOW)).toEqual(reservation);
  });

  it('sends a Date start as YYYY-MM-DDTHH:mm:SSZ', async () => {
    clearActiveReservation();
    await aws.mediaconnect.purchase({
      offeringArn: SEED_IDS.offering10,
      reservationName: 'from-a-date',
      start: new Date(NOW.getTime() - 1_500),
    });
    expect(sim.callsTo('PurchaseOffering')[0]?.input.start).toBe('2025-03-15T11:59:58Z');
  });

  it('is refused while a reservation is active: rejected, one call, nothing bought', async () => {
    const before = sim.state.mediaConnect.reservations.length;
    const err = await failureOf(
      aws.mediaconnect.purchase({
        offeringArn: SEED_IDS.offering50,
        reservationName: 'second',
        start: START,
      }),
    );
    expect(err).toMatchObject({
      code: 'aws_bad_request',
      outcome: 'rejected',
      service: 'mediaconnect',
      operation: 'PurchaseOffering',
      detail: { httpStatus: 400, awsName: 'BadRequestException' },
    });
    expect(err.userMessage).toContain('(AWS: BadRequestException)');
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    expect(sim.state.mediaConnect.reservations).toHaveLength(before);
  });

  it('buys an offering whose ARN has no account, under that very ARN', async () => {
    clearActiveReservation();
    const accountless = SEED_IDS.offering10.replace(/:\d{12}:offering:/, '::offering:');
    const offering = sim.state.mediaConnect.offerings.find(
      (o) => o.offeringArn === SEED_IDS.offering10,
    )!;
    offering.offeringArn = accountless;
    const reservation = await aws.mediaconnect.purchase({
      offeringArn: accountless,
      reservationName: 'no-account',
      start: START,
    });
    expect(reservation.offeringArn).toBe(accountless);
    expect(sim.callsTo('PurchaseOffering')[0]?.input.offeringArn).toBe(accountless);
  });
});

describe('MediaConnect: a reservation still PROCESSING counts as active', () => {
  /** A copy of the seed's active reservation in another state and term. */
  function addReservation(over: { state: string; start: string; end: string; name: string }) {
    const template = sim.state.mediaConnect.reservations.find(
      (r) => r.reservationArn === SEED_IDS.activeReservation,
    )!;
    clearActiveReservation();
    sim.state.mediaConnect.reservations.push({
      ...structuredClone(template),
      reservationArn: `${SEED_IDS.activeReservation}-${over.name}`,
      reservationName: over.name,
      reservationState: over.state,
      start: over.start,
      end: over.end,
    });
  }

  it.each([
    ['within its term', '2025-03-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['starting later than our clock says it is', '2025-03-15T12:05:00Z', '2026-03-15T12:05:00Z'],
    ['with no end yet', START, ''],
  ])('PROCESSING %s blocks', async (_, start, end) => {
    addReservation({ state: 'PROCESSING', start, end, name: 'processing' });
    const found = await aws.mediaconnect.activeReservation(NOW);
    expect(found).toMatchObject({ name: 'processing', state: 'PROCESSING' });
    expect(Number.isNaN(found!.end.getTime())).toBe(false);
  });

  it('EXPIRED and CANCELED ones do not', async () => {
    addReservation({
      state: 'CANCELED',
      start: '2025-03-01T00:00:00Z',
      end: '2026-03-01T00:00:00Z',
      name: 'cancelled',
    });
    await expect(aws.mediaconnect.activeReservation(NOW)).resolves.toBeUndefined();
  });
});

interface WriteFault {
  readonly service: ServiceName;
  readonly operation: 'PurchaseOffering' | 'RenewOffering';
  readonly name: string;
  readonly status?: number;
  readonly code: AwsErrorCode;
  readonly outcome: AwsOutcome;
}

const DF_ERRORS: [string, AwsErrorCode][] = [
  ['ArgumentException', 'aws_invalid_argument'],
  ['NotFoundException', 'aws_not_found'],
  ['NotEligibleException', 'aws_not_eligible'],
  ['LimitExceededException', 'aws_limit_exceeded'],
  ['ServiceAccountException', 'aws_service_account'],
];

const WRITE_FAULTS: WriteFault[] = [
  ...(['PurchaseOffering', 'RenewOffering'] as const).flatMap((operation) =>
    DF_ERRORS.map(
      ([name, code]): WriteFault => ({
        service: 'devicefarm',
        operation,
        name,
        code,
        outcome: 'rejected',
      }),
    ),
  ),
  {
    service: 'devicefarm',
    operation: 'PurchaseOffering',
    name: 'InternalFailure',
    status: 500,
    code: 'aws_internal_error',
    outcome: 'unknown',
  },
  ...(
    [
      ['BadRequestException', 'aws_bad_request', 'rejected'],
      ['ForbiddenException', 'aws_forbidden', 'rejected'],
      ['NotFoundException', 'aws_not_found', 'rejected'],
      ['TooManyRequestsException', 'aws_throttled', 'rejected'],
      ['InternalServerErrorException', 'aws_internal_error', 'unknown'],
      ['ServiceUnavailableException', 'aws_unavailable', 'unknown'],
    ] as const
  ).map(
    ([name, code, outcome]): WriteFault => ({
      service: 'mediaconnect',
      operation: 'PurchaseOffering',
      name,
      code,
      outcome,
    }),
  ),
];

describe('every modelled error on a purchase or renewal: one call, right outcome', () => {
  it.each(WRITE_FAULTS)('$service $operation $name → $code ($outcome)', async (c) => {
    clearActiveReservation();
    sim.fault(c.service, c.operation, {
      error: { name: c.name, ...(c.status && { status: c.status }) },
    });
    const call =
      c.service === 'mediaconnect'
        ? aws.mediaconnect.purchase({
            offeringArn: SEED_IDS.offering10,
            reservationName: 'faulty',
            start: START,
          })
        : c.operation === 'PurchaseOffering'
          ? aws.devicefarm.purchase({ offeringId: SEED_IDS.androidPrivate, quantity: 1 })
          : aws.devicefarm.renew({ offeringId: SEED_IDS.androidRemote, quantity: 4 });
    const err = await failureOf(call);
    expect(err).toMatchObject({
      code: c.code,
      outcome: c.outcome,
      service: c.service,
      operation: c.operation,
      detail: { awsName: c.name },
    });
    expect(err.userMessage.endsWith(`(AWS: ${c.name}).`)).toBe(true);
    const calls = sim.callsTo(c.operation, c.service);
    expect(calls.map((x) => x.sdkRequest)).toEqual(['attempt=1; max=1']);
    expect(calls[0]?.status).toBe(err.detail.httpStatus);
  });
});

describe('lost answers and reconciliation', () => {
  it('Device Farm: answer dropped after the purchase → unknown; findTransactions finds it', async () => {
    sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    const err = await failureOf(
      aws.devicefarm.purchase({ offeringId: SEED_IDS.iosAutomated, quantity: 2 }),
    );
    expect(err).toMatchObject({ code: 'aws_network', outcome: 'unknown' });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);

    const found = await aws.devicefarm.findTransactions({
      offeringId: SEED_IDS.iosAutomated,
      type: 'PURCHASE',
      ...aroundNow,
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      id: sim.state.deviceFarm.transactions.at(-1)?.transactionId,
      offeringId: SEED_IDS.iosAutomated,
      type: 'PURCHASE',
      quantity: 2,
      createdOn: NOW,
    });
    // Reconciliation reads through the read client and never repeats the purchase.
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    expect(sim.callsTo('ListOfferingTransactions')[0]?.sdkRequest).toBe('attempt=1; max=3');
  });

  it('Device Farm: renewal answer dropped → findTransactions finds the RENEW', async () => {
    sim.fault('devicefarm', 'RenewOffering', { drop: 'after', times: 1 });
    const err = await failureOf(
      aws.devicefarm.renew({ offeringId: SEED_IDS.iosRemote, quantity: 0 }),
    );
    expect(err.outcome).toBe('unknown');
    const found = await aws.devicefarm.findTransactions({
      offeringId: SEED_IDS.iosRemote,
      type: 'RENEW',
      ...aroundNow,
    });
    // The seed's older RENEW of the same offering lies outside the window.
    expect(found.map((t) => [t.id, t.quantity])).toEqual([
      [sim.state.deviceFarm.transactions.at(-1)?.transactionId, 0],
    ]);
    expect(sim.callsTo('RenewOffering')).toHaveLength(1);
  });

  it('Device Farm: connection dropped before the purchase → unknown; nothing to find', async () => {
    sim.fault('devicefarm', 'PurchaseOffering', { drop: 'before', times: 1 });
    const err = await failureOf(
      aws.devicefarm.purchase({ offeringId: SEED_IDS.iosAutomated, quantity: 2 }),
    );
    expect(err).toMatchObject({ code: 'aws_network', outcome: 'unknown' });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    await expect(
      aws.devicefarm.findTransactions({
        offeringId: SEED_IDS.iosAutomated,
        type: 'PURCHASE',
        ...aroundNow,
      }),
    ).resolves.toEqual([]);
    expect(dfSlots(SEED_IDS.iosAutomated)).toEqual({ current: 1, nextPeriod: 1 });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
  });

  it('Device Farm: a purchase past the write timeout is unknown, sent once, then found', async () => {
    const slow = servicesWith({ writeRequestMs: 200 });
    sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 600, times: 1 });
    const started = Date.now();
    const err = await failureOf(
      slow.devicefarm.purchase({ offeringId: SEED_IDS.androidPrivate, quantity: 1 }),
    );
    expect(err).toMatchObject({ code: 'aws_timeout', outcome: 'unknown' });
    expect(Date.now() - started).toBeLessThan(600);
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    // The simulator completes the purchase after the client gave up, as AWS could.
    await waitFor(() => dfSlots(SEED_IDS.androidPrivate)?.current === 1);
    const found = await slow.devicefarm.findTransactions({
      offeringId: SEED_IDS.androidPrivate,
      type: 'PURCHASE',
      ...aroundNow,
    });
    expect(found.map((t) => t.quantity)).toEqual([1]);
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
  });

  it('MediaConnect: answer dropped after the purchase → unknown; findReservation finds it', async () => {
    clearActiveReservation();
    sim.fault('mediaconnect', 'PurchaseOffering', { drop: 'after', times: 1 });
    const err = await failureOf(
      aws.mediaconnect.purchase({
        offeringArn: SEED_IDS.offering20,
        reservationName: 'lost-answer',
        start: START,
      }),
    );
    expect(err).toMatchObject({ code: 'aws_network', outcome: 'unknown' });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);

    const found = await aws.mediaconnect.findReservation({
      reservationName: 'lost-answer',
      offeringArn: SEED_IDS.offering20,
    });
    expect(found).toMatchObject({
      arn: sim.state.mediaConnect.reservations.at(-1)?.reservationArn,
      name: 'lost-answer',
      offeringArn: SEED_IDS.offering20,
      start: NOW,
    });
    // Paged through every reservation (one per page) with the read client.
    const lists = sim.callsTo('ListReservations');
    expect(lists).toHaveLength(sim.state.mediaConnect.reservations.length);
    expect(lists.every((c) => c.sdkRequest === 'attempt=1; max=3')).toBe(true);
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
  });

  it('MediaConnect: connection dropped before the purchase → findReservation finds nothing', async () => {
    clearActiveReservation();
    sim.fault('mediaconnect', 'PurchaseOffering', { drop: 'before', times: 1 });
    const err = await failureOf(
      aws.mediaconnect.purchase({
        offeringArn: SEED_IDS.offering20,
        reservationName: 'never-made',
        start: START,
      }),
    );
    expect(err.outcome).toBe('unknown');
    await expect(
      aws.mediaconnect.findReservation({
        reservationName: 'never-made',
        offeringArn: SEED_IDS.offering20,
      }),
    ).resolves.toBeUndefined();
  });

  it('MediaConnect: a purchase past the write timeout is unknown and sent once', async () => {
    clearActiveReservation();
    const slow = servicesWith({ writeRequestMs: 200 });
    sim.fault('mediaconnect', 'PurchaseOffering', { delayMs: 600, times: 1 });
    const err = await failureOf(
      slow.mediaconnect.purchase({
        offeringArn: SEED_IDS.offering20,
        reservationName: 'slow',
        start: START,
      }),
    );
    expect(err).toMatchObject({ code: 'aws_timeout', outcome: 'unknown' });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    await waitFor(() =>
      sim.state.mediaConnect.reservations.some((r) => r.reservationName === 'slow'),
    );
    const found = await slow.mediaconnect.findReservation({
      reservationName: 'slow',
      offeringArn: SEED_IDS.offering20,
    });
    expect(found?.name).toBe('slow');
  });
});

describe('findTransactions', () => {
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
  const query = {
    offeringId: SEED_IDS.androidPrivate,
    type: 'PURCHASE' as const,
    from: at(-60_000),
    to: at(60_000),
  };

  it('ignores transactions outside the window, other offerings and types', async () => {
    seedTransaction('tx-before', query.offeringId, 'PURCHASE', 2, at(-60_001));
    seedTransaction('tx-after', query.offeringId, 'PURCHASE', 2, at(60_001));
    seedTransaction('tx-other-offering', SEED_IDS.androidRemote, 'PURCHASE', 2, at(5_000));
    seedTransaction('tx-other-type', query.offeringId, 'RENEW', 2, at(5_000));
    seedTransaction('tx-system', query.offeringId, 'SYSTEM', 2, at(5_000));
    await expect(aws.devicefarm.findTransactions(query)).resolves.toEqual([]);

    seedTransaction('tx-match', query.offeringId, 'PURCHASE', 2, at(1_000));
    const found = await aws.devicefarm.findTransactions(query);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: 'tx-match', createdOn: at(1_000), quantity: 2 });
  });

  it('includes both edges of the window', async () => {
    seedTransaction('tx-from', query.offeringId, 'PURCHASE', 2, query.from);
    seedTransaction('tx-to', query.offeringId, 'PURCHASE', 2, query.to);
    expect((await aws.devicefarm.findTransactions(query)).map((t) => t.id)).toEqual([
      'tx-to',
      'tx-from',
    ]);
  });

  it('filters no quantity: every match comes back, newest first', async () => {
    // AWS does not say whether a PURCHASE records the quantity bought or the total after it;
    // telling them apart is the caller's judgement, not the lookup's.
    seedTransaction('tx-quantity-2', query.offeringId, 'PURCHASE', 2, at(1_000));
    seedTransaction('tx-quantity-5', query.offeringId, 'PURCHASE', 5, at(3_000));
    const found = await aws.devicefarm.findTransactions(query);
    expect(found.map((t) => [t.id, t.quantity])).toEqual([
      ['tx-quantity-5', 5],
      ['tx-quantity-2', 2],
    ]);
  });

  it('pages through several pages and stops at the first older one', async () => {
    // Newest first: five recent non-matches, the match, then the seed's eight older ones.
    for (let i = 0; i < 5; i++) {
      seedTransaction(`tx-recent-${i}`, SEED_IDS.iosRemote, 'RENEW', 1, at(10_000 + i));
    }
    seedTransaction('tx-match', query.offeringId, 'PURCHASE', 2, at(2_000));
    const found = await aws.devicefarm.findTransactions(query);
    expect(found.map((t) => t.id)).toEqual(['tx-match']);
    // One transaction per page: 5 + 1 recent pages, then the first older page ends the walk.
    const calls = sim.callsTo('ListOfferingTransactions');
    expect(calls).toHaveLength(7);
    expect(calls[0]?.input.nextToken).toBeUndefined();
    expect(calls.slice(1).every((c) => typeof c.input.nextToken === 'string')).toBe(true);
    expect(calls.every((c) => c.sdkRequest === 'attempt=1; max=3')).toBe(true);
  });

  it('reads a single page when nothing is recent', async () => {
    await expect(aws.devicefarm.findTransactions(query)).resolves.toEqual([]);
    expect(sim.callsTo('ListOfferingTransactions')).toHaveLength(1);
  });

  it('fails loudly when a match AWS lists cannot be read', async () => {
    seedTransaction('', query.offeringId, 'PURCHASE', 2, at(1_000));
    await expect(aws.devicefarm.findTransactions(query)).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_unknown',
      outcome: 'unknown',
      operation: 'ListOfferingTransactions',
      detail: { awsMessage: expect.stringMatching(/transaction id or date/) },
    });
  });

  it('fails as AwsError when AWS fails', async () => {
    sim.fault('devicefarm', 'ListOfferingTransactions', {
      error: { name: 'ServiceAccountException' },
    });
    await expect(aws.devicefarm.findTransactions(query)).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_service_account',
      operation: 'ListOfferingTransactions',
    });
  });
});

describe('getOffering', () => {
  it('finds an offering on a later page and stops there', async () => {
    const offering = await aws.devicefarm.getOffering(SEED_IDS.iosRemote);
    expect(offering).toEqual({
      service: 'devicefarm',
      id: SEED_IDS.iosRemote,
      description: 'iOS Remote Access Unmetered Device Slot',
      platform: 'IOS',
      monthlyPrice: usd(DEVICE_FARM_MONTHLY_PRICE),
    });
    // Second of five offerings, one per page.
    expect(sim.callsTo('ListOfferings', 'devicefarm')).toHaveLength(2);
  });

  it('reads the current price', async () => {
    sim.state.deviceFarm.offerings[4]!.recurringCharges[0]!.cost.amount = 275.5;
    expect((await aws.devicefarm.getOffering(SEED_IDS.androidPrivate))?.monthlyPrice).toEqual(
      usd('275.5'),
    );
  });

  it('is undefined for an offering AWS does not list', async () => {
    await expect(aws.devicefarm.getOffering('f'.repeat(36))).resolves.toBeUndefined();
    expect(sim.callsTo('ListOfferings', 'devicefarm')).toHaveLength(5);
  });
});

describe('activeReservation and findReservation', () => {
  it('finds the seed active reservation', async () => {
    const active = await aws.mediaconnect.activeReservation(NOW);
    expect(active).toMatchObject({
      arn: SEED_IDS.activeReservation,
      name: 'live-events',
      state: 'ACTIVE',
    });
  });

  it('none once the term has ended (by the clock given)', async () => {
    const active = await aws.mediaconnect.activeReservation(NOW);
    await expect(aws.mediaconnect.activeReservation(active!.end)).resolves.toBeUndefined();
    await expect(
      aws.mediaconnect.activeReservation(new Date(active!.end.getTime() - 1_000)),
    ).resolves.toMatchObject({ name: 'live-events' });
  });

  it('none once AWS reports it expired, or when none is left', async () => {
    // An end in the past: the simulator lists it as EXPIRED.
    const raw = sim.state.mediaConnect.reservations.find(
      (r) => r.reservationArn === SEED_IDS.activeReservation,
    )!;
    raw.end = formatSeconds(new Date(NOW.getTime() - 60_000));
    await expect(aws.mediaconnect.activeReservation(NOW)).resolves.toBeUndefined();
    clearActiveReservation();
    await expect(aws.mediaconnect.activeReservation(NOW)).resolves.toBeUndefined();
  });

  it('counts a PROCESSING reservation within its term, not a CANCELED one', async () => {
    const raw = sim.state.mediaConnect.reservations.find(
      (r) => r.reservationArn === SEED_IDS.activeReservation,
    )!;
    raw.reservationState = 'PROCESSING';
    await expect(aws.mediaconnect.activeReservation(NOW)).resolves.toMatchObject({
      state: 'PROCESSING',
    });
    raw.reservationState = 'CANCELED';
    await expect(aws.mediaconnect.activeReservation(NOW)).resolves.toBeUndefined();
  });

  it('findReservation matches name and offering ARN, in any state', async () => {
    await expect(
      aws.mediaconnect.findReservation({
        reservationName: 'pilot-bandwidth',
        offeringArn: SEED_IDS.offering10,
      }),
    ).resolves.toMatchObject({ arn: SEED_IDS.expiredReservation, state: 'EXPIRED' });
    await expect(
      aws.mediaconnect.findReservation({
        reservationName: 'pilot-bandwidth',
        offeringArn: SEED_IDS.offering20,
      }),
    ).resolves.toBeUndefined();
    await expect(
      aws.mediaconnect.findReservation({
        reservationName: 'live',
        offeringArn: SEED_IDS.offering20,
      }),
    ).resolves.toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
