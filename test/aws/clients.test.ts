/**
 * `createAwsClients` against the simulator: endpoint from the environment, read clients that
 * retry, write clients that never do, timeouts and dropped connections becoming `AwsError`s.
 */
import { createServer } from 'node:net';
import {
  ListOfferingsCommand as DfListOfferingsCommand,
  PurchaseOfferingCommand as DfPurchaseOfferingCommand,
} from '@aws-sdk/client-device-farm';
import { PurchaseOfferingCommand as McPurchaseOfferingCommand } from '@aws-sdk/client-mediaconnect';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsClients,
  type AwsClientsConfig,
  createAwsClients,
  createCapacityServices,
  toAwsError,
} from '../../src/aws/index.js';
import {
  defaultSeed,
  formatSeconds,
  SEED_IDS,
  type Simulator,
  startSimulator,
} from '../../src/sim/index.js';
import { isolateAwsEnv } from '../helpers/aws-env.js';

let sim: Simulator;
let restoreEnv: (() => void) | undefined;
const now = new Date();
const built: AwsClients[] = [];

/** Clients as the app builds them (never with `endpoint`), destroyed after each test. */
function clientsFor(config: Partial<AwsClientsConfig> = {}): AwsClients {
  const clients = createAwsClients({ region: 'us-west-2', ...config });
  built.push(clients);
  return clients;
}

function pointAt(url: string): void {
  process.env.AWS_ENDPOINT_URL_DEVICE_FARM = url;
  process.env.AWS_ENDPOINT_URL_MEDIACONNECT = url;
}

beforeAll(async () => {
  sim = await startSimulator({ seed: defaultSeed(now), now: () => now });
  restoreEnv = isolateAwsEnv();
});

afterAll(async () => {
  restoreEnv?.();
  await sim?.close();
});

beforeEach(() => {
  sim.reset();
  pointAt(sim.url);
});

afterEach(() => {
  for (const clients of built.splice(0)) clients.destroy();
});

describe('endpoints and regions', () => {
  it('reaches the endpoints named by AWS_ENDPOINT_URL_DEVICE_FARM / _MEDIACONNECT', async () => {
    const other = await startSimulator({ seed: defaultSeed(now), now: () => now });
    try {
      process.env.AWS_ENDPOINT_URL_DEVICE_FARM = other.url;
      process.env.AWS_ENDPOINT_URL_MEDIACONNECT = sim.url;
      const aws = createCapacityServices(clientsFor());
      await aws.devicefarm.listOfferings();
      await aws.mediaconnect.listOfferings();
      expect(other.calls.map((c) => c.service)).toEqual(['devicefarm', 'devicefarm']);
      expect(sim.calls.map((c) => c.service)).toEqual(['mediaconnect']);
    } finally {
      await other.close();
    }
  });

  it('keeps Device Farm in us-west-2 whatever the configured region', async () => {
    const clients = clientsFor({ region: 'eu-west-1' });
    expect(await clients.devicefarm.read.config.region()).toBe('us-west-2');
    expect(await clients.devicefarm.write.config.region()).toBe('us-west-2');
    expect(await clients.mediaconnect.read.config.region()).toBe('eu-west-1');
    expect(await clients.mediaconnect.write.config.region()).toBe('eu-west-1');
    await createCapacityServices(clients).mediaconnect.listReservations();
    expect(sim.callsTo('ListReservations')).toHaveLength(1);
  });

  it('a refused connection is a network error AWS never saw', async () => {
    const port = await closedPort();
    pointAt(`http://127.0.0.1:${port}`);
    const aws = createCapacityServices(clientsFor());
    await expect(aws.mediaconnect.listReservations()).rejects.toMatchObject({
      code: 'aws_network',
      outcome: 'rejected',
      detail: { awsName: 'ECONNREFUSED' },
    });
  });
});

describe('retries', () => {
  it('read clients announce 3 attempts, write clients exactly 1', async () => {
    const clients = clientsFor();
    await createCapacityServices(clients).devicefarm.listOfferings();
    expect(sim.callsTo('ListOfferings', 'devicefarm')[0]?.sdkRequest).toBe('attempt=1; max=3');

    await clients.devicefarm.write.send(
      new DfPurchaseOfferingCommand({ offeringId: SEED_IDS.androidPrivate, quantity: 1 }),
    );
    expect(sim.callsTo('PurchaseOffering', 'devicefarm').map((c) => c.sdkRequest)).toEqual([
      'attempt=1; max=1',
    ]);

    // The seed's active reservation makes AWS refuse this one; the header is what matters.
    const refused = await clients.mediaconnect.write
      .send(
        new McPurchaseOfferingCommand({
          OfferingArn: SEED_IDS.offering50,
          ReservationName: 'second',
          Start: formatSeconds(now),
        }),
      )
      .catch((e: unknown) => toAwsError(e, 'mediaconnect', 'PurchaseOffering'));
    expect(refused).toMatchObject({ code: 'aws_bad_request', outcome: 'rejected' });
    expect(sim.callsTo('PurchaseOffering', 'mediaconnect').map((c) => c.sdkRequest)).toEqual([
      'attempt=1; max=1',
    ]);
  });

  it('read clients retry a MediaConnect 500 and succeed', async () => {
    sim.fault('mediaconnect', 'ListOfferings', {
      error: { name: 'InternalServerErrorException' },
      times: 1,
    });
    const offerings = await createCapacityServices(clientsFor()).mediaconnect.listOfferings();
    expect(offerings).toHaveLength(3);
    const calls = sim.callsTo('ListOfferings', 'mediaconnect');
    expect(calls.map((c) => [c.status, c.sdkRequest])).toEqual([
      [500, 'attempt=1; max=3'],
      [200, 'attempt=2; max=3'],
    ]);
  });

  it('read clients give up after 3 attempts and report the last error', async () => {
    sim.fault('mediaconnect', 'ListReservations', {
      error: { name: 'ServiceUnavailableException' },
    });
    await expect(
      createCapacityServices(clientsFor()).mediaconnect.listReservations(),
    ).rejects.toMatchObject({ code: 'aws_unavailable', outcome: 'unknown' });
    expect(sim.callsTo('ListReservations')).toHaveLength(3);
  });

  it.each([
    ['InternalFailure', 500, 'aws_internal_error', 'unknown'],
    ['LimitExceededException', 400, 'aws_limit_exceeded', 'rejected'],
  ] as const)('write clients never retry (%s)', async (name, status, code, outcome) => {
    sim.fault('devicefarm', 'PurchaseOffering', { error: { name, status } });
    const err = await clientsFor()
      .devicefarm.write.send(
        new DfPurchaseOfferingCommand({ offeringId: SEED_IDS.androidPrivate, quantity: 1 }),
      )
      .catch((e: unknown) => toAwsError(e, 'devicefarm', 'PurchaseOffering'));
    expect(err).toMatchObject({ code, outcome });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
  });
});

describe('timeouts and dropped connections', () => {
  it('a Device Farm read slower than the timeout fails as aws_timeout after retries', async () => {
    sim.fault('devicefarm', 'ListOfferings', { delayMs: 2_000 });
    const aws = createCapacityServices(clientsFor({ timeouts: { readRequestMs: 250 } }));
    const started = Date.now();
    await expect(aws.devicefarm.listOfferings()).rejects.toMatchObject({
      code: 'aws_timeout',
      outcome: 'unknown',
      service: 'devicefarm',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sim.callsTo('ListOfferings', 'devicefarm')).toHaveLength(3);
  });

  it('a MediaConnect read slower than the timeout fails as aws_timeout', async () => {
    sim.fault('mediaconnect', 'DescribeOffering', { delayMs: 2_000 });
    const aws = createCapacityServices(clientsFor({ timeouts: { readRequestMs: 250 } }));
    await expect(aws.mediaconnect.describeOffering(SEED_IDS.offering10)).rejects.toMatchObject({
      code: 'aws_timeout',
      outcome: 'unknown',
      service: 'mediaconnect',
    });
    expect(sim.callsTo('DescribeOffering')).toHaveLength(3);
  });

  it('a purchase that times out is unknown, and AWS may indeed have bought', async () => {
    sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 600, times: 1 });
    const clients = clientsFor({ timeouts: { writeRequestMs: 200 } });
    const err = await clients.devicefarm.write
      .send(new DfPurchaseOfferingCommand({ offeringId: SEED_IDS.androidPrivate, quantity: 2 }))
      .catch((e: unknown) => toAwsError(e, 'devicefarm', 'PurchaseOffering'));
    expect(err).toMatchObject({ code: 'aws_timeout', outcome: 'unknown' });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    // The simulator finishes the purchase after the client gave up, like AWS could.
    await waitFor(() => sim.state.deviceFarm.slots[SEED_IDS.androidPrivate]?.current === 2);
  });

  it('a connection dropped before the answer is aws_network / unknown (reads retry it)', async () => {
    sim.fault('devicefarm', 'ListOfferings', { drop: 'before' });
    const aws = createCapacityServices(clientsFor());
    await expect(aws.devicefarm.listOfferings()).rejects.toMatchObject({
      code: 'aws_network',
      outcome: 'unknown',
    });
    expect(sim.callsTo('ListOfferings', 'devicefarm')).toHaveLength(3);
  });

  it('a purchase whose answer is dropped is unknown, although AWS acted', async () => {
    sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    const err = await clientsFor()
      .devicefarm.write.send(
        new DfPurchaseOfferingCommand({ offeringId: SEED_IDS.androidPrivate, quantity: 1 }),
      )
      .catch((e: unknown) => toAwsError(e, 'devicefarm', 'PurchaseOffering'));
    expect(err).toMatchObject({ code: 'aws_network', outcome: 'unknown' });
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidPrivate]?.current).toBe(1);
  });

  it('destroy() closes the clients', async () => {
    const clients = clientsFor();
    await clients.devicefarm.read.send(new DfListOfferingsCommand({}));
    expect(() => clients.destroy()).not.toThrow();
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
