import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DeviceFarmClient,
  GetOfferingStatusCommand,
  ListOfferingTransactionsCommand,
} from '@aws-sdk/client-device-farm';
import {
  ListReservationsCommand,
  MediaConnectClient,
  ServiceUnavailableException,
} from '@aws-sdk/client-mediaconnect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSimCommand } from './console.js';
import { SEED_IDS, type Simulator, startSimulator } from './index.js';

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
    for (const command of ['help', 'status', 'period', 'renew', 'end', 'fail', 'heal']) {
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
    ['end live-events', /^Usage: end <reservation-name> <days>/],
    ['fail', /^Usage: fail <devicefarm\|mediaconnect\|all> \(got 0 arguments\)/],
    ['heal now', /^Usage: heal/],
  ])('wrong argument count: %s', (line, expected) => {
    const answer = run(line);
    expect(answer).toMatch(expected);
    expect(answer).not.toContain('\n');
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
    ]);
  });

  it('says so when nothing is held', () => {
    sim.state.deviceFarm.slots = {};
    sim.state.mediaConnect.reservations = [];
    expect(run('status')).toBe('Device Farm: no slots held\nMediaConnect: no reservations');
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
