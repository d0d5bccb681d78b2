import {
  DeviceFarmClient,
  GetOfferingStatusCommand,
  PurchaseOfferingCommand,
} from '@aws-sdk/client-device-farm';
import { ListReservationsCommand, MediaConnectClient } from '@aws-sdk/client-mediaconnect';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SEED_IDS, type Simulator, startSimulator } from '../sim/index.js';
import { type AwsPanelBackend, createAwsPanel } from './aws-panel.js';
import { createSandboxClock, type SandboxClock } from './clock.js';
import type { AwsAction } from './protocol.js';

// Eleven days before the period rolls to 2027; the seed's live-events reservation ends in 20.
const START = Date.parse('2026-12-20T10:00:00Z');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let realNow = START;
let clock: SandboxClock;
let sim: Simulator;
let df: DeviceFarmClient;
let mc: MediaConnectClient;
let panel: AwsPanelBackend;
let pollNow: ReturnType<typeof vi.fn<() => Promise<void>>>;

beforeAll(async () => {
  clock = createSandboxClock(0, () => realNow);
  // Through the variable: each test gets a fresh clock.
  sim = await startSimulator({ now: () => clock(), recordAnswers: true });
  const client = { region: 'us-west-2', credentials, maxAttempts: 1, endpoint: sim.url };
  df = new DeviceFarmClient(client);
  mc = new MediaConnectClient(client);
});
afterAll(async () => {
  df.destroy();
  mc.destroy();
  await sim.close();
});
beforeEach(() => {
  // A fresh clock each test: the sandbox clock only moves forward.
  realNow = START;
  clock = createSandboxClock(0, () => realNow);
  sim.reset();
  pollNow = vi.fn(async () => {});
  panel = createAwsPanel({ sim, clock, pollNow });
});
afterEach(() => panel.close());

/** Resolves at the next change notice and counts every notice until the test ends. */
function changes() {
  let count = 0;
  let wake: () => void = () => {};
  panel.onChange(() => {
    count++;
    wake();
  });
  return {
    get count() {
      return count;
    },
    next: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
  };
}

describe('state', () => {
  it('shows the bot calls with their parameters and answers, one notice per burst', async () => {
    const seen = changes();
    const notified = seen.next();
    const bought = await df.send(
      new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidRemote, quantity: 2 }),
    );
    await df.send(new GetOfferingStatusCommand({}));
    await mc.send(new ListReservationsCommand({}));
    await notified;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(seen.count).toBe(1);

    const state = panel.state();
    expect(state.totalCalls).toBe(3);
    expect(state.calls.map((c) => [c.seq, c.service, c.operation, c.status])).toEqual([
      [1, 'devicefarm', 'PurchaseOffering', 200],
      [2, 'devicefarm', 'GetOfferingStatus', 200],
      [3, 'mediaconnect', 'ListReservations', 200],
    ]);
    const [purchase] = state.calls;
    expect(purchase).toMatchObject({
      at: '2026-12-20T10:00:00.000Z',
      input: { offeringId: SEED_IDS.androidRemote, quantity: 2 },
      answer: {
        offeringTransaction: {
          transactionId: bought.offeringTransaction?.transactionId,
          offeringStatus: { type: 'PURCHASE', quantity: 2 },
        },
      },
    });
  });

  it('shows an error answer, and a dropped call without one', async () => {
    sim.fault('devicefarm', 'GetOfferingStatus', { drop: 'before', times: 1 });
    await expect(df.send(new GetOfferingStatusCommand({}))).rejects.toThrow();
    await expect(
      df.send(new PurchaseOfferingCommand({ offeringId: 'nope', quantity: 1 })),
    ).rejects.toThrow();
    const [dropped, refused] = panel.state().calls;
    expect(dropped).toMatchObject({ operation: 'GetOfferingStatus', status: 0 });
    expect(dropped).not.toHaveProperty('answer');
    expect(refused).toMatchObject({
      status: 400,
      answer: { __type: 'ArgumentException', message: expect.any(String) },
    });
  });

  it('leaves out a call AWS is still answering', async () => {
    sim.setGlobalDelay(200);
    const call = df.send(new GetOfferingStatusCommand({}));
    await vi.waitFor(() => expect(sim.calls).toHaveLength(1));
    expect(panel.state().calls).toEqual([]);
    expect(panel.state().totalCalls).toBe(1);
    await call;
    expect(panel.state().calls).toHaveLength(1);
  });

  it('keeps the last 300 calls, numbered in arrival order', async () => {
    for (let i = 0; i < 302; i++) await df.send(new GetOfferingStatusCommand({}));
    const { calls, totalCalls } = panel.state();
    expect(totalCalls).toBe(302);
    expect(calls).toHaveLength(300);
    expect(calls[0]?.seq).toBe(3);
    expect(calls.at(-1)?.seq).toBe(302);
  });

  it('shows the clock, the period, the offerings with prices and the reservations', () => {
    const state = panel.state();
    expect(state.now).toBe('2026-12-20T10:00:00.000Z');
    expect(state.nextPeriodStart).toBe('2027-01-01T00:00:00.000Z');
    expect(state.services).toEqual({ devicefarm: 'ok', mediaconnect: 'ok' });
    expect(state.offerings.find((o) => o.id === SEED_IDS.androidRemote)).toEqual({
      id: SEED_IDS.androidRemote,
      platform: 'ANDROID',
      description: 'Android Remote Access Unmetered Device Slot',
      current: 2,
      nextPeriod: 2,
      price: '250.00 USD / month per slot',
    });
    expect(state.offerings.find((o) => o.id === SEED_IDS.androidPrivate)).toMatchObject({
      current: 0,
      nextPeriod: 0,
    });
    expect(state.reservations).toEqual([
      {
        arn: SEED_IDS.activeReservation,
        name: 'live-events',
        state: 'ACTIVE',
        end: '2027-01-09T10:00:00.000Z',
      },
      {
        arn: SEED_IDS.expiredReservation,
        name: 'pilot-bandwidth',
        state: 'EXPIRED',
        end: '2026-01-09T10:00:00.000Z',
      },
    ]);
  });

  it('lists a reservation as EXPIRED once its end passed, and stores it', () => {
    realNow = Date.parse('2027-01-09T10:00:00Z');
    expect(panel.state().reservations[0]).toMatchObject({ name: 'live-events', state: 'EXPIRED' });
    expect(sim.state.mediaConnect.reservations[0]?.reservationState).toBe('EXPIRED');
  });
});

describe('actions', () => {
  const slots = (id: string) => sim.state.deviceFarm.slots[id];

  it('advance-period rolls AWS over, dates the renewals at the period start, moves the clock past it', async () => {
    const seen = changes();
    const before = sim.state.deviceFarm.transactions.length;
    const result = await panel.act({ kind: 'advance-period' });
    expect(result).toEqual({
      ok: true,
      message: 'Billing period advanced to 1 Jan 2027: AWS renewed 3 offerings.',
    });
    expect(clock().toISOString()).toBe('2027-01-01T00:01:00.000Z');
    const added = sim.state.deviceFarm.transactions.slice(before);
    expect(added.map((t) => [t.offeringStatus.type, t.createdOn.toISOString()])).toEqual([
      ['SYSTEM', '2027-01-01T00:00:00.000Z'],
      ['SYSTEM', '2027-01-01T00:00:00.000Z'],
      ['SYSTEM', '2027-01-01T00:00:00.000Z'],
    ]);
    expect(slots(SEED_IDS.iosRemote)).toEqual({ current: 0, nextPeriod: 0 });
    expect(panel.state().nextPeriodStart).toBe('2027-02-01T00:00:00.000Z');
    expect(pollNow).toHaveBeenCalledTimes(1);
    expect(seen.count).toBe(1);

    // What the bot then reads: the new period, not the one after it.
    const status = await df.send(new GetOfferingStatusCommand({}));
    expect(status.nextPeriod?.[SEED_IDS.androidRemote]?.effectiveOn).toEqual(
      new Date('2027-02-01T00:00:00Z'),
    );
  });

  it.each<[AwsAction, RegExp, () => void]>([
    [
      { kind: 'renew-outside', offeringId: SEED_IDS.iosRemote, quantity: 4 },
      /^Renewed b7e2d2e3 .* at 4 for next period; RENEW transaction \S+ recorded\.$/,
      () => {
        expect(slots(SEED_IDS.iosRemote)).toEqual({ current: 1, nextPeriod: 4 });
        expect(sim.state.deviceFarm.transactions.at(-1)?.offeringStatus.type).toBe('RENEW');
      },
    ],
    [
      { kind: 'buy-outside', offeringId: SEED_IDS.androidRemote, quantity: 3 },
      /^Bought 3 a6f1c1d2 .*: current 5, next 5; PURCHASE transaction \S+ recorded \(\d+\.\d\d USD\)\.$/,
      () => {
        expect(slots(SEED_IDS.androidRemote)).toEqual({ current: 5, nextPeriod: 5 });
        const tx = sim.state.deviceFarm.transactions.at(-1)!;
        expect(tx.offeringStatus).toMatchObject({ type: 'PURCHASE', quantity: 3 });
        // 11 days and 14 hours of December's 31 days left.
        expect(tx.cost.amount).toBeCloseTo(250 * 3 * ((11 * 24 + 14) / (31 * 24)), 2);
      },
    ],
    [
      { kind: 'set-next-period', offeringId: SEED_IDS.androidRemote, quantity: 0 },
      /^Next period of a6f1c1d2 .*: 0 slots from 2027-01-01 \(was 2\); no transaction recorded\.$/,
      () => expect(slots(SEED_IDS.androidRemote)).toEqual({ current: 2, nextPeriod: 0 }),
    ],
    [
      { kind: 'end-reservation', name: 'live-events', days: 1 },
      /^MediaConnect live-events: ACTIVE, ends 2026-12-21T10:00:00Z\.$/,
      () => expect(sim.state.mediaConnect.reservations[0]?.end).toBe('2026-12-21T10:00:00Z'),
    ],
    [
      { kind: 'end-reservation', name: 'live-events', days: 0 },
      /^MediaConnect live-events: EXPIRED, ends 2026-12-20T10:00:00Z\.$/,
      () => expect(panel.state().reservations[0]?.state).toBe('EXPIRED'),
    ],
    [
      { kind: 'fail', service: 'mediaconnect' },
      /^Failing until heal: MediaConnect ListReservations \(ServiceUnavailableException\)\.$/,
      () => expect(panel.state().services).toEqual({ devicefarm: 'ok', mediaconnect: 'failing' }),
    ],
  ])('%o changes AWS through the console, then polls once', async (action, message, check) => {
    const seen = changes();
    const transactions = sim.state.deviceFarm.transactions.length;
    const result = await panel.act(action);
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(message);
    check();
    expect(pollNow).toHaveBeenCalledTimes(1);
    expect(seen.count).toBe(1);
    // Made as AWS itself or its console would: no call over the wire, so none in the list.
    expect(sim.calls).toEqual([]);
    expect(panel.state().calls).toEqual([]);
    const added = sim.state.deviceFarm.transactions.length - transactions;
    expect(added).toBe(action.kind === 'renew-outside' || action.kind === 'buy-outside' ? 1 : 0);
  });

  it('fail breaks the reads the bot polls until heal', async () => {
    await panel.act({ kind: 'fail', service: 'devicefarm' });
    expect(panel.state().services.devicefarm).toBe('failing');
    await expect(df.send(new GetOfferingStatusCommand({}))).rejects.toMatchObject({
      name: 'InternalFailure',
    });
    const healed = await panel.act({ kind: 'heal' });
    expect(healed).toEqual({
      ok: true,
      message: 'Every fault disarmed: AWS answers normally again.',
    });
    expect(panel.state().services).toEqual({ devicefarm: 'ok', mediaconnect: 'ok' });
    await df.send(new GetOfferingStatusCommand({}));
    expect(pollNow).toHaveBeenCalledTimes(2);
  });

  it('a failing pollNow does not fail the action', async () => {
    pollNow.mockRejectedValueOnce(new Error('bot down'));
    const seen = changes();
    await expect(panel.act({ kind: 'heal' })).resolves.toMatchObject({ ok: true });
    expect(seen.count).toBe(1);
  });

  it.each<[unknown, string]>([
    [{ kind: 'launch-rocket' }, 'kind: unknown AWS action ("launch-rocket")'],
    [{}, 'kind: unknown AWS action (missing)'],
    [null, 'kind: unknown AWS action (missing)'],
    [
      { kind: 'buy-outside', offeringId: 'a6f1 5', quantity: 1 },
      'offeringId: must be a Device Farm offering id',
    ],
    [
      { kind: 'renew-outside', offeringId: 'a6f1', quantity: 1 },
      'offeringId: no Device Farm offering has the id "a6f1"',
    ],
    [
      { kind: 'buy-outside', offeringId: SEED_IDS.androidRemote, quantity: 1.5 },
      'quantity: must be a whole number from 0 to 1000',
    ],
    [
      { kind: 'set-next-period', offeringId: SEED_IDS.androidRemote, quantity: 1001 },
      'quantity: must be a whole number from 0 to 1000',
    ],
    [
      { kind: 'renew-outside', offeringId: SEED_IDS.androidRemote, quantity: -1 },
      'quantity: must be a whole number from 0 to 1000',
    ],
    [
      { kind: 'renew-outside', offeringId: SEED_IDS.androidRemote, quantity: '2' },
      'quantity: must be a whole number from 0 to 1000',
    ],
    [
      { kind: 'end-reservation', name: 'live-events', days: 0.5 },
      'days: must be a whole number of days',
    ],
    [
      { kind: 'end-reservation', name: 'live events; heal', days: 1 },
      'name: must be a MediaConnect reservation name (letters, digits, "-", "_" or ".")',
    ],
    [{ kind: 'fail', service: 'all' }, 'service: must be devicefarm or mediaconnect'],
    // Checked by the console, as AWS would refuse it.
    [
      { kind: 'buy-outside', offeringId: SEED_IDS.androidRemote, quantity: 0 },
      'buy: quantity must be 1 or more, got 0',
    ],
    [
      { kind: 'renew-outside', offeringId: SEED_IDS.androidRemote, quantity: 51 },
      'renew: LimitExceededException: 51 slots exceed the limit of 50 for this offering',
    ],
    [
      { kind: 'end-reservation', name: 'nobody', days: 1 },
      'end: no MediaConnect reservation named "nobody" (known: live-events, pilot-bandwidth)',
    ],
  ])('%o is refused, naming the problem, with nothing changed', async (action, message) => {
    const seen = changes();
    const before = structuredClone(sim.state);
    const now = clock().getTime();
    expect(await panel.act(action as AwsAction)).toEqual({ ok: false, message });
    expect(sim.state).toEqual(before);
    expect(panel.state().services).toEqual({ devicefarm: 'ok', mediaconnect: 'ok' });
    expect(clock().getTime()).toBe(now);
    expect(pollNow).not.toHaveBeenCalled();
    expect(seen.count).toBe(0);
  });
});
