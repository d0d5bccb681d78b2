/**
 * Several real bot processes (`src/main.ts` under the tsx loader) sharing one database, one fake
 * Slack and one AWS simulator, each on its own port, the way a platform team runs replicas behind
 * a load balancer. Tests spread signed requests across them, kill one with SIGKILL and read each
 * one's log when something fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { botArgs, botProcessEnv, freePort } from './bot-process.js';
import type { FakeSlack, WebApiCall } from './fake-slack.js';
import { buttonClick } from './payloads.js';
import { type SlackHttpResponse, sendInteraction, sendSlashCommand } from './slack-requests.js';

/** Enough of each replica's log to explain a failure, without holding a long run in memory. */
const LOG_KEEP_CHARS = 200_000;

export interface ReplicaOptions {
  readonly databaseUrl: string;
  readonly slack: FakeSlack;
  readonly sim: Simulator;
  /** Added to (or overriding) the environment `botProcessEnv` builds. */
  readonly env?: Record<string, string>;
  readonly logLevel?: string;
}

export interface Replica {
  readonly name: string;
  readonly port: number;
  readonly eventsUrl: string;
  readonly healthUrl: string;
  readonly child: ChildProcess;
  /** What the process wrote to stdout and stderr so far (the tail, if it wrote a lot). */
  log(): string;
  exited(): boolean;
  /** SIGKILL, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM and waits for a graceful exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export interface Health {
  readonly status: number;
  readonly body: unknown;
}

/** Spawns one replica and returns at once; `waitHealthy` says when it takes requests. */
export async function launchReplica(name: string, opts: ReplicaOptions): Promise<Replica> {
  const port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), `slots-replica-${name}-`));
  const child = spawn(process.execPath, botArgs(), {
    cwd: workDir,
    env: {
      ...botProcessEnv({
        workDir,
        port,
        slack: opts.slack,
        sim: opts.sim,
        logLevel: opts.logLevel ?? 'warn',
      }),
      DATABASE_URL: opts.databaseUrl,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > LOG_KEEP_CHARS * 2) output = output.slice(-LOG_KEEP_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  gone.then(() => rmSync(workDir, { recursive: true, force: true }));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const base = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    eventsUrl: `${base}/slack/events`,
    healthUrl: `${base}/healthz`,
    child,
    log: () => output,
    exited,
    kill9: async () => {
      if (!exited()) child.kill('SIGKILL');
      await gone;
    },
    stop: async (graceMs = 15_000) => {
      if (exited()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** `/healthz` as an orchestrator sees it; undefined when nothing answered. */
export async function health(replica: Replica, timeoutMs = 2_000): Promise<Health | undefined> {
  try {
    const res = await fetch(replica.healthUrl, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the failure message.
    }
    return { status: res.status, body };
  } catch {
    return undefined;
  }
}

export async function waitHealthy(replica: Replica, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (replica.exited()) throw new Error(`replica ${replica.name} exited:\n${replica.log()}`);
    if ((await health(replica))?.status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(`replica ${replica.name} not healthy in ${timeoutMs} ms:\n${replica.log()}`);
    }
    await sleep(50);
  }
}

/** Spawns `count` replicas at the same moment and waits until every one is healthy. */
export async function startReplicas(count: number, opts: ReplicaOptions): Promise<Replica[]> {
  const replicas = await Promise.all(
    Array.from({ length: count }, (_, i) => launchReplica(`r${i}`, opts)),
  );
  try {
    await Promise.all(replicas.map((r) => waitHealthy(r)));
  } catch (err) {
    await Promise.all(replicas.map((r) => r.kill9()));
    throw err;
  }
  return replicas;
}

/** The `i`-th replica round-robin, skipping dead ones: how a load balancer spreads requests. */
export function spread(replicas: readonly Replica[], i: number): Replica {
  const alive = replicas.filter((r) => !r.exited());
  const replica = alive[i % alive.length];
  if (!replica) throw new Error('no replica is running');
  return replica;
}

/** Every replica's log, labelled, for a failure message. */
export function logsOf(replicas: readonly Replica[]): string {
  return replicas.map((r) => `--- ${r.name} (port ${r.port}) ---\n${r.log()}`).join('\n');
}

export interface Sent {
  readonly res: SlackHttpResponse;
  readonly responseUrl: string;
}

/** `/slots <text>` from `userId`, signed, to one replica. */
export async function command(
  replica: Replica,
  slack: FakeSlack,
  text: string,
  userId = 'U0ALICE',
): Promise<Sent> {
  const responseUrl = slack.responseUrl();
  const res = await sendSlashCommand(replica.eventsUrl, { text, responseUrl, userId });
  return { res, responseUrl };
}

/** A click on a request card's button, signed, to one replica. */
export async function click(
  replica: Replica,
  slack: FakeSlack,
  actionId: string,
  requestId: string,
  userId = 'U0BOB',
): Promise<Sent> {
  const responseUrl = slack.responseUrl();
  const res = await sendInteraction(
    replica.eventsUrl,
    buttonClick({ actionId, value: requestId, userId, responseUrl }),
  );
  return { res, responseUrl };
}

/** Messages that reached Slack outside any thread. */
export function topLevelPosts(slack: FakeSlack): WebApiCall[] {
  return slack.callsTo('chat.postMessage').filter((c) => !c.failed && !c.args.thread_ts);
}

/** Top-level channel posts of a request's card (the card's fallback text opens with its id). */
export function cardPosts(slack: FakeSlack, requestId: string): WebApiCall[] {
  return topLevelPosts(slack).filter((c) =>
    String(c.args.text ?? '').startsWith(`Request ${requestId} (`),
  );
}

/** Messages posted in a card's thread (the outcome replies). */
export function threadPosts(slack: FakeSlack, cardTs: string): WebApiCall[] {
  return slack.callsTo('chat.postMessage').filter((c) => !c.failed && c.args.thread_ts === cardTs);
}

/** Edits of a card message. */
export function cardUpdates(slack: FakeSlack, cardTs: string): WebApiCall[] {
  return slack.callsTo('chat.update').filter((c) => !c.failed && c.args.ts === cardTs);
}

/** One query on a short-lived connection: the test reads the database the replicas share. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 2_000,
    query_timeout: 5_000,
  });
  // A server restarting cuts the connection: the query fails, and the event must not crash us.
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(sql, [...params])).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface RequestRow {
  readonly id: string;
  readonly state: string;
  readonly action: string;
  readonly card_ts: string | null;
  readonly outcome: string | null;
}

export function requestRows(url: string): Promise<RequestRow[]> {
  return query<RequestRow>(
    url,
    'SELECT id, state, action, card_ts, outcome FROM requests ORDER BY created_at',
  );
}

/** Polls `probe` until it returns something; throws naming `what` (and the logs) after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  replicas: readonly Replica[] = [],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${replicas.length ? `\n${logsOf(replicas)}` : ''}`,
      );
    }
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every message queued so far was delivered or given up: none is waiting. */
export function outboxDrained(
  url: string,
  replicas: readonly Replica[],
  timeoutMs = 20_000,
): Promise<true> {
  return eventually(
    'the outbox to drain',
    async () => {
      const [row] = await query<{ n: number }>(
        url,
        'SELECT COUNT(*)::int AS n FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL',
      );
      return row?.n === 0 ? (true as const) : undefined;
    },
    timeoutMs,
    replicas,
  );
}

interface OutboxRow {
  readonly request_id: string;
  readonly kind: string;
  readonly payload: string | null;
  readonly delivered: boolean;
}

/**
 * What Slack received matches the outbox row for row: each request's card posted once and then
 * edited once per later card message, one thread post per outcome, one answer per response URL.
 */
export async function expectEveryMessageOnce(url: string, slack: FakeSlack): Promise<void> {
  const rows = await query<OutboxRow>(
    url,
    `SELECT request_id, kind, payload, delivered_at IS NOT NULL AS delivered
       FROM outbox WHERE request_id IS NOT NULL ORDER BY id`,
  );
  for (const request of await requestRows(url)) {
    const mine = rows.filter((r) => r.request_id === request.id);
    const delivered = (kind: string) => mine.filter((r) => r.kind === kind && r.delivered).length;
    const where = `request ${request.id} (${request.state})`;
    expect(
      mine.filter((r) => !r.delivered),
      where,
    ).toEqual([]);
    expect(cardPosts(slack, request.id), where).toHaveLength(1);
    const ts = request.card_ts;
    expect(ts, where).toBeTruthy();
    expect(cardUpdates(slack, ts!).length, `${where}: card edits`).toBe(delivered('card') - 1);
    expect(threadPosts(slack, ts!).length, `${where}: thread posts`).toBe(
      delivered('thread_reply'),
    );
    for (const r of mine.filter((m) => m.kind === 'response')) {
      const answerUrl = String(
        (JSON.parse(r.payload ?? '{}') as { responseUrl?: unknown }).responseUrl,
      );
      expect(slack.responsesTo(answerUrl), `${where}: answers on ${answerUrl}`).toHaveLength(1);
    }
  }
}
