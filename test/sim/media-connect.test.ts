import {
  BadRequestException,
  DescribeOfferingCommand,
  DescribeReservationCommand,
  ListOfferingsCommand,
  ListReservationsCommand,
  type MediaConnectClient,
  NotFoundException,
  type Offering,
  PurchaseOfferingCommand,
  paginateListOfferings,
  paginateListReservations,
  type Reservation,
} from '@aws-sdk/client-mediaconnect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MEDIA_CONNECT_ARN_PREFIX,
  SEED_IDS,
  type Simulator,
  startSimulator,
} from '../../src/sim/index.js';
import { mediaConnectClient, NOW, rejectionOf } from './clients.js';

let sim: Simulator;
let mc: MediaConnectClient;

beforeAll(async () => {
  sim = await startSimulator({ now: () => NOW });
  mc = mediaConnectClient(sim.url);
});
afterAll(async () => {
  mc.destroy();
  await sim.close();
});
beforeEach(() => sim.reset());

/** Leaves only the expired reservation, so the account may buy again. */
function withoutActiveReservation() {
  sim.state.mediaConnect.reservations = sim.state.mediaConnect.reservations.filter(
    (r) => r.reservationArn !== SEED_IDS.activeReservation,
  );
}

const buy = (start: string, OfferingArn: string = SEED_IDS.offering10) =>
  mc.send(
    new PurchaseOfferingCommand({ OfferingArn, ReservationName: 'q2-bandwidth', Start: start }),
  );

describe('MediaConnect reads', () => {
  it('lists offerings on one default page and parses every field', async () => {
    const page = await mc.send(new ListOfferingsCommand({}));
    expect(page.NextToken).toBeUndefined();
    expect(page.Offerings?.map((o) => o.ResourceSpecification?.ReservedBitrate)).toEqual([
      10, 20, 50,
    ]);
    expect(page.Offerings?.[0]).toEqual({
      CurrencyCode: 'USD',
      Duration: 12,
      DurationUnits: 'MONTHS',
      OfferingArn: SEED_IDS.offering10,
      OfferingDescription: 'Offering to reserve 10 Mbps of outbound bandwidth for 12 months',
      PricePerUnit: '0.17',
      PriceUnits: 'HOURLY',
      ResourceSpecification: { ReservedBitrate: 10, ResourceType: 'Mbps_Outbound_Bandwidth' },
    } satisfies Offering);
  });

  it('pages offerings with the paginator and maxResults', async () => {
    const arns: string[] = [];
    for await (const page of paginateListOfferings({ client: mc, pageSize: 2 }, {})) {
      arns.push(...(page.Offerings ?? []).map((o) => o.OfferingArn!));
    }
    expect(arns).toEqual([SEED_IDS.offering10, SEED_IDS.offering20, SEED_IDS.offering50]);
    const calls = sim.callsTo('ListOfferings', 'mediaconnect');
    expect(calls).toHaveLength(2);
    expect(calls[0]?.input).toEqual({ maxResults: 2 });
    expect(calls[1]?.input).toMatchObject({ maxResults: 2, nextToken: expect.any(String) });
  });

  it('pages reservations on the default page size', async () => {
    for (let i = 0; i < 3; i++) {
      sim.state.mediaConnect.reservations.push({
        ...sim.state.mediaConnect.reservations[1]!,
        reservationArn: `${MEDIA_CONNECT_ARN_PREFIX}:reservation:old-${i}:old`,
      });
    }
    const all: Reservation[] = [];
    for await (const page of paginateListReservations({ client: mc }, {})) {
      all.push(...(page.Reservations ?? []));
    }
    expect(all).toHaveLength(5);
    expect(sim.callsTo('ListReservations')).toHaveLength(2);
    const active = all.find((r) => r.ReservationArn === SEED_IDS.activeReservation);
    expect(active).toMatchObject({
      ReservationState: 'ACTIVE',
      ReservationName: 'live-events',
      End: '2025-04-04T12:00:00Z',
      Start: '2024-04-04T12:00:00Z',
      PricePerUnit: '0.16',
    });
    expect(
      all.find((r) => r.ReservationArn === SEED_IDS.expiredReservation)?.ReservationState,
    ).toBe('EXPIRED');
  });

  it('describes an offering and a reservation by their percent-encoded ARNs', async () => {
    const { Offering } = await mc.send(
      new DescribeOfferingCommand({ OfferingArn: SEED_IDS.offering50 }),
    );
    expect(Offering?.ResourceSpecification?.ReservedBitrate).toBe(50);
    expect(sim.callsTo('DescribeOffering')[0]?.input).toEqual({ offeringArn: SEED_IDS.offering50 });
    const { Reservation } = await mc.send(
      new DescribeReservationCommand({ ReservationArn: SEED_IDS.activeReservation }),
    );
    expect(Reservation?.ReservationName).toBe('live-events');
  });

  it('decodes %2F inside a label', async () => {
    const arn = `${MEDIA_CONNECT_ARN_PREFIX}:offering:team/alpha`;
    sim.state.mediaConnect.offerings.push({
      ...sim.state.mediaConnect.offerings[0]!,
      offeringArn: arn,
    });
    const { Offering } = await mc.send(new DescribeOfferingCommand({ OfferingArn: arn }));
    expect(Offering?.OfferingArn).toBe(arn);
    const res = await fetch(`${sim.url}/v1/offerings/${encodeURIComponent(arn)}`);
    expect(res.status).toBe(200);
    expect(encodeURIComponent(arn)).toContain('%2F');
  });

  it('reports an ACTIVE reservation whose end passed as EXPIRED', async () => {
    sim.state.mediaConnect.reservations[0]!.end = '2025-03-15T11:59:59Z';
    const { Reservation } = await mc.send(
      new DescribeReservationCommand({ ReservationArn: SEED_IDS.activeReservation }),
    );
    expect(Reservation?.ReservationState).toBe('EXPIRED');
  });
});

describe('MediaConnect purchases', () => {
  it('answers 201 with a reservation copied from the offering', async () => {
    withoutActiveReservation();
    const out = await buy('2025-03-15T12:00:00Z');
    expect(out.$metadata.httpStatusCode).toBe(201);
    const reservation = out.Reservation!;
    expect(reservation.ReservationArn).toMatch(
      /^arn:aws:mediaconnect:us-west-2:111122223333:reservation:[0-9a-f-]{36}:q2-bandwidth$/,
    );
    expect(reservation).toMatchObject({
      ReservationName: 'q2-bandwidth',
      ReservationState: 'ACTIVE',
      OfferingArn: SEED_IDS.offering10,
      PricePerUnit: '0.17',
      Duration: 12,
      Start: '2025-03-15T12:00:00Z',
      End: '2026-03-15T12:00:00Z',
      ResourceSpecification: { ReservedBitrate: 10, ResourceType: 'Mbps_Outbound_Bandwidth' },
    });
    expect(sim.callsTo('PurchaseOffering')[0]).toMatchObject({
      status: 201,
      input: {
        offeringArn: SEED_IDS.offering10,
        reservationName: 'q2-bandwidth',
        start: '2025-03-15T12:00:00Z',
      },
    });
    const { Reservation } = await mc.send(
      new DescribeReservationCommand({ ReservationArn: reservation.ReservationArn }),
    );
    expect(Reservation?.End).toBe('2026-03-15T12:00:00Z');
  });

  it('accepts 00:00 UTC on the 1st of the month', async () => {
    withoutActiveReservation();
    const out = await buy('2025-03-01T00:00:00Z');
    expect(out.Reservation?.End).toBe('2026-03-01T00:00:00Z');
  });

  it('refuses a second purchase while a reservation is active', async () => {
    const seeded = await rejectionOf(buy('2025-03-15T12:00:00Z'));
    expect(seeded).toBeInstanceOf(BadRequestException);
    expect(seeded.$metadata?.httpStatusCode).toBe(400);

    withoutActiveReservation();
    await buy('2025-03-15T12:00:00Z');
    const second = await rejectionOf(buy('2025-03-15T12:00:00Z', SEED_IDS.offering20));
    expect(second).toBeInstanceOf(BadRequestException);
    expect(second.message).toContain('active reservation');
    expect(sim.state.mediaConnect.reservations).toHaveLength(2);
  });

  it.each([
    ['milliseconds', '2025-03-15T12:00:00.000Z'],
    ['a space instead of T', '2025-03-15 12:00:00Z'],
    ['an offset instead of Z', '2025-03-15T12:00:00+00:00'],
    ['no seconds', '2025-03-15T12:00Z'],
    ['a day that does not exist', '2025-02-30T00:00:00Z'],
    ['last month', '2025-02-28T23:59:59Z'],
    ['one second in the future', '2025-03-15T12:00:01Z'],
    ['next month', '2025-04-01T00:00:00Z'],
  ])('refuses a start with %s', async (_label, start) => {
    withoutActiveReservation();
    const error = await rejectionOf(buy(start));
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(sim.state.mediaConnect.reservations).toHaveLength(1);
  });

  it.each([
    ['reservationName', { OfferingArn: SEED_IDS.offering10, Start: '2025-03-15T12:00:00Z' }],
    ['start', { OfferingArn: SEED_IDS.offering10, ReservationName: 'x' }],
  ])('requires %s', async (_label, input) => {
    withoutActiveReservation();
    // Required members are only a type-level rule in the SDK; the wire request omits them.
    const error = await rejectionOf(mc.send(new PurchaseOfferingCommand(input as never)));
    expect(error).toBeInstanceOf(BadRequestException);
  });

  it('answers 404 for an unknown offering', async () => {
    withoutActiveReservation();
    const error = await rejectionOf(
      buy('2025-03-15T12:00:00Z', `${MEDIA_CONNECT_ARN_PREFIX}:offering:NOPE`),
    );
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });
});

describe('MediaConnect request errors', () => {
  it.each([0, 1001])('refuses maxResults=%i', async (max) => {
    const error = await rejectionOf(mc.send(new ListReservationsCommand({ MaxResults: max })));
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses a non-numeric maxResults', async () => {
    const res = await fetch(`${sim.url}/v1/offerings?maxResults=ten`);
    expect(res.status).toBe(400);
  });

  it('refuses a nextToken it did not issue', async () => {
    const error = await rejectionOf(mc.send(new ListOfferingsCommand({ NextToken: 'made-up' })));
    expect(error).toBeInstanceOf(BadRequestException);
  });

  it('answers 404 NotFoundException for unknown ARNs', async () => {
    for (const call of [
      () =>
        mc.send(
          new DescribeOfferingCommand({ OfferingArn: `${MEDIA_CONNECT_ARN_PREFIX}:offering:NOPE` }),
        ),
      () =>
        mc.send(
          new DescribeReservationCommand({
            ReservationArn: `${MEDIA_CONNECT_ARN_PREFIX}:reservation:NOPE`,
          }),
        ),
    ]) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.$metadata?.httpStatusCode).toBe(404);
    }
  });

  it('answers errors with the header, message and __type', async () => {
    const res = await fetch(`${sim.url}/v1/offerings/${encodeURIComponent(SEED_IDS.offering10)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"reservationName":',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      __type: 'BadRequestException',
      message: expect.any(String),
    });
  });

  it('refuses a label that is not valid percent-encoding', async () => {
    const res = await fetch(`${sim.url}/v1/offerings/arn%E0%A4%A`);
    expect(res.status).toBe(400);
  });

  it('answers 404 for a route it does not know', async () => {
    const res = await fetch(`${sim.url}/v1/flows`);
    expect(res.status).toBe(404);
    expect(sim.calls.at(-1)).toMatchObject({ service: 'mediaconnect', status: 404 });
  });
});
