/**
 * `npm run bench`: measures the built bot as a real process, on loopback only.
 *
 *   1. start-up: spawn `node dist/main.js` until `GET /healthz` answers 200 (several times);
 *   2. ack latency of signed `/slots help` (answered in the ack) and `/slots status` (acked at
 *      once, answered on the response_url), sequential and in concurrent bursts;
 *   3. status latency with hundreds of offerings (`largeSeed`), at the simulator's default page
 *      size and at a bigger one: from sending the command to the answer on the response_url;
 *   4. RSS of the bot after start-up and after the load;
 *   5. watcher poll, in this process (no bot): `createWatcher` against the simulator with
 *      `largeSeed` plus extra Device Farm history and a fresh SQLite store, `pollOnce()` timed for
 *      the first poll (history recorded quietly, one renewal notice per offering with slots
 *      queued), repeat polls (nothing new: nothing queued) and a poll after `advancePeriod()`
 *      (one grouped transactions notice); every queued message is checked against Slack's limits.
 *
 * Prints a table, then one JSON line with every number, and exits 1 if a budget is exceeded or a
 * check fails. The bot talks to a fake Slack and the AWS simulator, both in this process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAwsClients, createCapacityServices } from '../src/aws/index.js';
import { systemClock } from '../src/lifecycle/clock.js';
import { createLogger } from '../src/logger.js';
import { createWatcher } from '../src/notices/watcher.js';
import {
  type DfTransaction,
  defaultSeed,
  largeSeed,
  type Simulator,
  startSimulator,
} from '../src/sim/index.js';
import { limitViolations, type SlackMessage } from '../src/slack/views/message.js';
import { noticeMessage } from '../src/slack/views/notices.js';
import { openStore } from '../src/store/index.js';
import { blockText } from '../test/helpers/blocks.js';
import { botProcessEnv, freePort } from '../test/helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../test/helpers/fake-slack.js';
import { sendSlashCommand } from '../test/helpers/slack-requests.js';
import { approvals, benchDatabase } from './bench-backends.js';
import {
  type BotProcess,
  cpuMsOf,
  killAllBots,
  type Memory,
  memoryOf,
  sleep,
  spawnBot,
} from './bench-bot.js';

// ---------------------------------------------------------------------------------------------
// What is run, and the budgets.

const PLAN = {
  startupRuns: 5,
  sequential: 300,
  bursts: 10,
  burstSize: 20,
  offerings: 500,
  statusRuns: 20,
  bigPageSize: 100,
  /** Concurrent `/slots status` with 500 offerings at the default page size. */
  heavyBurst: 20,
  /** Added to every simulator answer in a short extra run: a stand-in for AWS's round trip. */
  awsDelayMs: 20,
  delayedRuns: 3,
  /** Device Farm transactions the watcher finds on its first poll (largeSeed is topped up). */
  watcherHistory: 800,
  watcherRepeats: 5,
  /** The simulator's page size for the watcher's Device Farm reads (its default). */
  watcherPageSize: 3,
  /** Per store backend (SQLite, PostgreSQL): sequential `/slots status`, then full approvals. */
  backendStatus: 100,
  backendApprovals: 10,
} as const;

const BUDGET = {
  ackP99Ms: 1_000,
  statusP95Ms: 3_000,
  startupMedianMs: 5_000,
  rssAfterLoadMb: 300,
  blocks: 50,
  watcherFirstPollMs: 5_000,
  watcherRepeatP50Ms: 2_000,
  /** Click → card edited with AWS's transaction, on either backend. */
  approvalP95Ms: 2_000,
} as const;

/** Hard stop for the whole run: children are killed and the run fails. */
const WATCHDOG_MS = 240_000;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN_JS = join(ROOT, 'dist', 'main.js');

// ---------------------------------------------------------------------------------------------
// Numbers.

interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles, rounded to 0.1 ms. */
function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number | undefined) => (x === undefined ? Number.NaN : Math.round(x * 10) / 10);
  const q = (p: number) =>
    r(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return {
    n: s.length,
    p50: q(50),
    p95: q(95),
    p99: q(99),
    max: r(s[s.length - 1]),
    mean: r(mean),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

interface Check {
  readonly what: string;
  readonly value: string;
  readonly limit: string;
  readonly ok: boolean;
}

const checks: Check[] = [];
function check(what: string, value: number | string, limit: string, ok: boolean): void {
  checks.push({
    what,
    value: typeof value === 'number' ? String(round1(value)) : value,
    limit,
    ok,
  });
}

function withTimeout<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Talking to the bot.

interface Sent {
  readonly id: string;
  readonly sentAt: number;
  readonly status: number;
  readonly ackMs: number;
  readonly ackBody: unknown;
}

let seq = 0;

async function slash(bot: BotProcess, slack: FakeSlack, text: string): Promise<Sent> {
  seq += 1;
  const id = `bench-${seq}`;
  const sentAt = Date.now();
  const res = await withTimeout(
    `/slots ${text}`,
    sendSlashCommand(bot.eventsUrl, { text, responseUrl: slack.responseUrl(id) }),
    10_000,
  );
  return { id, sentAt, status: res.status, ackMs: res.elapsedMs, ackBody: res.json };
}

/** Waits until every command in `sent` has its answer; returns answer latencies (ms). */
async function answersTo(slack: FakeSlack, sent: readonly Sent[], timeoutMs: number) {
  const wanted = new Map(sent.map((s) => [s.id, s]));
  const found = new Map<string, { at: number; body: Record<string, unknown> }>();
  let scanned = 0;
  await slack.waitFor(
    `${sent.length} answers on response_url`,
    () => {
      for (; scanned < slack.responses.length; scanned++) {
        const r = slack.responses[scanned]!;
        if (wanted.has(r.id) && !found.has(r.id)) found.set(r.id, { at: r.at, body: r.body });
      }
      return found.size >= wanted.size;
    },
    timeoutMs,
  );
  return sent.map((s) => {
    const answer = found.get(s.id)!;
    return { latencyMs: answer.at - s.sentAt, body: answer.body };
  });
}

function isHelpAck(body: unknown): boolean {
  const b = body as { blocks?: unknown } | undefined;
  return Array.isArray(b?.blocks) && b.blocks.length > 0;
}

interface AckResult {
  readonly acks: Summary;
  /** Non-200 acks, help acks without blocks, status answers that report a failure. */
  readonly failures: number;
  /** Answer latencies on the response_url (status only). */
  readonly answers?: Summary;
}

/** An answer that reports a failure instead of the status (fast, but not what is measured). */
function degraded(body: Record<string, unknown>): boolean {
  return /could not be read|went wrong/i.test(`${String(body.text ?? '')}\n${blockText(body)}`);
}

async function sequentialAcks(
  bot: BotProcess,
  slack: FakeSlack,
  text: 'help' | 'status',
  count: number,
): Promise<AckResult> {
  const sent: Sent[] = [];
  for (let i = 0; i < count; i++) sent.push(await slash(bot, slack, text));
  return finishAcks(slack, text, sent);
}

async function burstAcks(
  bot: BotProcess,
  slack: FakeSlack,
  text: 'help' | 'status',
  bursts: number,
  size: number,
): Promise<AckResult> {
  const sent: Sent[] = [];
  for (let b = 0; b < bursts; b++) {
    sent.push(...(await Promise.all(Array.from({ length: size }, () => slash(bot, slack, text)))));
    await sleep(20);
  }
  return finishAcks(slack, text, sent);
}

async function finishAcks(slack: FakeSlack, text: string, sent: Sent[]): Promise<AckResult> {
  let failures = sent.filter(
    (s) => s.status !== 200 || (text === 'help' && !isHelpAck(s.ackBody)),
  ).length;
  const acks = summarize(sent.map((s) => s.ackMs));
  if (text !== 'status') return { acks, failures };
  // Every status must also be answered, and properly, before the next phase starts.
  const answers = await answersTo(slack, sent, 30_000);
  failures += answers.filter((a) => degraded(a.body)).length;
  return { acks, failures, answers: summarize(answers.map((a) => a.latencyMs)) };
}

interface StatusResult {
  readonly pageSize: number;
  readonly latency: Summary;
  readonly acks: Summary;
  readonly awsCallsPerStatus: number;
  /** CPU the bot process spent per status (10 ms ticks, averaged). */
  readonly botCpuMsPerStatus: number | null;
  /** CPU this process (simulator, fake Slack, client) spent per status. */
  readonly benchCpuMsPerStatus: number;
  readonly maxBlocks: number;
  readonly maxTextChars: number;
  readonly problems: string[];
}

/** `runs` sequential `/slots status` with `sim` holding the large seed. */
async function statusLatency(
  bot: BotProcess,
  slack: FakeSlack,
  sim: Simulator,
  pageSize: number,
  runs: number,
): Promise<StatusResult> {
  const latencies: number[] = [];
  const acks: number[] = [];
  const problems = new Set<string>();
  let maxBlocks = 0;
  let maxTextChars = 0;
  const callsBefore = sim.calls.length;
  const botCpuBefore = cpuMsOf(bot.pid);
  const benchCpuBefore = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const sent = await slash(bot, slack, 'status');
    if (sent.status !== 200) problems.add(`ack status ${sent.status}`);
    acks.push(sent.ackMs);
    const [answer] = await answersTo(slack, [sent], 30_000);
    latencies.push(answer!.latencyMs);
    const body = answer!.body;
    const blocks = Array.isArray(body.blocks) ? body.blocks : [];
    maxBlocks = Math.max(maxBlocks, blocks.length);
    const message = { text: String(body.text ?? ''), blocks } as SlackMessage;
    for (const p of limitViolations(message)) problems.add(p);
    const text = blockText(body);
    maxTextChars = Math.max(maxTextChars, text.length);
    if (degraded(body)) problems.add('the answer reports a failure');
    // Both lists are longer than fits: the answer must say how many of each were left out.
    for (const noun of ['Device Farm offerings', 'MediaConnect reservations']) {
      if (!new RegExp(`\\d+ more ${noun} not shown`).test(text)) {
        problems.add(`no "N more ${noun} not shown" note`);
      }
    }
  }
  const botCpuAfter = cpuMsOf(bot.pid);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  return {
    pageSize,
    latency: summarize(latencies),
    acks: summarize(acks),
    awsCallsPerStatus: Math.round((sim.calls.length - callsBefore) / runs),
    botCpuMsPerStatus:
      botCpuBefore !== undefined && botCpuAfter !== undefined
        ? round1((botCpuAfter - botCpuBefore) / runs)
        : null,
    benchCpuMsPerStatus: round1((benchCpu.user + benchCpu.system) / 1000 / runs),
    maxBlocks,
    maxTextChars,
    problems: [...problems],
  };
}

/** `size` concurrent `/slots status` with 500 offerings: acks while the bot is busy paging. */
async function heavyBurst(bot: BotProcess, slack: FakeSlack, size: number) {
  const started = Date.now();
  const sent = await Promise.all(Array.from({ length: size }, () => slash(bot, slack, 'status')));
  const answers = await answersTo(slack, sent, 60_000);
  return {
    size,
    failures:
      sent.filter((s) => s.status !== 200).length + answers.filter((a) => degraded(a.body)).length,
    acks: summarize(sent.map((s) => s.ackMs)),
    answers: summarize(answers.map((a) => a.latencyMs)),
    allAnsweredMs: Math.max(...answers.map((a, i) => sent[i]!.sentAt + a.latencyMs)) - started,
  };
}

// ---------------------------------------------------------------------------------------------
// The watcher, in this process.

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

/** Adds past PURCHASE transactions (shaped like the seed's) until there are `total`. */
function topUpTransactions(sim: Simulator, total: number): number {
  const transactions = sim.state.deviceFarm.transactions;
  const model = transactions[0];
  if (!model) throw new Error('largeSeed has no Device Farm transaction to copy');
  const offerings = sim.state.deviceFarm.offerings;
  const added = Math.max(0, total - transactions.length);
  const hour = 3_600_000;
  for (let i = 0; i < added; i++) {
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
  return added;
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

interface WatcherResult {
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
async function watcherPolls(now: Date, workDir: string): Promise<WatcherResult> {
  const sim = await startSimulator({
    seed: largeSeed(now, PLAN.offerings),
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

    const transactionsAdded = topUpTransactions(sim, PLAN.watcherHistory);
    const transactionsAtFirstPoll = sim.state.deviceFarm.transactions.length;
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

// ---------------------------------------------------------------------------------------------
// The run.

function build(): number {
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = spawnSync(npm, ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (out.status !== 0) {
    throw new Error(
      `npm run build failed (${out.status ?? out.signal}):\n${out.stdout}${out.stderr}`,
    );
  }
  return performance.now() - started;
}

async function main(): Promise<number> {
  const runStarted = performance.now();
  log('building (npm run build)…');
  const buildMs = build();

  const now = new Date();
  const workDir = mkdtempSync(join(tmpdir(), 'slots-bench-'));
  const closers: (() => Promise<unknown>)[] = [];
  const bots: BotProcess[] = [];
  const slack = await startFakeSlack();
  closers.push(() => slack.close());
  const launch = async (sim: Simulator, extraEnv: Record<string, string> = {}) => {
    const bot = await spawnBot({
      mainJs: MAIN_JS,
      cwd: workDir,
      env: {
        ...botProcessEnv({ workDir, port: await freePort(), slack, sim, logLevel: 'warn' }),
        ...extraEnv,
      },
    });
    bots.push(bot);
    return bot;
  };

  try {
    // The simulator's default page size (3) for start-up and acks; reseeded large for phase 3.
    const sim = await startSimulator({ seed: defaultSeed(now) });
    closers.push(() => sim.close());
    const bigSim = await startSimulator({
      seed: largeSeed(now, PLAN.offerings),
      pageSize: PLAN.bigPageSize,
    });
    closers.push(() => bigSim.close());

    // 1. Start-up, each run alone; the last process stays up for the load.
    log(`start-up × ${PLAN.startupRuns}…`);
    const startups: number[] = [];
    let last: BotProcess | undefined;
    for (let i = 0; i < PLAN.startupRuns; i++) {
      last = await launch(sim);
      startups.push(last.startupMs);
      if (i < PLAN.startupRuns - 1) await last.stop();
    }
    const bot = last!;
    await sleep(200);
    const memStart = memoryOf(bot.pid);

    // 2. Acks, default seed.
    log(`acks: ${PLAN.sequential} sequential and ${PLAN.bursts} bursts of ${PLAN.burstSize}…`);
    const acks = {
      helpSequential: await sequentialAcks(bot, slack, 'help', PLAN.sequential),
      statusSequential: await sequentialAcks(bot, slack, 'status', PLAN.sequential),
      helpBurst: await burstAcks(bot, slack, 'help', PLAN.bursts, PLAN.burstSize),
      statusBurst: await burstAcks(bot, slack, 'status', PLAN.bursts, PLAN.burstSize),
    };
    const memAcks = memoryOf(bot.pid);

    // 3. Status with 500 offerings and 500 reservations, default page size.
    sim.reset(largeSeed(now, PLAN.offerings));
    log(`status with ${PLAN.offerings} offerings, default page size × ${PLAN.statusRuns}…`);
    const statusDefault = await statusLatency(bot, slack, sim, 3, PLAN.statusRuns);
    log(`${PLAN.heavyBurst} concurrent status with ${PLAN.offerings} offerings…`);
    const heavy = await heavyBurst(bot, slack, PLAN.heavyBurst);
    // Not budgeted: what the page count costs once every AWS call has a real round trip.
    log(`… and with ${PLAN.awsDelayMs} ms added to every AWS call × ${PLAN.delayedRuns}…`);
    sim.setGlobalDelay(PLAN.awsDelayMs);
    const delayedDefault = await statusLatency(bot, slack, sim, 3, PLAN.delayedRuns);
    sim.setGlobalDelay(0);
    await sleep(200);
    const memLoad = memoryOf(bot.pid);
    const botExit = await bot.stop();

    // 3b. The same with bigger pages (a fresh process against a simulator with pageSize 100).
    log(
      `status with ${PLAN.offerings} offerings, page size ${PLAN.bigPageSize} × ${PLAN.statusRuns}…`,
    );
    const big = await launch(bigSim);
    const statusBig = await statusLatency(big, slack, bigSim, PLAN.bigPageSize, PLAN.statusRuns);
    bigSim.setGlobalDelay(PLAN.awsDelayMs);
    const delayedBig = await statusLatency(big, slack, bigSim, PLAN.bigPageSize, PLAN.delayedRuns);
    bigSim.setGlobalDelay(0);
    const memBig = memoryOf(big.pid);
    const bigExit = await big.stop();

    // 5. The watcher's poll, in this process, against its own simulator and store.
    log(
      `watcher polls with ${PLAN.offerings} offerings (first, ${PLAN.watcherRepeats} repeats, new period)…`,
    );
    const watch = await watcherPolls(now, workDir);

    // 6. The same bot on each store backend, fresh database each: status, then full approvals.
    sim.reset(defaultSeed(now));
    const backends: BackendResult[] = [];
    const postgres = await benchDatabase();
    const databases: [string, string | undefined][] = [
      ['sqlite', `sqlite:${join(workDir, 'backend.db')}`],
      ['postgres', 'url' in postgres ? postgres.url : undefined],
    ];
    try {
      for (const [backend, url] of databases) {
        if (url === undefined) continue;
        log(
          `${backend}: ${PLAN.backendStatus} sequential status, ${PLAN.backendApprovals} approvals…`,
        );
        backends.push(await backendRun(backend, await launch(sim, { DATABASE_URL: url }), slack));
      }
    } finally {
      if ('url' in postgres) await postgres.drop().catch(() => undefined);
    }
    const postgresSkipped = 'skipped' in postgres ? postgres.skipped : undefined;
    if (postgresSkipped) log(`PostgreSQL run skipped: ${postgresSkipped}`);

    // Budgets and checks.
    const startup = summarize(startups);
    check(
      'start-up median',
      startup.p50,
      `< ${BUDGET.startupMedianMs} ms`,
      startup.p50 < BUDGET.startupMedianMs,
    );
    for (const [key, r] of Object.entries(acks)) {
      const name = ACK_LABEL[key as keyof typeof acks];
      check(
        `ack p99, ${name}`,
        r.acks.p99,
        `< ${BUDGET.ackP99Ms} ms`,
        r.acks.p99 < BUDGET.ackP99Ms,
      );
      check(`failed or degraded, ${name}`, r.failures, '0', r.failures === 0);
    }
    check(
      `status p95, ${PLAN.offerings} offerings, page 3`,
      statusDefault.latency.p95,
      `< ${BUDGET.statusP95Ms} ms`,
      statusDefault.latency.p95 < BUDGET.statusP95Ms,
    );
    for (const s of [statusDefault, statusBig]) {
      check(
        `status blocks, page ${s.pageSize}`,
        s.maxBlocks,
        `≤ ${BUDGET.blocks}`,
        s.maxBlocks <= BUDGET.blocks,
      );
    }
    const answered: [string, StatusResult][] = [
      ['page 3', statusDefault],
      [`page ${PLAN.bigPageSize}`, statusBig],
      [`page 3, +${PLAN.awsDelayMs} ms`, delayedDefault],
      [`page ${PLAN.bigPageSize}, +${PLAN.awsDelayMs} ms`, delayedBig],
    ];
    for (const [label, s] of answered) {
      check(
        `status answer problems, ${label}`,
        s.problems.length ? s.problems.join('; ') : 'none',
        'none',
        s.problems.length === 0,
      );
    }
    check(
      `ack p99, ${PLAN.heavyBurst} concurrent status (500)`,
      heavy.acks.p99,
      `< ${BUDGET.ackP99Ms} ms`,
      heavy.acks.p99 < BUDGET.ackP99Ms,
    );
    check(`failed or degraded, concurrent status (500)`, heavy.failures, '0', heavy.failures === 0);
    check(
      'RSS after load',
      memLoad ? memLoad.rssMb : 'unavailable (no /proc)',
      `< ${BUDGET.rssAfterLoadMb} MB`,
      !memLoad || memLoad.rssMb < BUDGET.rssAfterLoadMb,
    );
    check(
      'bot exits on SIGTERM',
      `${botExit}, ${bigExit}`,
      'exit 0',
      botExit === 'exit 0' && bigExit === 'exit 0',
    );

    check(
      'watcher first poll',
      watch.firstPollMs,
      `< ${BUDGET.watcherFirstPollMs} ms`,
      watch.firstPollMs < BUDGET.watcherFirstPollMs,
    );
    check(
      'watcher repeat poll p50',
      watch.repeatPollMs.p50,
      `< ${BUDGET.watcherRepeatP50Ms} ms`,
      watch.repeatPollMs.p50 < BUDGET.watcherRepeatP50Ms,
    );
    const firstRenewals = watch.first.byKind['notice:renewal_upcoming'] ?? 0;
    const firstEndings = watch.first.byKind['notice:reservation_ending'] ?? 0;
    check(
      'watcher first poll: renewal notices queued',
      firstRenewals,
      `= ${watch.expected.renewals} (offerings with slots)`,
      firstRenewals === watch.expected.renewals,
    );
    check(
      'watcher first poll: other messages queued',
      watch.first.queued - firstRenewals,
      `= ${watch.expected.reservationEndings} (reservations ending ≤ 31 days)`,
      watch.first.queued - firstRenewals === watch.expected.reservationEndings &&
        firstEndings === watch.expected.reservationEndings &&
        watch.first.queued === watch.first.announced,
    );
    check(
      'watcher repeat polls: messages queued',
      watch.repeatQueued.join(', '),
      '0 each',
      watch.repeatQueued.every((q) => q === 0),
    );
    check(
      'watcher poll after new period: queued',
      Object.entries(watch.afterPeriod.byKind)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || '0',
      '1 notice:external_transactions',
      watch.afterPeriod.queued === 1 &&
        watch.afterPeriod.byKind['notice:external_transactions'] === 1,
    );
    const watchProblems = [...watch.first.problems, ...watch.afterPeriod.problems];
    check(
      'watcher messages within Slack limits',
      watchProblems.length ? watchProblems.join('; ') : 'none',
      'none',
      watchProblems.length === 0,
    );
    check(
      'watcher services unread',
      watch.failedServices.length ? watch.failedServices.join(', ') : 'none',
      'none',
      watch.failedServices.length === 0,
    );

    for (const b of backends) {
      check(
        `${b.backend}: ack p99, status`,
        b.status.acks.p99,
        `< ${BUDGET.ackP99Ms} ms`,
        b.status.acks.p99 < BUDGET.ackP99Ms,
      );
      check(
        `${b.backend}: status failed or degraded`,
        b.status.failures,
        '0',
        b.status.failures === 0,
      );
      check(
        `${b.backend}: ack p99, approve click`,
        b.clickAck.p99,
        `< ${BUDGET.ackP99Ms} ms`,
        b.clickAck.p99 < BUDGET.ackP99Ms,
      );
      check(
        `${b.backend}: approval p95, click → outcome`,
        b.outcome.p95,
        `< ${BUDGET.approvalP95Ms} ms`,
        b.outcome.p95 < BUDGET.approvalP95Ms,
      );
      check(`${b.backend}: approvals without an outcome`, b.failures, '0', b.failures === 0);
      check(`${b.backend}: exits on SIGTERM`, b.exit, 'exit 0', b.exit === 'exit 0');
    }

    const result = {
      at: new Date().toISOString(),
      node: process.version,
      cpus: availableParallelism(),
      buildMs: round1(buildMs),
      startupMs: { ...startup, runs: startups.map(round1) },
      ackMs: {
        burstSize: PLAN.burstSize,
        helpSequential: acks.helpSequential.acks,
        statusSequential: acks.statusSequential.acks,
        helpBurst: acks.helpBurst.acks,
        statusBurst: acks.statusBurst.acks,
      },
      answerDefaultSeedMs: {
        sequential: acks.statusSequential.answers,
        burst: acks.statusBurst.answers,
      },
      status500: {
        offerings: PLAN.offerings,
        defaultPage: statusDefault,
        bigPage: statusBig,
        concurrent: heavy,
        awsDelayMs: PLAN.awsDelayMs,
        defaultPageDelayed: delayedDefault,
        bigPageDelayed: delayedBig,
      },
      watcher: watch,
      backends: {
        runs: backends,
        ...(postgresSkipped !== undefined && { postgresSkipped }),
      },
      memoryMb: {
        afterStartup: roundMem(memStart),
        afterAcks: roundMem(memAcks),
        afterLoad: roundMem(memLoad),
        bigPageProcessAfterLoad: roundMem(memBig),
      },
      budgets: BUDGET,
      failed: checks.filter((c) => !c.ok).map((c) => c.what),
      ok: checks.every((c) => c.ok),
      wallMs: round1(performance.now() - runStarted),
    };
    const rows: [string, Summary][] = [
      ['start-up: spawn → /healthz 200', startup],
      ['ack /slots help, sequential', acks.helpSequential.acks],
      ['ack /slots status, sequential', acks.statusSequential.acks],
      [`ack /slots help, bursts of ${PLAN.burstSize}`, acks.helpBurst.acks],
      [`ack /slots status, bursts of ${PLAN.burstSize}`, acks.statusBurst.acks],
      ['status answer, default seed, sequential', acks.statusSequential.answers!],
      [`status answer, default seed, bursts of ${PLAN.burstSize}`, acks.statusBurst.answers!],
      [`status answer, ${PLAN.offerings} offerings, page 3`, statusDefault.latency],
      [`status answer, ${PLAN.offerings} offerings, page ${PLAN.bigPageSize}`, statusBig.latency],
      [`  ack of those, page 3`, statusDefault.acks],
      [`${heavy.size} concurrent status (${PLAN.offerings}, page 3): ack`, heavy.acks],
      [`${heavy.size} concurrent status (${PLAN.offerings}, page 3): answer`, heavy.answers],
      [
        `status, ${PLAN.offerings}, page 3, +${PLAN.awsDelayMs} ms/AWS call`,
        delayedDefault.latency,
      ],
      [
        `status, ${PLAN.offerings}, page ${PLAN.bigPageSize}, +${PLAN.awsDelayMs} ms/AWS call`,
        delayedBig.latency,
      ],
      [
        `watcher first poll (${PLAN.offerings} offerings, page ${watch.pageSize})`,
        summarize([watch.firstPollMs]),
      ],
      ['watcher repeat poll (nothing new)', watch.repeatPollMs],
      ['watcher poll after a new period', summarize([watch.afterPeriodPollMs])],
      ...backends.flatMap((b): [string, Summary][] => [
        [`${b.backend}: ack /slots status, sequential`, b.status.acks],
        [`${b.backend}: status answer, default seed`, b.status.answers!],
        [`${b.backend}: purchase command → card posted`, b.card],
        [`${b.backend}: approve click ack`, b.clickAck],
        [`${b.backend}: approve click → outcome on the card`, b.outcome],
      ]),
    ];
    const notes = [
      `start-up runs (ms): ${startups.map((x) => Math.round(x)).join(', ')}`,
      `AWS calls per status with ${PLAN.offerings} offerings: ${statusDefault.awsCallsPerStatus} at page 3, ${statusBig.awsCallsPerStatus} at page ${PLAN.bigPageSize}`,
      `CPU per status with ${PLAN.offerings} offerings (bot / simulator+fake Slack): page 3 ${statusDefault.botCpuMsPerStatus} / ${statusDefault.benchCpuMsPerStatus} ms, page ${PLAN.bigPageSize} ${statusBig.botCpuMsPerStatus} / ${statusBig.benchCpuMsPerStatus} ms`,
      `status answer size: ${statusDefault.maxBlocks} blocks, ${statusDefault.maxTextChars} characters of text`,
      `${heavy.size} concurrent status with ${PLAN.offerings} offerings: all answered after ${heavy.allAnsweredMs} ms`,
      `watcher: ${watch.transactionsAtFirstPoll} Device Farm transactions at the first poll (${watch.transactionsAdded} added to largeSeed), recorded quietly; first poll queued ${watch.first.queued} messages (${firstRenewals} renewals, ${firstEndings} reservation endings); AWS calls per poll: first ${watch.awsCalls.firstPoll}, repeat ${watch.awsCalls.repeatPoll}`,
      ...backends.map(
        (b) => `${b.backend}: RSS MB (peak) after status and approvals ${memText(b.memory)}`,
      ),
      ...(postgresSkipped ? [`PostgreSQL run skipped: ${postgresSkipped}`] : []),
      `RSS MB (peak): after start-up ${memText(memStart)}, after acks ${memText(memAcks)}, after load ${memText(memLoad)}; page-${PLAN.bigPageSize} process after its load ${memText(memBig)}`,
    ];
    report(result, rows, notes);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await Promise.all(bots.map((b) => b.stop(3_000)));
    killAllBots();
    await Promise.all(closers.map((close) => close().catch(() => undefined)));
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface BackendResult {
  readonly backend: string;
  readonly status: AckResult;
  readonly card: Summary;
  readonly clickAck: Summary;
  readonly outcome: Summary;
  readonly failures: number;
  readonly memory: Memory | undefined;
  readonly exit: string;
}

async function backendRun(
  backend: string,
  bot: BotProcess,
  slack: FakeSlack,
): Promise<BackendResult> {
  const status = await sequentialAcks(bot, slack, 'status', PLAN.backendStatus);
  const times = await approvals(bot, slack, PLAN.backendApprovals);
  const memory = memoryOf(bot.pid);
  return {
    backend,
    status,
    card: summarize(times.cardMs),
    clickAck: summarize(times.clickAckMs),
    outcome: summarize(times.outcomeMs),
    failures: times.failures,
    memory,
    exit: await bot.stop(),
  };
}

const ACK_LABEL = {
  helpSequential: '/slots help, sequential',
  statusSequential: '/slots status, sequential',
  helpBurst: `/slots help, bursts of ${PLAN.burstSize}`,
  statusBurst: `/slots status, bursts of ${PLAN.burstSize}`,
} as const;

function roundMem(m: Memory | undefined) {
  return m ? { rss: round1(m.rssMb), peakRss: round1(m.peakRssMb) } : null;
}

function memText(m: Memory | undefined): string {
  return m ? `${Math.round(m.rssMb)} (${Math.round(m.peakRssMb)})` : 'n/a';
}

// ---------------------------------------------------------------------------------------------
// The table.

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

function report(
  result: { node: string; cpus: number; buildMs: number; wallMs: number },
  rows: [string, Summary][],
  notes: string[],
): void {
  const out = [
    `slots-bot bench: node ${result.node}, ${result.cpus} CPUs, build ${Math.round(result.buildMs)} ms, run ${Math.round(result.wallMs / 1000)} s`,
    '',
    table(
      ['latency (ms)', 'n', 'p50', 'p95', 'p99', 'max'],
      rows.map(([name, s]) => [name, s.n, s.p50, s.p95, s.p99, s.max]),
    ),
    '',
    ...notes,
    '',
    table(
      ['budget or check', 'value', 'limit', 'ok'],
      checks.map((c) => [c.what, c.value, c.limit, c.ok ? 'ok' : 'FAIL']),
    ),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

const watchdog = setTimeout(() => {
  log(`the run took longer than ${WATCHDOG_MS / 1000} s: stopping`);
  killAllBots();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllBots();
    process.exit(130);
  });
}

main()
  .catch((err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  })
  .then((code) => {
    clearTimeout(watchdog);
    killAllBots();
    process.exitCode = code;
    // Anything still holding the event loop (a stray keep-alive socket) must not hang the run.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
