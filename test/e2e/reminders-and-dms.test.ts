/**
 * Requests that do not wait forgotten, and requesters who hear the outcome: reminders in the
 * card's thread (SLOTS_REMIND_AFTER) on a test clock, across a restart, and a direct message to
 * the requester for each outcome. The real app, a real SQLite file, the simulator, a fake Slack.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import {
  APPROVE_ACTION,
  CANCEL_ACTION,
  REJECT_ACTION,
} from '../../src/slack/views/request-card.js';
import { blockText } from '../helpers/blocks.js';
import { clickButton, requestCard, submitRejectReason } from '../helpers/cards.js';
import { type WebApiCall, waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const HOUR = 3_600_000;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { SLOTS_REMIND_AFTER: '1h', SLOTS_REQUEST_TTL: '24h' } });
  h.slack.handle('usergroups.users.list', () => ({ users: [] }));
});
afterAll(async () => {
  await h.stop();
});
beforeEach(async () => {
  await closeOpenRequests(h.bot.store);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reminders posted in the thread of request `id`'s card. */
async function remindersOf(id: string): Promise<WebApiCall[]> {
  const ts = (await h.bot.requests.get(id))?.card?.ts;
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => ts !== undefined && c.args.thread_ts === ts)
    .filter((c) => /remind/i.test(`${String(c.args.text)} ${blockText(c.args)}`));
}

/** Moves the clock and gives the sweep (every 100 ms) and the outbox time to act. */
async function advance(ms: number): Promise<void> {
  h.clock.advance(ms);
  await sleep(400);
  await h.bot.outbox.deliverDue();
}

async function inState(id: string, wanted: RequestState) {
  return waitForAsync(`request ${id} to be ${wanted}`, async () => {
    const r = await h.bot.requests.get(id);
    return r?.state === wanted ? r : undefined;
  });
}

/** Direct messages from the app to `user` about request `id`. */
const dmsTo = (user: string, id: string) =>
  h.slack.dmsTo(user).filter((c) => String(c.args.text).includes(id));

describe('reminders', () => {
  it('reminds at 1, 2 and 3 times SLOTS_REMIND_AFTER, each once, mentioning the approvers', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await h.bot.outbox.deliverDue();
    await advance(HOUR - 60_000);
    expect(await remindersOf(id)).toHaveLength(0);
    await advance(60_000);
    const [first] = await remindersOf(id);
    expect(first).toBeDefined();
    const text = blockText(first!.args);
    expect(text).toContain(`*Reminder 1 of 3:* request \`${id}\` from <@${ALICE}>`);
    expect(text).toContain(`<@${BOB}> <@U0CAROL> <!subteam^S0APPROVERS>`);
    // The requester is not asked to approve their own request.
    const queued = (await h.bot.store.listOutbox(id)).find((m) => m.payload?.about === 'reminder');
    expect(queued?.payload?.mention).toEqual(['U0BOB', 'U0CAROL', 'S0APPROVERS']);
    await advance(HOUR);
    expect(await remindersOf(id)).toHaveLength(2);
    expect(blockText((await remindersOf(id))[1]!.args)).toContain(
      'has waited 2 hours for approval',
    );
    await advance(HOUR);
    expect(await remindersOf(id)).toHaveLength(3);
    await advance(3 * HOUR);
    expect(await remindersOf(id)).toHaveLength(3);
    const events = await h.bot.store.listEvents(id);
    expect(events.filter((e) => e.type === 'reminded').map((e) => e.detail.n)).toEqual([1, 2, 3]);
    await clickButton(h, CANCEL_ACTION, id, ALICE);
    await inState(id, 'cancelled');
  });

  it('sends none after a decision', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await advance(HOUR);
    expect(await remindersOf(id)).toHaveLength(1);
    await clickButton(h, APPROVE_ACTION, id, BOB);
    await inState(id, 'succeeded');
    await advance(3 * HOUR);
    expect(await remindersOf(id)).toHaveLength(1);
  });

  it('does not repeat a reminder across a restart', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await advance(HOUR);
    expect(await remindersOf(id)).toHaveLength(1);
    await h.restart();
    await advance(0);
    expect(await remindersOf(id)).toHaveLength(1);
    await advance(HOUR);
    expect(await remindersOf(id)).toHaveLength(2);
    await clickButton(h, CANCEL_ACTION, id, ALICE);
    await inState(id, 'cancelled');
  });
});

describe('reminders with a second replica on the same file', () => {
  it('posts each reminder once while both sweep', async () => {
    const second = await h.replica();
    try {
      const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
      for (let i = 0; i < 3; i++) {
        await advance(HOUR);
        await second.outbox.deliverDue();
      }
      expect(await remindersOf(id)).toHaveLength(3);
      const events = await h.bot.store.listEvents(id);
      expect(events.filter((e) => e.type === 'reminded')).toHaveLength(3);
      await clickButton(h, CANCEL_ACTION, id, ALICE);
      await inState(id, 'cancelled');
    } finally {
      await second.stop();
    }
  });
});

describe('direct messages to the requester', () => {
  it('tells the requester it was approved, then bought, with the transaction id', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await clickButton(h, APPROVE_ACTION, id, BOB);
    const done = await inState(id, 'succeeded');
    await h.bot.outbox.deliverDue();
    const dms = dmsTo(ALICE, id);
    expect(dms).toHaveLength(2);
    const [approved, bought] = dms.map((c) => blockText(c.args));
    expect(approved).toContain(`was approved by <@${BOB}>`);
    expect(bought).toContain('succeeded: it commits $250.00 per month');
    expect(bought).toContain(`AWS transaction \`${done.outcome!.transactionId!}\``);
  });

  it('tells the requester of a rejection, with the reason', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await clickButton(h, REJECT_ACTION, id, BOB);
    await submitRejectReason(h, id, BOB, 'use the shared pool');
    await inState(id, 'rejected');
    await h.bot.outbox.deliverDue();
    const dms = dmsTo(ALICE, id);
    expect(dms).toHaveLength(1);
    const text = blockText(dms[0]!.args);
    expect(text).toContain(`Your request \`${id}\``);
    expect(text).toContain(`was rejected by <@${BOB}>`);
    expect(text).toContain('>use the shared pool');
    expect(text).toContain('Its card is in <#C0SLOTS>.');
    expect(dms[0]!.args.thread_ts).toBeUndefined();
  });

  it('tells the requester of a failure', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    h.sim.fault('devicefarm', 'PurchaseOffering', {
      error: { name: 'NotEligibleException', message: 'raw AWS text' },
      times: 1,
    });
    await clickButton(h, APPROVE_ACTION, id, BOB);
    await inState(id, 'failed');
    await h.bot.outbox.deliverDue();
    const dms = dmsTo(ALICE, id);
    expect(dms).toHaveLength(2); // approved, then failed
    expect(`${String(dms[1]!.args.text)} ${blockText(dms[1]!.args)}`).toMatch(/not|fail/i);
  });

  it('tells the requester when the request expired', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await advance(25 * HOUR);
    await inState(id, 'expired');
    await h.bot.outbox.deliverDue();
    expect(dmsTo(ALICE, id)).toHaveLength(1);
  });

  it('sends nothing to the requester who cancels their own request', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await clickButton(h, CANCEL_ACTION, id, ALICE);
    await inState(id, 'cancelled');
    await h.bot.outbox.deliverDue();
    expect(dmsTo(ALICE, id)).toHaveLength(0);
  });
});
