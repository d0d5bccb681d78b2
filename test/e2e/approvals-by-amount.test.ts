/**
 * More approvers above an amount (SLOTS_APPROVALS) end to end: signed clicks into the real app, a
 * real SQLite file, the AWS simulator and the fake Slack. A Device Farm slot of the default seed
 * costs 250 USD a month, so 1 slot needs one approver, 2 slots (exactly 500) two, 4 slots three.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PurchaseRequest, RequestState } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../../src/slack/views/request-card.js';
import { blockText } from '../helpers/blocks.js';
import { clickButton, requestCard, submitRejectReason } from '../helpers/cards.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';
import { buttonClick } from '../helpers/payloads.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE'; // requester
const BOB = 'U0BOB'; // approver
const CAROL = 'U0CAROL'; // approver
const ERIN = 'U0ERIN'; // approver through the user group S0APPROVERS

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { SLOTS_APPROVALS: '500:2,1000:3' } });
  h.slack.handle('usergroups.users.list', (args) => ({
    users: args.usergroup === 'S0APPROVERS' ? [ERIN] : [],
  }));
});
afterAll(async () => {
  await h.stop();
});
beforeEach(async () => {
  await closeOpenRequests(h.bot.store);
});
afterEach(async () => {
  await h.bot.outbox.deliverDue();
});

const purchases = () => h.sim.callsTo('PurchaseOffering', 'devicefarm');

async function inState(id: string, wanted: RequestState): Promise<PurchaseRequest> {
  return waitForAsync(`request ${id} to be ${wanted}`, async () => {
    const r = await h.bot.requests.get(id);
    return r?.state === wanted ? r : undefined;
  });
}

/** The text of the card of `id` as Slack shows it now: its last post or edit. */
async function cardText(id: string): Promise<string> {
  await h.bot.outbox.deliverDue();
  const r = await h.bot.requests.get(id);
  const edits = [...h.slack.callsTo('chat.postMessage'), ...h.slack.callsTo('chat.update')]
    .filter((c) => c.args.ts === r?.card?.ts || c.args.channel === 'C0SLOTS')
    .filter((c) => blockText(c.args).includes(id));
  return blockText(edits.at(-1)?.args ?? {});
}

/** Clicks Approve as `user` and returns the answer the approver is shown. */
async function approveAndWait(id: string, user: string): Promise<string> {
  const { responseUrl } = await clickButton(h, APPROVE_ACTION, id, user);
  return String((await h.answerTo(responseUrl)).text);
}

describe('the number of approvers follows the amount', () => {
  it.each([
    [1, 1], // 250 USD: below every rule
    [2, 2], // exactly 500: the boundary needs two
    [3, 2], // 750
    [4, 3], // exactly 1,000
  ])('%i slot(s) need %i approver(s)', async (slots, needed) => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} ${slots}`, ALICE);
    expect((await h.bot.requests.get(id))?.approvalsNeeded).toBe(needed);
  });
});

describe('two approvers needed', () => {
  it('one approval leaves it pending, the card says 1 of 2, the second buys once', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const before = purchases().length;
    const { responseUrl } = await clickButton(h, APPROVE_ACTION, id, BOB);
    const told = await h.answerTo(responseUrl);
    expect(String(told.text)).toMatch(/1 of 2/);
    const pending = await h.bot.requests.get(id);
    expect(pending).toMatchObject({ state: 'pending', approvals: [{ by: BOB }] });
    const text = await cardText(id);
    expect(text).toMatch(/1 of 2 approvals/);
    expect(text).toContain(`<@${BOB}>`);
    expect(purchases()).toHaveLength(before);

    await clickButton(h, APPROVE_ACTION, id, CAROL);
    const done = await inState(id, 'succeeded');
    expect(done.approvals.map((a) => a.by)).toEqual([BOB, CAROL]);
    expect(done.decidedBy).toBe(CAROL);
    expect(purchases()).toHaveLength(before + 1);
    const events = (await h.bot.store.listEvents(id)).map((e) => `${e.type}:${e.actor}`);
    expect(events).toContain(`approval_recorded:${BOB}`);
    expect(events).toContain(`approved:${CAROL}`);
  });

  it('counts the same approver twice once', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    await approveAndWait(id, BOB);
    const { responseUrl } = await clickButton(h, APPROVE_ACTION, id, BOB);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/already approved/);
    expect(await h.bot.requests.get(id)).toMatchObject({
      state: 'pending',
      approvals: [{ by: BOB }],
    });
  });

  it('never counts the requester, even when the requester is an approver', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, BOB);
    const { responseUrl } = await clickButton(h, APPROVE_ACTION, id, BOB);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/own request/);
    expect((await h.bot.requests.get(id))?.approvals).toEqual([]);
  });

  it('makes exactly one AWS call from twenty concurrent clicks by three approvers', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const before = purchases().length;
    const approvers = [BOB, CAROL, ERIN];
    const clicks = Array.from({ length: 20 }, (_, i) =>
      h.interact(
        buttonClick({
          actionId: APPROVE_ACTION,
          value: id,
          userId: approvers[i % 3]!,
          responseUrl: h.slack.responseUrl(),
        }),
      ),
    );
    for (const res of await Promise.all(clicks)) expect(res.status).toBe(200);
    const done = await inState(id, 'succeeded');
    expect(purchases()).toHaveLength(before + 1);
    // Exactly two distinct approvers counted; the purchase followed the second.
    expect(done.approvals).toHaveLength(2);
    expect(new Set(done.approvals.map((a) => a.by)).size).toBe(2);
    const bought = purchases().at(-1)!;
    expect(bought.at.getTime()).toBeGreaterThanOrEqual(done.approvals[1]!.at.getTime());
  });

  it('ends the request when any approver rejects after one approval', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const before = purchases().length;
    await approveAndWait(id, BOB);
    await clickButton(h, REJECT_ACTION, id, CAROL);
    await submitRejectReason(h, id, CAROL, 'not this quarter');
    const rejected = await inState(id, 'rejected');
    expect(rejected).toMatchObject({ decidedBy: CAROL, decisionNote: 'not this quarter' });
    const { responseUrl } = await clickButton(h, APPROVE_ACTION, id, ERIN);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/rejected/);
    expect(purchases()).toHaveLength(before);
  });
});

describe('three approvers needed', () => {
  it('buys only after the third distinct approver', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 4`, ALICE);
    const before = purchases().length;
    expect(await approveAndWait(id, BOB)).toMatch(/1 of 3/);
    expect(await approveAndWait(id, CAROL)).toMatch(/2 of 3/);
    expect((await h.bot.requests.get(id))?.state).toBe('pending');
    expect(await cardText(id)).toMatch(/2 of 3 approvals/);
    expect(purchases()).toHaveLength(before);
    await clickButton(h, APPROVE_ACTION, id, ERIN);
    await inState(id, 'succeeded');
    expect(purchases()).toHaveLength(before + 1);
  });
});
