/**
 * `npm run bench`: slots-bot against the floor of any Bolt app, then what the numbers alone do
 * not show. Loopback only; builds first (`npm run build`, skipped when `dist/` is current).
 *
 *   1. Ratios (`bench-ratios.ts`): the built bot beside a bare Bolt app, the same signed
 *      requests to both in one run, every figure a ratio to its floor with the budget on the
 *      ratio: acks at 1/50/200 concurrent, acks during a large watcher poll, a fresh status
 *      against the AWS critical path, CPU per status, RSS after ten bursts, start-up.
 *   2. The watcher at 500 offerings in this process (`bench-watcher.ts`): the right notices, each
 *      within Slack's limits.
 *   3. The bot on each store backend (SQLite, PostgreSQL): sequential status, then full
 *      approvals, click → outcome.
 *
 * Prints the ratio table, the other figures and checks, then one JSON line with every number;
 * exits 1 if a budget is exceeded or a check fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSeed, startSimulator } from '../src/sim/index.js';
import { blockText } from '../test/helpers/blocks.js';
import { botProcessEnv, freePort } from '../test/helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../test/helpers/fake-slack.js';
import { sendSlashCommand } from '../test/helpers/slack-requests.js';
import { approvals, benchDatabase } from './bench-backends.js';
import { type BotProcess, killAllBots, type Memory, memoryOf, spawnBot } from './bench-bot.js';
import { RATIO_BUDGET, RATIO_PLAN, type Ratio, ratioRun } from './bench-ratios.js';
import { round1, type Summary, summarize } from './bench-stats.js';
import { PLAN, watcherPolls } from './bench-watcher.js';

const BACKEND_PLAN = { status: 100, approvals: 10 } as const;

/** Sanity bounds, not performance budgets: far above any healthy run, so only breakage fails. */
const SANITY = {
  watcherFirstPollMs: 5_000,
  watcherRepeatP50Ms: 2_000,
  ackP99Ms: 1_000,
  /** Click → card edited with AWS's transaction, on either backend. */
  approvalP95Ms: 2_000,
} as const;

/** Hard stop for the whole run: children are killed and the run fails. */
const WATCHDOG_MS = 420_000;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN_JS = join(ROOT, 'dist', 'main.js');
const FLOOR_JS = join(ROOT, 'scripts', 'bench-floor.mjs');

// ---------------------------------------------------------------------------------------------
// Checks.

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
// ---------------------------------------------------------------------------------------------
// The run.

function build(): number {
  const started = performance.now();
  const out = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (out.status !== 0) {
    throw new Error(`the build failed (${out.status ?? out.signal}):\n${out.stdout}${out.stderr}`);
  }
  return performance.now() - started;
}

async function main(): Promise<number> {
  const runStarted = performance.now();
  log('building when dist/ is stale…');
  const buildMs = build();

  const now = new Date();
  const workDir = mkdtempSync(join(tmpdir(), 'slots-bench-'));
  const closers: (() => Promise<unknown>)[] = [];
  const bots: BotProcess[] = [];
  const slack = await startFakeSlack();
  closers.push(() => slack.close());

  try {
    // 1. Beside the floor.
    const ratios = await ratioRun({
      slack,
      workDir,
      mainJs: MAIN_JS,
      floorJs: FLOOR_JS,
      packageJson: join(ROOT, 'package.json'),
      log,
    });
    for (const c of ratios.checks) check(c.what, c.value, 'yes', c.ok);

    // 2. The watcher's notices at 500 offerings, in this process.
    log(
      `watcher polls with ${PLAN.offerings} offerings (first, ${PLAN.watcherRepeats} repeats, new period)…`,
    );
    const watch = await watcherPolls(now, workDir);

    // 3. The same bot on each store backend, fresh database each: status, then full approvals.
    const sim = await startSimulator({ seed: defaultSeed(now) });
    closers.push(() => sim.close());
    const launch = async (extraEnv: Record<string, string>) => {
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
          `${backend}: ${BACKEND_PLAN.status} sequential status, ${BACKEND_PLAN.approvals} approvals…`,
        );
        backends.push(await backendRun(backend, await launch({ DATABASE_URL: url }), slack));
      }
    } finally {
      if ('url' in postgres) await postgres.drop().catch(() => undefined);
    }
    const postgresSkipped = 'skipped' in postgres ? postgres.skipped : undefined;
    if (postgresSkipped) log(`PostgreSQL run skipped: ${postgresSkipped}`);

    // Checks.
    check(
      'watcher first poll',
      watch.firstPollMs,
      `< ${SANITY.watcherFirstPollMs} ms`,
      watch.firstPollMs < SANITY.watcherFirstPollMs,
    );
    check(
      'watcher repeat poll p50',
      watch.repeatPollMs.p50,
      `< ${SANITY.watcherRepeatP50Ms} ms`,
      watch.repeatPollMs.p50 < SANITY.watcherRepeatP50Ms,
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
        `${b.backend}: status failed or degraded`,
        b.status.failures,
        '0',
        b.status.failures === 0,
      );
      check(
        `${b.backend}: ack p99, approve click`,
        b.clickAck.p99,
        `< ${SANITY.ackP99Ms} ms`,
        b.clickAck.p99 < SANITY.ackP99Ms,
      );
      check(
        `${b.backend}: approval p95, click → outcome`,
        b.outcome.p95,
        `< ${SANITY.approvalP95Ms} ms`,
        b.outcome.p95 < SANITY.approvalP95Ms,
      );
      check(`${b.backend}: approvals without an outcome`, b.failures, '0', b.failures === 0);
      check(`${b.backend}: exits on SIGTERM`, b.exit, 'exit 0', b.exit === 'exit 0');
    }

    const ok = ratios.ratios.every((r) => r.ok) && checks.every((c) => c.ok);
    const result = {
      at: new Date().toISOString(),
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      buildMs: round1(buildMs),
      plan: RATIO_PLAN,
      budgets: RATIO_BUDGET,
      ratios: ratios.ratios,
      ratioDetail: ratios.detail,
      watcher: watch,
      backends: {
        runs: backends,
        ...(postgresSkipped !== undefined && { postgresSkipped }),
      },
      failed: [
        ...ratios.ratios.filter((r) => !r.ok).map((r) => r.what),
        ...checks.filter((c) => !c.ok).map((c) => c.what),
      ],
      ok,
      wallMs: round1(performance.now() - runStarted),
    };
    const rows: [string, Summary][] = [
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
    const fresh = ratios.detail.fresh as Record<string, unknown>;
    const notes = [
      `fresh status: ${String(fresh.pagesInLongestChain)} pages in the longest chain (${String(fresh.theoreticalCriticalPathMs)} ms of AWS delay alone); bot CPU per fresh status ${String(fresh.cpuMsPerFreshStatus)} ms, bare SDK CPU for the same reads ${String(fresh.sdkReadCpuMs)} ms`,
      `RSS MiB after each burst: ${(ratios.detail.rssMb as { perBurst: number[] }).perBurst.join(', ')}`,
      `watcher: ${watch.transactionsAtFirstPoll} Device Farm transactions at the first poll (${watch.transactionsAdded} added to largeSeed), recorded quietly; first poll queued ${watch.first.queued} messages; AWS calls per poll: first ${watch.awsCalls.firstPoll}, repeat ${watch.awsCalls.repeatPoll}`,
      ...backends.map(
        (b) => `${b.backend}: RSS MiB (peak) after status and approvals ${memText(b.memory)}`,
      ),
      ...(postgresSkipped ? [`PostgreSQL run skipped: ${postgresSkipped}`] : []),
    ];
    report(result, ratios.ratios, rows, notes);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return ok ? 0 : 1;
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
  const status = await sequentialAcks(bot, slack, 'status', BACKEND_PLAN.status);
  const times = await approvals(bot, slack, BACKEND_PLAN.approvals);
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

/** The ratios as a Markdown table: the README's Performance table is pasted from it. */
function ratioTable(ratios: readonly Ratio[]): string {
  const cell = (r: Ratio) => `≤ ${Math.round(r.limit * 100) / 100}×`;
  return [
    '| figure | floor | slots-bot | ratio | budget | ok |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...ratios.map(
      (r) =>
        `| ${r.what} | ${r.floor} ${r.unit} | ${r.bot} ${r.unit} | ${r.ratio}× | ${cell(r)} | ${r.ok ? 'ok' : 'FAIL'} |`,
    ),
  ].join('\n');
}

function report(
  result: {
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    buildMs: number;
    wallMs: number;
  },
  ratios: readonly Ratio[],
  rows: [string, Summary][],
  notes: string[],
): void {
  const out = [
    `slots-bot bench: node ${result.node}, ${result.cpus} CPUs (${result.cpuModel}), ${result.memoryGiB} GiB, build ${Math.round(result.buildMs)} ms, run ${Math.round(result.wallMs / 1000)} s`,
    '',
    ratioTable(ratios),
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
