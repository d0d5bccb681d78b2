/**
 * The database restarting under load: three replicas on a private PostgreSQL server (so the
 * shared one is never disturbed) take a steady stream of signed commands and clicks while the
 * server restarts, then stops for a few seconds and comes back. Every ack still goes out within
 * Slack's 3 s, `/healthz` says 503 while the database is away and 200 after, nothing is lost or
 * done twice, and a click that could not be recorded is answered "try again".
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultSeed, SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import { APPROVE_ACTION, CANCEL_ACTION } from '../../src/slack/views/request-card.js';
import { blockText } from '../helpers/blocks.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { deviceFarmOutside } from '../helpers/outside.js';
import { describePgCluster, type PgCluster, startPgCluster } from '../helpers/pg-cluster.js';
import {
  click,
  command,
  eventually,
  expectEveryMessageOnce,
  health,
  logsOf,
  outboxDrained,
  query,
  type Replica,
  type RequestRow,
  requestRows,
  type Sent,
  sleep,
  spread,
  startReplicas,
} from '../helpers/replicas.js';

const ALICE = 'U0ALICE'; // requests and cancels
const BOB = 'U0BOB'; // approves
const ACK_LIMIT_MS = 3_000;
/**
 * How long an answer that goes through the outbox may take after an outage: a message claimed
 * just before the database went away stays leased to its claimer for the outbox's 60 s lease.
 */
const ANSWER_WAIT_MS = 75_000;
/** An answer slower than this is reported (not failed): a user would notice. */
const SLOW_ANSWER_MS = 10_000;
const FINAL_STATES = ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'];
const TRY_AGAIN = /try again/i;

/** One stream of work: the same request made, decided and made again, on rotating replicas. */
interface Lane {
  readonly text: string;
  readonly decide: 'approve' | 'cancel';
  /** The AWS operation an approval calls, and the offering it names. */
  readonly operation: 'PurchaseOffering' | 'RenewOffering';
  readonly offeringId: string;
}

const LANES: readonly Lane[] = [
  lane('purchase', SEED_IDS.androidRemote, 1, 'approve'),
  lane('purchase', SEED_IDS.iosRemote, 1, 'approve'),
  lane('renew', SEED_IDS.androidAutomated, 2, 'approve'),
  lane('purchase', SEED_IDS.androidAutomated, 1, 'cancel'),
  lane('renew', SEED_IDS.iosRemote, 2, 'cancel'),
  lane('purchase', SEED_IDS.iosAutomated, 1, 'approve'),
];

function lane(
  kind: 'purchase' | 'renew',
  offeringId: string,
  quantity: number,
  decide: Lane['decide'],
): Lane {
  return {
    text: `${kind} devicefarm ${offeringId} ${quantity}`,
    decide,
    operation: kind === 'purchase' ? 'PurchaseOffering' : 'RenewOffering',
    offeringId,
  };
}

/** Everything the load saw, checked once the database is back. */
interface Trace {
  readonly acks: { what: string; replica: string; status: number; ms: number }[];
  /** Requests whose creation was confirmed to the user, by the lane that made them. */
  readonly created: Map<string, Lane>;
  /** "Try again" answers, by their first line. */
  readonly tryAgain: Map<string, number>;
  /** Response URLs of `pending` commands, each of which must be answered. */
  readonly listings: string[];
  /** Answers that came, but late. */
  readonly slow: string[];
  /** Anything a user would call a bug: an unanswered click, a request made twice. */
  readonly problems: string[];
  readonly health: { at: number; replica: string; status: number | undefined; body: unknown }[];
}

let cluster: PgCluster;
let slack: FakeSlack;
let sim: Simulator;
let replicas: Replica[] = [];

beforeAll(async () => {
  [cluster, slack, sim] = await Promise.all([
    startPgCluster(),
    startFakeSlack(),
    startSimulator({ seed: defaultSeed(new Date()) }),
  ]);
  slack.handle('usergroups.users.list', () => ({ users: [] }));
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill9()));
  await Promise.all([slack?.close(), sim?.close()]);
  await cluster?.cleanup();
});

const trace: Trace = {
  acks: [],
  created: new Map(),
  tryAgain: new Map(),
  listings: [],
  slow: [],
  problems: [],
  health: [],
};

/** Sends one signed request and records its ack; a refused connection counts as no ack. */
async function sendRecorded(
  what: string,
  replica: Replica,
  send: (r: Replica) => Promise<Sent>,
): Promise<Sent | undefined> {
  try {
    const sent = await send(replica);
    trace.acks.push({
      what,
      replica: replica.name,
      status: sent.res.status,
      ms: sent.res.elapsedMs,
    });
    return sent;
  } catch (err) {
    trace.acks.push({ what, replica: replica.name, status: 0, ms: Number.NaN });
    trace.problems.push(`${what} on ${replica.name}: no ack (${String(err)})`);
    return undefined;
  }
}

/** The first answer on a response URL, as the text a person reads; undefined if none came. */
async function answerOn(responseUrl: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [post] = slack.responsesTo(responseUrl);
    if (post) return `${String(post.body.text ?? '')}\n${blockText(post.body)}`;
    if (Date.now() > deadline) return undefined;
    await sleep(50);
  }
}

/** The request's row, or undefined while the database cannot be read. */
async function rowOf(id: string): Promise<RequestRow | undefined> {
  try {
    return (await requestRows(cluster.url)).find((r) => r.id === id);
  } catch {
    return undefined;
  }
}

function countTryAgain(answer: string): void {
  const line = answer.split('\n')[0] ?? answer;
  trace.tryAgain.set(line, (trace.tryAgain.get(line) ?? 0) + 1);
}

let turn = 0;
const nextReplica = () => spread(replicas, turn++);

/** Makes the lane's request until one is confirmed; returns its id, or undefined at `until`. */
async function create(l: Lane, until: number): Promise<string | undefined> {
  while (Date.now() < until) {
    const sent = await sendRecorded(l.text, nextReplica(), (r) => command(r, slack, l.text, ALICE));
    if (!sent) continue;
    const asked = Date.now();
    const answer = await answerOn(sent.responseUrl, ANSWER_WAIT_MS);
    const id = answer && /Request ([0-9A-Z]{8}) is waiting for approval/.exec(answer)?.[1];
    if (Date.now() - asked > SLOW_ANSWER_MS) {
      trace.slow.push(`"${l.text}" answered after ${Date.now() - asked} ms`);
    }
    if (id) {
      if (trace.created.has(id)) trace.problems.push(`request ${id} confirmed twice`);
      trace.created.set(id, l);
      return id;
    }
    if (answer && TRY_AGAIN.test(answer)) {
      countTryAgain(`command: ${answer}`);
      await sleep(200);
      continue;
    }
    // Silence, or "already open" after being told to try again: a request lost or made twice.
    trace.problems.push(
      `"${l.text}": ${answer ? `answered ${JSON.stringify(answer)}` : 'no answer'}; ${await outboxOf(l)}`,
    );
    return undefined;
  }
  return undefined;
}

/** The lane's open requests and their undelivered messages, to explain a missing answer. */
async function outboxOf(l: Lane): Promise<string> {
  const open = (await requestRows(cluster.url).catch(() => [])).filter(
    (r) => r.action.includes(l.offeringId) && !FINAL_STATES.includes(r.state),
  );
  const lines = await Promise.all(
    open.map(async (r) => {
      const rows = await query<Record<string, unknown>>(
        cluster.url,
        `SELECT id, kind, attempts, lease_until - $2::bigint AS lease_left_ms, last_error,
                delivered_at IS NOT NULL AS delivered
           FROM outbox WHERE request_id = $1 ORDER BY id`,
        [r.id, Date.now()],
      ).catch(() => []);
      return `${r.id} ${r.state} (card ${r.card_ts ?? 'none'}): ${JSON.stringify(rows)}`;
    }),
  );
  return lines.join(' | ') || 'no open request';
}

/** Clicks the lane's decision until it is recorded (or answered otherwise than "try again"). */
async function decide(l: Lane, id: string): Promise<void> {
  const [actionId, user] = l.decide === 'approve' ? [APPROVE_ACTION, BOB] : [CANCEL_ACTION, ALICE];
  for (let attempt = 0; attempt < 20; attempt++) {
    const sent = await sendRecorded(`${l.decide} ${id}`, nextReplica(), (r) =>
      click(r, slack, actionId, id, user),
    );
    if (!sent) continue;
    // Recorded (the row moved on) or refused (an answer on the click's response URL).
    const seen = await eventually(
      `the ${l.decide} of ${id} to be recorded or answered`,
      async () => {
        const answer = slack.responsesTo(sent.responseUrl)[0];
        if (answer) return { answer: `${String(answer.body.text ?? '')}` };
        const row = await rowOf(id);
        return row && row.state !== 'pending' ? { state: row.state } : undefined;
      },
      ANSWER_WAIT_MS,
    ).catch(() => undefined);
    if (!seen) {
      trace.problems.push(`${l.decide} of ${id}: neither recorded nor answered`);
      return;
    }
    if ('state' in seen) return;
    // An answer may still go with a recorded decision ("approved, but the purchase could not
    // start"): only the row says whether this click changed anything.
    const row = await eventually(`request ${id} readable`, () => rowOf(id), ANSWER_WAIT_MS);
    if (row.state !== 'pending') {
      if (TRY_AGAIN.test(seen.answer)) {
        trace.problems.push(`${l.decide} of ${id}: told "try again", yet recorded`);
      }
      return;
    }
    if (TRY_AGAIN.test(seen.answer)) {
      countTryAgain(`click: ${seen.answer}`);
      await sleep(200);
      continue;
    }
    trace.problems.push(`${l.decide} of ${id}: answered ${JSON.stringify(seen.answer)}`);
    return;
  }
  trace.problems.push(`${l.decide} of ${id}: still "try again" after 20 clicks`);
}

/** Runs one lane until `until`: make, decide, wait for the end, again. */
async function runLane(l: Lane, until: number): Promise<void> {
  while (Date.now() < until) {
    const id = await create(l, until);
    if (!id) return;
    await decide(l, id);
    const final = await eventually(
      `request ${id} to finish`,
      async () => {
        const row = await rowOf(id);
        return row && FINAL_STATES.includes(row.state) ? row : undefined;
      },
      90_000,
      replicas,
    ).catch(() => undefined);
    if (!final) {
      const events = await query<{ type: string; at: number }>(
        cluster.url,
        'SELECT type, at FROM request_events WHERE request_id = $1 ORDER BY id',
        [id],
      ).catch(() => []);
      const story = events.map((e) => `${e.type}@${new Date(e.at).toISOString().slice(11, 23)}`);
      trace.problems.push(
        `request ${id} never finished: ${(await rowOf(id))?.state} after ${story.join(', ')}`,
      );
      return;
    }
  }
}

/** Cheap commands between the lanes' work: `help` is answered in the ack, `pending` reads the store. */
async function runChatter(until: number): Promise<void> {
  for (let i = 0; Date.now() < until; i++) {
    const text = i % 2 === 0 ? 'help' : 'pending';
    const sent = await sendRecorded(text, nextReplica(), (r) => command(r, slack, text, ALICE));
    if (sent && text === 'pending') trace.listings.push(sent.responseUrl);
    await sleep(150);
  }
}

async function watchHealth(until: number): Promise<void> {
  while (Date.now() < until) {
    await Promise.all(
      replicas.map(async (r) => {
        const h = await health(r, 2_500);
        trace.health.push({ at: Date.now(), replica: r.name, status: h?.status, body: h?.body });
      }),
    );
    await sleep(100);
  }
}

describePgCluster('the database restarting under load', () => {
  it('keeps acking, says 503 while away, and loses or doubles nothing', async () => {
    replicas = await startReplicas(3, {
      databaseUrl: cluster.url,
      slack,
      sim,
      env: { SLOTS_POLL_INTERVAL: '1s' },
    });

    const loadMs = 16_000;
    const until = Date.now() + loadMs;
    const load = Promise.all([
      ...LANES.map((l) => runLane(l, until)),
      runChatter(until),
      watchHealth(until + 8_000),
    ]);

    // A quick restart under load, then a few seconds with no database at all.
    await sleep(3_000);
    await cluster.restart();
    await sleep(3_000);
    await cluster.stop();
    const downFrom = Date.now();
    // Changed in AWS while no replica can record anything: announced once the database is back.
    const renewal = await deviceFarmOutside(sim.url, 'RenewOffering', SEED_IDS.iosAutomated, 3);
    await sleep(3_000);
    await cluster.start();
    const downTo = Date.now();
    await load;

    // Acks: every one within Slack's limit, whatever the database was doing.
    const late = trace.acks.filter((a) => a.status !== 200 || !(a.ms < ACK_LIMIT_MS));
    expect(late, logsOf(replicas)).toEqual([]);
    expect(trace.acks.length).toBeGreaterThan(30);

    // Health: 503 with a reason while the database was away, 200 from every replica after.
    const down = trace.health.filter((h) => h.at > downFrom + 1_500 && h.at < downTo);
    const unhealthy = down.filter((h) => h.status === 503);
    expect(unhealthy.length).toBeGreaterThan(0);
    expect(JSON.stringify(unhealthy[0]?.body)).toMatch(/database/i);
    for (const r of replicas) {
      const now = await eventually(
        `${r.name} healthy again`,
        async () => {
          const h = await health(r);
          return h?.status === 200 ? h : undefined;
        },
        10_000,
        replicas,
      );
      expect(now.status).toBe(200);
    }

    expect(trace.problems, logsOf(replicas)).toEqual([]);
    expect(trace.created.size).toBeGreaterThan(LANES.length);

    // Nothing lost or doubled: each confirmed request is one row, and no row was never confirmed.
    const rows = await requestRows(cluster.url);
    expect(rows.map((r) => r.id).sort()).toEqual([...trace.created.keys()].sort());
    for (const row of rows) expect(FINAL_STATES, `request ${row.id}`).toContain(row.state);

    // Each approved request bought exactly once; the cancelled ones never.
    for (const l of new Set(trace.created.values())) {
      const mine = rows.filter((r) => trace.created.get(r.id) === l);
      const succeeded = mine.filter((r) => r.state === 'succeeded').length;
      const failed = mine.filter((r) => r.state === 'failed').length;
      const calls = sim
        .callsTo(l.operation, 'devicefarm')
        .filter((c) => (c.input as { offeringId?: string }).offeringId === l.offeringId);
      // A fast run can reach the offering's slot limit: AWS then refuses (400) and the request
      // fails. Bought is what AWS accepted, and no request is ever sent twice.
      const bought = calls.filter((c) => c.status === 200);
      expect(bought.length, `${l.text}: purchases AWS accepted`).toBe(succeeded);
      expect(calls.length - bought.length, `${l.text}: calls AWS refused`).toBeLessThanOrEqual(
        failed,
      );
      if (l.decide === 'cancel') expect(calls).toHaveLength(0);
    }

    // Every message reached Slack once, the notice of the outside change included.
    await outboxDrained(cluster.url, replicas, 30_000);
    await expectEveryMessageOnce(cluster.url, slack);
    const notices = slack
      .callsTo('chat.postMessage')
      // Channel posts only: direct messages to requesters are top-level posts to a user id.
      .filter((c) => !c.failed && !c.args.thread_ts && c.args.channel === 'C0SLOTS')
      .filter((c) => !/^Request /.test(String(c.args.text)));
    expect(notices.filter((c) => blockText(c.args).includes(renewal))).toHaveLength(1);
    const [queued] = await query<{ n: number }>(
      cluster.url,
      `SELECT COUNT(*)::int AS n FROM outbox WHERE kind = 'notice' AND delivered_at IS NOT NULL`,
    );
    expect(notices).toHaveLength(queued!.n);
    // Every listing asked for was answered, if only with "try again".
    for (const url of trace.listings) expect(slack.responsesTo(url), url).toHaveLength(1);
    console.info(
      `database restart: ${trace.acks.length} acks (slowest ${Math.round(
        Math.max(...trace.acks.map((a) => a.ms)),
      )} ms), ${trace.created.size} requests, ${[...trace.tryAgain.values()].reduce((a, b) => a + b, 0)} "try again" answers`,
      Object.fromEntries(trace.tryAgain),
      trace.slow,
    );
  }, 150_000);
});
