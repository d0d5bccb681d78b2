/**
 * Three real bot processes share one PostgreSQL database, one fake Slack and one AWS simulator,
 * with signed requests spread across them as a load balancer would. Whatever replica a click
 * lands on, AWS is called once, every message reaches Slack once, the watcher's notices appear
 * once, and a replica killed in the middle of a purchase is covered by the others.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultSeed, SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import { NOTICE_KEEP_ACTION } from '../../src/slack/views/notices.js';
import { APPROVE_ACTION, CANCEL_ACTION } from '../../src/slack/views/request-card.js';
import { blockText, buttonValues } from '../helpers/blocks.js';
import { type FakeSlack, startFakeSlack, type WebApiCall } from '../helpers/fake-slack.js';
import { deviceFarmOutside } from '../helpers/outside.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../helpers/postgres.js';
import {
  cardPosts,
  click,
  command,
  eventually,
  expectEveryMessageOnce,
  logsOf,
  outboxDrained,
  query,
  type Replica,
  type RequestRow,
  requestRows,
  sleep,
  spread,
  startReplicas,
  threadPosts,
  topLevelPosts,
} from '../helpers/replicas.js';

const ALICE = 'U0ALICE'; // may request, not an approver
const BOB = 'U0BOB'; // the approver
/** The money-path issue's limit for settling a request a dead process left executing. */
const SETTLE_LIMIT_MS = 3 * 60_000;
const FINAL_STATES = ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'];

let db: TestDatabase;
let slack: FakeSlack;
let sim: Simulator;
let replicas: Replica[] = [];

beforeAll(async () => {
  [db, slack, sim] = await Promise.all([
    createTestDatabase('slots_replicas'),
    startFakeSlack(),
    startSimulator({ seed: defaultSeed(new Date()) }),
  ]);
  slack.handle('usergroups.users.list', () => ({ users: [] }));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill9()));
  await Promise.all([slack?.close(), sim?.close()]);
  await db?.drop();
});

const purchasesOf = (offeringId: string) =>
  sim
    .callsTo('PurchaseOffering', 'devicefarm')
    .filter((c) => (c.input as { offeringId?: string }).offeringId === offeringId);

async function rowOf(id: string): Promise<RequestRow | undefined> {
  return (await requestRows(db.url)).find((r) => r.id === id);
}

/** The id of the newest request for `offeringId` in `state`, once there is one. */
function newRequestFor(offeringId: string, known: ReadonlySet<string>): Promise<RequestRow> {
  return eventually(
    `a new request for ${offeringId}`,
    async () =>
      (await requestRows(db.url)).find(
        (r) => !known.has(r.id) && r.action.includes(offeringId) && r.state === 'pending',
      ),
    10_000,
    replicas,
  );
}

async function knownIds(): Promise<Set<string>> {
  return new Set((await requestRows(db.url)).map((r) => r.id));
}

/** Alice asks the first replica to buy `quantity` of `offeringId`; returns the pending request. */
async function purchaseRequest(offeringId: string, quantity: number): Promise<RequestRow> {
  const known = await knownIds();
  const made = await command(
    replicas[0]!,
    slack,
    `purchase devicefarm ${offeringId} ${quantity}`,
    ALICE,
  );
  expect(made.res.status).toBe(200);
  return newRequestFor(offeringId, known);
}

async function settled(id: string, timeoutMs: number): Promise<RequestRow> {
  try {
    return await eventually(
      `request ${id} to settle`,
      async () => {
        const row = await rowOf(id);
        return row && FINAL_STATES.includes(row.state) ? row : undefined;
      },
      timeoutMs,
      replicas,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await storyOf(id)}`);
  }
}

/** A request's state, audit trail and the answers Slack got about it, for a failure message. */
async function storyOf(id: string): Promise<string> {
  const events = await query<{ type: string; actor: string; at: number }>(
    db.url,
    'SELECT type, actor, at FROM request_events WHERE request_id = $1 ORDER BY id',
    [id],
  );
  const answers = slack.responses
    .filter((r) => JSON.stringify(r.body).includes(id))
    .map((r) => String(r.body.text));
  return [
    `state: ${(await rowOf(id))?.state}`,
    `events: ${events.map((e) => `${e.type} by ${e.actor} at ${new Date(e.at).toISOString()}`).join('; ')}`,
    `answers: ${answers.join(' | ')}`,
  ].join('\n');
}

/** Top-level channel posts that are not request cards: the watcher's notices. */
function noticePosts(): WebApiCall[] {
  return topLevelPosts(slack).filter(
    (c) =>
      c.args.channel === 'C0SLOTS' && !/^Request [0-9A-Z]{8} \(/.test(String(c.args.text ?? '')),
  );
}

describePostgres('three replicas on one PostgreSQL database', () => {
  it('start at the same moment on an empty database, which is migrated once', async () => {
    replicas = await startReplicas(3, {
      databaseUrl: db.url,
      slack,
      sim,
      env: {
        // Every replica's watcher wants to poll every second; renewals a month out are announced.
        SLOTS_POLL_INTERVAL: '1s',
        SLOTS_RENEWAL_NOTICE_DAYS: '40',
      },
    });
    const versions = await query<{ version: number; n: number }>(
      db.url,
      'SELECT version, COUNT(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version',
    );
    expect(versions.length).toBeGreaterThanOrEqual(4);
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    expect(versions.every((v) => v.n === 1)).toBe(true);
    // Rows written by one transaction share its id: one replica migrated, the others found it done.
    const writers = await query<{ n: number }>(
      db.url,
      'SELECT COUNT(DISTINCT xmin::text)::int AS n FROM schema_migrations',
    );
    expect(writers[0]?.n).toBe(1);
    for (const r of replicas) expect(r.exited(), r.log()).toBe(false);
  }, 60_000);

  it('ten concurrent approvals sent to different replicas buy once', async () => {
    const request = await purchaseRequest(SEED_IDS.androidRemote, 2);

    const clicks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        click(spread(replicas, i), slack, APPROVE_ACTION, request.id, BOB),
      ),
    );
    for (const c of clicks) expect(c.res.status).toBe(200);
    const done = await settled(request.id, 20_000);
    expect(done.state, logsOf(replicas)).toBe('succeeded');
    expect(purchasesOf(SEED_IDS.androidRemote)).toHaveLength(1);

    // The nine that lost the race are told so; the winner's answer is the card itself.
    const refusals = await eventually(
      'an answer to every losing click',
      () => {
        const answered = clicks.filter((c) => slack.responsesTo(c.responseUrl).length > 0);
        return answered.length >= 9 ? answered : undefined;
      },
      10_000,
    );
    expect(refusals).toHaveLength(9);
    for (const c of refusals) {
      const [answer] = slack.responsesTo(c.responseUrl);
      expect(String(answer?.body.text)).toContain(request.id);
      expect(answer?.body.response_type).toBe('ephemeral');
    }
    const events = await query<{ type: string }>(
      db.url,
      'SELECT type FROM request_events WHERE request_id = $1 ORDER BY id',
      [request.id],
    );
    expect(events.filter((e) => e.type === 'approved')).toHaveLength(1);
  }, 60_000);

  it('the outbox delivers each message once', async () => {
    const known = await knownIds();
    // Three requests made at once on three replicas; one approved, one cancelled, one left open.
    const made = await Promise.all([
      command(replicas[0]!, slack, `purchase devicefarm ${SEED_IDS.androidAutomated} 1`, ALICE),
      command(replicas[1]!, slack, `renew devicefarm ${SEED_IDS.androidRemote} 3`, ALICE),
      command(replicas[2]!, slack, `renew devicefarm ${SEED_IDS.iosRemote} 2`, ALICE),
    ]);
    for (const m of made) expect(m.res.status).toBe(200);
    const [bought, cancelled, open] = await Promise.all([
      newRequestFor(SEED_IDS.androidAutomated, known),
      newRequestFor(SEED_IDS.androidRemote, known),
      newRequestFor(SEED_IDS.iosRemote, known),
    ]);
    // A click may land before the card is in Slack: what the card shows must still be right.
    await eventually(
      'the three cards',
      () => {
        const ids = [bought.id, cancelled.id, open.id];
        return ids.every((id) => cardPosts(slack, id).length > 0) ? true : undefined;
      },
      10_000,
      replicas,
    );
    const [approve, cancel] = await Promise.all([
      click(replicas[2]!, slack, APPROVE_ACTION, bought.id, BOB),
      click(replicas[0]!, slack, CANCEL_ACTION, cancelled.id, ALICE),
    ]);
    expect(approve.res.status).toBe(200);
    expect(cancel.res.status).toBe(200);
    expect((await settled(bought.id, 20_000)).state).toBe('succeeded');
    expect((await settled(cancelled.id, 20_000)).state).toBe('cancelled');

    await outboxDrained(db.url, replicas);
    // Three replicas claiming from one queue for a couple of polls more must not send anything twice.
    await sleep(2_500);
    await expectEveryMessageOnce(db.url, slack);
    expect(purchasesOf(SEED_IDS.androidAutomated)).toHaveLength(1);
    expect(cardPosts(slack, open.id)).toHaveLength(1);
  }, 60_000);

  it('posts each notice once while all three poll', async () => {
    // A month out, every seeded slot's renewal is announced by whichever replica polled first.
    const renewalKeys = noticePosts().flatMap((c) => buttonValues(c.args, NOTICE_KEEP_ACTION));
    expect(renewalKeys.length).toBeGreaterThan(0);
    expect(new Set(renewalKeys).size).toBe(renewalKeys.length);

    // A purchase made in the AWS console: the next poll, on some replica, announces it.
    const txId = await deviceFarmOutside(sim.url, 'PurchaseOffering', SEED_IDS.iosAutomated, 1);
    const posts = () => noticePosts().filter((c) => blockText(c.args).includes(txId));
    await eventually('the notice of the outside purchase', () => posts()[0], 15_000, replicas);
    // Several more polls on every replica: still one.
    await sleep(4_000);
    expect(posts()).toHaveLength(1);
    expect(blockText(posts()[0]!.args)).toMatch(/outside slots-bot/i);

    await outboxDrained(db.url, replicas);
    const texts = noticePosts().map((c) => blockText(c.args));
    expect(new Set(texts).size, texts.join('\n---\n')).toBe(texts.length);
    const [queued] = await query<{ n: number }>(
      db.url,
      `SELECT COUNT(*)::int AS n FROM outbox WHERE kind = 'notice'`,
    );
    expect(texts.length).toBe(queued?.n);
  }, 60_000);

  it(
    'a replica killed in the middle of a purchase is covered by another, and AWS is called once',
    async () => {
      const request = await purchaseRequest(SEED_IDS.iosRemote, 1);

      // AWS takes 1.5 s to answer; the replica that sent the call dies before reading it.
      sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 1_500, times: 1 });
      const victim = replicas[1]!;
      const approved = await click(victim, slack, APPROVE_ACTION, request.id, BOB);
      expect(approved.res.status).toBe(200);
      await eventually('the purchase call', () => purchasesOf(SEED_IDS.iosRemote)[0], 10_000);
      await victim.kill9();
      const killedAt = Date.now();
      expect((await rowOf(request.id))?.state).toBe('executing');

      const done = await settled(request.id, SETTLE_LIMIT_MS);
      const tookMs = Date.now() - killedAt;
      expect(tookMs).toBeLessThan(SETTLE_LIMIT_MS);
      expect(done.state, logsOf(replicas)).toBe('succeeded');
      expect(JSON.parse(done.outcome!)).toMatchObject({ source: 'reconciliation' });
      expect(purchasesOf(SEED_IDS.iosRemote)).toHaveLength(1);
      for (const r of replicas.filter((r) => r !== victim)) expect(r.exited(), r.log()).toBe(false);

      // The survivors tell the channel, once.
      await eventually(
        'the outcome in the thread',
        async () => {
          const ts = (await rowOf(request.id))?.card_ts;
          return ts && threadPosts(slack, ts).length > 0 ? true : undefined;
        },
        90_000,
        replicas,
      );
      await outboxDrained(db.url, replicas, 90_000);
      await expectEveryMessageOnce(db.url, slack);
    },
    SETTLE_LIMIT_MS + 120_000,
  );
});
