import { GetOfferingStatusCommand, PurchaseOfferingCommand } from '@aws-sdk/client-device-farm';
import { ListReservationsCommand } from '@aws-sdk/client-mediaconnect';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_IDS, type SimCall, type Simulator, startSimulator } from '../../src/sim/index.js';
import { deviceFarmClient, mediaConnectClient, NOW, rejectionOf } from './clients.js';

const started: { sim: Simulator; destroy: () => void }[] = [];

async function simWith(opts: Parameters<typeof startSimulator>[0]) {
  const sim = await startSimulator({ now: () => NOW, ...opts });
  const df = deviceFarmClient(sim.url);
  const mc = mediaConnectClient(sim.url);
  started.push({
    sim,
    destroy: () => {
      df.destroy();
      mc.destroy();
    },
  });
  return { sim, df, mc };
}

afterEach(async () => {
  for (const { sim, destroy } of started.splice(0)) {
    destroy();
    await sim.close();
  }
});

describe('recordAnswers', () => {
  it('is off by default: calls carry no answer', async () => {
    const { sim, df } = await simWith({});
    await df.send(new GetOfferingStatusCommand({}));
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]).not.toHaveProperty('answer');
  });

  it('keeps the parsed body of a success, as sent (epoch seconds)', async () => {
    const { sim, df } = await simWith({ recordAnswers: true });
    const out = await df.send(
      new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidRemote, quantity: 1 }),
    );
    const [call] = sim.calls;
    expect(call).toMatchObject({ operation: 'PurchaseOffering', status: 200 });
    expect(call?.answer).toMatchObject({
      offeringTransaction: {
        transactionId: out.offeringTransaction?.transactionId,
        createdOn: NOW.getTime() / 1000,
        offeringStatus: { type: 'PURCHASE', quantity: 1 },
      },
    });
  });

  it('keeps an error body, modelled or injected', async () => {
    const { sim, df, mc } = await simWith({ recordAnswers: true });
    await rejectionOf(df.send(new PurchaseOfferingCommand({ offeringId: 'short', quantity: 1 })));
    sim.fault('mediaconnect', 'ListReservations', {
      error: { name: 'ServiceUnavailableException', message: 'down' },
    });
    await rejectionOf(mc.send(new ListReservationsCommand({})));
    expect(sim.calls.map((c) => [c.status, c.answer])).toEqual([
      [400, { __type: 'ArgumentException', message: expect.stringContaining('offeringId') }],
      [503, { __type: 'ServiceUnavailableException', message: 'down' }],
    ]);
  });

  it('leaves the answer undefined when the connection was dropped', async () => {
    const { sim, df } = await simWith({ recordAnswers: true });
    sim.fault('devicefarm', 'GetOfferingStatus', { drop: 'after', times: 1 });
    await rejectionOf(df.send(new GetOfferingStatusCommand({})));
    expect(sim.calls[0]).toMatchObject({ status: 0 });
    expect(sim.calls[0]?.answer).toBeUndefined();
  });
});

describe('onCall', () => {
  it('is called once per call, after its status and answer are set, dropped ones too', async () => {
    const seen: [string, number, unknown][] = [];
    const { sim, df } = await simWith({
      recordAnswers: true,
      onCall: (c) => seen.push([c.operation, c.status, c.answer]),
    });
    await df.send(new GetOfferingStatusCommand({}));
    sim.fault('devicefarm', 'GetOfferingStatus', { drop: 'before', times: 1 });
    await rejectionOf(df.send(new GetOfferingStatusCommand({})));
    await rejectionOf(df.send(new PurchaseOfferingCommand({ offeringId: 'x', quantity: 1 })));
    expect(seen).toEqual([
      ['GetOfferingStatus', 200, expect.objectContaining({ current: expect.any(Object) })],
      ['GetOfferingStatus', 0, undefined],
      ['PurchaseOffering', 400, expect.objectContaining({ __type: 'ArgumentException' })],
    ]);
  });

  it('sim.onCall adds listeners later and removes them; a throwing one changes nothing', async () => {
    const { sim, df } = await simWith({
      onCall: () => {
        throw new Error('observer bug');
      },
    });
    const seen: SimCall[] = [];
    const stop = sim.onCall((c) => seen.push(c));
    await df.send(new GetOfferingStatusCommand({}));
    stop();
    await df.send(new GetOfferingStatusCommand({}));
    expect(seen).toEqual([sim.calls[0]]);
    expect(sim.calls.map((c) => c.status)).toEqual([200, 200]);
  });
});

describe('maxCalls and totalCalls', () => {
  it('keeps only the newest calls but counts them all, until reset', async () => {
    const { sim, df } = await simWith({ maxCalls: 2 });
    for (let i = 0; i < 3; i++) await df.send(new GetOfferingStatusCommand({}));
    await rejectionOf(df.send(new PurchaseOfferingCommand({ offeringId: 'x', quantity: 1 })));
    expect(sim.totalCalls).toBe(4);
    expect(sim.calls.map((c) => c.operation)).toEqual(['GetOfferingStatus', 'PurchaseOffering']);
    sim.reset();
    expect(sim.totalCalls).toBe(0);
    expect(sim.calls).toEqual([]);
  });
});

describe('armedFault', () => {
  it('shows the fault the next call would get without using it up', async () => {
    const { sim, df } = await simWith({});
    expect(sim.armedFault('devicefarm', 'GetOfferingStatus')).toBeUndefined();
    sim.fault('devicefarm', 'GetOfferingStatus', { error: { name: 'InternalFailure' }, times: 1 });
    const seen = sim.armedFault('devicefarm', 'GetOfferingStatus');
    expect(seen).toEqual({ error: { name: 'InternalFailure' }, times: 1 });
    seen!.error!.name = 'Changed';
    expect(sim.armedFault('devicefarm', 'GetOfferingStatus')?.error?.name).toBe('InternalFailure');
    await rejectionOf(df.send(new GetOfferingStatusCommand({})));
    expect(sim.armedFault('devicefarm', 'GetOfferingStatus')).toBeUndefined();
  });
});
