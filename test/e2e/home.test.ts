/**
 * The App Home tab end to end: signed `app_home_opened` events and clicks made on the Home view
 * into the real app, a real SQLite file, the AWS simulator and the fake Slack Web API. Each
 * person's tab is published with what concerns them, answers clicks made on it at its top, and
 * is published again when a request changes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/domain/requests.js';
import { viewProblems } from '../../src/sandbox/slack/block-limits.js';
import { largeSeed, SEED_IDS } from '../../src/sim/index.js';
import { HOME_NOTICE_BLOCK, HOME_VIEW_BYTES_MAX } from '../../src/slack/views/home.js';
import {
  APPROVE_ACTION,
  CANCEL_ACTION,
  REJECT_ACTION,
  REJECT_MODAL_CALLBACK,
  REJECT_REASON_ACTION,
  REJECT_REASON_BLOCK,
} from '../../src/slack/views/request-card.js';
import { blockText, buttonValues } from '../helpers/blocks.js';
import { requestCard } from '../helpers/cards.js';
import { type WebApiCall, waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';
import { viewSubmission } from '../helpers/payloads.js';
import { sendEvent } from '../helpers/slack-requests.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE'; // may request, not an approver
const BOB = 'U0BOB'; // approver
const CAROL = 'U0CAROL'; // approver

interface HomeView {
  type: string;
  blocks: Array<Record<string, unknown>>;
}

/** A click on a button of a published Home view, as Slack sends it: no response_url. */
function homeClick(actionId: string, value: string, userId: string): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    team: { id: 'T1', domain: 'test' },
    trigger_id: `trigger-${randomUUID()}`,
    container: { type: 'view', view_id: 'VHOME' },
    view: {
      id: 'VHOME',
      team_id: 'T1',
      type: 'home',
      callback_id: '',
      private_metadata: '',
      hash: 'hash-home',
      blocks: [],
      state: { values: {} },
    },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: `home_decide:${value}`,
        value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

function publishesTo(h: Harness, user: string): WebApiCall[] {
  return h.slack.callsTo('views.publish').filter((c) => c.args.user_id === user);
}

/** Waits for a publish to `user` after the first `since` of theirs that satisfies `matches`. */
async function homeOf(
  h: Harness,
  user: string,
  since: number,
  matches: (view: HomeView) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<HomeView> {
  const call = await h.slack.waitFor(
    `a Home tab published to ${user}`,
    () =>
      publishesTo(h, user)
        .slice(since)
        .find((c) => matches(c.args.view as HomeView)),
    timeoutMs,
  );
  const view = call.args.view as HomeView;
  expect(view.type).toBe('home');
  expect(viewProblems(view, 'home')).toEqual([]);
  expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(HOME_VIEW_BYTES_MAX);
  return view;
}

async function openHome(h: Harness, user: string, matches?: (view: HomeView) => boolean) {
  const since = publishesTo(h, user).length;
  const res = await sendEvent(h.eventsUrl, {
    type: 'app_home_opened',
    user,
    channel: `D${user}`,
    tab: 'home',
    event_ts: `${Date.now() / 1000}`,
  });
  expect(res.status).toBe(200);
  return homeOf(h, user, since, matches);
}

const noticeOf = (view: HomeView) =>
  blockText({ blocks: view.blocks.filter((b) => b.block_id === HOME_NOTICE_BLOCK) });

async function state(h: Harness, id: string, wanted: RequestState) {
  return waitForAsync(`request ${id} to be ${wanted}`, async () => {
    const r = await h.bot.requests.get(id);
    return r?.state === wanted ? r : undefined;
  });
}

describe('the Home tab', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.slack.handle('usergroups.users.list', () => ({ users: [] }));
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(async () => {
    await closeOpenRequests(h.bot.store);
  });

  it("shows a requester their own request with Cancel, and no one else's approvals", async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const view = await openHome(h, ALICE);
    const text = blockText(view);
    expect(text).toContain('Reserved capacity');
    // What renews next, by the offering's name (the seeded account holds these slots).
    expect(text).toMatch(/Coming up[\s\S]*Android Remote Access Unmetered Device Slot — renews/);
    expect(text).toContain('Your requests');
    expect(text).toContain(id);
    expect(text).toContain('waiting for approval');
    expect(text).not.toContain('Waiting for your approval');
    expect(buttonValues(view, CANCEL_ACTION)).toEqual([id]);
    expect(buttonValues(view, APPROVE_ACTION)).toEqual([]);
  });

  it('shows an approver the requests waiting for them, with Approve and Reject', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const view = await openHome(h, BOB);
    expect(blockText(view)).toContain('Waiting for your approval');
    expect(buttonValues(view, APPROVE_ACTION)).toEqual([id]);
    expect(buttonValues(view, REJECT_ACTION)).toEqual([id]);
    expect(buttonValues(view, CANCEL_ACTION)).toEqual([]);
  });

  it('buys once when approved from the Home tab, answers on the tab, and refreshes the requester', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    await openHome(h, ALICE, (v) => blockText(v).includes(id));
    await openHome(h, BOB, (v) => buttonValues(v, APPROVE_ACTION).includes(id));
    const bobSince = publishesTo(h, BOB).length;
    const aliceSince = publishesTo(h, ALICE).length;
    const purchases = h.sim.callsTo('PurchaseOffering', 'devicefarm').length;
    const responses = h.slack.responses.length;

    const res = await h.interact(homeClick(APPROVE_ACTION, id, BOB));
    expect(res.status).toBe(200);
    await state(h, id, 'succeeded');
    expect(h.sim.callsTo('PurchaseOffering', 'devicefarm').length - purchases).toBe(1);

    // The approver's tab says what happened, where they clicked; nothing went to a response_url.
    const bobs = await homeOf(h, BOB, bobSince, (v) => noticeOf(v).includes(id));
    expect(noticeOf(bobs)).toContain(`You approved request ${id}`);
    expect(h.slack.responses.length).toBe(responses);
    // Waits on the request service's `onChanged` (lead): the requester's tab shows the outcome.
    const alices = await homeOf(h, ALICE, aliceSince, (v) => /succeeded/.test(blockText(v)));
    expect(buttonValues(alices, CANCEL_ACTION)).not.toContain(id);
    // And the approver's tab no longer offers it.
    await homeOf(h, BOB, bobSince, (v) => !buttonValues(v, APPROVE_ACTION).includes(id));
  });

  it('answers a refused click on the tab itself, and changes nothing', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, BOB);
    const since = publishesTo(h, BOB).length;
    const purchases = h.sim.callsTo('PurchaseOffering', 'devicefarm').length;
    const res = await h.interact(homeClick(APPROVE_ACTION, id, BOB));
    expect(res.status).toBe(200);
    const view = await homeOf(h, BOB, since, (v) => noticeOf(v).length > 0);
    expect(noticeOf(view)).toMatch(/own request/i);
    expect((await h.bot.requests.get(id))?.state).toBe('pending');
    expect(h.sim.callsTo('PurchaseOffering', 'devicefarm').length).toBe(purchases);
  });

  it('cancels from the Home tab', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    const since = publishesTo(h, ALICE).length;
    await h.interact(homeClick(CANCEL_ACTION, id, ALICE));
    await state(h, id, 'cancelled');
    const view = await homeOf(h, ALICE, since, (v) => noticeOf(v).includes(id));
    expect(noticeOf(view)).toContain(`Request ${id} is cancelled`);
    expect(buttonValues(view, CANCEL_ACTION)).not.toContain(id);
  });

  it('rejects from the Home tab through the reason form, and answers on the tab', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    const opens = h.slack.callsTo('views.open').length;
    await h.interact(homeClick(REJECT_ACTION, id, CAROL));
    const open = await h.slack.waitFor(
      'the reject form',
      () => h.slack.callsTo('views.open')[opens],
    );
    const modal = open.args.view as { private_metadata: string };
    const since = publishesTo(h, CAROL).length;
    const res = await h.interact(
      viewSubmission({
        callbackId: REJECT_MODAL_CALLBACK,
        userId: CAROL,
        privateMetadata: modal.private_metadata,
        values: {
          [REJECT_REASON_BLOCK]: {
            [REJECT_REASON_ACTION]: { type: 'plain_text_input', value: 'not this month' },
          },
        },
      }),
    );
    expect(res.status).toBe(200);
    await state(h, id, 'rejected');
    const view = await homeOf(h, CAROL, since, (v) => noticeOf(v).includes(id));
    expect(noticeOf(view)).toContain(`You rejected request ${id}`);
  });
});

describe('the Home tab with approvals by amount', () => {
  let h: Harness;
  beforeAll(async () => {
    // Anything from $1 needs two approvers.
    h = await startHarness({ env: { SLOTS_APPROVALS: '1:2' } });
    h.slack.handle('usergroups.users.list', () => ({ users: [] }));
  });
  afterAll(async () => {
    await h.stop();
  });

  // Waits on the request service accepting one approval at a time (lead) and SLOTS_APPROVALS.
  it('records a first approval without buying, and says how many more are needed', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    const since = publishesTo(h, BOB).length;
    await h.interact(homeClick(APPROVE_ACTION, id, BOB));
    const view = await homeOf(h, BOB, since, (v) => noticeOf(v).includes(id));
    expect(noticeOf(view)).toContain(
      `Your approval of ${id} is recorded: 1 of 2. It needs 1 more approver.`,
    );
    expect(buttonValues(view, APPROVE_ACTION)).not.toContain(id);
    expect((await h.bot.requests.get(id))?.state).toBe('pending');
    expect(h.sim.callsTo('PurchaseOffering', 'devicefarm')).toHaveLength(0);

    // Carol still sees it, with the first approval counted; her approval buys.
    const carols = await openHome(h, CAROL, (v) => buttonValues(v, APPROVE_ACTION).includes(id));
    expect(blockText(carols)).toContain('1 of 2 approvals');
    await h.interact(homeClick(APPROVE_ACTION, id, CAROL));
    await state(h, id, 'succeeded');
    expect(h.sim.callsTo('PurchaseOffering', 'devicefarm')).toHaveLength(1);
  });
});

describe('the Home tab of a large account', () => {
  const COUNT = 500;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed: (now) => largeSeed(now, COUNT), pageSize: 100 });
    h.slack.handle('usergroups.users.list', () => ({ users: [] }));
  });
  afterAll(async () => {
    await h.stop();
  });

  it(`summarises ${COUNT} offerings and 200 pending requests within every limit`, async () => {
    // Set-up straight in the store: 200 pending requests, one per offering.
    const now = h.clock();
    for (let i = 0; i < 200; i++) {
      const n = String(i + 1).padStart(12, '0');
      await h.bot.store.createRequest(
        {
          id: `R${String(i).padStart(7, '0')}`,
          action: {
            service: 'devicefarm',
            kind: 'purchase',
            offeringId: `10000000-0000-4000-8000-${n}`,
            quantity: 1,
          },
          quote: {
            service: 'devicefarm',
            offeringDescription: `Android Unmetered Device Slot #${i + 1}`,
            currency: 'USD',
            unitPriceMicros: '250000000',
            priceUnit: 'MONTHLY',
            commitsMicros: '250000000',
            commitsPeriod: 'month',
          },
          requester: ALICE,
          reason: 'r'.repeat(500),
          createdAt: now,
          expiresAt: new Date(now.getTime() + 3_600_000 + i * 1_000),
        },
        { actor: ALICE, type: 'created' },
        [],
      );
    }
    const view = await openHome(h, BOB);
    const text = blockText(view);
    expect(text).toContain(`in ${COUNT} offerings`);
    expect(text).toMatch(/…and \d+ more: `\/slots status`/);
    expect(text).toContain('…and 190 more requests waiting for you');
    expect(buttonValues(view, APPROVE_ACTION)).toHaveLength(10);
    // The soonest to expire first.
    expect(buttonValues(view, APPROVE_ACTION)[0]).toBe('R0000000');

    const alices = await openHome(h, ALICE);
    expect(blockText(alices)).toContain('Your earlier requests: `/slots history`');
  });
});
