import {
  ArgumentException,
  NotFoundException as DeviceFarmNotFoundException,
  DeviceFarmServiceException,
  GetOfferingStatusCommand,
  LimitExceededException,
  ListOfferingsCommand as ListDeviceFarmOfferingsCommand,
  NotEligibleException,
  PurchaseOfferingCommand as PurchaseSlotsCommand,
  ServiceAccountException,
} from '@aws-sdk/client-device-farm';
import {
  BadRequestException,
  ForbiddenException,
  InternalServerErrorException,
  ListOfferingsCommand as ListBandwidthOfferingsCommand,
  ListReservationsCommand,
  NotFoundException,
  PurchaseOfferingCommand,
  ServiceUnavailableException,
  TooManyRequestsException,
} from '@aws-sdk/client-mediaconnect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import { credentials, deviceFarmClient, mediaConnectClient, NOW, rejectionOf } from './clients.js';

let sim: Simulator;
let df: ReturnType<typeof deviceFarmClient>;
let mc: ReturnType<typeof mediaConnectClient>;

beforeAll(async () => {
  sim = await startSimulator({ now: () => NOW });
  df = deviceFarmClient(sim.url);
  mc = mediaConnectClient(sim.url);
});
afterAll(async () => {
  df.destroy();
  mc.destroy();
  await sim.close();
});
beforeEach(() => sim.reset());

const buySlots = () =>
  df.send(new PurchaseSlotsCommand({ offeringId: SEED_IDS.androidRemote, quantity: 1 }));

const buyBandwidth = () =>
  mc.send(
    new PurchaseOfferingCommand({
      OfferingArn: SEED_IDS.offering10,
      ReservationName: 'faulty',
      Start: '2025-03-15T12:00:00Z',
    }),
  );

function freeMediaConnectAccount() {
  sim.state.mediaConnect.reservations = sim.state.mediaConnect.reservations.filter(
    (r) => r.reservationArn !== SEED_IDS.activeReservation,
  );
}

describe('injected errors', () => {
  it.each([
    ['ArgumentException', ArgumentException],
    ['NotFoundException', DeviceFarmNotFoundException],
    ['NotEligibleException', NotEligibleException],
    ['LimitExceededException', LimitExceededException],
    ['ServiceAccountException', ServiceAccountException],
  ])('Device Farm %s arrives as its class with 400, once', async (name, errorClass) => {
    sim.fault('devicefarm', 'PurchaseOffering', { error: { name, message: 'injected' } });
    const error = await rejectionOf(buySlots());
    expect(error).toBeInstanceOf(errorClass);
    expect(error.name).toBe(name);
    expect(error.message).toBe('injected');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.$metadata?.requestId).toBeDefined();
    // maxAttempts 1: not even LimitExceededException (throttling to the SDK) is retried.
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]?.current).toBe(2);
  });

  it('an unmodelled Device Farm error still arrives with its name and status', async () => {
    sim.fault('devicefarm', 'GetOfferingStatus', {
      error: { name: 'InternalFailure', status: 500 },
    });
    const error = await rejectionOf(df.send(new GetOfferingStatusCommand({})));
    expect(error).toBeInstanceOf(DeviceFarmServiceException);
    expect(error.name).toBe('InternalFailure');
    expect(error.$metadata?.httpStatusCode).toBe(500);
  });

  it.each([
    ['BadRequestException', BadRequestException, 400],
    ['ForbiddenException', ForbiddenException, 403],
    ['NotFoundException', NotFoundException, 404],
    ['TooManyRequestsException', TooManyRequestsException, 429],
    ['InternalServerErrorException', InternalServerErrorException, 500],
    ['ServiceUnavailableException', ServiceUnavailableException, 503],
  ])(
    'MediaConnect %s arrives as its class with its modelled status',
    async (name, errorClass, status) => {
      freeMediaConnectAccount();
      sim.fault('mediaconnect', 'PurchaseOffering', { error: { name } });
      const error = await rejectionOf(buyBandwidth());
      expect(error).toBeInstanceOf(errorClass);
      expect(error.name).toBe(name);
      expect(error.$metadata?.httpStatusCode).toBe(status);
      expect(sim.callsTo('PurchaseOffering', 'mediaconnect')).toMatchObject([{ status }]);
      expect(sim.state.mediaConnect.reservations).toHaveLength(1);
    },
  );

  it('applies to the next `times` calls, then the operation works again', async () => {
    sim.fault('mediaconnect', 'ListReservations', {
      error: { name: 'TooManyRequestsException' },
      times: 2,
    });
    await rejectionOf(mc.send(new ListReservationsCommand({})));
    await rejectionOf(mc.send(new ListReservationsCommand({})));
    await mc.send(new ListReservationsCommand({}));
    expect(sim.callsTo('ListReservations').map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('without `times` lasts until cleared, and only hits its own service', async () => {
    sim.fault('devicefarm', 'ListOfferings', { error: { name: 'ServiceAccountException' } });
    await rejectionOf(df.send(new ListDeviceFarmOfferingsCommand({})));
    await rejectionOf(df.send(new ListDeviceFarmOfferingsCommand({})));
    await mc.send(new ListBandwidthOfferingsCommand({}));
    sim.clearFaults();
    await df.send(new ListDeviceFarmOfferingsCommand({}));
    expect(sim.callsTo('ListOfferings').map((c) => [c.service, c.status])).toEqual([
      ['devicefarm', 400],
      ['devicefarm', 400],
      ['mediaconnect', 200],
      ['devicefarm', 200],
    ]);
  });
});

describe('delays', () => {
  it('delays one operation', async () => {
    sim.fault('devicefarm', 'GetOfferingStatus', { delayMs: 150, times: 1 });
    const started = Date.now();
    await df.send(new GetOfferingStatusCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const again = Date.now();
    await df.send(new GetOfferingStatusCommand({}));
    expect(Date.now() - again).toBeLessThan(140);
  });

  it('delays every answer with the global delay, until reset', async () => {
    sim.setGlobalDelay(120);
    const started = Date.now();
    await Promise.all([
      df.send(new GetOfferingStatusCommand({})),
      mc.send(new ListReservationsCommand({})),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    sim.reset();
    const again = Date.now();
    await mc.send(new ListReservationsCommand({}));
    expect(Date.now() - again).toBeLessThan(110);
  });

  it('a delayed error still arrives as the error', async () => {
    sim.fault('mediaconnect', 'ListReservations', {
      delayMs: 80,
      error: { name: 'ServiceUnavailableException' },
    });
    const error = await rejectionOf(mc.send(new ListReservationsCommand({})));
    expect(error).toBeInstanceOf(ServiceUnavailableException);
  });
});

describe('dropped connections', () => {
  it('drop before: the client fails and nothing was bought', async () => {
    sim.fault('devicefarm', 'PurchaseOffering', { drop: 'before', times: 1 });
    const error = await rejectionOf(buySlots());
    expect(error.code).toBe('ECONNRESET');
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]?.current).toBe(2);
    expect(sim.callsTo('PurchaseOffering')).toMatchObject([{ status: 0 }]);
  });

  it('drop after: the client fails but the slots were bought', async () => {
    const before = sim.state.deviceFarm.transactions.length;
    sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    const error = await rejectionOf(buySlots());
    expect(error.code).toBe('ECONNRESET');
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]?.current).toBe(3);
    expect(sim.state.deviceFarm.transactions).toHaveLength(before + 1);
    // The next call goes through on a fresh connection.
    await df.send(new GetOfferingStatusCommand({}));
  });

  it('drop after on MediaConnect: the reservation exists though the client never heard', async () => {
    freeMediaConnectAccount();
    sim.fault('mediaconnect', 'PurchaseOffering', { drop: 'after' });
    await rejectionOf(buyBandwidth());
    const { Reservations } = await mc.send(new ListReservationsCommand({}));
    expect(Reservations?.map((r) => r.ReservationName)).toContain('faulty');
  });
});

describe('recorded calls', () => {
  it('records service, operation, input, amz-sdk-request, the signing key, status and time', async () => {
    await buySlots();
    expect(sim.calls).toEqual([
      {
        service: 'devicefarm',
        operation: 'PurchaseOffering',
        input: { offeringId: SEED_IDS.androidRemote, quantity: 1 },
        sdkRequest: 'attempt=1; max=1',
        accessKeyId: credentials.accessKeyId,
        status: 200,
        at: NOW,
      },
    ]);
  });

  it('shows a retrying client retried, which the purchase clients must not do', async () => {
    const retrying = mediaConnectClient(sim.url, 3);
    try {
      sim.fault('mediaconnect', 'ListReservations', {
        error: { name: 'InternalServerErrorException' },
        times: 1,
      });
      await retrying.send(new ListReservationsCommand({}));
      expect(sim.callsTo('ListReservations').map((c) => [c.sdkRequest, c.status])).toEqual([
        ['attempt=1; max=3', 500],
        ['attempt=2; max=3', 200],
      ]);
    } finally {
      retrying.destroy();
    }
  });

  it('reset restores the seed and forgets calls and faults', async () => {
    sim.fault('devicefarm', 'PurchaseOffering', { error: { name: 'ArgumentException' } });
    sim.state.deviceFarm.eligible = false;
    const stateObject = sim.state;
    sim.reset();
    expect(sim.calls).toHaveLength(0);
    expect(sim.state).toBe(stateObject);
    await buySlots();
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]?.current).toBe(3);
  });
});
