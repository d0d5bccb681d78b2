/**
 * Two-person approval end to end: signed slash commands and button clicks into the real app, a
 * real SQLite file, the AWS simulator, and a fake Slack that records every message and can fail.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import {
  APPROVE_ACTION,
  CANCEL_ACTION,
  REJECT_ACTION,
} from '../../src/slack/views/request-card.js';
import { blockText, buttonValues } from '../helpers/blocks.js';
import { clickButton, requestCard, submitRejectReason } from '../helpers/cards.js';
import { type WebApiCall, waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE'; // may request, not an approver
const BOB = 'U0BOB'; // approver
const CAROL = 'U0CAROL'; // approver
const DAVE = 'U0DAVE'; // neither
const ERIN = 'U0ERIN'; // approver through the user group S0APPROVERS

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.slack.handle('usergroups.users.list', (args) => ({
    users: args.usergroup === 'S0APPROVERS' ? [ERIN] : [],
  }));
});
afterAll(async () => {
  await h.stop();
});
beforeEach(async () => {
  h.sim.clearFaults();
  h.slack.clearFaults();
  // One request per offering and action may be open: each test starts with none.
  await closeOpenRequests(h.bot.store);
});
afterEach(async () => {
  await h.bot.outbox.deliverDue();
});

const until = waitForAsync;

const buttonValue = (call: WebApiCall, actionId: string): string | undefined =>
  buttonValues(call.args, actionId)[0];

/** Sends a one-line request and returns the id on the card the bot posts for it. */
const request = async (text: string, user = ALICE): Promise<string> =>
  (await requestCard(h, text, user)).id;

const click = async (actionId: string, id: string, user: string) =>
  (await clickButton(h, actionId, id, user)).responseUrl;

async function state(id: string, wanted: RequestState | RequestState[]) {
  const states = Array.isArray(wanted) ? wanted : [wanted];
  return until(`request ${id} to be ${states.join(' or ')}`, async () => {
    const r = await h.bot.requests.get(id);
    return r && states.includes(r.state) ? r : undefined;
  });
}

const purchases = () => h.sim.callsTo('PurchaseOffering', 'devicefarm');

describe('Device Farm purchase', () => {
  it('is bought exactly once, after a second person approves, and reported in the channel', async () => {
    const { id, responseUrl } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const pending = await h.bot.requests.get(id);
    expect(pending).toMatchObject({ state: 'pending', requester: ALICE });
    expect(pending?.quote.commitsMicros).toBe('500000000');
    // The requester is told, only them: on the command's response_url, wherever they are.
    const confirmation = await h.answerTo(responseUrl);
    expect(confirmation.response_type).toBe('ephemeral');
    expect(String(confirmation.text)).toContain(id);

    const before = purchases().length;
    await click(APPROVE_ACTION, id, BOB);
    const done = await state(id, 'succeeded');
    expect(purchases().length - before).toBe(1);
    const call = purchases().at(-1)!;
    expect(call.input).toMatchObject({ offeringId: DF, quantity: 2 });
    expect(call.sdkRequest).toMatch(/attempt=1; max=1/);
    expect(done.decidedBy).toBe(BOB);
    expect(done.outcome?.transactionId).toBeTruthy();

    await h.bot.outbox.deliverDue();
    const update = await h.slack.waitFor('the card edited with the outcome', () =>
      h.slack
        .callsTo('chat.update')
        .find((c) => blockText(c.args).includes(done.outcome!.transactionId!)),
    );
    expect(buttonValue(update, APPROVE_ACTION)).toBeUndefined();
    const reply = await h.slack.waitFor('the outcome in the thread', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) => c.args.thread_ts && JSON.stringify(c.args).includes(done.outcome!.transactionId!),
        ),
    );
    expect(reply.args.thread_ts).toBe(done.card?.ts);
    const events = await h.bot.store.listEvents(id);
    // The call is stamped before it is sent, and AWS's answer is kept as soon as it arrives.
    expect(events.map((e) => e.type)).toEqual([
      'created',
      'approved',
      'call_started',
      'aws_answered',
      'succeeded',
    ]);
  });

  it('renews at 0 to let slots lapse, with one RenewOffering call', async () => {
    const id = await request(`renew devicefarm ${DF} 0`);
    const before = h.sim.callsTo('RenewOffering').length;
    await click(APPROVE_ACTION, id, CAROL);
    await state(id, 'succeeded');
    const calls = h.sim.callsTo('RenewOffering').slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toMatchObject({ offeringId: DF, quantity: 0 });
  });
});

describe('MediaConnect purchase', () => {
  it('buys one reservation with the requested name and start', async () => {
    h.sim.state.mediaConnect.reservations = h.sim.state.mediaConnect.reservations.filter(
      (r) => r.reservationState !== 'ACTIVE',
    );
    const id = await request(
      `purchase mediaconnect ${SEED_IDS.offering10} q4-events 2026-11-22T10:00:00Z`,
    );
    const before = h.sim.callsTo('PurchaseOffering', 'mediaconnect').length;
    await click(APPROVE_ACTION, id, BOB);
    const done = await state(id, 'succeeded');
    const calls = h.sim.callsTo('PurchaseOffering', 'mediaconnect').slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toMatchObject({
      reservationName: 'q4-events',
      start: '2026-11-22T10:00:00Z',
    });
    expect(done.outcome?.reservationArn).toContain(':reservation:');
  });
});

describe('who may decide', () => {
  it.each([
    ['the requester, even an approver', BOB, BOB, /own request/],
    ['someone who is not an approver', ALICE, DAVE, /Only the configured approvers/],
  ])('refuses approval by %s, without calling AWS', async (_name, requester, approver, pattern) => {
    const id = await request(`purchase devicefarm ${DF} 1`, requester);
    const before = purchases().length;
    const responseUrl = await click(APPROVE_ACTION, id, approver);
    const refusal = await h.answerTo(responseUrl);
    expect(String(refusal.text)).toMatch(pattern);
    expect((await h.bot.requests.get(id))?.state).toBe('pending');
    expect(purchases().length).toBe(before);
    await click(CANCEL_ACTION, id, requester);
    await state(id, 'cancelled');
  });

  it('lets a member of an approver user group approve', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    await click(APPROVE_ACTION, id, ERIN);
    expect((await state(id, 'succeeded')).decidedBy).toBe(ERIN);
  });

  it('lets only the requester cancel', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    const responseUrl = await click(CANCEL_ACTION, id, BOB);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/Only <@U0ALICE>/);
    expect((await h.bot.requests.get(id))?.state).toBe('pending');
    await click(CANCEL_ACTION, id, ALICE);
    await state(id, 'cancelled');
  });

  it.each(['rejected', 'cancelled', 'expired', 'succeeded'] as const)(
    'refuses to approve a request that was %s',
    async (end) => {
      const id = await request(`purchase devicefarm ${DF} 1`);
      if (end === 'rejected') await h.bot.requests.reject(BOB, id, 'not now');
      if (end === 'cancelled') await click(CANCEL_ACTION, id, ALICE);
      if (end === 'expired') {
        h.clock.advance(25 * 3_600_000);
        await h.bot.requests.expireDue();
      }
      if (end === 'succeeded') await click(APPROVE_ACTION, id, BOB);
      await state(id, end);
      const before = purchases().length;
      const responseUrl = await click(APPROVE_ACTION, id, CAROL);
      expect(String((await h.answerTo(responseUrl)).text)).toContain(id);
      expect(purchases().length).toBe(before);
      if (end === 'expired') h.clock.advance(-25 * 3_600_000);
    },
  );

  it('asks an approver for a reason, then rejects with it and buys nothing', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    const before = purchases().length;
    await click(REJECT_ACTION, id, BOB);
    const opened = await h.slack.waitFor('the reject modal', () =>
      h.slack.callsTo('views.open').find((c) => JSON.stringify(c.args.view).includes(id)),
    );
    expect(opened.args.trigger_id).toBeTruthy();
    await submitRejectReason(h, id, BOB, 'budget freeze');
    const rejected = await state(id, 'rejected');
    expect(rejected).toMatchObject({ decidedBy: BOB, decisionNote: 'budget freeze' });
    expect(purchases().length).toBe(before);
  });

  it('does not open the reject form for someone who may not reject', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    const opens = h.slack.callsTo('views.open').length;
    const responseUrl = await click(REJECT_ACTION, id, DAVE);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/approvers/);
    expect(h.slack.callsTo('views.open')).toHaveLength(opens);
    await click(CANCEL_ACTION, id, ALICE);
  });
});

describe('races', () => {
  it('buys once even if execution is started twice for the same approval', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    const approved = await h.bot.requests.approve(BOB, id);
    if (!approved.ok) throw new Error(approved.message);
    const before = purchases().length;
    await Promise.all([
      h.bot.requests.execute(approved.request),
      h.bot.requests.execute(approved.request),
    ]);
    await h.bot.requests.execute(approved.request);
    expect((await h.bot.requests.get(id))?.state).toBe('succeeded');
    expect(purchases().length - before).toBe(1);
  });

  it('ten concurrent approval clicks from two approvers buy once', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    const before = purchases().length;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => click(APPROVE_ACTION, id, i % 2 ? BOB : CAROL)),
    );
    await state(id, 'succeeded');
    await new Promise((r) => setTimeout(r, 200));
    expect(purchases().length - before).toBe(1);
    const approvals = (await h.bot.store.listEvents(id)).filter((e) => e.type === 'approved');
    expect(approvals).toHaveLength(1);
  });
});

describe('when AWS fails', () => {
  it.each([
    ['ArgumentException', 'aws_invalid_argument'],
    ['NotFoundException', 'aws_not_found'],
    ['NotEligibleException', 'aws_not_eligible'],
    ['LimitExceededException', 'aws_limit_exceeded'],
    ['ServiceAccountException', 'aws_service_account'],
  ])('%s → failed (%s) after exactly one call', async (name, code) => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    h.sim.fault('devicefarm', 'PurchaseOffering', {
      error: { name, message: 'raw AWS text' },
      times: 1,
    });
    const before = purchases().length;
    await click(APPROVE_ACTION, id, BOB);
    const failed = await state(id, 'failed');
    await new Promise((r) => setTimeout(r, 100));
    expect(purchases().length - before).toBe(1);
    expect(failed.outcome?.errorCode).toBe(code);
    expect(failed.outcome?.message).not.toContain('raw AWS text');
  });

  it('records a modelled error as failed, with the user sentence', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    h.sim.fault('devicefarm', 'PurchaseOffering', {
      error: { name: 'NotEligibleException', message: 'nope' },
      times: 1,
    });
    const before = purchases().length;
    await click(APPROVE_ACTION, id, BOB);
    const failed = await state(id, 'failed');
    expect(purchases().length - before).toBe(1);
    expect(failed.outcome?.errorCode).toBe('aws_not_eligible');
    expect(failed.outcome?.message).toMatch(/support/i);
  });

  it('reconciles a dropped connection to the real transaction, without buying again', async () => {
    const id = await request(`purchase devicefarm ${DF} 3`);
    h.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    const before = purchases().length;
    await click(APPROVE_ACTION, id, BOB);
    const done = await state(id, 'succeeded');
    expect(purchases().length - before).toBe(1);
    expect(done.outcome?.source).toBe('reconciliation');
    const real = h.sim.state.deviceFarm.transactions.find(
      (t) => t.transactionId === done.outcome?.transactionId,
    );
    expect(real).toBeDefined();
  });
});

describe('before and after buying', () => {
  it('fails without buying when the price changed since the request', async () => {
    const id = await request(`purchase devicefarm ${SEED_IDS.iosAutomated} 1`);
    const offering = h.sim.state.deviceFarm.offerings.find((o) => o.id === SEED_IDS.iosAutomated)!;
    const original = structuredClone(offering.recurringCharges);
    offering.recurringCharges = [
      { cost: { amount: 275, currencyCode: 'USD' }, frequency: 'MONTHLY' },
    ];
    try {
      const before = purchases().length;
      await click(APPROVE_ACTION, id, BOB);
      const failed = await state(id, 'failed');
      expect(failed.outcome?.errorCode).toBe('quote_changed');
      expect(failed.outcome?.message).toMatch(/price changed/);
      expect(purchases().length).toBe(before);
    } finally {
      offering.recurringCharges = original;
    }
  });

  it('says loudly when the outcome cannot be confirmed, and never buys again', async () => {
    const id = await request(`purchase devicefarm ${DF} 2`);
    h.sim.fault('devicefarm', 'PurchaseOffering', { drop: 'after', times: 1 });
    h.sim.fault('devicefarm', 'ListOfferingTransactions', {
      error: { name: 'ServiceUnavailable', status: 503 },
    });
    const before = purchases().length;
    await click(APPROVE_ACTION, id, BOB);
    const unknown = await until(
      `request ${id} to give up reconciling`,
      async () => {
        const r = await h.bot.requests.get(id);
        const events = await h.bot.store.listEvents(id);
        return r?.state === 'unknown' && events.some((e) => e.type === 'unreconciled')
          ? r
          : undefined;
      },
      15_000,
    );
    expect(unknown.outcome?.message).toMatch(/Check the AWS console.*will not be retried/);
    expect(purchases().length - before).toBe(1);
    await h.bot.outbox.deliverDue();
    const card = await h.slack.waitFor('the loud card', () =>
      h.slack
        .callsTo('chat.update')
        .find(
          (c) =>
            !c.failed &&
            /will not be retried/.test(blockText(c.args)) &&
            JSON.stringify(c.args).includes(id),
        ),
    );
    expect(buttonValue(card, APPROVE_ACTION)).toBeUndefined();
    // Once AWS can be read again, the request is settled on the real transaction.
    h.sim.clearFaults();
    const settled = await h.bot.requests.reconcile(unknown);
    expect(settled.state).toBe('succeeded');
    expect(purchases().length - before).toBe(1);
  });
});

describe('when Slack fails', () => {
  it('delivers the outcome later, once, after 500s and a 429', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    await h.bot.outbox.deliverDue();
    h.slack.fail('chat.update', { status: 500, error: 'internal_error', times: 2 });
    h.slack.fail('chat.postMessage', {
      status: 429,
      error: 'ratelimited',
      retryAfterSeconds: 1,
      times: 1,
    });
    await click(APPROVE_ACTION, id, BOB);
    const done = await state(id, 'succeeded');
    const tx = done.outcome!.transactionId!;
    const replies = () =>
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => !c.failed && c.args.thread_ts && JSON.stringify(c.args).includes(tx));
    await until(
      'the thread reply after the outage',
      async () => {
        h.clock.advance(60_000);
        await h.bot.outbox.deliverDue();
        return replies().length > 0;
      },
      10_000,
    );
    await h.bot.outbox.deliverDue();
    expect(replies()).toHaveLength(1);
    const failures = h.slack.calls.filter((c) => c.failed);
    expect(failures.map((c) => c.method)).toEqual(
      expect.arrayContaining(['chat.update', 'chat.postMessage']),
    );
    const card = h.slack
      .callsTo('chat.update')
      .filter((c) => !c.failed && blockText(c.args).includes(tx));
    expect(card.length).toBeGreaterThanOrEqual(1);
  });
});

describe('restarts', () => {
  it('keeps a pending request across a restart, and it can still be approved', async () => {
    const id = await request(`purchase devicefarm ${DF} 1`);
    await h.restart();
    await click(APPROVE_ACTION, id, BOB);
    await state(id, 'succeeded');
  });
});
