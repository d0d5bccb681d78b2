import { ListOfferingsCommand, PurchaseOfferingCommand } from '@aws-sdk/client-device-farm';
import { ListReservationsCommand } from '@aws-sdk/client-mediaconnect';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SEED_IDS, type Simulator, startSimulator } from '../sim/index.js';
import { type AwsCall, collectPages, createAwsClients, pagesByHand } from './clients.js';

describe('createAwsClients', () => {
  it('builds retrying read clients and single-attempt write clients', async () => {
    const clients = createAwsClients({ region: 'eu-central-1' });
    try {
      expect(await clients.devicefarm.read.config.maxAttempts()).toBe(3);
      expect(await clients.devicefarm.write.config.maxAttempts()).toBe(1);
      expect(await clients.mediaconnect.read.config.maxAttempts()).toBe(3);
      expect(await clients.mediaconnect.write.config.maxAttempts()).toBe(1);
      expect(await clients.devicefarm.read.config.region()).toBe('us-west-2');
      expect(await clients.mediaconnect.read.config.region()).toBe('eu-central-1');
    } finally {
      clients.destroy();
    }
  });

  it("drops the SDK's logger middleware, which copies every answer", () => {
    const clients = createAwsClients({ region: 'eu-central-1' });
    try {
      for (const client of [
        clients.devicefarm.read,
        clients.devicefarm.write,
        clients.mediaconnect.read,
        clients.mediaconnect.write,
      ]) {
        const names = (client.middlewareStack as unknown as { identify(): string[] }).identify();
        expect(names.some((n) => n.startsWith('loggerMiddleware'))).toBe(false);
        // Still there: what the bot relies on.
        expect(names.some((n) => n.startsWith('slotsBotAwsClock'))).toBe(true);
        expect(names.some((n) => n.startsWith('retryMiddleware'))).toBe(true);
        expect(names.some((n) => n.startsWith('slotsBotAwsCalls'))).toBe(false);
      }
    } finally {
      clients.destroy();
    }
  });

  it('passes only the SDK warnings to the logger', () => {
    const warn = vi.fn();
    const clients = createAwsClients({ region: 'us-east-1', logger: { warn } });
    try {
      const sdk = clients.mediaconnect.read.config.logger;
      sdk.info({ input: 'every call' });
      sdk.error('failure already reported as AwsError');
      sdk.warn('a request has exceeded the configured %d ms requestTimeout', 10);
      expect(warn).toHaveBeenCalledOnce();
      expect(warn).toHaveBeenCalledWith(
        { service: 'mediaconnect' },
        'a request has exceeded the configured 10 ms requestTimeout',
      );
    } finally {
      clients.destroy();
    }
  });
});

describe('createAwsClients: every call reported (metrics)', () => {
  const ENV = {
    AWS_ENDPOINT_URL_DEVICE_FARM: '',
    AWS_ENDPOINT_URL_MEDIACONNECT: '',
    AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
  };
  let sim: Simulator;
  let saved: Record<string, string | undefined>;
  beforeAll(async () => {
    sim = await startSimulator();
    saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
    Object.assign(process.env, {
      ...ENV,
      AWS_ENDPOINT_URL_DEVICE_FARM: sim.url,
      AWS_ENDPOINT_URL_MEDIACONNECT: sim.url,
    });
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await sim.close();
  });

  function clientsReporting() {
    const calls: AwsCall[] = [];
    const clients = createAwsClients({ region: 'us-west-2', onCall: (c) => calls.push(c) });
    return { clients, calls };
  }

  it('reports each call of the read and write clients once, by operation, with its duration', async () => {
    const { clients, calls } = clientsReporting();
    try {
      await clients.devicefarm.read.send(new ListOfferingsCommand({}));
      await clients.mediaconnect.read.send(new ListReservationsCommand({}));
      await clients.devicefarm.write.send(
        new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidRemote, quantity: 1 }),
      );
      expect(calls.map(({ seconds: _, ...c }) => c)).toEqual([
        { service: 'devicefarm', operation: 'ListOfferings', result: 'ok' },
        { service: 'mediaconnect', operation: 'ListReservations', result: 'ok' },
        { service: 'devicefarm', operation: 'PurchaseOffering', result: 'ok' },
      ]);
      for (const c of calls) expect(c.seconds).toBeGreaterThan(0);
    } finally {
      clients.destroy();
    }
  });

  it("reports a failed call once, its retries included, by the error's kind", async () => {
    const { clients, calls } = clientsReporting();
    sim.fault('devicefarm', 'ListOfferings', {
      error: { name: 'ServiceUnavailableException', status: 503 },
      times: 3,
    });
    try {
      await expect(clients.devicefarm.read.send(new ListOfferingsCommand({}))).rejects.toThrow();
      expect(sim.callsTo('ListOfferings', 'devicefarm').slice(-3)).toHaveLength(3);
      expect(calls.map((c) => [c.operation, c.result])).toEqual([
        ['ListOfferings', 'server_error'],
      ]);
    } finally {
      sim.clearFaults();
      clients.destroy();
    }
  });

  it('leaves the call alone when the listener throws', async () => {
    const clients = createAwsClients({
      region: 'us-west-2',
      onCall: () => {
        throw new Error('listener broke');
      },
    });
    try {
      const out = await clients.devicefarm.read.send(new ListOfferingsCommand({}));
      expect(out.offerings?.length).toBeGreaterThan(0);
    } finally {
      clients.destroy();
    }
  });
});

describe('collectPages', () => {
  it('follows tokens by hand until none is returned', async () => {
    const tokens = [undefined, 't1', 't2'];
    const fetch = vi.fn(async (token: string | undefined) => {
      const i = tokens.indexOf(token);
      return { n: i, next: tokens[i + 1] };
    });
    const onRepeat = vi.fn();
    const pages = await collectPages(
      pagesByHand(fetch, (p) => p.next),
      (p) => p.next,
      onRepeat,
    );
    expect(pages.map((p) => p.n)).toEqual([0, 1, 2]);
    expect(fetch.mock.calls.map(([t]) => t)).toEqual([undefined, 't1', 't2']);
    expect(onRepeat).not.toHaveBeenCalled();
  });

  it('treats an empty token as the end', async () => {
    const fetch = vi.fn(async () => ({ next: '' }));
    const pages = await collectPages(
      pagesByHand(fetch, (p) => p.next),
      (p) => p.next,
      vi.fn(),
    );
    expect(pages).toHaveLength(1);
  });

  it('stops at a token seen before (a cycle, not only an immediate repeat)', async () => {
    const next: Record<string, string> = { start: 'a', a: 'b', b: 'a' };
    const fetch = vi.fn(async (token: string | undefined) => ({ next: next[token ?? 'start'] }));
    const onRepeat = vi.fn();
    const pages = await collectPages(
      pagesByHand(fetch, (p) => p.next),
      (p) => p.next,
      onRepeat,
    );
    expect(pages).toHaveLength(3);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(onRepeat).toHaveBeenCalledWith('a');
  });
});
