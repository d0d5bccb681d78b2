/**
 * The full approval as `npm run bench` measures it against one store backend: a one-line purchase
 * from a requester, the card the bot posts, the approver's signed click, and the card edited with
 * AWS's transaction. Each approval finishes before the next starts (one request per offering may
 * be open), so the numbers are one user's wait, not throughput.
 */
import pg from 'pg';
import { SEED_IDS } from '../src/sim/index.js';
import { APPROVE_ACTION } from '../src/slack/views/request-card.js';
import { blockText, buttonValues } from '../test/helpers/blocks.js';
import type { FakeSlack } from '../test/helpers/fake-slack.js';
import { buttonClick } from '../test/helpers/payloads.js';
import { sendInteraction, sendSlashCommand } from '../test/helpers/slack-requests.js';
import type { BotProcess } from './bench-bot.js';

/** The approver `botProcessEnv` configures. */
const APPROVER = 'U0BOB';
const REQUESTER = 'U0ALICE';

export interface ApprovalTimes {
  /** Command sent → card posted in the channel. */
  readonly cardMs: number[];
  /** Click sent → its ack. */
  readonly clickAckMs: number[];
  /** Click sent → card edited with the transaction id. */
  readonly outcomeMs: number[];
  /** Approvals that did not end with a transaction on the card. */
  readonly failures: number;
}

export async function approvals(
  bot: BotProcess,
  slack: FakeSlack,
  runs: number,
  timeoutMs = 15_000,
): Promise<ApprovalTimes> {
  const times: ApprovalTimes = { cardMs: [], clickAckMs: [], outcomeMs: [], failures: 0 };
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    try {
      await approveOnce(bot, slack, times, timeoutMs);
    } catch {
      failures += 1;
    }
  }
  return { ...times, failures };
}

async function approveOnce(
  bot: BotProcess,
  slack: FakeSlack,
  times: ApprovalTimes,
  timeoutMs: number,
): Promise<void> {
  const posts = slack.callsTo('chat.postMessage').length;
  const updates = slack.callsTo('chat.update').length;
  const sentAt = Date.now();
  const command = await sendSlashCommand(bot.eventsUrl, {
    text: `purchase devicefarm ${SEED_IDS.androidRemote} 1`,
    userId: REQUESTER,
    responseUrl: slack.responseUrl(),
  });
  if (command.status !== 200) throw new Error(`command answered ${command.status}`);
  const id = await slack.waitFor(
    'the request card',
    () =>
      slack
        .callsTo('chat.postMessage')
        .slice(posts)
        .flatMap((c) => buttonValues(c.args, APPROVE_ACTION))[0],
    timeoutMs,
  );
  times.cardMs.push(Date.now() - sentAt);

  const clickedAt = Date.now();
  const click = await sendInteraction(
    bot.eventsUrl,
    buttonClick({
      actionId: APPROVE_ACTION,
      value: id,
      userId: APPROVER,
      responseUrl: slack.responseUrl(),
    }),
  );
  if (click.status !== 200) throw new Error(`click answered ${click.status}`);
  times.clickAckMs.push(click.elapsedMs);
  await slack.waitFor(
    'the card edited with the transaction',
    () =>
      slack
        .callsTo('chat.update')
        .slice(updates)
        .some((c) => /transaction/i.test(blockText(c.args)) && blockText(c.args).includes(id)),
    timeoutMs,
  );
  times.outcomeMs.push(Date.now() - clickedAt);
}

/** Where the PostgreSQL run creates its throwaway database. */
export const BENCH_POSTGRES_URL =
  process.env.SLOTS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database on the server at `BENCH_POSTGRES_URL`, or undefined (with the reason) when no
 * server answers: the PostgreSQL run is then skipped, not failed.
 */
export async function benchDatabase(): Promise<BenchDatabase | { skipped: string }> {
  const name = `slots_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({
    connectionString: BENCH_POSTGRES_URL,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err) {
    await admin.end().catch(() => undefined);
    return {
      skipped: `no PostgreSQL at ${redacted(BENCH_POSTGRES_URL)} (${(err as Error).message})`,
    };
  }
  await admin.end();
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
