/**
 * The watcher's polls in this process, for `npm run bench`: `createWatcher` against the
 * simulator with `largeSeed` plus extra Device Farm history and a fresh SQLite store,
 * `pollOnce()` timed for the first poll (history recorded quietly, one renewal notice per
 * offering with slots queued), repeat polls (nothing new: nothing queued) and a poll after
 * `advancePeriod()` (one grouped transactions notice); every queued message is checked against
 * Slack's limits. This proves what the watcher says at that size; how its work delays acks is
 * measured in the bot's own process by `bench-ratios.ts`.
 */
import { join } from 'node:path';
import { createAwsClients, createCapacityServices } from '../src/aws/index.js';
import { systemClock } from '../src/lifecycle/clock.js';
import { createLogger } from '../src/logger.js';
import { createWatcher } from '../src/notices/watcher.js';
import { largeSeed, type Simulator, startSimulator } from '../src/sim/index.js';
import { limitViolations, type SlackMessage } from '../src/slack/views/message.js';
import { noticeMessage } from '../src/slack/views/notices.js';
import { openStore } from '../src/store/index.js';
import { withTransactions } from './bench-sim.js';
import { round1, type Summary, summarize } from './bench-stats.js';

export const PLAN = {
  offerings: 500,
  /** Device Farm transactions the watcher finds on its first poll (largeSeed is topped up). */
  watcherHistory: 800,
  watcherRepeats: 5,
  /** The simulator's page size for the watcher's Device Farm reads (its default). */
  watcherPageSize: 3,
} as const;

function withTimeout<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** What the SDK reads from the environment; set for the watcher section, then put back. */
const WATCHER_AWS_ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DEVICE_FARM',
  'AWS_ENDPOINT_URL_MEDIACONNECT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
] as const;

function pointAwsAt(sim: Simulator): () => void {
  const saved = WATCHER_AWS_ENV.map((key) => [key, process.env[key]] as const);
  for (const key of [
    'AWS_ENDPOINT_URL',
    'AWS_SESSION_TOKEN',
    'AWS_MAX_ATTEMPTS',
    'AWS_RETRY_MODE',
  ]) {
    delete process.env[key];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DEVICE_FARM: sim.url,
    AWS_ENDPOINT_URL_MEDIACONNECT: sim.url,
    AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
  });
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

interface QueuedCheck {
  readonly queued: number;
  readonly byKind: Record<string, number>;
  readonly problems: string[];
}

/** Claims what was queued since the last claim and checks each message against the limits. */
async function claimQueued(store: Awaited<ReturnType<typeof openStore>>): Promise<QueuedCheck> {
  const claimed = await store.claimOutbox(new Date(), 10_000, 60_000);
  const byKind: Record<string, number> = {};
  const problems = new Set<string>();
  for (const m of claimed) {
    const payload = (m.payload ?? {}) as { text?: unknown; blocks?: unknown; notice?: unknown };
    const kind = `${m.kind}:${String(payload.notice)}`;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    const message = {
      text: String(payload.text ?? ''),
      blocks: Array.isArray(payload.blocks) ? payload.blocks : [],
    } as SlackMessage;
    for (const p of limitViolations(message)) problems.add(`${String(payload.notice)}: ${p}`);
  }
  return { queued: claimed.length, byKind, problems: [...problems] };
}

export interface WatcherResult {
  readonly offerings: number;
  readonly pageSize: number;
  readonly transactionsAtFirstPoll: number;
  readonly transactionsAdded: number;
  readonly firstPollMs: number;
  readonly repeatPollMs: Summary;
  readonly afterPeriodPollMs: number;
  readonly awsCalls: { readonly firstPoll: number; readonly repeatPoll: number };
  readonly expected: { readonly renewals: number; readonly reservationEndings: number };
  readonly first: QueuedCheck & { readonly announced: number };
  readonly repeatQueued: readonly number[];
  readonly afterPeriod: QueuedCheck & { readonly announced: number };
  readonly failedServices: string[];
}

/** Polls of a watcher against `largeSeed`; never `start()`ed, so only `pollOnce()` runs. */
export async function watcherPolls(now: Date, workDir: string): Promise<WatcherResult> {
  const sim = await startSimulator({
    seed: withTransactions(largeSeed(now, PLAN.offerings), PLAN.watcherHistory),
    pageSize: PLAN.watcherPageSize,
  });
  const restoreEnv = pointAwsAt(sim);
  const aws = createAwsClients({ region: 'us-west-2' });
  const store = await openStore(
    { kind: 'sqlite', path: join(workDir, 'watcher-bench.db') },
    systemClock,
  );
  try {
    const logger = createLogger({ level: 'silent', destination: { write: () => {} } });
    const watcher = createWatcher({
      store,
      aws: createCapacityServices(aws, { logger }),
      clock: systemClock,
      logger,
      channel: 'C0SLOTS',
      leadDays: [31, 7, 1],
      everyMs: 24 * 3_600_000,
      render: noticeMessage,
    });
    const failedServices = new Set<string>();
    const timedPoll = async (what: string) => {
      const started = performance.now();
      const result = await withTimeout(what, watcher.pollOnce(), 60_000);
      const ms = performance.now() - started;
      if (!result) throw new Error(`${what}: the poll failed`);
      for (const s of result.failed) failedServices.add(s);
      return { ms, announced: result.announced };
    };

    const transactionsAtFirstPoll = sim.state.deviceFarm.transactions.length;
    const transactionsAdded = transactionsAtFirstPoll - PLAN.offerings;
    const renewals = Object.values(sim.state.deviceFarm.slots).filter(
      (s) => s.current > 0 || s.nextPeriod > 0,
    ).length;
    const horizon = Date.now() + 31 * 86_400_000;
    const reservationEndings = sim.state.mediaConnect.reservations.filter(
      (r) => r.reservationState === 'ACTIVE' && Date.parse(r.end) <= horizon,
    ).length;

    // 1. First poll: the whole history is recorded quietly; renewals and endings are announced.
    let calls = sim.calls.length;
    const first = await timedPoll('first watcher poll');
    const firstCalls = sim.calls.length - calls;
    const firstQueued = await claimQueued(store);

    // 2. Nothing new: every key is known.
    const repeats: number[] = [];
    const repeatQueued: number[] = [];
    calls = sim.calls.length;
    for (let i = 0; i < PLAN.watcherRepeats; i++) {
      const repeat = await timedPoll('repeat watcher poll');
      repeats.push(repeat.ms);
      repeatQueued.push((await claimQueued(store)).queued);
    }
    const repeatCalls = (sim.calls.length - calls) / PLAN.watcherRepeats;

    // 3. The period rolls: a SYSTEM renewal per offering, announced as one grouped notice.
    sim.advancePeriod();
    const after = await timedPoll('watcher poll after advancePeriod');
    const afterQueued = await claimQueued(store);

    await watcher.stop();
    return {
      offerings: PLAN.offerings,
      pageSize: PLAN.watcherPageSize,
      transactionsAtFirstPoll,
      transactionsAdded,
      firstPollMs: round1(first.ms),
      repeatPollMs: summarize(repeats),
      afterPeriodPollMs: round1(after.ms),
      awsCalls: { firstPoll: firstCalls, repeatPoll: Math.round(repeatCalls) },
      expected: { renewals, reservationEndings },
      first: { ...firstQueued, announced: first.announced },
      repeatQueued,
      afterPeriod: { ...afterQueued, announced: after.announced },
      failedServices: [...failedServices],
    };
  } finally {
    aws.destroy();
    await store.close();
    restoreEnv();
    await sim.close();
  }
}
