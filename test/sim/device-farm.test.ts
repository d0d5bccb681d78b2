import {
  ArgumentException,
  type DeviceFarmClient,
  GetOfferingStatusCommand,
  LimitExceededException,
  ListOfferingPromotionsCommand,
  type ListOfferingPromotionsCommandOutput,
  ListOfferingsCommand,
  ListOfferingTransactionsCommand,
  NotEligibleException,
  NotFoundException,
  type OfferingStatus,
  type OfferingTransaction,
  PurchaseOfferingCommand,
  paginateGetOfferingStatus,
  paginateListOfferings,
  paginateListOfferingTransactions,
  RenewOfferingCommand,
} from '@aws-sdk/client-device-farm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import { deviceFarmClient, NOW, rejectionOf } from './clients.js';

const NEXT_PERIOD = new Date('2025-04-01T00:00:00Z');
const UNKNOWN_ID = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let sim: Simulator;
let df: DeviceFarmClient;

beforeAll(async () => {
  sim = await startSimulator({ now: () => NOW });
  df = deviceFarmClient(sim.url);
});
afterAll(async () => {
  df.destroy();
  await sim.close();
});
beforeEach(() => sim.reset());

async function allStatus() {
  const current: Record<string, OfferingStatus> = {};
  const nextPeriod: Record<string, OfferingStatus> = {};
  for await (const page of paginateGetOfferingStatus({ client: df }, {})) {
    Object.assign(current, page.current);
    Object.assign(nextPeriod, page.nextPeriod);
  }
  return { current, nextPeriod };
}

async function allTransactions(): Promise<OfferingTransaction[]> {
  const all: OfferingTransaction[] = [];
  for await (const page of paginateListOfferingTransactions({ client: df }, {})) {
    all.push(...(page.offeringTransactions ?? []));
  }
  return all;
}

describe('Device Farm reads', () => {
  it('lists every offering through several pages', async () => {
    const offerings = [];
    for await (const page of paginateListOfferings({ client: df }, {})) {
      offerings.push(...(page.offerings ?? []));
    }
    expect(offerings.map((o) => o.id)).toEqual(sim.state.deviceFarm.offerings.map((o) => o.id));
    expect(sim.callsTo('ListOfferings', 'devicefarm')).toHaveLength(2);
    for (const offering of offerings) {
      expect(offering.id!.length).toBeGreaterThanOrEqual(32);
      expect(offering.type).toBe('RECURRING');
      expect(['ANDROID', 'IOS']).toContain(offering.platform);
      expect(offering.recurringCharges).toEqual([
        { cost: { amount: 250, currencyCode: 'USD' }, frequency: 'MONTHLY' },
      ]);
    }
  });

  it('lists promotions by hand through nextToken', async () => {
    for (let i = 1; i <= 3; i++) {
      sim.state.deviceFarm.promotions.push({
        id: `promo-extra-${i}`,
        description: `#${i}`,
        used: false,
      });
    }
    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page: ListOfferingPromotionsCommandOutput = await df.send(
        new ListOfferingPromotionsCommand({ nextToken }),
      );
      ids.push(...(page.offeringPromotions ?? []).map((p) => p.id!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(2);
    expect(ids).toEqual([
      SEED_IDS.promotionAndroid,
      SEED_IDS.promotionIos,
      'promo-extra-1',
      'promo-extra-2',
      'promo-extra-3',
    ]);
  });

  it('lists transactions newest first with Date timestamps', async () => {
    const transactions = await allTransactions();
    expect(transactions).toHaveLength(sim.state.deviceFarm.transactions.length);
    expect(sim.callsTo('ListOfferingTransactions').length).toBeGreaterThan(1);
    const created = transactions.map((t) => t.createdOn!.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(transactions[0]!.createdOn).toBeInstanceOf(Date);
    expect(transactions[0]!.offeringStatus?.type).toBe('RENEW');
    expect(transactions[0]!.offeringStatus?.effectiveOn).toEqual(NEXT_PERIOD);
  });

  it('merges offering status across pages: current without date, next period dated', async () => {
    const { current, nextPeriod } = await allStatus();
    expect(sim.callsTo('GetOfferingStatus')).toHaveLength(2);
    expect(quantities(current)).toEqual({
      [SEED_IDS.androidRemote]: 2,
      [SEED_IDS.iosRemote]: 1,
      [SEED_IDS.androidAutomated]: 3,
      [SEED_IDS.iosAutomated]: 1,
    });
    expect(quantities(nextPeriod)).toEqual({
      [SEED_IDS.androidRemote]: 2,
      [SEED_IDS.iosRemote]: 0,
      [SEED_IDS.androidAutomated]: 3,
      [SEED_IDS.iosAutomated]: 1,
    });
    for (const status of Object.values(current)) expect(status.effectiveOn).toBeUndefined();
    for (const status of Object.values(nextPeriod)) expect(status.effectiveOn).toEqual(NEXT_PERIOD);
    expect(current[SEED_IDS.androidRemote]?.offering?.description).toContain('Android');
  });

  it('sends epoch-second timestamps in the awsJson1_1 content type', async () => {
    const res = await fetch(`${sim.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'DeviceFarm_20150623.ListOfferingTransactions',
      },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const body = (await res.json()) as { offeringTransactions: { createdOn: unknown }[] };
    expect(typeof body.offeringTransactions[0]!.createdOn).toBe('number');
  });
});

describe('Device Farm purchases and renewals', () => {
  it('purchase adds current and next-period slots and a prorated PURCHASE transaction', async () => {
    const { offeringTransaction: tx } = await df.send(
      new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidRemote, quantity: 2 }),
    );
    expect(tx?.offeringStatus?.type).toBe('PURCHASE');
    expect(tx?.offeringStatus?.quantity).toBe(2);
    expect(tx?.offeringStatus?.effectiveOn).toEqual(NOW);
    expect(tx?.createdOn).toEqual(NOW);
    expect(tx?.transactionId?.length).toBeGreaterThanOrEqual(32);
    // 2 slots × 250 USD × 16.5 of 31 days left in March.
    expect(tx?.cost).toEqual({ amount: 266.13, currencyCode: 'USD' });
    expect(tx?.offeringPromotionId).toBeUndefined();

    const { current, nextPeriod } = await allStatus();
    expect(current[SEED_IDS.androidRemote]?.quantity).toBe(4);
    expect(nextPeriod[SEED_IDS.androidRemote]?.quantity).toBe(4);
    expect((await allTransactions())[0]?.transactionId).toBe(tx?.transactionId);
  });

  it('purchase of an offering held nowhere yet makes it appear in the status', async () => {
    await df.send(
      new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidPrivate, quantity: 1 }),
    );
    const { current, nextPeriod } = await allStatus();
    expect(current[SEED_IDS.androidPrivate]?.quantity).toBe(1);
    expect(nextPeriod[SEED_IDS.androidPrivate]?.quantity).toBe(1);
  });

  it('a promotion makes the purchase free and is consumed', async () => {
    const { offeringTransaction: tx } = await df.send(
      new PurchaseOfferingCommand({
        offeringId: SEED_IDS.androidRemote,
        quantity: 1,
        offeringPromotionId: SEED_IDS.promotionAndroid,
      }),
    );
    expect(tx?.cost?.amount).toBe(0);
    expect(tx?.offeringPromotionId).toBe(SEED_IDS.promotionAndroid);
    const { offeringPromotions } = await df.send(new ListOfferingPromotionsCommand({}));
    expect(offeringPromotions?.map((p) => p.id)).toEqual([SEED_IDS.promotionIos]);

    const again = await rejectionOf(
      df.send(
        new PurchaseOfferingCommand({
          offeringId: SEED_IDS.androidRemote,
          quantity: 1,
          offeringPromotionId: SEED_IDS.promotionAndroid,
        }),
      ),
    );
    expect(again).toBeInstanceOf(ArgumentException);
  });

  it('renew sets the next-period quantity and records a RENEW transaction', async () => {
    const { offeringTransaction: tx } = await df.send(
      new RenewOfferingCommand({ offeringId: SEED_IDS.iosRemote, quantity: 3 }),
    );
    expect(tx?.offeringStatus).toMatchObject({
      type: 'RENEW',
      quantity: 3,
      effectiveOn: NEXT_PERIOD,
    });
    expect(tx?.cost).toEqual({ amount: 750, currencyCode: 'USD' });
    expect(tx?.createdOn).toEqual(NOW);
    const { current, nextPeriod } = await allStatus();
    expect(current[SEED_IDS.iosRemote]?.quantity).toBe(1);
    expect(nextPeriod[SEED_IDS.iosRemote]?.quantity).toBe(3);
  });

  it('renew to 0 cancels at the period end and costs nothing', async () => {
    const { offeringTransaction: tx } = await df.send(
      new RenewOfferingCommand({ offeringId: SEED_IDS.androidAutomated, quantity: 0 }),
    );
    expect(tx?.cost?.amount).toBe(0);
    const { current, nextPeriod } = await allStatus();
    expect(current[SEED_IDS.androidAutomated]?.quantity).toBe(3);
    expect(nextPeriod[SEED_IDS.androidAutomated]?.quantity).toBe(0);
  });

  it('advancePeriod makes next-period slots current and records SYSTEM renewals', async () => {
    const before = sim.state.deviceFarm.transactions.length;
    sim.advancePeriod();
    const { current } = await allStatus();
    expect(quantities(current)).toEqual({
      [SEED_IDS.androidRemote]: 2,
      [SEED_IDS.androidAutomated]: 3,
      [SEED_IDS.iosAutomated]: 1,
    });
    const system = (await allTransactions()).slice(0, 3);
    expect(sim.state.deviceFarm.transactions).toHaveLength(before + 3);
    for (const tx of system) {
      expect(tx.offeringStatus?.type).toBe('SYSTEM');
      expect(tx.offeringStatus?.effectiveOn).toEqual(NEXT_PERIOD);
      expect(tx.cost?.amount).toBe(250 * tx.offeringStatus!.quantity!);
    }
  });
});

describe('Device Farm errors arrive as modelled exceptions', () => {
  // The SDK validates nothing client-side, so malformed input reaches the wire as typed here.
  const purchase = (input: Record<string, unknown>) => new PurchaseOfferingCommand(input as never);
  const renew = (input: Record<string, unknown>) => new RenewOfferingCommand(input as never);

  const cases: [
    string,
    () => PurchaseOfferingCommand | RenewOfferingCommand,
    typeof ArgumentException | typeof NotFoundException | typeof LimitExceededException,
  ][] = [
    ['missing offeringId', () => purchase({ quantity: 1 }), ArgumentException],
    ['short offeringId', () => purchase({ offeringId: 'short', quantity: 1 }), ArgumentException],
    ['missing quantity', () => purchase({ offeringId: SEED_IDS.iosRemote }), ArgumentException],
    [
      'purchase of 0',
      () => purchase({ offeringId: SEED_IDS.iosRemote, quantity: 0 }),
      ArgumentException,
    ],
    [
      'fractional quantity',
      () => purchase({ offeringId: SEED_IDS.iosRemote, quantity: 1.5 }),
      ArgumentException,
    ],
    [
      'negative renewal',
      () => renew({ offeringId: SEED_IDS.iosRemote, quantity: -1 }),
      ArgumentException,
    ],
    [
      'short promotion id',
      () => purchase({ offeringId: SEED_IDS.iosRemote, quantity: 1, offeringPromotionId: 'abc' }),
      ArgumentException,
    ],
    [
      'unknown promotion',
      () =>
        purchase({
          offeringId: SEED_IDS.iosRemote,
          quantity: 1,
          offeringPromotionId: 'promo-nope',
        }),
      NotFoundException,
    ],
    [
      'unknown offering (purchase)',
      () => purchase({ offeringId: UNKNOWN_ID, quantity: 1 }),
      NotFoundException,
    ],
    [
      'unknown offering (renew)',
      () => renew({ offeringId: UNKNOWN_ID, quantity: 1 }),
      NotFoundException,
    ],
    [
      'purchase over the slot limit',
      () => purchase({ offeringId: SEED_IDS.androidRemote, quantity: 49 }),
      LimitExceededException,
    ],
    [
      'renewal over the slot limit',
      () => renew({ offeringId: SEED_IDS.androidRemote, quantity: 51 }),
      LimitExceededException,
    ],
  ];

  it.each(cases)('%s', async (_label, command, errorClass) => {
    const before = structuredClone(sim.state.deviceFarm);
    const error = await rejectionOf(df.send(command()));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.name).toBe(errorClass.name);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).not.toBe('');
    expect(sim.state.deviceFarm).toEqual(before);
  });

  it('a purchase up to the limit exactly is accepted', async () => {
    await df.send(
      new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidRemote, quantity: 48 }),
    );
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]?.current).toBe(50);
  });

  it('an ineligible account gets NotEligibleException on purchase and renewal', async () => {
    sim.state.deviceFarm.eligible = false;
    for (const call of [
      () => df.send(new PurchaseOfferingCommand({ offeringId: SEED_IDS.iosRemote, quantity: 1 })),
      () => df.send(new RenewOfferingCommand({ offeringId: SEED_IDS.iosRemote, quantity: 1 })),
    ]) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(NotEligibleException);
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    await df.send(new ListOfferingsCommand({}));
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a token of another operation', undefined],
  ])('a bad nextToken (%s) is an ArgumentException', async (_label, token) => {
    const foreign = (await df.send(new ListOfferingsCommand({}))).nextToken;
    const error = await rejectionOf(
      df.send(new ListOfferingTransactionsCommand({ nextToken: token ?? foreign })),
    );
    expect(error).toBeInstanceOf(ArgumentException);
  });

  it('an unknown X-Amz-Target is an UnknownOperationException', async () => {
    const res = await post('DeviceFarm_20150623.DeleteEverything', '{}');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(sim.callsTo('DeleteEverything')[0]?.status).toBe(400);
  });

  it.each(['{not json', '[1,2]', 'null'])(
    'a body of %s is a SerializationException',
    async (body) => {
      const res = await post('DeviceFarm_20150623.PurchaseOffering', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ __type: 'SerializationException' });
    },
  );

  it('an empty body reads as no input', async () => {
    const res = await post('DeviceFarm_20150623.GetOfferingStatus', '');
    expect(res.status).toBe(200);
  });
});

describe('an offering status page', () => {
  it('follows the configured page size', async () => {
    const small = await startSimulator({ now: () => NOW, pageSize: 1 });
    const client = deviceFarmClient(small.url);
    try {
      const page = await client.send(new GetOfferingStatusCommand({}));
      expect(Object.keys(page.current ?? {})).toHaveLength(1);
      expect(Object.keys(page.nextPeriod ?? {})).toHaveLength(1);
      expect(page.nextToken).toBeDefined();
    } finally {
      client.destroy();
      await small.close();
    }
  });
});

function quantities(statuses: Record<string, OfferingStatus>): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(statuses).map(([id, s]) => [id, s.quantity]));
}

function post(target: string, body: string): Promise<Response> {
  return fetch(`${sim.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
}
