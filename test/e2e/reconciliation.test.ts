/**
 * The money path under bad luck, end to end: signed clicks into the real app, a real SQLite
 * file, the SDK against the simulator with its switches (quantity recorded as the total after,
 * AWS's clock off, listings that lag), and the reconciler that runs all the time. Every case
 * checks how many purchase calls AWS received and which record the request claimed.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { PurchaseRequest, RequestState } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { deviceFarmOutside } from '../helpers/outside.js';
import { buttonClick } from '../helpers/payloads.js';
import { holdSqliteLock } from '../helpers/sqlite-lock.js';

const DF = SEED_IDS.androidRemote;
const DF_OTHER = SEED_IDS.iosRemote;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const MINUTE = 60_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(env?: Record<string, string>): Promise<Harness> {
  h = await startHarness(env ? { env } : {});
  h.slack.handle('usergroups.users.list', () => ({ users: [] }));
  return h;
}

const until = waitForAsync;

async function requestFor(hx: Harness, text: string, user = ALICE): Promise<PurchaseRequest> {
  const res = await hx.command(text, { userId: user });
  expect(res.status).toBe(200);
  return until(`the request for "${text}"`, async () =>
    (await hx.bot.store.listRequests({ states: ['pending'], limit: 200 })).find(
      (r) => r.requester === user && JSON.stringify(r.action).includes(text.split(' ')[2]!),
    ),
  );
}

async function approve(hx: Harness, id: string, user = BOB): Promise<void> {
  const res = await hx.interact(
    buttonClick({
      actionId: APPROVE_ACTION,
      value: id,
      userId: user,
      responseUrl: hx.slack.responseUrl(),
    }),
  );
  expect(res.status).toBe(200);
}

async function inState(
  hx: Harness,
  id: string,
  wanted: RequestState[],
  what = wanted.join(' or '),
) {
  return until(`request ${id} to be ${what}`, async () => {
    const r = await hx.bot.requests.get(id);
    return r && wanted.includes(r.state) ? r : undefined;
  });
}

/** Moves the shared clock in steps, letting the reconciler run between them, until `done`. */
async function advanceUntil(
  hx: Harness,
  stepMs: number,
  maxMs: number,
  done: () => Promise<boolean>,
): Promise<number> {
  for (let moved = 0; moved <= maxMs; moved += stepMs) {
    await hx.bot.requests.reconcileDue();
    if (await done()) return moved;
    // A lookup of the process's own purchase may still be reading AWS (with retries).
    await new Promise((r) => setTimeout(r, 100));
    hx.clock.advance(stepMs);
  }
  const open = await hx.bot.store.listRequests({ states: ['unknown', 'executing'] });
  const trail = await Promise.all(open.map((r) => hx.bot.store.listEvents(r.id)));
  const errors = hx.logs.filter((l) => l.includes('"level":50') || l.includes('"level":40'));
  throw new Error(
    `not settled after ${maxMs} ms of clock: ${JSON.stringify(trail).slice(0, 1500)} ${errors.join('\n').slice(0, 3000)}`,
  );
}

const dfPurchases = (hx: Harness) => hx.sim.callsTo('PurchaseOffering', 'devicefarm').length;

describe('an unknown Device Farm outcome', () => {
  it('settles succeeded when AWS records the total held after the purchase', async () => {
    const hx = await harness();
    hx.sim.setBehaviour({ purchaseQuantity: 'total' });
    const held = hx.sim.state.deviceFarm.slots[DF]?.current ?? 0;
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    await approve(hx, request.id);
    const done = await inState(hx, request.id, ['succeeded']);
    expect(dfPurchases(hx)).toBe(1);
    const tx = hx.sim.state.deviceFarm.transactions.find(
      (t) => t.transactionId === done.outcome?.transactionId,
    );
    expect(tx?.offeringStatus.quantity).toBe(held + 2);
    expect(done.outcome).toMatchObject({ source: 'reconciliation', matchedBy: 'total_after' });
  });

  it.each([
    ['5 minutes ahead of AWS', -5 * MINUTE],
    ['5 minutes behind AWS', 5 * MINUTE],
  ])('settles with the real transaction when the bot clock is %s', async (_name, offsetMs) => {
    const hx = await harness();
    hx.sim.setBehaviour({ clockOffsetMs: offsetMs });
    const request = await requestFor(hx, `purchase devicefarm ${DF} 3`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    await approve(hx, request.id);
    const done = await inState(hx, request.id, ['succeeded']);
    expect(dfPurchases(hx)).toBe(1);
    const last = [...hx.sim.state.deviceFarm.transactions].sort(
      (a, b) => b.createdOn.getTime() - a.createdOn.getTime(),
    )[0];
    expect(done.outcome?.transactionId).toBe(last?.transactionId);
  });

  it.each([
    ['5 minutes ahead of AWS', -5 * MINUTE],
    ['5 minutes behind AWS', 5 * MINUTE],
  ])(
    'decides "nothing was bought" only after the settle window, bot clock %s',
    async (_n, offsetMs) => {
      const hx = await harness();
      hx.sim.setBehaviour({ clockOffsetMs: offsetMs });
      const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
      hx.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'before', times: 1 });
      await approve(hx, request.id);
      // The card says AWS is being checked, and from when "nothing was bought" could be said.
      await until('the card to say AWS is being checked', async () => {
        const r = await hx.bot.requests.get(request.id);
        return r?.state === 'unknown' && r.outcome?.checkingUntil !== undefined;
      });
      const moved = await advanceUntil(hx, MINUTE, 20 * MINUTE, async () => {
        const r = await hx.bot.requests.get(request.id);
        expect(r?.state).not.toBe('succeeded');
        return r?.state === 'failed';
      });
      expect(moved).toBeGreaterThanOrEqual(10 * MINUTE);
      const failed = await hx.bot.requests.get(request.id);
      expect(failed?.outcome?.errorCode).toBe('not_found_in_aws');
      const lookups = (await hx.bot.store.listEvents(request.id)).filter(
        (e) => e.type === 'reconciliation_attempt',
      );
      expect(lookups.length).toBeGreaterThanOrEqual(3);
      expect(dfPurchases(hx)).toBe(1);
    },
  );

  it('stays unknown while the listing lags, then succeeds; never failed in between', async () => {
    const hx = await harness();
    hx.sim.setBehaviour({ listingDelayMs: 4 * MINUTE });
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    await approve(hx, request.id);
    await inState(hx, request.id, ['unknown']);
    const seen = new Set<string>();
    await advanceUntil(hx, 30_000, 15 * MINUTE, async () => {
      const r = await hx.bot.requests.get(request.id);
      seen.add(r!.state);
      return r?.state === 'succeeded';
    });
    expect([...seen].sort()).toEqual(['succeeded', 'unknown']);
    expect(dfPurchases(hx)).toBe(1);
  });

  it('claims only its own transaction when another request and an outside purchase are close by', async () => {
    const hx = await harness();
    const mine = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    const other = await requestFor(hx, `purchase devicefarm ${DF_OTHER} 2`, 'U0ALICE2');
    // Both answers are lost, and AWS cannot be read for a while.
    hx.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 2 });
    hx.sim.fault('devicefarm', 'ListOfferingTransactions', {
      error: { name: 'ServiceAccountException', status: 500 },
    });
    await approve(hx, mine.id);
    await approve(hx, other.id);
    await inState(hx, mine.id, ['unknown']);
    await inState(hx, other.id, ['unknown']);
    // Meanwhile someone buys the same offering and quantity in the console.
    const outsideId = await deviceFarmOutside(hx.sim.url, 'PurchaseOffering', DF, 2);
    hx.sim.clearFaults();
    await advanceUntil(hx, 30_000, 5 * MINUTE, async () => {
      const a = await hx.bot.requests.get(mine.id);
      const b = await hx.bot.requests.get(other.id);
      return Boolean(a?.outcome?.candidates?.length === 2 && b?.state === 'succeeded');
    });
    const a = (await hx.bot.requests.get(mine.id))!;
    const b = (await hx.bot.requests.get(other.id))!;
    // Two records could be mine: neither is claimed, and the card lists both.
    expect(a.state).toBe('unknown');
    expect(a.outcome?.candidates).toContain(outsideId);
    expect(a.outcome?.transactionId).toBeUndefined();
    // The other request claimed its own, never the outside one or mine.
    const bTx = hx.sim.state.deviceFarm.transactions.find(
      (t) => t.transactionId === b.outcome?.transactionId,
    );
    expect(bTx?.offeringStatus.offering.id).toBe(DF_OTHER);
    expect(dfPurchases(hx)).toBe(3);
    // Later lookups never turn the ambiguity into "nothing was bought".
    hx.clock.advance(20 * MINUTE);
    await hx.bot.requests.reconcileDue();
    expect((await hx.bot.requests.get(mine.id))?.state).toBe('unknown');
  });

  it('never claims a transaction the watcher announced as made outside the bot', async () => {
    const hx = await harness();
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    // Slow the lookups so the outside record can be announced first.
    hx.sim.fault('devicefarm', 'ListOfferingTransactions', {
      error: { name: 'ServiceAccountException', status: 500 },
      times: 3,
    });
    await approve(hx, request.id);
    await inState(hx, request.id, ['unknown']);
    const tx = hx.sim.state.deviceFarm.transactions.at(-1)!;
    await hx.bot.store.recordNotice(`transaction:${tx.transactionId}`, hx.clock(), {
      kind: 'external',
    });
    hx.sim.clearFaults();
    hx.clock.advance(MINUTE);
    await hx.bot.requests.reconcileDue();
    const r = await hx.bot.requests.get(request.id);
    expect(r?.state).toBe('unknown');
    expect(r?.outcome?.transactionId).toBeUndefined();
  });
});

describe('a request left executing', () => {
  it('without a call stamp is settled failed ("never sent") by the running reconciler', async () => {
    const hx = await harness();
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    const started = new Date(hx.clock().getTime() - 2 * MINUTE);
    await hx.bot.store.transition(request.id, {
      from: ['pending'],
      to: 'executing',
      patch: { decidedBy: BOB, decidedAt: started, executionStartedAt: started },
      event: { actor: BOB, type: 'approved' },
    });
    const done = await inState(hx, request.id, ['failed']);
    expect(done.outcome?.errorCode).toBe('never_sent');
    expect(dfPurchases(hx)).toBe(0);
  });

  it('with a call stamp and AWS having bought is settled succeeded, never bought again', async () => {
    const hx = await harness();
    const request = await requestFor(hx, `purchase devicefarm ${DF} 4`);
    const started = new Date(hx.clock().getTime() - MINUTE);
    const claimed = await hx.bot.store.transition(request.id, {
      from: ['pending'],
      to: 'executing',
      patch: {
        decidedBy: BOB,
        decidedAt: started,
        executionStartedAt: started,
        callStartedAt: started,
      },
      event: { actor: BOB, type: 'approved' },
    });
    expect(claimed.applied).toBe(true);
    await deviceFarmOutside(hx.sim.url, 'PurchaseOffering', DF, 4);
    const done = await inState(hx, request.id, ['succeeded']);
    expect(done.outcome?.source).toBe('reconciliation');
    expect(dfPurchases(hx)).toBe(1);
  });

  it('is not touched while its own process is still buying it', async () => {
    const hx = await harness();
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 1_500, times: 1 });
    await approve(hx, request.id);
    await until('the call to reach AWS', async () => dfPurchases(hx) === 1);
    hx.clock.advance(10 * MINUTE);
    expect(await hx.bot.requests.reconcileDue()).toBe(0);
    const done = await inState(hx, request.id, ['succeeded']);
    expect(done.outcome?.source).toBe('answer');
  });
});

describe('the outcome write', () => {
  it('is retried until stored when the database is locked as AWS answers', async () => {
    const hx = await harness();
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 400, times: 1 });
    await approve(hx, request.id);
    await until('the call to reach AWS', async () => dfPurchases(hx) === 1);
    // Another process takes the write lock for longer than one write waits (5 s).
    const lock = await holdSqliteLock(hx.databasePath, 6_500);
    const done = await until(
      'succeeded after the lock',
      async () => {
        const r = await hx.bot.requests.get(request.id);
        return r?.state === 'succeeded' ? r : undefined;
      },
      15_000,
    );
    await lock.released;
    expect(done.outcome?.source).toBe('answer');
    const events = await hx.bot.store.listEvents(request.id);
    expect(events.filter((e) => e.type === 'aws_answered')).toHaveLength(1);
    expect(dfPurchases(hx)).toBe(1);
  }, 30_000);
});

describe('shutdown', () => {
  it('waits for a purchase under way and records its outcome before closing the store', async () => {
    const hx = await harness();
    const request = await requestFor(hx, `purchase devicefarm ${DF} 2`);
    hx.sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 2_000, times: 1 });
    await approve(hx, request.id);
    await until('the call to reach AWS', async () => dfPurchases(hx) === 1);
    await hx.bot.stop();
    const db = new Database(hx.databasePath, { readonly: true });
    const row = db.prepare('SELECT state FROM requests WHERE id = ?').get(request.id) as {
      state: string;
    };
    db.close();
    expect(row.state).toBe('succeeded');
    await hx.restart();
  });
});

describe('MediaConnect', () => {
  function endActiveReservation(hx: Harness) {
    for (const r of hx.sim.state.mediaConnect.reservations) {
      if (r.reservationState === 'ACTIVE') r.reservationState = 'EXPIRED';
    }
  }

  it("takes the start when approved, on AWS's clock, and reconciles by name, offering and start", async () => {
    const hx = await harness();
    endActiveReservation(hx);
    hx.sim.setBehaviour({ clockOffsetMs: -5 * MINUTE });
    const request = await requestFor(hx, `purchase mediaconnect ${SEED_IDS.offering10} late-feed`);
    expect(request.action).not.toHaveProperty('start');
    hx.clock.advance(20 * MINUTE);
    hx.sim.fault('mediaconnect', 'PurchaseOffering', { drop: 'after', times: 1 });
    await approve(hx, request.id);
    const done = await inState(hx, request.id, ['succeeded']);
    const call = hx.sim.callsTo('PurchaseOffering', 'mediaconnect').at(-1)!;
    const sentStart = Date.parse(String(call.input.Start ?? call.input.start));
    const awsNow = hx.clock().getTime() - 5 * MINUTE;
    expect(sentStart).toBeLessThanOrEqual(awsNow);
    expect(sentStart).toBeGreaterThan(awsNow - 2 * MINUTE);
    expect(done.outcome).toMatchObject({ source: 'reconciliation', matchedBy: 'reservation' });
  });

  it('says a reservation is active when AWS refuses the offerings meanwhile', async () => {
    const hx = await harness();
    for (const operation of ['DescribeOffering', 'ListOfferings']) {
      hx.sim.fault('mediaconnect', operation, {
        error: { name: 'ForbiddenException', status: 403 },
      });
    }
    const res = await hx.command(`purchase mediaconnect ${SEED_IDS.offering10} next-feed`);
    const answer = JSON.stringify(await hx.answerTo(res.responseUrl));
    expect(answer).toMatch(/only when none is active/);
    expect(answer).not.toMatch(/does not list this offering/);
    expect(await hx.bot.store.listRequests()).toHaveLength(0);
  });

  it("fails a given start that left AWS's window by approval time, before any call", async () => {
    const hx = await harness({ SLOTS_REQUEST_TTL: '10d' });
    endActiveReservation(hx);
    const request = await requestFor(
      hx,
      `purchase mediaconnect ${SEED_IDS.offering10} month-feed 2026-11-01T00:00:00Z`,
    );
    // The month turns before anyone approves: AWS now takes starts from December 1st only.
    hx.clock.advance(9 * 24 * 60 * MINUTE);
    await approve(hx, request.id);
    const done = await inState(hx, request.id, ['failed']);
    expect(done.outcome?.errorCode).toBe('start_out_of_window');
    expect(done.outcome?.message).toContain('2026-12-01T00:00:00Z');
    expect(hx.sim.callsTo('PurchaseOffering', 'mediaconnect')).toHaveLength(0);
  });
});
