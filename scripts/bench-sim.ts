/**
 * The AWS simulator in a process of its own, for `npm run bench`: serving hundreds of items per
 * page costs CPU, and in the load generator's process that CPU would delay the acks it times
 * (the bare Bolt floor makes no AWS calls, so only slots-bot's figures would suffer).
 *
 * Started with IPC by `startSimProcess`; argv: offerings, Device Farm transactions, page size,
 * delay per call (ms). Reports `{ url }` once listening, then one message per AWS call when it
 * ends; takes `{ advance: true }` to roll the Device Farm period.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DfTransaction, largeSeed, type SimSeed, startSimulator } from '../src/sim/index.js';

export interface SimCallReport {
  readonly service: string;
  readonly operation: string;
  readonly status: number;
  /** When the call arrived and when it ended, epoch ms. */
  readonly at: number;
  readonly endedAt: number;
}

export interface SimProcess {
  readonly url: string;
  /** Every call that has ended so far, in order. */
  readonly calls: SimCallReport[];
  stop(): Promise<void>;
}

export interface SimPlan {
  readonly offerings: number;
  readonly transactions: number;
  readonly pageSize: number;
  readonly delayMs: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));

export async function startSimProcess(plan: SimPlan): Promise<SimProcess> {
  const tsx = resolve(HERE, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      tsx,
      join(HERE, 'bench-sim.ts'),
      String(plan.offerings),
      String(plan.transactions),
      String(plan.pageSize),
      String(plan.delayMs),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const calls: SimCallReport[] = [];
  const url = await new Promise<string>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`the simulator process exited (${code})`)));
    child.on('message', (m: { url?: string; call?: SimCallReport }) => {
      if (m.url) done(m.url);
      if (m.call) calls.push(m.call);
    });
  });
  return {
    url,
    calls,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Past PURCHASE transactions shaped like the seed's, until there are `total`. */
export function withTransactions(seed: SimSeed, total: number): SimSeed {
  const transactions = seed.deviceFarm.transactions;
  const model = transactions[0];
  if (!model) return seed;
  const offerings = seed.deviceFarm.offerings;
  const hour = 3_600_000;
  for (let i = transactions.length; i < total; i++) {
    const offering = offerings[i % offerings.length]!;
    const createdOn = new Date(Date.now() - (i + 1) * hour);
    const tx: DfTransaction = {
      ...structuredClone(model),
      transactionId: `40000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      offeringStatus: {
        ...structuredClone(model.offeringStatus),
        type: 'PURCHASE',
        offering,
        quantity: 1,
        effectiveOn: createdOn,
      },
      createdOn,
    };
    transactions.push(tx);
  }
  return seed;
}

async function main(): Promise<void> {
  const [offerings, transactions, pageSize, delayMs] = process.argv.slice(2).map(Number);
  const send = (m: unknown) => process.send?.(m);
  const sim = await startSimulator({
    seed: withTransactions(largeSeed(new Date(), offerings!), transactions!),
    pageSize: pageSize!,
    // A long run would otherwise keep every call; the parent gets them as messages.
    maxCalls: 1,
    onCall: (call) =>
      send({
        call: {
          service: call.service,
          operation: call.operation,
          status: call.status,
          at: call.at.getTime(),
          endedAt: Date.now(),
        },
      }),
  });
  sim.setGlobalDelay(delayMs!);
  process.on('message', (m: { advance?: boolean }) => {
    if (m.advance) sim.advancePeriod();
  });
  process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
  process.once('disconnect', () => void sim.close().then(() => process.exit(0)));
  send({ url: sim.url });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
