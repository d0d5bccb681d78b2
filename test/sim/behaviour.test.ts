/**
 * The behaviour switches, each seen through the real SDK clients: what AWS records, when it
 * lists it, what its clock says, and what it refuses.
 */
import {
  GetOfferingStatusCommand,
  ListOfferingPromotionsCommand,
  ListOfferingsCommand,
  ListOfferingTransactionsCommand,
  NotEligibleException,
  PurchaseOfferingCommand,
} from '@aws-sdk/client-device-farm';
import {
  BadRequestException,
  DescribeOfferingCommand,
  DescribeReservationCommand,
  ListOfferingsCommand as ListBandwidthOfferingsCommand,
  ListReservationsCommand,
  NotFoundException,
  PurchaseOfferingCommand as PurchaseBandwidthCommand,
} from '@aws-sdk/client-mediaconnect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_BEHAVIOUR,
  formatSeconds,
  offeringArnWithoutAccount,
  SEED_IDS,
  SimBehaviourError,
  type Simulator,
  startSimulator,
} from '../../src/sim/index.js';
import { deviceFarmClient, mediaConnectClient, NOW, rejectionOf } from './clients.js';

const MINUTE = 60_000;

/** The host clock the simulator reads; tests move it to let a listing delay pass. */
let hostMs = NOW.getTime();
let sim: Simulator;
let df: ReturnType<typeof deviceFarmClient>;
let mc: ReturnType<typeof mediaConnectClient>;
/** The `Date` header of every answer either client received, in order. */
const dates: string[] = [];

/** Records each answer's `Date` header, as the bot's adapters would read it. */
function recordDates(client: typeof df | typeof mc) {
  // biome-ignore lint/suspicious/noExplicitAny: the two clients' stacks differ only in types.
  (client.middlewareStack as any).add(
    (next: (args: unknown) => Promise<{ response: { headers: Record<string, string> } }>) =>
      async (args: unknown) => {
        try {
          const result = await next(args);
          dates.push(result.response.headers.date ?? '');
          return result;
        } catch (error) {
          const response = (error as { $response?: { headers: Record<string, string> } }).$response;
          dates.push(response?.headers.date ?? '');
          throw error;
        }
      },
    { step: 'build', name: 'recordDateHeader' },
  );
}

beforeAll(async () => {
  sim = await startSimulator({ now: () => new Date(hostMs) });
  df = deviceFarmClient(sim.url);
  mc = mediaConnectClient(sim.url);
  recordDates(df);
  recordDates(mc);
});
afterAll(async () => {
  df.destroy();
  mc.destroy();
  await sim.close();
});
beforeEach(() => {
  hostMs = NOW.getTime();
  dates.length = 0;
  sim.reset();
});

const buySlots = (quantity: number, offeringId: string = SEED_IDS.androidRemote) =>
  df.send(new PurchaseOfferingCommand({ offeringId, quantity }));

const buyBandwidth = (start: string, offeringArn: string = SEED_IDS.offering10) =>
  mc.send(
    new PurchaseBandwidthCommand({
      OfferingArn: offeringArn,
      ReservationName: 'q2-bandwidth',
      Start: start,
    }),
  );

async function listedTransactionIds(): Promise<string[]> {
  // Page size 3 in the simulator, the newest first: the first page holds any new purchase.
  const page = await df.send(new ListOfferingTransactionsCommand({}));
  return (page.offeringTransactions ?? []).map((t) => t.transactionId!);
}

async function reservationNames(): Promise<string[]> {
  const page = await mc.send(new ListReservationsCommand({ MaxResults: 100 }));
  return (page.Reservations ?? []).map((r) => r.ReservationName!);
}

function freeMediaConnectAccount() {
  sim.state.mediaConnect.reservations = sim.state.mediaConnect.reservations.filter(
    (r) => r.reservationArn !== SEED_IDS.activeReservation,
  );
}

describe('behaviour as a value', () => {
  it('starts at the defaults and reset comes back to them', () => {
    expect(sim.behaviour).toEqual(DEFAULT_BEHAVIOUR);
    sim.setBehaviour({ purchaseQuantity: 'total', listingDelayMs: 5_000 });
    expect(sim.behaviour).toEqual({
      ...DEFAULT_BEHAVIOUR,
      purchaseQuantity: 'total',
      listingDelayMs: 5_000,
    });
    sim.reset();
    expect(sim.behaviour).toEqual(DEFAULT_BEHAVIOUR);
  });

  it('is a read-only view', () => {
    const view = sim.behaviour as { clockOffsetMs: number };
    expect(() => {
      view.clockOffsetMs = 1;
    }).toThrow(TypeError);
    expect(sim.behaviour.clockOffsetMs).toBe(0);
  });

  it.each([
    [{ purchaseQty: 'total' }, /purchaseQty/],
    [{ purchaseQuantity: 'after' }, /purchaseQuantity/],
    [{ clockOffsetMs: Number.NaN }, /clockOffsetMs/],
    [{ listingDelayMs: -1 }, /listingDelayMs/],
    [{ newReservationState: 'EXPIRED' }, /newReservationState/],
    [{ readsNotEligible: 'yes' }, /readsNotEligible/],
  ])('refuses %j without a change', (patch, field) => {
    sim.setBehaviour({ listingDelayMs: 7 });
    expect(() => sim.setBehaviour(patch as never)).toThrow(SimBehaviourError);
    expect(() => sim.setBehaviour(patch as never)).toThrow(field);
    expect(sim.behaviour).toEqual({ ...DEFAULT_BEHAVIOUR, listingDelayMs: 7 });
  });

  it('takes starting switches that reset keeps', async () => {
    const other = await startSimulator({
      now: () => NOW,
      behaviour: { purchaseQuantity: 'total', arnWithoutAccount: true },
    });
    try {
      expect(other.behaviour).toMatchObject({ purchaseQuantity: 'total', arnWithoutAccount: true });
      const noAccount = offeringArnWithoutAccount(SEED_IDS.offering10);
      expect(other.state.mediaConnect.offerings[0]?.offeringArn).toBe(noAccount);
      other.setBehaviour({ purchaseQuantity: 'bought' });
      other.reset();
      expect(other.behaviour).toMatchObject({ purchaseQuantity: 'total', arnWithoutAccount: true });
      expect(other.state.mediaConnect.offerings[0]?.offeringArn).toBe(noAccount);
    } finally {
      await other.close();
    }
  });
});

describe('purchaseQuantity', () => {
  it('bought (default): the PURCHASE records the quantity bought', async () => {
    const { offeringTransaction } = await buySlots(3);
    expect(offeringTransaction?.offeringStatus).toMatchObject({ type: 'PURCHASE', quantity: 3 });
    const listed = await df.send(new ListOfferingTransactionsCommand({}));
    expect(listed.offeringTransactions?.[0]?.offeringStatus?.quantity).toBe(3);
  });

  it('total: the PURCHASE records what the offering holds after it; the bill is for 3', async () => {
    const bought = await buySlots(3);
    sim.reset();
    sim.setBehaviour({ purchaseQuantity: 'total' });

    const { offeringTransaction } = await buySlots(3);
    // The seed holds 2 Android remote slots: 2 + 3.
    expect(offeringTransaction?.offeringStatus).toMatchObject({ type: 'PURCHASE', quantity: 5 });
    expect(offeringTransaction?.cost).toEqual(bought.offeringTransaction?.cost);
    const listed = await df.send(new ListOfferingTransactionsCommand({}));
    expect(listed.offeringTransactions?.[0]).toMatchObject({
      transactionId: offeringTransaction?.transactionId,
      offeringStatus: { quantity: 5 },
    });
    const status = await df.send(new GetOfferingStatusCommand({}));
    expect(status.current?.[SEED_IDS.androidRemote]?.quantity).toBe(5);
  });

  it('total for an offering that held nothing equals the quantity bought', async () => {
    sim.setBehaviour({ purchaseQuantity: 'total' });
    const { offeringTransaction } = await buySlots(2, SEED_IDS.androidPrivate);
    expect(offeringTransaction?.offeringStatus?.quantity).toBe(2);
  });
});

describe('clockOffsetMs', () => {
  it('by default the Date header is the simulator clock', async () => {
    await df.send(new ListOfferingsCommand({}));
    await mc.send(new ListBandwidthOfferingsCommand({}));
    expect(dates).toEqual([NOW.toUTCString(), NOW.toUTCString()]);
  });

  it.each([5, -5])(
    'AWS %i min off: every Date header, createdOn and listing shows AWS time',
    async (minutes) => {
      sim.setBehaviour({ clockOffsetMs: minutes * MINUTE });
      const aws = new Date(NOW.getTime() + minutes * MINUTE);

      const { offeringTransaction } = await buySlots(1);
      expect(offeringTransaction?.createdOn).toEqual(aws);
      const listed = await df.send(new ListOfferingTransactionsCommand({}));
      expect(listed.offeringTransactions?.[0]?.createdOn).toEqual(aws);
      await mc.send(new ListReservationsCommand({}));
      // Errors are stamped too.
      sim.fault('devicefarm', 'ListOfferings', { error: { name: 'ArgumentException' } });
      await rejectionOf(df.send(new ListOfferingsCommand({})));

      expect(dates).toHaveLength(4);
      for (const date of dates) expect(date).toBe(aws.toUTCString());
      // RFC 7231 IMF-fixdate, which is what AWS sends.
      expect(dates[0]).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    },
  );

  it('shows in a raw answer too, not only to the SDK', async () => {
    sim.setBehaviour({ clockOffsetMs: 90 * MINUTE });
    const res = await fetch(`${sim.url}/v1/offerings`);
    expect(res.headers.get('date')).toBe(new Date(NOW.getTime() + 90 * MINUTE).toUTCString());
  });

  it('periods are AWS periods: 15 days behind, the next period starts on March 1st', async () => {
    sim.setBehaviour({ clockOffsetMs: -15 * 24 * 60 * MINUTE });
    const status = await df.send(new GetOfferingStatusCommand({}));
    expect(status.nextPeriod?.[SEED_IDS.androidRemote]?.effectiveOn).toEqual(
      new Date('2025-03-01T00:00:00Z'),
    );
  });

  it('MediaConnect judges the start window by AWS time', async () => {
    freeMediaConnectAccount();
    sim.setBehaviour({ clockOffsetMs: -5 * MINUTE });
    // The host's now is 5 minutes in AWS's future.
    const early = await rejectionOf(buyBandwidth(formatSeconds(NOW)));
    expect(early).toBeInstanceOf(BadRequestException);
    const aws = formatSeconds(new Date(NOW.getTime() - 5 * MINUTE));
    const { Reservation } = await buyBandwidth(aws);
    expect(Reservation?.Start).toBe(aws);

    sim.reset();
    freeMediaConnectAccount();
    sim.setBehaviour({ clockOffsetMs: 5 * MINUTE });
    const ahead = formatSeconds(new Date(NOW.getTime() + 5 * MINUTE));
    expect((await buyBandwidth(ahead)).Reservation?.Start).toBe(ahead);
  });
});

describe('listingDelayMs', () => {
  it('a Device Farm purchase is answered at once, listed only after the delay', async () => {
    sim.setBehaviour({ listingDelayMs: 2 * MINUTE });
    const { offeringTransaction } = await buySlots(1);
    const id = offeringTransaction!.transactionId!;
    expect(await listedTransactionIds()).not.toContain(id);

    hostMs += 2 * MINUTE - 1;
    expect(await listedTransactionIds()).not.toContain(id);
    hostMs += 1;
    expect(await listedTransactionIds()).toContain(id);
    // Listed late, but dated when it was made.
    const page = await df.send(new ListOfferingTransactionsCommand({}));
    expect(page.offeringTransactions?.[0]?.createdOn).toEqual(NOW);
    // AWS holds the slots at once; only the listing lags.
    const status = await df.send(new GetOfferingStatusCommand({}));
    expect(status.current?.[SEED_IDS.androidRemote]?.quantity).toBe(3);
  });

  it('is measured on the host clock whatever AWS says the time is', async () => {
    sim.setBehaviour({ listingDelayMs: MINUTE, clockOffsetMs: -10 * MINUTE });
    const { offeringTransaction } = await buySlots(1);
    hostMs += MINUTE;
    expect(await listedTransactionIds()).toContain(offeringTransaction!.transactionId);
  });

  it('lowering the delay releases a waiting purchase; a listed one stays listed', async () => {
    sim.setBehaviour({ listingDelayMs: 10 * MINUTE });
    const { offeringTransaction } = await buySlots(1);
    const id = offeringTransaction!.transactionId!;
    expect(await listedTransactionIds()).not.toContain(id);
    sim.setBehaviour({ listingDelayMs: 0 });
    expect(await listedTransactionIds()).toContain(id);
    sim.setBehaviour({ listingDelayMs: 10 * MINUTE });
    expect(await listedTransactionIds()).toContain(id);
  });

  it('a MediaConnect reservation is hidden from list and describe until the delay passed', async () => {
    freeMediaConnectAccount();
    sim.setBehaviour({ listingDelayMs: 30_000 });
    const { Reservation } = await buyBandwidth(formatSeconds(NOW));
    const arn = Reservation!.ReservationArn!;
    expect(Reservation?.ReservationName).toBe('q2-bandwidth');
    expect(await reservationNames()).not.toContain('q2-bandwidth');
    expect(
      await rejectionOf(mc.send(new DescribeReservationCommand({ ReservationArn: arn }))),
    ).toBeInstanceOf(NotFoundException);
    // AWS knows it already: a second purchase is refused.
    expect(await rejectionOf(buyBandwidth(formatSeconds(NOW)))).toBeInstanceOf(BadRequestException);

    hostMs += 30_000;
    expect(await reservationNames()).toContain('q2-bandwidth');
    const described = await mc.send(new DescribeReservationCommand({ ReservationArn: arn }));
    expect(described.Reservation?.ReservationArn).toBe(arn);
  });

  it('seeded records and default behaviour are listed at once', async () => {
    const { offeringTransaction } = await buySlots(1);
    expect(await listedTransactionIds()).toContain(offeringTransaction!.transactionId);
    expect(await reservationNames()).toEqual(['live-events', 'pilot-bandwidth']);
  });
});

describe('newReservationState', () => {
  it('PROCESSING until activated, and it counts as active meanwhile', async () => {
    freeMediaConnectAccount();
    sim.setBehaviour({ newReservationState: 'PROCESSING' });
    const { Reservation } = await buyBandwidth(formatSeconds(NOW));
    expect(Reservation?.ReservationState).toBe('PROCESSING');
    const arn = Reservation!.ReservationArn!;
    const described = await mc.send(new DescribeReservationCommand({ ReservationArn: arn }));
    expect(described.Reservation?.ReservationState).toBe('PROCESSING');
    const refused = await rejectionOf(buyBandwidth(formatSeconds(NOW), SEED_IDS.offering20));
    expect(refused).toBeInstanceOf(BadRequestException);
    expect(refused.message).toContain(arn);

    sim.activateReservations();
    const after = await mc.send(new DescribeReservationCommand({ ReservationArn: arn }));
    expect(after.Reservation?.ReservationState).toBe('ACTIVE');
  });

  it('ACTIVE by default', async () => {
    freeMediaConnectAccount();
    const { Reservation } = await buyBandwidth(formatSeconds(NOW));
    expect(Reservation?.ReservationState).toBe('ACTIVE');
  });
});

describe('readsNotEligible', () => {
  it.each([
    ['ListOfferings', () => df.send(new ListOfferingsCommand({}))],
    ['ListOfferingPromotions', () => df.send(new ListOfferingPromotionsCommand({}))],
    ['GetOfferingStatus', () => df.send(new GetOfferingStatusCommand({}))],
    ['ListOfferingTransactions', () => df.send(new ListOfferingTransactionsCommand({}))],
  ])('%s answers NotEligibleException 400', async (operation, call) => {
    sim.setBehaviour({ readsNotEligible: true });
    const error = await rejectionOf(call());
    expect(error).toBeInstanceOf(NotEligibleException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(sim.callsTo(operation, 'devicefarm').map((c) => c.status)).toEqual([400]);

    sim.setBehaviour({ readsNotEligible: false });
    await call();
  });

  it('leaves purchases and MediaConnect alone', async () => {
    sim.setBehaviour({ readsNotEligible: true });
    await buySlots(1);
    await mc.send(new ListBandwidthOfferingsCommand({}));
  });
});

describe('arnWithoutAccount', () => {
  const noAccount = offeringArnWithoutAccount(SEED_IDS.offering10);

  it('lists offering ARNs with an empty account field', async () => {
    expect(noAccount).toBe('arn:aws:mediaconnect:us-west-2::offering:36KTUMS5RR10');
    sim.setBehaviour({ arnWithoutAccount: true });
    const { Offerings } = await mc.send(new ListBandwidthOfferingsCommand({}));
    expect(Offerings?.map((o) => o.OfferingArn)).toEqual([
      noAccount,
      offeringArnWithoutAccount(SEED_IDS.offering20),
      offeringArnWithoutAccount(SEED_IDS.offering50),
    ]);
    const { Reservations } = await mc.send(new ListReservationsCommand({}));
    expect(Reservations?.[0]?.OfferingArn).toBe(offeringArnWithoutAccount(SEED_IDS.offering20));
    // Reservations are the account's own: their ARNs keep it.
    expect(Reservations?.[0]?.ReservationArn).toBe(SEED_IDS.activeReservation);
  });

  it('DescribeOffering and PurchaseOffering accept the listed form, and only it', async () => {
    freeMediaConnectAccount();
    sim.setBehaviour({ arnWithoutAccount: true });
    const { Offering } = await mc.send(new DescribeOfferingCommand({ OfferingArn: noAccount }));
    expect(Offering?.OfferingArn).toBe(noAccount);
    expect(
      await rejectionOf(mc.send(new DescribeOfferingCommand({ OfferingArn: SEED_IDS.offering10 }))),
    ).toBeInstanceOf(NotFoundException);

    const { Reservation } = await buyBandwidth(formatSeconds(NOW), noAccount);
    expect(Reservation?.OfferingArn).toBe(noAccount);
    expect(sim.callsTo('PurchaseOffering', 'mediaconnect')[0]?.input.offeringArn).toBe(noAccount);
  });

  it('turning it off puts the account back', async () => {
    sim.setBehaviour({ arnWithoutAccount: true });
    sim.setBehaviour({ arnWithoutAccount: false });
    const { Offerings } = await mc.send(new ListBandwidthOfferingsCommand({}));
    expect(Offerings?.[0]?.OfferingArn).toBe(SEED_IDS.offering10);
    await mc.send(new DescribeOfferingCommand({ OfferingArn: SEED_IDS.offering10 }));
  });
});

describe('the SDK and a simulator clock far from the machine clock', () => {
  it('a retrying client still sends a 4xx once: the SDK takes no clock skew from Date', async () => {
    // NOW is months before the machine clock; the SDK would call that skew and retry.
    sim.setBehaviour({ clockOffsetMs: 5 * MINUTE });
    const retrying = deviceFarmClient(sim.url, 3);
    try {
      sim.fault('devicefarm', 'GetOfferingStatus', { error: { name: 'ServiceAccountException' } });
      for (let i = 0; i < 2; i++) {
        await rejectionOf(retrying.send(new GetOfferingStatusCommand({})));
      }
      expect(sim.callsTo('GetOfferingStatus').map((c) => c.sdkRequest)).toEqual([
        'attempt=1; max=3',
        'attempt=1; max=3',
      ]);
      expect(await retrying.config.systemClockOffset).toBe(0);
    } finally {
      retrying.destroy();
    }
  });
});
