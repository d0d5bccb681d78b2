/**
 * The adapters with the real SDK clients over HTTP against the simulator: every operation,
 * paging, the GetOfferingStatus merge, and every modelled error arriving as its `AwsError`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsErrorCode, AwsOutcome } from '../../src/aws/errors.js';
import { AwsError } from '../../src/aws/errors.js';
import {
  type AwsClients,
  createAwsClients,
  createCapacityServices,
  MEDIA_CONNECT_PAGE_SIZE,
} from '../../src/aws/index.js';
import type { CapacityServices, ServiceName } from '../../src/aws/types.js';
import { formatMoney, money, times } from '../../src/domain/money.js';
import {
  DEVICE_FARM_MONTHLY_PRICE,
  defaultSeed,
  largeSeed,
  nextPeriodStart,
  SEED_IDS,
  type Simulator,
  startSimulator,
} from '../../src/sim/index.js';
import { isolateAwsEnv } from '../helpers/aws-env.js';

let sim: Simulator;
let clients: AwsClients;
let aws: CapacityServices;
let restoreEnv: (() => void) | undefined;
const now = new Date();

beforeAll(async () => {
  // One item per page, so every list (and each GetOfferingStatus map) spans several pages.
  sim = await startSimulator({ pageSize: 1, seed: defaultSeed(now), now: () => now });
  restoreEnv = isolateAwsEnv(sim.url);
});

afterAll(async () => {
  restoreEnv?.();
  await sim?.close();
});

beforeEach(() => {
  sim.reset();
  // Fresh clients per test: the SDK's retry quota is per client and fault tests spend it.
  clients = createAwsClients({ region: 'us-west-2' });
  aws = createCapacityServices(clients, { mediaConnectPageSize: 1 });
});

afterEach(() => clients.destroy());

const usd = (amount: number) => money(amount, 'USD');

describe('Device Farm adapter', () => {
  it('lists every offering over several pages', async () => {
    const offerings = await aws.devicefarm.listOfferings();
    expect(offerings.map((o) => o.id)).toEqual(sim.state.deviceFarm.offerings.map((o) => o.id));
    expect(sim.callsTo('ListOfferings', 'devicefarm')).toHaveLength(5);
    const android = offerings.find((o) => o.id === SEED_IDS.androidRemote);
    expect(android).toEqual({
      service: 'devicefarm',
      id: SEED_IDS.androidRemote,
      description: 'Android Remote Access Unmetered Device Slot',
      platform: 'ANDROID',
      monthlyPrice: usd(DEVICE_FARM_MONTHLY_PRICE),
    });
  });

  it('lists promotions by following nextToken by hand', async () => {
    sim.state.deviceFarm.promotions.push({
      id: 'promo-third',
      description: 'A third promotion',
      used: false,
    });
    sim.state.deviceFarm.promotions.push({ id: 'promo-used', description: 'Gone', used: true });
    const promotions = await aws.devicefarm.listPromotions();
    expect(promotions).toEqual([
      { id: SEED_IDS.promotionAndroid, description: 'One free Android device slot for a month' },
      { id: SEED_IDS.promotionIos, description: 'One free iOS device slot for a month' },
      { id: 'promo-third', description: 'A third promotion' },
    ]);
    const calls = sim.callsTo('ListOfferingPromotions', 'devicefarm');
    expect(calls).toHaveLength(3);
    expect(calls[0]?.input.nextToken).toBeUndefined();
    expect(typeof calls[1]?.input.nextToken).toBe('string');
  });

  it('merges current and nextPeriod across pages into one status per offering', async () => {
    const statuses = await aws.devicefarm.getOfferingStatus();
    expect(sim.callsTo('GetOfferingStatus', 'devicefarm')).toHaveLength(4);
    const byId = new Map(statuses.map((s) => [s.offering.id, s]));
    expect([...byId.keys()].sort()).toEqual(
      [
        SEED_IDS.androidRemote,
        SEED_IDS.iosRemote,
        SEED_IDS.androidAutomated,
        SEED_IDS.iosAutomated,
      ].sort(),
    );
    const price = usd(DEVICE_FARM_MONTHLY_PRICE);
    for (const [id, slots] of Object.entries(sim.state.deviceFarm.slots)) {
      const s = byId.get(id);
      expect(s, id).toBeDefined();
      expect(s?.currentQuantity).toBe(slots.current);
      expect(s?.nextPeriodQuantity).toBe(slots.nextPeriod);
      expect(s?.currentMonthlyCost).toEqual(times(price, slots.current));
      expect(s?.nextMonthlyCost).toEqual(times(price, slots.nextPeriod));
      expect(s?.nextPeriodEffectiveOn).toEqual(nextPeriodStart(now));
    }
    // The cancelled iOS renewal: held now, nothing next period.
    expect(byId.get(SEED_IDS.iosRemote)).toMatchObject({
      currentQuantity: 1,
      nextPeriodQuantity: 0,
    });
    expect(formatMoney(byId.get(SEED_IDS.androidAutomated)!.currentMonthlyCost)).toBe('$750.00');
  });

  it('counts an offering held only next period', async () => {
    sim.state.deviceFarm.slots[SEED_IDS.androidPrivate] = { current: 0, nextPeriod: 4 };
    const statuses = await aws.devicefarm.getOfferingStatus();
    const priv = statuses.find((s) => s.offering.id === SEED_IDS.androidPrivate);
    expect(priv).toMatchObject({ currentQuantity: 0, nextPeriodQuantity: 4 });
    expect(priv?.offering.description).toBe('Android Private Device Slot');
    expect(priv?.nextMonthlyCost).toEqual(usd(1000));
  });

  it('lists every transaction, newest first, over several pages', async () => {
    const transactions = await aws.devicefarm.listTransactions();
    expect(sim.callsTo('ListOfferingTransactions', 'devicefarm')).toHaveLength(8);
    expect(transactions).toHaveLength(8);
    const created = transactions.map((t) => t.createdOn.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const renew = transactions.find((t) => t.id === '00000000-0000-4000-8000-000000000008');
    expect(renew).toMatchObject({
      offeringId: SEED_IDS.iosRemote,
      offeringDescription: 'iOS Remote Access Unmetered Device Slot',
      type: 'RENEW',
      quantity: 0,
      effectiveOn: nextPeriodStart(now),
      cost: usd(0),
      promotionId: undefined,
    });
    const purchase = transactions.find((t) => t.id === '00000000-0000-4000-8000-000000000003');
    expect(purchase?.cost).toEqual(money('133.33'));
  });

  it('reads a large account completely', async () => {
    const large = largeSeed(now, 40);
    sim.reset(large);
    const [offerings, statuses, transactions] = await Promise.all([
      aws.devicefarm.listOfferings(),
      aws.devicefarm.getOfferingStatus(),
      aws.devicefarm.listTransactions(),
    ]);
    expect(offerings).toHaveLength(40);
    expect(statuses).toHaveLength(40);
    expect(transactions).toHaveLength(40);
  });
});

describe('MediaConnect adapter', () => {
  it('lists every offering over several pages', async () => {
    const offerings = await aws.mediaconnect.listOfferings();
    expect(sim.callsTo('ListOfferings', 'mediaconnect')).toHaveLength(3);
    expect(offerings.map((o) => o.id)).toEqual([
      SEED_IDS.offering10,
      SEED_IDS.offering20,
      SEED_IDS.offering50,
    ]);
    expect(offerings[0]).toEqual({
      service: 'mediaconnect',
      id: SEED_IDS.offering10,
      description: 'Offering to reserve 10 Mbps of outbound bandwidth for 12 months',
      pricePerUnit: money('0.17'),
      priceUnit: 'HOURLY',
      durationMonths: 12,
      bandwidthMbps: 10,
      resourceType: 'Mbps_Outbound_Bandwidth',
    });
  });

  it('describes one offering by ARN (the label is percent-encoded on the wire)', async () => {
    const offering = await aws.mediaconnect.describeOffering(SEED_IDS.offering50);
    expect(offering.id).toBe(SEED_IDS.offering50);
    expect(offering.pricePerUnit).toEqual(money('0.15'));
    expect(sim.callsTo('DescribeOffering')[0]?.input.offeringArn).toBe(SEED_IDS.offering50);
  });

  it('reads and describes an offering whose ARN has no account, as ListOfferings returns it', async () => {
    const accountless = SEED_IDS.offering50.replace(/:\d{12}:offering:/, '::offering:');
    expect(accountless).toMatch(/^arn:aws:mediaconnect:us-west-2::offering:/);
    const seeded = sim.state.mediaConnect.offerings.find(
      (o) => o.offeringArn === SEED_IDS.offering50,
    )!;
    seeded.offeringArn = accountless;
    expect((await aws.mediaconnect.listOfferings()).map((o) => o.id)).toContain(accountless);
    const offering = await aws.mediaconnect.describeOffering(accountless);
    expect(offering).toMatchObject({ id: accountless, bandwidthMbps: 50 });
    expect(sim.callsTo('DescribeOffering')[0]?.input.offeringArn).toBe(accountless);
  });

  it('lists every reservation over several pages, with start/end as dates', async () => {
    const reservations = await aws.mediaconnect.listReservations();
    expect(sim.callsTo('ListReservations', 'mediaconnect')).toHaveLength(2);
    expect(reservations.map((r) => [r.name, r.state])).toEqual([
      ['live-events', 'ACTIVE'],
      ['pilot-bandwidth', 'EXPIRED'],
    ]);
    const active = reservations[0]!;
    const raw = sim.state.mediaConnect.reservations[0]!;
    expect(active.start).toEqual(new Date(raw.start));
    expect(active.end).toEqual(new Date(raw.end));
    expect(active.end.getTime()).toBeGreaterThan(now.getTime());
    expect(active).toMatchObject({
      arn: SEED_IDS.activeReservation,
      offeringArn: SEED_IDS.offering20,
      pricePerUnit: money('0.16'),
      priceUnit: 'HOURLY',
      durationMonths: 12,
      bandwidthMbps: 20,
    });
  });

  it('describes one reservation by ARN', async () => {
    const reservation = await aws.mediaconnect.describeReservation(SEED_IDS.expiredReservation);
    expect(reservation).toMatchObject({ name: 'pilot-bandwidth', state: 'EXPIRED' });
    expect(reservation.start.getTime()).toBeLessThan(reservation.end.getTime());
  });

  it('reads a large account completely', async () => {
    sim.reset(largeSeed(now, 25));
    const [offerings, reservations] = await Promise.all([
      aws.mediaconnect.listOfferings(),
      aws.mediaconnect.listReservations(),
    ]);
    expect(offerings).toHaveLength(25);
    expect(reservations).toHaveLength(25);
  });

  it('asks for large pages by default, so hundreds of reservations take a few round trips', async () => {
    sim.reset(largeSeed(now, 250));
    const reservations = await createCapacityServices(clients).mediaconnect.listReservations();
    expect(reservations).toHaveLength(250);
    const calls = sim.callsTo('ListReservations', 'mediaconnect');
    expect(calls).toHaveLength(3);
    expect(Number(calls[0]!.input.maxResults)).toBe(MEDIA_CONNECT_PAGE_SIZE);
  });
});

interface FaultCase {
  readonly service: ServiceName;
  readonly name: string;
  readonly code: AwsErrorCode;
  readonly outcome: AwsOutcome;
  readonly status: number;
}

const FAULTS: FaultCase[] = [
  {
    service: 'devicefarm',
    name: 'ArgumentException',
    code: 'aws_invalid_argument',
    outcome: 'rejected',
    status: 400,
  },
  {
    service: 'devicefarm',
    name: 'NotFoundException',
    code: 'aws_not_found',
    outcome: 'rejected',
    status: 400,
  },
  {
    service: 'devicefarm',
    name: 'NotEligibleException',
    code: 'aws_not_eligible',
    outcome: 'rejected',
    status: 400,
  },
  {
    service: 'devicefarm',
    name: 'LimitExceededException',
    code: 'aws_limit_exceeded',
    outcome: 'rejected',
    status: 400,
  },
  {
    service: 'devicefarm',
    name: 'ServiceAccountException',
    code: 'aws_service_account',
    outcome: 'rejected',
    status: 400,
  },
  {
    service: 'mediaconnect',
    name: 'BadRequestException',
    code: 'aws_bad_request',
    outcome: 'rejected',
    status: 400,
  },
  {
    service: 'mediaconnect',
    name: 'ForbiddenException',
    code: 'aws_forbidden',
    outcome: 'rejected',
    status: 403,
  },
  {
    service: 'mediaconnect',
    name: 'NotFoundException',
    code: 'aws_not_found',
    outcome: 'rejected',
    status: 404,
  },
  {
    service: 'mediaconnect',
    name: 'TooManyRequestsException',
    code: 'aws_throttled',
    outcome: 'rejected',
    status: 429,
  },
  {
    service: 'mediaconnect',
    name: 'InternalServerErrorException',
    code: 'aws_internal_error',
    outcome: 'unknown',
    status: 500,
  },
  {
    service: 'mediaconnect',
    name: 'ServiceUnavailableException',
    code: 'aws_unavailable',
    outcome: 'unknown',
    status: 503,
  },
];

const SECRET_TEXT = 'INJECTED-AWS-TEXT';

describe('errors from AWS arrive as AwsError', () => {
  it.each(FAULTS)('$service $name → $code ($outcome)', async (c) => {
    sim.fault(c.service, 'ListOfferings', {
      error: { name: c.name, message: `${SECRET_TEXT} for ${c.name}` },
    });
    const err = await (c.service === 'devicefarm'
      ? aws.devicefarm.listOfferings()
      : aws.mediaconnect.listOfferings()
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    const e = err as AwsError;
    expect(e).toMatchObject({ code: c.code, outcome: c.outcome, service: c.service });
    expect(e.operation).toBe('ListOfferings');
    expect(e.detail).toMatchObject({ awsName: c.name, httpStatus: c.status });
    expect(e.detail.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.detail.awsMessage).toBe(`${SECRET_TEXT} for ${c.name}`);
    expect(e.userMessage).not.toContain(SECRET_TEXT);
    // What an admin can look up: AWS's own code for the refusal.
    expect(e.userMessage.endsWith(`(AWS: ${c.name}).`)).toBe(true);
  });

  it.each([
    ['ListOfferings', () => aws.devicefarm.listOfferings()],
    ['GetOfferingStatus', () => aws.devicefarm.getOfferingStatus()],
    ['ListOfferingTransactions', () => aws.devicefarm.listTransactions()],
  ] as const)(
    'Device Farm %s not eligible: names the support address the API documents',
    async (operation, call) => {
      sim.fault('devicefarm', operation, { error: { name: 'NotEligibleException' } });
      const err = await call().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'aws_not_eligible', operation, outcome: 'rejected' });
      expect((err as AwsError).userMessage).toContain('aws-devicefarm-support@amazon.com');
      expect((err as AwsError).userMessage).toContain('(AWS: NotEligibleException)');
    },
  );

  it.each([
    ['listPromotions', 'ListOfferingPromotions'],
    ['getOfferingStatus', 'GetOfferingStatus'],
    ['listTransactions', 'ListOfferingTransactions'],
  ] as const)('Device Farm %s wraps errors too', async (method, operation) => {
    sim.fault('devicefarm', operation, { error: { name: 'ServiceAccountException' } });
    await expect(aws.devicefarm[method]()).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_service_account',
      operation,
    });
  });

  it('a failure on a later page fails the whole list', async () => {
    // Hold page 1 back; faults are taken when a call arrives, so the error armed meanwhile
    // hits page 2 only.
    sim.fault('devicefarm', 'GetOfferingStatus', { delayMs: 200, times: 1 });
    const pending = aws.devicefarm.getOfferingStatus();
    await waitFor(() => sim.callsTo('GetOfferingStatus').length === 1);
    sim.fault('devicefarm', 'GetOfferingStatus', { error: { name: 'ArgumentException' } });
    await expect(pending).rejects.toMatchObject({ code: 'aws_invalid_argument' });
    expect(sim.callsTo('GetOfferingStatus').map((c) => c.status)).toEqual([200, 400]);
  });

  it('MediaConnect describe calls map NotFound (real, not injected)', async () => {
    const unknownOffering = await aws.mediaconnect
      .describeOffering(`${SEED_IDS.offering10}-nope`)
      .catch((e: unknown) => e);
    expect(unknownOffering).toMatchObject({
      code: 'aws_not_found',
      outcome: 'rejected',
      operation: 'DescribeOffering',
      detail: { httpStatus: 404 },
    });
    expect((unknownOffering as AwsError).userMessage).toContain('(AWS: NotFoundException)');
    await expect(
      aws.mediaconnect.describeReservation(`${SEED_IDS.activeReservation}-nope`),
    ).rejects.toMatchObject({ code: 'aws_not_found', detail: { httpStatus: 404 } });
  });

  it('an offering lookup AWS refuses is told apart from one AWS does not know', async () => {
    // The request service reads "aws_not_found" as "no such offering" and anything else as AWS
    // refusing to answer; a refusal must never pass for an unknown offering.
    for (const [name, code] of [
      ['ForbiddenException', 'aws_forbidden'],
      ['BadRequestException', 'aws_bad_request'],
    ] as const) {
      sim.reset();
      sim.fault('mediaconnect', 'DescribeOffering', { error: { name } });
      sim.fault('mediaconnect', 'ListOfferings', { error: { name } });
      for (const call of [
        () => aws.mediaconnect.describeOffering(SEED_IDS.offering10),
        () => aws.mediaconnect.listOfferings(),
      ]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AwsError);
        expect((err as AwsError).code).toBe(code);
        expect((err as AwsError).userMessage).toContain(`(AWS: ${name})`);
      }
    }
  });

  it('an empty ARN is refused with a code before anything is sent', async () => {
    await expect(aws.mediaconnect.describeOffering('')).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_bad_request',
      operation: 'DescribeOffering',
    });
    expect(sim.callsTo('DescribeOffering')).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
