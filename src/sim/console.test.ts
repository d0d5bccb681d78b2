import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DeviceFarmClient,
  GetOfferingStatusCommand,
  ListOfferingTransactionsCommand,
  NotEligibleException,
  PurchaseOfferingCommand,
} from '@aws-sdk/client-device-farm';
import {
  ListOfferingsCommand,
  ListReservationsCommand,
  MediaConnectClient,
  PurchaseOfferingCommand as PurchaseBandwidthCommand,
  ServiceUnavailableException,
} from '@aws-sdk/client-mediaconnect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeSimCommand, runSimCommand } from './console.js';
import { DEFAULT_BEHAVIOUR, SEED_IDS, type Simulator, startSimulator } from './index.js';

const NOW = new Date('2025-03-15T12:00:00Z');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let sim: Simulator;
let df: DeviceFarmClient;
let mc: MediaConnectClient;

beforeAll(async () => {
  sim = await startSimulator({ now: () => NOW });
  // Explicit endpoint, region and credentials: nothing is read from the developer's env.
  df = new DeviceFarmClient({
    region: 'us-west-2',
    credentials,
    maxAttempts: 1,
    endpoint: sim.url,
  });
  mc = new MediaConnectClient({
    region: 'us-west-2',
    credentials,
    maxAttempts: 1,
    endpoint: sim.url,
  });
});
afterAll(async () => {
  df.destroy();
  mc.destroy();
  await sim.close();
});
beforeEach(() => sim.reset());

const run = (line: string) => runSimCommand(sim, line, NOW);

async function rejectionOf(promise: Promise<unknown>): Promise<Error & { $metadata?: object }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('help and parsing', () => {
  it('lists every command', () => {
    const help = run('help');
    const commands = ['help', 'status', 'period', 'renew', 'buy', 'next', 'end', 'fail', 'heal'];
    const switches = ['quantity', 'clock', 'lag', 'processing', 'activate', 'ineligible', 'arn'];
    for (const command of [...commands, ...switches]) {
      expect(help).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    }
  });

  it('ignores case and extra spaces; a blank line answers nothing', () => {
    expect(run('  HeLP  ')).toBe(run('help'));
    expect(run('   ')).toBe('');
    expect(run('')).toBe('');
  });

  it('an unknown command is one line naming it and pointing at help', () => {
    const answer = run('frobnicate now');
    expect(answer).toBe('Unknown command "frobnicate"; type help for the list.');
    expect(run('constructor')).toMatch(/^Unknown command "constructor"/);
  });

  it.each([
    ['status extra', /^Usage: status .*type help/],
    ['renew a6f1', /^Usage: renew <offering-id-prefix> <quantity> \(got 1 argument\)/],
    ['buy a6f1', /^Usage: buy <offering-id-prefix> <quantity> \(got 1 argument\)/],
    ['next a6f1 1 2', /^Usage: next <offering-id-prefix> <quantity> \(got 3 arguments\)/],
    ['end live-events', /^Usage: end <reservation-name> <days>/],
    ['fail', /^Usage: fail <devicefarm\|mediaconnect\|all> \(got 0 arguments\)/],
    ['heal now', /^Usage: heal/],
    ['quantity', /^Usage: quantity <bought\|total> \(got 0 arguments\)/],
    ['clock +5 min', /^Usage: clock <minutes> \(got 2 arguments\)/],
    ['lag', /^Usage: lag <seconds>/],
    ['processing', /^Usage: processing <on\|off>/],
    ['activate all', /^Usage: activate/],
    ['ineligible', /^Usage: ineligible <on\|off>/],
    ['arn', /^Usage: arn <account\|noaccount>/],
  ])('wrong argument count: %s', (line, expected) => {
    const answer = run(line);
    expect(answer).toMatch(expected);
    expect(answer).not.toContain('\n');
  });
});

describe('executeSimCommand', () => {
  it('tells a refusal from a success; runSimCommand answers the same text', () => {
    expect(executeSimCommand(sim, 'heal', NOW)).toEqual({ ok: true, text: run('heal') });
    expect(executeSimCommand(sim, '', NOW)).toEqual({ ok: true, text: '' });
    expect(executeSimCommand(sim, 'renew zzz 1', NOW)).toEqual({
      ok: false,
      text: 'renew: no Device Farm offering id starts with "zzz"; type help for the list.',
      problem: 'renew: no Device Farm offering id starts with "zzz"',
    });
    expect(executeSimCommand(sim, 'nope', NOW)).toMatchObject({
      ok: false,
      problem: 'Unknown command "nope"',
    });
    expect(executeSimCommand(sim, 'buy', NOW)).toMatchObject({
      ok: false,
      problem: 'Usage: buy <offering-id-prefix> <quantity> (got 0 arguments)',
    });
  });
});

describe('status', () => {
  it('one line per offering holding slots and per reservation', () => {
    const lines = run('status').split('\n');
    expect(lines).toEqual([
      'Device Farm a6f1c1d2 Android Remote Access Unmetered Device Slot: current 2, next 2',
      'Device Farm b7e2d2e3 iOS Remote Access Unmetered Device Slot: current 1, next 0',
      'Device Farm c8f3e3f4 Android Unmetered Device Slot: current 3, next 3',
      'Device Farm d904f405 iOS Unmetered Device Slot: current 1, next 1',
      'MediaConnect live-events: ACTIVE, ends 2025-04-04T12:00:00Z',
      'MediaConnect pilot-bandwidth: EXPIRED, ends 2024-04-04T12:00:00Z',
      'Switches: quantity bought, clock +0, lag 0, processing off, ineligible off, arn account',
    ]);
  });

  it('says so when nothing is held', () => {
    sim.state.deviceFarm.slots = {};
    sim.state.mediaConnect.reservations = [];
    expect(run('status').split('\n').slice(0, 2)).toEqual([
      'Device Farm: no slots held',
      'MediaConnect: no reservations',
    ]);
  });
});

describe('period', () => {
  it('rolls slots over and records SYSTEM renewals', async () => {
    const before = sim.state.deviceFarm.transactions.length;
    expect(run('period')).toMatch(/3 SYSTEM transactions added/);
    const added = sim.state.deviceFarm.transactions.slice(before);
    expect(added.map((t) => t.offeringStatus.type)).toEqual(['SYSTEM', 'SYSTEM', 'SYSTEM']);
    expect(sim.state.deviceFarm.slots[SEED_IDS.iosRemote]).toEqual({ current: 0, nextPeriod: 0 });

    const { offeringTransactions } = await df.send(new ListOfferingTransactionsCommand({}));
    expect(offeringTransactions?.[0]?.offeringStatus?.type).toBe('SYSTEM');
  });
});

describe('renew', () => {
  it('sets next-period slots and records a RENEW transaction like RenewOffering', async () => {
    const before = sim.state.deviceFarm.transactions.length;
    const answer = run('renew B7E2 4');
    expect(answer).toMatch(/^Renewed b7e2d2e3 iOS Remote Access .* at 4 for next period/);
    expect(sim.state.deviceFarm.slots[SEED_IDS.iosRemote]).toEqual({ current: 1, nextPeriod: 4 });
    expect(sim.state.deviceFarm.transactions).toHaveLength(before + 1);
    const tx = sim.state.deviceFarm.transactions.at(-1)!;
    expect(tx).toMatchObject({
      offeringStatus: {
        type: 'RENEW',
        quantity: 4,
        offering: { id: SEED_IDS.iosRemote },
        effectiveOn: new Date('2025-04-01T00:00:00Z'),
      },
      createdOn: NOW,
      cost: { amount: 1000, currencyCode: 'USD' },
    });
    expect(answer).toContain(tx.transactionId);
    // Not a call the bot made.
    expect(sim.callsTo('RenewOffering')).toHaveLength(0);

    const status = await df.send(new GetOfferingStatusCommand({}));
    expect(status.nextPeriod?.[SEED_IDS.iosRemote]?.quantity).toBe(4);
  });

  it('can renew an offering that held nothing, and cancel with 0', () => {
    run(`renew ${SEED_IDS.androidPrivate.slice(0, 4)} 2`);
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidPrivate]).toEqual({
      current: 0,
      nextPeriod: 2,
    });
    run('renew a6f1 0');
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]?.nextPeriod).toBe(0);
  });

  it.each([
    ['renew zzz 1', /no Device Farm offering id starts with "zzz"/],
    ['renew 1 1', /no Device Farm offering id starts with "1"/],
    ['renew a6f1 two', /quantity must be a whole number, got "two"/],
    ['renew a6f1 1.5', /quantity must be a whole number/],
    ['renew a6f1 -1', /quantity must be 0 or more/],
    ['renew a6f1 51', /LimitExceededException: 51 slots exceed the limit of 50/],
  ])('%s is refused without a change', (line, expected) => {
    const before = structuredClone(sim.state.deviceFarm);
    const answer = run(line);
    expect(answer).toMatch(expected);
    expect(answer).toMatch(/type help/);
    expect(answer).not.toContain('\n');
    expect(sim.state.deviceFarm).toEqual(before);
  });

  it('an ambiguous prefix names the candidates', () => {
    sim.state.deviceFarm.offerings.push({
      ...sim.state.deviceFarm.offerings[0]!,
      id: `${SEED_IDS.androidRemote.slice(0, 8)}-ffff-4fff-8fff-ffffffffffff`,
    });
    expect(run('renew a6f1 1')).toMatch(/"a6f1" matches 2 offerings \(a6f1c1d2, a6f1c1d2\)/);
  });

  it('an ineligible account refuses as RenewOffering would', () => {
    sim.state.deviceFarm.eligible = false;
    expect(run('renew a6f1 1')).toMatch(/NotEligibleException/);
  });
});

describe('buy', () => {
  it('is a PURCHASE made in the AWS console: exactly what PurchaseOffering records', async () => {
    const before = sim.state.deviceFarm.transactions.length;
    const answer = run('buy A6F1 3');
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidRemote]).toEqual({
      current: 5,
      nextPeriod: 5,
    });
    expect(sim.state.deviceFarm.transactions).toHaveLength(before + 1);
    const tx = sim.state.deviceFarm.transactions.at(-1)!;
    // 250 USD a month per slot, 16.5 of 31 days left.
    const prorated = Math.round(250 * 3 * (16.5 / 31) * 100) / 100;
    expect(tx).toMatchObject({
      offeringStatus: { type: 'PURCHASE', quantity: 3, offering: { id: SEED_IDS.androidRemote } },
      createdOn: NOW,
      cost: { amount: prorated, currencyCode: 'USD' },
    });
    expect(answer).toBe(
      `Bought 3 a6f1c1d2 Android Remote Access Unmetered Device Slot: current 5, next 5; PURCHASE transaction ${tx.transactionId} recorded (${prorated.toFixed(2)} USD).`,
    );
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(0);

    const { offeringTransactions } = await df.send(new ListOfferingTransactionsCommand({}));
    expect(offeringTransactions?.[0]?.transactionId).toBe(tx.transactionId);
  });

  it('follows the quantity switch as PurchaseOffering does', () => {
    run('quantity total');
    run('buy a6f1 1');
    expect(sim.state.deviceFarm.transactions.at(-1)?.offeringStatus.quantity).toBe(3);
  });

  it.each([
    ['buy a6f1 0', /quantity must be 1 or more, got 0/],
    ['buy a6f1 x', /quantity must be a whole number, got "x"/],
    ['buy zzz 1', /no Device Farm offering id starts with "zzz"/],
    ['buy a6f1 49', /LimitExceededException: 51 slots exceed the limit of 50/],
  ])('%s is refused without a change', (line, expected) => {
    const before = structuredClone(sim.state.deviceFarm);
    expect(run(line)).toMatch(expected);
    expect(sim.state.deviceFarm).toEqual(before);
  });

  it('an ineligible account refuses as PurchaseOffering would', () => {
    sim.state.deviceFarm.eligible = false;
    expect(run('buy a6f1 1')).toMatch(/NotEligibleException/);
  });
});

describe('next', () => {
  it('changes the next-period quantity with no transaction', async () => {
    const before = structuredClone(sim.state.deviceFarm.transactions);
    expect(run('next b7e2 3')).toBe(
      'Next period of b7e2d2e3 iOS Remote Access Unmetered Device Slot: 3 slots from 2025-04-01 (was 0); no transaction recorded.',
    );
    expect(sim.state.deviceFarm.slots[SEED_IDS.iosRemote]).toEqual({ current: 1, nextPeriod: 3 });
    expect(sim.state.deviceFarm.transactions).toEqual(before);
    const status = await df.send(new GetOfferingStatusCommand({}));
    expect(status.nextPeriod?.[SEED_IDS.iosRemote]?.quantity).toBe(3);
  });

  it('works on an offering that held nothing', () => {
    run(`next ${SEED_IDS.androidPrivate.slice(0, 6)} 1`);
    expect(sim.state.deviceFarm.slots[SEED_IDS.androidPrivate]).toEqual({
      current: 0,
      nextPeriod: 1,
    });
  });

  it.each([
    ['next a6f1 -1', /quantity must be 0 or more/],
    ['next a6f1 51', /51 slots exceed the limit of 50/],
    ['next zzz 1', /no Device Farm offering id starts with/],
  ])('%s is refused without a change', (line, expected) => {
    const before = structuredClone(sim.state.deviceFarm);
    expect(run(line)).toMatch(expected);
    expect(sim.state.deviceFarm).toEqual(before);
  });
});

describe('end', () => {
  it('moves the end and keeps the reservation ACTIVE for days > 0', async () => {
    sim.state.mediaConnect.reservations[0]!.reservationState = 'EXPIRED';
    expect(run('end live-events 2')).toBe(
      'MediaConnect live-events: ACTIVE, ends 2025-03-17T12:00:00Z.',
    );
    const { Reservations } = await mc.send(new ListReservationsCommand({}));
    expect(Reservations?.find((r) => r.ReservationName === 'live-events')).toMatchObject({
      ReservationState: 'ACTIVE',
      End: '2025-03-17T12:00:00Z',
    });
  });

  it('accepts fractions and matches the name without case', () => {
    expect(run('END Live-Events 0.5')).toBe(
      'MediaConnect live-events: ACTIVE, ends 2025-03-16T00:00:00Z.',
    );
  });

  it.each([
    ['0', '2025-03-15T12:00:00Z'],
    ['-3', '2025-03-12T12:00:00Z'],
  ])('days %s makes it EXPIRED', async (days, end) => {
    expect(run(`end live-events ${days}`)).toBe(`MediaConnect live-events: EXPIRED, ends ${end}.`);
    const reservation = sim.state.mediaConnect.reservations[0]!;
    expect(reservation).toMatchObject({ reservationState: 'EXPIRED', end });
    const { Reservations } = await mc.send(new ListReservationsCommand({}));
    expect(Reservations?.[0]?.ReservationState).toBe('EXPIRED');
  });

  it.each([
    [
      'end nobody 3',
      /no MediaConnect reservation named "nobody" \(known: live-events, pilot-bandwidth\)/,
    ],
    ['end live-events soon', /days must be a number, got "soon"/],
    ['end live-events Infinity', /days must be a number/],
  ])('%s is refused without a change', (line, expected) => {
    const before = structuredClone(sim.state.mediaConnect);
    const answer = run(line);
    expect(answer).toMatch(expected);
    expect(answer).toMatch(/type help/);
    expect(sim.state.mediaConnect).toEqual(before);
  });
});

describe('AWS ending a reservation on its own', () => {
  it('an ACTIVE reservation whose end passed on AWS clock is EXPIRED, and stays so', async () => {
    const live = sim.state.mediaConnect.reservations[0]!;
    live.end = '2025-03-15T11:59:59Z';
    expect(run('status')).toContain('MediaConnect live-events: EXPIRED, ends 2025-03-15T11:59:59Z');
    expect(live.reservationState).toBe('EXPIRED');

    live.reservationState = 'ACTIVE';
    const { Reservations } = await mc.send(new ListReservationsCommand({}));
    expect(Reservations?.[0]?.ReservationState).toBe('EXPIRED');
    expect(live.reservationState).toBe('EXPIRED');
  });

  it('judges by AWS clock, not the host one', () => {
    const live = sim.state.mediaConnect.reservations[0]!;
    live.end = '2025-03-15T12:03:00Z';
    run('clock +5');
    expect(run('status')).toContain('live-events: EXPIRED');
  });

  it('leaves a PROCESSING one and one still running alone', () => {
    const [live] = sim.state.mediaConnect.reservations;
    run('status');
    expect(live!.reservationState).toBe('ACTIVE');
    live!.reservationState = 'PROCESSING';
    live!.end = '2025-03-01T00:00:00Z';
    run('status');
    expect(live!.reservationState).toBe('PROCESSING');
  });
});

describe('fail and heal', () => {
  it('fail devicefarm breaks the Device Farm reads until heal', async () => {
    expect(run('fail devicefarm')).toBe(
      'Failing until heal: Device Farm GetOfferingStatus, ListOfferingTransactions (InternalFailure).',
    );
    for (let i = 0; i < 2; i++) {
      expect(await rejectionOf(df.send(new GetOfferingStatusCommand({})))).toMatchObject({
        name: 'InternalFailure',
        $metadata: { httpStatusCode: 500 },
      });
    }
    expect(await rejectionOf(df.send(new ListOfferingTransactionsCommand({})))).toMatchObject({
      name: 'InternalFailure',
    });
    await mc.send(new ListReservationsCommand({}));

    expect(run('heal')).toMatch(/^Every fault disarmed/);
    await df.send(new GetOfferingStatusCommand({}));
    await df.send(new ListOfferingTransactionsCommand({}));
  });

  it('fail mediaconnect answers 503 on ListReservations only', async () => {
    expect(run('FAIL  MediaConnect')).toMatch(/MediaConnect ListReservations/);
    const error = await rejectionOf(mc.send(new ListReservationsCommand({})));
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 503 });
    await df.send(new GetOfferingStatusCommand({}));
    run('heal');
    await mc.send(new ListReservationsCommand({}));
  });

  it('fail all breaks every watched read', async () => {
    run('fail all');
    await rejectionOf(df.send(new GetOfferingStatusCommand({})));
    await rejectionOf(df.send(new ListOfferingTransactionsCommand({})));
    await rejectionOf(mc.send(new ListReservationsCommand({})));
    run('heal');
    await df.send(new GetOfferingStatusCommand({}));
    await mc.send(new ListReservationsCommand({}));
  });

  it('an unknown service is refused', () => {
    expect(run('fail s3')).toBe(
      'fail: unknown service "s3" (devicefarm, mediaconnect or all); type help for the list.',
    );
  });
});

describe('switches', () => {
  const buySlots = () =>
    df.send(new PurchaseOfferingCommand({ offeringId: SEED_IDS.androidRemote, quantity: 3 }));
  const buyBandwidth = () =>
    mc.send(
      new PurchaseBandwidthCommand({
        OfferingArn: sim.state.mediaConnect.offerings[0]!.offeringArn,
        ReservationName: 'q2-bandwidth',
        Start: '2025-03-15T12:00:00Z',
      }),
    );
  const freeMediaConnectAccount = () => {
    sim.state.mediaConnect.reservations = sim.state.mediaConnect.reservations.filter(
      (r) => r.reservationArn !== SEED_IDS.activeReservation,
    );
  };
  const switchesLine = () => run('status').split('\n').at(-1);

  it('quantity total makes a PURCHASE record the total held after it', async () => {
    expect(run('quantity TOTAL')).toMatch(/record the total held/);
    expect(sim.behaviour.purchaseQuantity).toBe('total');
    const { offeringTransaction } = await buySlots();
    expect(offeringTransaction?.offeringStatus?.quantity).toBe(5);
    expect(run('quantity bought')).toMatch(/record the quantity bought/);
    expect((await buySlots()).offeringTransaction?.offeringStatus?.quantity).toBe(3);
  });

  it('clock moves the Date header and what AWS stamps, console changes included', async () => {
    expect(run('clock +5')).toBe(
      "AWS's clock is now 5 min ahead of the host's (Date header, createdOn, start windows).",
    );
    const aws = new Date(NOW.getTime() + 5 * 60_000);
    expect(sim.behaviour.clockOffsetMs).toBe(300_000);
    const res = await fetch(`${sim.url}/v1/reservations`);
    expect(res.headers.get('date')).toBe(aws.toUTCString());
    const { offeringTransaction } = await buySlots();
    expect(offeringTransaction?.createdOn).toEqual(aws);
    run('renew b7e2 4');
    expect(sim.state.deviceFarm.transactions.at(-1)?.createdOn).toEqual(aws);
    expect(run('end live-events 1')).toBe(
      'MediaConnect live-events: ACTIVE, ends 2025-03-16T12:05:00Z.',
    );

    expect(run('clock -2.5')).toMatch(/2\.5 min behind the host's/);
    expect(sim.behaviour.clockOffsetMs).toBe(-150_000);
    expect(run('clock 0')).toBe("AWS's clock agrees with the host's again.");
    expect(sim.behaviour.clockOffsetMs).toBe(0);
  });

  it('lag hides new purchases from the listings until lowered', async () => {
    expect(run('lag 90')).toBe(
      'New transactions and reservations show in the listings 90 s after they are made.',
    );
    expect(sim.behaviour.listingDelayMs).toBe(90_000);
    const { offeringTransaction } = await buySlots();
    const listed = async () =>
      ((await df.send(new ListOfferingTransactionsCommand({}))).offeringTransactions ?? []).map(
        (t) => t.transactionId,
      );
    expect(await listed()).not.toContain(offeringTransaction?.transactionId);
    expect(run('lag 0')).toMatch(/at once/);
    expect(await listed()).toContain(offeringTransaction?.transactionId);
  });

  it('processing on, then activate', async () => {
    freeMediaConnectAccount();
    expect(run('processing on')).toMatch(/start PROCESSING; type activate/);
    expect((await buyBandwidth()).Reservation?.ReservationState).toBe('PROCESSING');
    expect(run('activate')).toBe('Now ACTIVE: q2-bandwidth.');
    const { Reservations } = await mc.send(new ListReservationsCommand({}));
    expect(Reservations?.find((r) => r.ReservationName === 'q2-bandwidth')).toMatchObject({
      ReservationState: 'ACTIVE',
    });
    expect(run('activate')).toBe('No MediaConnect reservation is PROCESSING.');
    expect(run('processing off')).toMatch(/start ACTIVE/);
    expect(sim.behaviour.newReservationState).toBe('ACTIVE');
  });

  it('ineligible on makes the Device Farm reads answer NotEligibleException', async () => {
    expect(run('ineligible on')).toBe(
      'Device Farm ListOfferings, ListOfferingPromotions, GetOfferingStatus, ListOfferingTransactions answer NotEligibleException.',
    );
    expect(await rejectionOf(df.send(new GetOfferingStatusCommand({})))).toBeInstanceOf(
      NotEligibleException,
    );
    expect(run('ineligible off')).toBe('Device Farm reads answer normally.');
    await df.send(new GetOfferingStatusCommand({}));
  });

  it('arn noaccount drops the account field from the offering ARNs, arn account restores it', async () => {
    expect(run('arn noaccount')).toBe(
      'MediaConnect offering ARNs now have no account field, e.g. arn:aws:mediaconnect:us-west-2::offering:36KTUMS5RR10.',
    );
    const listed = await mc.send(new ListOfferingsCommand({}));
    expect(listed.Offerings?.[0]?.OfferingArn).toBe(
      'arn:aws:mediaconnect:us-west-2::offering:36KTUMS5RR10',
    );
    expect(run('arn account')).toBe(
      `MediaConnect offering ARNs now carry the account, e.g. ${SEED_IDS.offering10}.`,
    );
    expect(sim.state.mediaConnect.offerings[0]?.offeringArn).toBe(SEED_IDS.offering10);
  });

  it('status shows every switch as the command that sets it', () => {
    for (const line of ['quantity total', 'clock -5', 'lag 90', 'processing on', 'ineligible on']) {
      run(line);
    }
    run('arn noaccount');
    expect(switchesLine()).toBe(
      'Switches: quantity total, clock -5, lag 90, processing on, ineligible on, arn noaccount',
    );
    sim.reset();
    expect(sim.behaviour).toEqual(DEFAULT_BEHAVIOUR);
  });

  it.each([
    ['quantity after', /quantity takes bought or total, got "after"/],
    ['clock soon', /minutes must be a number, got "soon"/],
    ['clock 1e99', /minutes must be a number/],
    ['clock 99999999999', /clockOffsetMs/],
    ['lag -1', /seconds must be 0 or more/],
    ['lag later', /seconds must be a number/],
    ['processing maybe', /processing takes on or off/],
    ['ineligible yes', /ineligible takes on or off/],
    ['arn none', /arn takes account or noaccount/],
  ])('%s is refused without a change', (line, expected) => {
    const answer = run(line);
    expect(answer).toMatch(expected);
    expect(answer).toMatch(/type help/);
    expect(answer).not.toContain('\n');
    expect(sim.behaviour).toEqual(DEFAULT_BEHAVIOUR);
  });
});

describe('npm run sim with a piped stdin', () => {
  it('answers commands, keeps serving after stdin closes, exits 0 on SIGTERM', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts'], {
      cwd: root,
      env: { ...process.env, SIM_PORT: '0', SIM_HOST: '127.0.0.1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let output = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            child.stdout.off('data', check);
            resolve(match);
          }
        };
        child.stdout.on('data', check);
        child.once('exit', () => reject(new Error(`cli exited early:\n${output}`)));
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const url = (await waitFor(/^ {2}AWS_ENDPOINT_URL_MEDIACONNECT=(\S+)$/m))[1]!;
      expect(output).toContain('type help');

      child.stdin.write('renew a6f1 7\nnonsense\n');
      await waitFor(/^Unknown command "nonsense"/m);
      expect(output).toMatch(/^Renewed a6f1c1d2 .* at 7 for next period/m);

      child.stdin.end();
      await waitFor(/^Console closed/m);
      const client = new DeviceFarmClient({
        region: 'us-west-2',
        credentials,
        maxAttempts: 1,
        endpoint: url,
      });
      try {
        const status = await client.send(new GetOfferingStatusCommand({}));
        expect(status.nextPeriod?.[SEED_IDS.androidRemote]?.quantity).toBe(7);
      } finally {
        client.destroy();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
