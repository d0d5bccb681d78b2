/**
 * The database away for a moment, seen from Slack: every click, command and submission is still
 * acked at once and answered with what happened ("could not record that", "could not read …"),
 * nothing is bought without a recorded claim, and `/healthz` says 503 with a short reason while
 * the database does not answer, then 200. The store's methods are made to fail the way the
 * PostgreSQL store fails when its server is gone (`store_unavailable`), one method at a time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRE_CALL_LIMIT_MS } from '../../src/requests/reconcile.js';
import { SEED_IDS } from '../../src/sim/index.js';
import { unreachableReason } from '../../src/slack/app.js';
import { NOT_STARTED } from '../../src/slack/request-actions.js';
import { COULD_NOT_RECORD } from '../../src/slack/store-trouble.js';
import { NOTICE_CHANGE_ACTION, NOTICE_KEEP_ACTION } from '../../src/slack/views/notices.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../../src/slack/views/request-card.js';
import { REASON_BLOCK, REQUEST_MODAL_CALLBACK } from '../../src/slack/views/request-modal.js';
import { StoreError } from '../../src/store/errors.js';
import type { Store } from '../../src/store/store.js';
import { clickButton, requestCard, submitRejectReason } from '../helpers/cards.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';
import { buttonClick, deviceFarmFormValues, viewSubmission } from '../helpers/payloads.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE'; // may request, not an approver
const BOB = 'U0BOB'; // approver
/** What a driver error may carry; none of it may reach a health check's body. */
const SECRET_BITS = ['hunter2', '10.0.0.5', 'postgres://'];

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});
beforeEach(async () => {
  await closeOpenRequests(h.bot.store);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await h.bot.outbox.deliverDue();
});

/** What the PostgreSQL store throws when its server is gone. */
function unavailable(): StoreError {
  const cause = Object.assign(
    new Error('connect ECONNREFUSED 10.0.0.5:5432 (postgres://bot:hunter2@10.0.0.5/slots)'),
    { code: 'ECONNREFUSED' },
  );
  return new StoreError('store_unavailable', 'the database could not be reached', { cause });
}

type StoreMethod = 'listRequests' | 'getRequest' | 'transition' | 'getNotice' | 'ping';

/** `method` fails as long as the returned spy is not restored. */
function away(method: StoreMethod) {
  return vi.spyOn(h.bot.store as Store, method).mockRejectedValue(unavailable());
}

async function health() {
  const res = await fetch(`${h.baseUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const pendingRequest = async (): Promise<string> =>
  (await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE)).id;

async function click(actionId: string, value: string, userId: string) {
  const { res, responseUrl } = await clickButton(h, actionId, value, userId);
  expect(res.elapsedMs).toBeLessThan(1_000);
  return responseUrl;
}

const answerText = async (responseUrl: string) => String((await h.answerTo(responseUrl)).text);

describe('/healthz while the database is away', () => {
  it('answers 503 with a short reason, then 200 once the database answers', async () => {
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });

    const ping = away('ping');
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'database unreachable',
      reason: 'store_unavailable (ECONNREFUSED)',
      database: 'unreachable',
    });
    for (const bit of SECRET_BITS) expect(JSON.stringify(down.body)).not.toContain(bit);

    ping.mockRestore();
    expect(await health()).toMatchObject({
      status: 200,
      body: { status: 'ok', database: 'reachable' },
    });
  });

  it('answers 503 within about a second when the database hangs', async () => {
    vi.spyOn(h.bot.store, 'ping').mockReturnValue(new Promise<void>(() => {}));
    const started = Date.now();
    const down = await health();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(down).toMatchObject({
      status: 503,
      body: { status: 'database unreachable', reason: 'no answer within 1000 ms' },
    });
  });
});

describe('unreachableReason', () => {
  it.each<[string, unknown, string]>([
    ['a store error with a driver code', unavailable(), 'store_unavailable (ECONNREFUSED)'],
    ['a store error alone', new StoreError('store_busy', 'locked'), 'store_busy'],
    [
      'a driver code that is free text',
      new StoreError('store_unavailable', 'x', { cause: { code: 'postgres://bot:hunter2@h/db' } }),
      'store_unavailable',
    ],
    [
      'a plain error',
      new Error('connect to postgres://bot:hunter2@10.0.0.5 failed'),
      'unknown error',
    ],
    ['an error with an OS code', Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), 'ETIMEDOUT'],
  ])('%s', (_what, err, reason) => {
    expect(unreachableReason(err)).toBe(reason);
  });
});

describe('slash commands while the database is away', () => {
  it.each([
    ['pending', 'Could not read the pending requests'],
    ['history', 'Could not read the request history'],
  ])('/slots %s says the requests could not be read', async (text, answer) => {
    away('listRequests');
    const res = await h.command(text, { userId: ALICE });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(1_000);
    expect(await answerText(res.responseUrl)).toContain(answer);
  });

  it('/slots purchase says nothing was recorded, and nothing was', async () => {
    const before = (await h.bot.store.listRequests({ limit: 200 })).length;
    const lists = away('listRequests');
    const res = await h.command(`purchase devicefarm ${DF} 1`, { userId: ALICE });
    expect(res.status).toBe(200);
    expect(await answerText(res.responseUrl)).toContain(COULD_NOT_RECORD);
    lists.mockRestore();
    expect((await h.bot.store.listRequests({ limit: 200 })).length).toBe(before);
  });

  it('a form submission shows "could not record that" on the form, before its ack', async () => {
    away('listRequests');
    const res = await h.interact(
      viewSubmission({
        callbackId: REQUEST_MODAL_CALLBACK,
        userId: ALICE,
        privateMetadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
        values: deviceFarmFormValues(DF, '1', 'release testing'),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(2_500);
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { [REASON_BLOCK]: COULD_NOT_RECORD },
    });
  });
});

describe('clicks on a request card while the database is away', () => {
  it('Approve says nothing was recorded; the request stays pending and nothing is bought', async () => {
    const id = await pendingRequest();
    const purchases = h.sim.callsTo('PurchaseOffering', 'devicefarm').length;
    const transitions = away('transition');
    const responseUrl = await click(APPROVE_ACTION, id, BOB);
    expect(await answerText(responseUrl)).toBe(COULD_NOT_RECORD);
    transitions.mockRestore();
    expect(await h.bot.store.getRequest(id)).toMatchObject({ state: 'pending' });
    expect(h.sim.callsTo('PurchaseOffering', 'devicefarm')).toHaveLength(purchases);
  });

  it('Approve recorded but the purchase could not start: told so, and settled as never sent', async () => {
    const id = await pendingRequest();
    const purchases = h.sim.callsTo('PurchaseOffering', 'devicefarm').length;
    const store = h.bot.store;
    const transition = store.transition.bind(store);
    const getRequest = store.getRequest.bind(store);
    let approved = false;
    // The database goes away right after the approval is written, before the purchase starts.
    vi.spyOn(store, 'transition').mockImplementation(async (rid, t) => {
      const result = await transition(rid, t);
      if (t.to === 'executing' && result.applied) approved = true;
      return result;
    });
    const reads = vi
      .spyOn(store, 'getRequest')
      .mockImplementation((rid) => (approved ? Promise.reject(unavailable()) : getRequest(rid)));
    const responseUrl = await click(APPROVE_ACTION, id, BOB);
    expect(await answerText(responseUrl)).toBe(NOT_STARTED);
    reads.mockRestore();

    const left = await store.getRequest(id);
    expect(left?.state).toBe('executing');
    expect(left?.callStartedAt).toBeUndefined();
    h.clock.advance(PRE_CALL_LIMIT_MS + 1_000);
    const settled = await waitForAsync('the request to be settled', async () => {
      const r = await store.getRequest(id);
      return r?.state === 'failed' ? r : undefined;
    });
    expect(settled.outcome).toMatchObject({ errorCode: 'never_sent' });
    expect(h.sim.callsTo('PurchaseOffering', 'devicefarm')).toHaveLength(purchases);
  });

  it('Reject says the request could not be read, and opens no form', async () => {
    const id = await pendingRequest();
    const opens = h.slack.callsTo('views.open').length;
    away('getRequest');
    const responseUrl = await click(REJECT_ACTION, id, BOB);
    expect(await answerText(responseUrl)).toContain(`Could not read request ${id}`);
    expect(h.slack.callsTo('views.open')).toHaveLength(opens);
  });

  it('the reject form says nothing was recorded, in the channel, when even the card is unknown', async () => {
    const id = await pendingRequest();
    const ephemerals = h.slack.callsTo('chat.postEphemeral').length;
    away('getRequest');
    const res = await submitRejectReason(h, id, BOB, 'budget freeze');
    expect(res.elapsedMs).toBeLessThan(1_000);
    const told = await h.slack.waitFor(
      'the refusal',
      () => h.slack.callsTo('chat.postEphemeral').slice(ephemerals)[0],
    );
    expect(told.args).toMatchObject({ channel: 'C0SLOTS', user: BOB, text: COULD_NOT_RECORD });
    vi.restoreAllMocks();
    expect(await h.bot.store.getRequest(id)).toMatchObject({ state: 'pending' });
  });
});

describe('clicks on a notice while the database is away', () => {
  const key = `renewal:${DF}:2026-12-01:7d`;

  it('Keep says nothing was recorded', async () => {
    away('getNotice');
    const responseUrl = await click(NOTICE_KEEP_ACTION, key, ALICE);
    expect(await answerText(responseUrl)).toBe(COULD_NOT_RECORD);
  });

  it('Change quantity says the notice could not be read', async () => {
    away('getNotice');
    const responseUrl = await click(NOTICE_CHANGE_ACTION, key, ALICE);
    expect(await answerText(responseUrl)).toContain('Could not read this notice');
  });
});

describe('after the database is back', () => {
  it('nothing was left unhandled and the same clicks work', async () => {
    expect(h.logs.some((l) => l.includes('unhandled error in a Slack listener'))).toBe(false);
    const id = await pendingRequest();
    const responseUrl = h.slack.responseUrl();
    await h.interact(
      buttonClick({ actionId: APPROVE_ACTION, value: id, userId: BOB, responseUrl }),
    );
    const done = await waitForAsync('the purchase', async () => {
      const r = await h.bot.store.getRequest(id);
      return r?.state === 'succeeded' ? r : undefined;
    });
    expect(done.decidedBy).toBe(BOB);
  });
});
