import { GetOfferingStatusCommand } from '@aws-sdk/client-device-farm';
import { ListOfferingsCommand } from '@aws-sdk/client-mediaconnect';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { deviceFarmClient, mediaConnectClient, NOW } from './clients.js';

const VARS = ['AWS_ENDPOINT_URL_DEVICE_FARM', 'AWS_ENDPOINT_URL_MEDIACONNECT'] as const;
const saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ now: () => NOW });
});
afterAll(() => sim.close());
afterEach(() => {
  for (const name of VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('service-specific endpoint env vars', () => {
  it('reach the simulator when clients are built without `endpoint`', async () => {
    process.env.AWS_ENDPOINT_URL_DEVICE_FARM = sim.url;
    process.env.AWS_ENDPOINT_URL_MEDIACONNECT = sim.url;
    const df = deviceFarmClient();
    const mc = mediaConnectClient();
    try {
      const status = await df.send(new GetOfferingStatusCommand({}));
      const offerings = await mc.send(new ListOfferingsCommand({}));
      expect(Object.keys(status.current ?? {}).length).toBeGreaterThan(0);
      expect(offerings.Offerings).toHaveLength(3);
      expect(sim.calls.map((c) => [c.service, c.operation])).toEqual([
        ['devicefarm', 'GetOfferingStatus'],
        ['mediaconnect', 'ListOfferings'],
      ]);
    } finally {
      df.destroy();
      mc.destroy();
    }
  });
});
