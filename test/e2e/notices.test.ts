/**
 * Channel notices end to end: the watcher polling the AWS simulator through the real SDK, a real
 * SQLite file, the outbox posting to a fake Slack, and signed clicks on the notices' buttons.
 * Polls are driven by hand (`watcher.pollOnce()`) with a test clock, so every assertion is about
 * one known poll; the interval itself is left at its 15-minute default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import {
  NOTICE_CHANGE_ACTION,
  NOTICE_KEEP_ACTION,
  NOTICE_LAPSE_ACTION,
  NOTICE_PURCHASE_ACTION,
} from '../../src/slack/views/notices.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import {
  OFFERING_ACTION,
  OFFERING_BLOCK,
  QUANTITY_ACTION,
  QUANTITY_BLOCK,
  RESERVATION_NAME_ACTION,
  RESERVATION_NAME_BLOCK,
} from '../../src/slack/views/request-modal.js';
import { blockText, buttonValues as valuesOfButtons } from '../helpers/blocks.js';
import { type WebApiCall, waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { deviceFarmOutside } from '../helpers/outside.js';
import { buttonClick } from '../helpers/payloads.js';

const ALICE = 'U0ALICE'; // may request, not an approver
const BOB = 'U0BOB'; // approver
const DAY = 86_400_000;

const buttonValues = (call: WebApiCall, actionId: string) => valuesOfButtons(call.args, actionId);

/** Polls once (joining a poll under way), then delivers what it queued. */
async function poll(h: Harness) {
  const result = await h.bot.watcher.pollOnce();
  await h.bot.outbox.deliverDue();
  return result;
}

/** Notices: top-level channel messages that are not request cards. */
const channelPosts = (h: Harness) =>
  h.slack
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args.channel === 'C0SLOTS' &&
        !c.failed &&
        !c.args.thread_ts &&
        buttonValues(c, APPROVE_ACTION).length === 0,
    );

/** Channel messages carrying a button with `actionId` whose value starts with `prefix`. */
const withButton = (h: Harness, actionId: string, prefix = '') =>
  channelPosts(h).filter((c) => buttonValues(c, actionId).some((v) => v.startsWith(prefix)));

const mentioning = (h: Harness, needle: string) =>
  channelPosts(h).filter((c) => blockText(c.args).includes(needle));

async function click(h: Harness, actionId: string, value: string, user: string) {
  const responseUrl = h.slack.responseUrl();
  const triggerId = `trigger-${actionId}-${Date.now()}`;
  const res = await h.interact(
    buttonClick({ actionId, value, userId: user, responseUrl, triggerId }),
  );
  expect(res.status).toBe(200);
  return { responseUrl, triggerId };
}

async function requestIn(h: Harness, state: RequestState, offeringId: string, since: number) {
  return waitForAsync(`a ${state} renew request for ${offeringId}`, async () => {
    const all = await h.bot.requests.history(50);
    return all.find(
      (r) =>
        r.createdAt.getTime() >= since &&
        r.state === state &&
        r.action.service === 'devicefarm' &&
        r.action.kind === 'renew' &&
        r.action.offeringId === offeringId,
    );
  });
}

describe('Device Farm renewals and changes made outside the bot', () => {
  let h: Harness;
  // 6½ days before the next period (1 Dec): inside the 7-day lead time, outside the 1-day one.
  const start = new Date('2026-11-24T12:00:00Z');

  beforeAll(async () => {
    h = await startHarness({ now: start });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('announces each upcoming renewal once on the first poll, and no history', async () => {
    await poll(h);
    const cards = withButton(h, NOTICE_KEEP_ACTION);
    const keys = cards.flatMap((c) => buttonValues(c, NOTICE_KEEP_ACTION)).sort();
    expect(keys).toEqual(
      [SEED_IDS.androidRemote, SEED_IDS.iosRemote, SEED_IDS.androidAutomated, SEED_IDS.iosAutomated]
        .map((id) => `renewal:${id}:2026-12-01:7d`)
        .sort(),
    );
    // Every card has all three choices, each carrying the notice key and nothing else.
    for (const card of cards) {
      const [key] = buttonValues(card, NOTICE_KEEP_ACTION);
      expect(buttonValues(card, NOTICE_CHANGE_ACTION)).toEqual([key]);
      expect(buttonValues(card, NOTICE_LAPSE_ACTION)).toEqual([key]);
    }
    // The seeded transaction history was recorded quietly.
    expect(mentioning(h, '00000000-0000-4000-8000-000000000001')).toEqual([]);
    expect(
      await h.bot.store.getNotice('transaction:00000000-0000-4000-8000-000000000008'),
    ).toBeDefined();
  });

  it('says plainly when slots lapse', async () => {
    const [lapse] = withButton(h, NOTICE_KEEP_ACTION, `renewal:${SEED_IDS.iosRemote}`);
    expect(blockText(lapse!.args)).toMatch(/lapse/i);
  });

  it('posts nothing again on later polls or after a restart', async () => {
    const before = channelPosts(h).length;
    await poll(h);
    h.clock.advance(60 * 60_000);
    await poll(h);
    await h.restart();
    await poll(h);
    expect(channelPosts(h).length).toBe(before);
  });

  it('announces a renewal made directly in AWS once, with its transaction id', async () => {
    const txId = await deviceFarmOutside(h.sim.url, 'RenewOffering', SEED_IDS.androidRemote, 5);
    const before = channelPosts(h).length;
    await poll(h);
    await poll(h);
    const posts = mentioning(h, txId);
    expect(posts).toHaveLength(1);
    expect(channelPosts(h).length - before).toBe(1);
    const text = blockText(posts[0]!.args);
    expect(text).toMatch(/outside slots-bot/i);
    expect(text).toContain('5');
  });

  it('Keep and Let lapse create renew requests that still need a second person', async () => {
    const keepKey = `renewal:${SEED_IDS.iosRemote}:2026-12-01:7d`;
    const since = h.clock().getTime();
    const renewCalls = () => h.sim.callsTo('RenewOffering', 'devicefarm').length;
    const before = renewCalls();

    // Keep on the lapsing offering: renew the 1 slot held now.
    await click(h, NOTICE_KEEP_ACTION, keepKey, ALICE);
    const keep = await requestIn(h, 'pending', SEED_IDS.iosRemote, since);
    expect(keep.action).toMatchObject({ kind: 'renew', quantity: 1 });
    expect(keep.requester).toBe(ALICE);
    expect(renewCalls()).toBe(before);

    // A second click while that request is open is refused and creates nothing.
    const again = await click(h, NOTICE_KEEP_ACTION, keepKey, ALICE);
    const refusal = await h.answerTo(again.responseUrl);
    expect(String(refusal.text)).toContain(keep.id);

    // The requester cannot approve it; a different approver can, and AWS is called once.
    await click(h, APPROVE_ACTION, keep.id, ALICE);
    expect((await h.bot.requests.get(keep.id))?.state).toBe('pending');
    await click(h, APPROVE_ACTION, keep.id, BOB);
    await requestIn(h, 'succeeded', SEED_IDS.iosRemote, since);
    expect(renewCalls() - before).toBe(1);
    expect(h.sim.callsTo('RenewOffering', 'devicefarm').at(-1)?.input).toMatchObject({
      offeringId: SEED_IDS.iosRemote,
      quantity: 1,
    });

    // Let lapse on another offering: a pending request for 0.
    await click(h, NOTICE_LAPSE_ACTION, `renewal:${SEED_IDS.androidAutomated}:2026-12-01:7d`, BOB);
    const lapse = await requestIn(h, 'pending', SEED_IDS.androidAutomated, since);
    expect(lapse.action).toMatchObject({ quantity: 0 });
    expect(lapse.requester).toBe(BOB);
    expect(renewCalls() - before).toBe(1);
  });

  it('does not announce the renewal the bot itself made', async () => {
    const bought = (await h.bot.requests.history(50)).find((r) => r.state === 'succeeded');
    const txId = bought!.outcome!.transactionId!;
    await poll(h);
    expect(mentioning(h, txId)).toEqual([]);
  });

  it('refuses Keep when that quantity already renews, and creates nothing', async () => {
    const before = (await h.bot.requests.history(50)).length;
    const { responseUrl } = await click(
      h,
      NOTICE_KEEP_ACTION,
      `renewal:${SEED_IDS.iosAutomated}:2026-12-01:7d`,
      ALICE,
    );
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/already renew/i);
    expect((await h.bot.requests.history(50)).length).toBe(before);
  });

  it('refuses a button whose value is not a stored notice', async () => {
    const { responseUrl } = await click(h, NOTICE_KEEP_ACTION, 'renewal:forged:2026-12-01:7d', BOB);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/does not know/i);
  });

  it('Change quantity opens the renew form pre-filled with the offering and quantity', async () => {
    const key = `renewal:${SEED_IDS.iosAutomated}:2026-12-01:7d`;
    const { triggerId } = await click(h, NOTICE_CHANGE_ACTION, key, ALICE);
    const opened = await h.slack.waitFor('views.open', () =>
      h.slack.callsTo('views.open').find((c) => c.args.trigger_id === triggerId),
    );
    expect(opened).toBeDefined();
    const update = await h.slack.waitFor('the pre-filled form', () =>
      h.slack
        .callsTo('views.update')
        .find((c) => JSON.stringify(c.args.view ?? {}).includes(QUANTITY_BLOCK)),
    );
    const view = update.args.view as { blocks: Record<string, unknown>[] };
    const offering = view.blocks.find((b) => b.block_id === OFFERING_BLOCK.devicefarm) as {
      element: { action_id: string; initial_option?: { value: string } };
    };
    expect(offering.element.action_id).toBe(OFFERING_ACTION);
    expect(offering.element.initial_option?.value).toBe(SEED_IDS.iosAutomated);
    const quantity = view.blocks.find((b) => b.block_id === QUANTITY_BLOCK) as {
      element: { action_id: string; initial_value?: string };
    };
    expect(quantity.element.action_id).toBe(QUANTITY_ACTION);
    expect(quantity.element.initial_value).toBe('1');
  });

  it('posts the 1-day notice once the renewal is a day away, once', async () => {
    h.clock.set(new Date('2026-11-30T12:00:00Z'));
    await poll(h);
    await poll(h);
    const oneDay = withButton(h, NOTICE_KEEP_ACTION).filter((c) =>
      buttonValues(c, NOTICE_KEEP_ACTION).some((v) => v.endsWith(':1d')),
    );
    expect(oneDay.map((c) => buttonValues(c, NOTICE_KEEP_ACTION)[0]).sort()).toEqual(
      [SEED_IDS.androidRemote, SEED_IDS.iosRemote, SEED_IDS.androidAutomated, SEED_IDS.iosAutomated]
        .map((id) => `renewal:${id}:2026-12-01:1d`)
        .sort(),
    );
  });

  it('announces the monthly SYSTEM renewals once the period rolls, and refuses stale cards', async () => {
    // The simulator dates the roll at the next period's start, so it rolls just before it.
    h.sim.advancePeriod();
    h.clock.set(new Date('2026-12-01T00:05:00Z'));
    const before = channelPosts(h).length;
    await poll(h);
    await poll(h);
    const posted = channelPosts(h).slice(before);
    expect(posted).toHaveLength(1);
    const text = blockText(posted[0]!.args);
    const system = h.sim.state.deviceFarm.transactions.filter(
      (t) =>
        t.offeringStatus.type === 'SYSTEM' && t.createdOn.getTime() >= Date.parse('2026-12-01'),
    );
    expect(system.length).toBeGreaterThan(0);
    for (const t of system) expect(text).toContain(t.transactionId);

    const { responseUrl } = await click(
      h,
      NOTICE_LAPSE_ACTION,
      `renewal:${SEED_IDS.androidRemote}:2026-12-01:7d`,
      ALICE,
    );
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/already happened/i);
  });

  it('announces a next-period change that no transaction explains', async () => {
    const before = channelPosts(h).length;
    h.sim.state.deviceFarm.slots[SEED_IDS.androidRemote]!.nextPeriod = 9;
    await poll(h);
    await poll(h);
    const changed = channelPosts(h).slice(before);
    expect(changed).toHaveLength(1);
    expect(blockText(changed[0]!.args)).toContain('9');
  });
});

describe('notice buttons act on what AWS holds at the click', () => {
  let h: Harness;
  const start = new Date('2026-11-24T12:00:00Z');
  const keyOf = (offeringId: string) => `renewal:${offeringId}:2026-12-01:7d`;
  const renewCalls = () => h.sim.callsTo('RenewOffering', 'devicefarm');
  const renewsOf = async (offeringId: string) =>
    (await h.bot.requests.history(100)).filter(
      (r) =>
        r.action.service === 'devicefarm' &&
        r.action.kind === 'renew' &&
        r.action.offeringId === offeringId,
    );
  /** Every version of a request's card: the post, then each update, as visible text. */
  const cardTexts = (id: string) => {
    const posted = h.slack
      .callsTo('chat.postMessage')
      .find((c) => !c.failed && buttonValues(c, APPROVE_ACTION).includes(id));
    if (!posted) return [];
    const updates = h.slack
      .callsTo('chat.update')
      .filter((c) => !c.failed && blockText(c.args).includes(id));
    return [posted, ...updates].map((c) => blockText(c.args));
  };

  beforeAll(async () => {
    h = await startHarness({ now: start });
    await poll(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('Keep renews the slots held at the click, and the card shows the numbers', async () => {
    const offeringId = SEED_IDS.androidAutomated;
    // The notice said 3 held and 3 renewing; since then the account changed.
    const [notice] = withButton(h, NOTICE_KEEP_ACTION, keyOf(offeringId));
    expect(blockText(notice!.args)).toContain('holding 3 now');
    h.sim.state.deviceFarm.slots[offeringId] = { current: 7, nextPeriod: 5 };
    const before = renewCalls().length;

    const { responseUrl } = await click(h, NOTICE_KEEP_ACTION, keyOf(offeringId), ALICE);
    const keep = await requestIn(h, 'pending', offeringId, start.getTime());
    // The click's origin reached the request: its confirmation answers on the click's response_url.
    expect(blockText(await h.answerTo(responseUrl))).toContain(keep.id);
    expect(keep.action).toMatchObject({
      kind: 'renew',
      quantity: 7,
      seen: { current: 7, nextPeriod: 5 },
    });
    const [card] = await h.slack.waitFor('the card', () => {
      const texts = cardTexts(keep.id);
      return texts.length > 0 && texts;
    });
    expect(card).toMatch(
      /holds \*7\* now · \*5\* set to renew next period → this request sets \*7\*/,
    );

    await click(h, APPROVE_ACTION, keep.id, BOB);
    await requestIn(h, 'succeeded', offeringId, start.getTime());
    const calls = renewCalls().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toMatchObject({ offeringId, quantity: 7 });
    expect(h.sim.state.deviceFarm.slots[offeringId]).toEqual({ current: 7, nextPeriod: 7 });
    const finished = await h.slack.waitFor('the updated card', () =>
      cardTexts(keep.id).find((t) => t.includes('Renewal set')),
    );
    expect(finished).toContain('this request sets *7*');
  });

  it('refuses Keep and Let lapse while AWS cannot be read, and creates nothing', async () => {
    const offeringId = SEED_IDS.androidRemote;
    h.sim.fault('devicefarm', 'GetOfferingStatus', {
      error: { name: 'ServiceAccountException', status: 400, message: 'account suspended' },
    });
    try {
      for (const actionId of [NOTICE_KEEP_ACTION, NOTICE_LAPSE_ACTION]) {
        const { responseUrl } = await click(h, actionId, keyOf(offeringId), ALICE);
        expect(String((await h.answerTo(responseUrl)).text)).toMatch(/could not read from AWS/i);
      }
    } finally {
      h.sim.clearFaults();
    }
    expect(await renewsOf(offeringId)).toEqual([]);
  });

  it('refuses a notice whose offering the account no longer holds', async () => {
    const offeringId = SEED_IDS.iosAutomated;
    h.sim.state.deviceFarm.slots[offeringId] = { current: 0, nextPeriod: 0 };
    const { responseUrl } = await click(h, NOTICE_LAPSE_ACTION, keyOf(offeringId), ALICE);
    expect(String((await h.answerTo(responseUrl)).text)).toMatch(/no longer lists/i);
    expect(await renewsOf(offeringId)).toEqual([]);
  });

  it('ten concurrent Keep clicks make one request; the others are told which', async () => {
    const offeringId = SEED_IDS.iosRemote; // 1 held, nothing renews: Keep asks for 1
    const clicks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        click(h, NOTICE_KEEP_ACTION, keyOf(offeringId), i % 2 ? ALICE : BOB),
      ),
    );
    const refusals = () =>
      clicks.flatMap(({ responseUrl }) =>
        h.slack
          .responsesTo(responseUrl)
          .map((r) => String(r.body.text ?? ''))
          .filter((t) => !/waiting for approval/i.test(t))
          .slice(0, 1),
      );
    // Every click settles: either it made a request or it was refused.
    await waitForAsync('all ten clicks to settle', async () => {
      const made = (await renewsOf(offeringId)).length;
      return made + refusals().length >= 10;
    });
    const made = await renewsOf(offeringId);
    expect(made).toHaveLength(1);
    expect(made[0]!.action).toMatchObject({ quantity: 1 });
    expect(refusals()).toHaveLength(9);
    for (const text of refusals()) expect(text).toContain(made[0]!.id);
  });
});

describe('MediaConnect reservations', () => {
  let h: Harness;
  const start = new Date('2026-11-24T12:00:00Z'); // live-events ends 20 days later, 14 Dec

  beforeAll(async () => {
    h = await startHarness({ now: start });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('says nothing about existing reservations on the first poll', async () => {
    await poll(h);
    expect(withButton(h, NOTICE_PURCHASE_ACTION)).toEqual([]);
  });

  it('announces an ending reservation once per lead time, with a pre-filled purchase form', async () => {
    h.clock.set(new Date(start.getTime() + 14 * DAY)); // 6 days left
    await poll(h);
    await poll(h);
    const ending = withButton(h, NOTICE_PURCHASE_ACTION, 'reservation-ending:');
    expect(ending).toHaveLength(1);
    const text = blockText(ending[0]!.args);
    expect(text).toContain('live-events');
    expect(text).toMatch(/no renewal/i);

    const [key] = buttonValues(ending[0]!, NOTICE_PURCHASE_ACTION);
    await click(h, NOTICE_PURCHASE_ACTION, key!, ALICE);
    const update = await h.slack.waitFor('the pre-filled MediaConnect form', () =>
      h.slack
        .callsTo('views.update')
        .find((c) => JSON.stringify(c.args.view ?? {}).includes(RESERVATION_NAME_BLOCK)),
    );
    const view = update.args.view as { blocks: Record<string, unknown>[] };
    const offering = view.blocks.find((b) => b.block_id === OFFERING_BLOCK.mediaconnect) as {
      element: { initial_option?: { value: string } };
    };
    expect(offering.element.initial_option?.value).toBe(SEED_IDS.offering20);
    const name = view.blocks.find((b) => b.block_id === RESERVATION_NAME_BLOCK) as {
      element: { action_id: string; initial_value?: string };
    };
    expect(name.element.action_id).toBe(RESERVATION_NAME_ACTION);
    expect(name.element.initial_value).toBe('live-events-2');

    h.clock.set(new Date(start.getTime() + 19.5 * DAY)); // half a day left
    await poll(h);
    await poll(h);
    expect(withButton(h, NOTICE_PURCHASE_ACTION, 'reservation-ending:')).toHaveLength(2);
  });

  it('announces the change to EXPIRED once', async () => {
    h.clock.set(new Date(start.getTime() + 20 * DAY + 60_000));
    const live = h.sim.state.mediaConnect.reservations.find(
      (r) => r.reservationName === 'live-events',
    );
    live!.reservationState = 'EXPIRED';
    await poll(h);
    await poll(h);
    await h.restart();
    await poll(h);
    const expired = withButton(h, NOTICE_PURCHASE_ACTION, 'reservation-state:');
    expect(expired).toHaveLength(1);
    expect(blockText(expired[0]!.args)).toMatch(/EXPIRED/);
    expect(blockText(expired[0]!.args)).toMatch(/ACTIVE/);
  });
});

describe('when AWS fails', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('warns once after several failed polls, keeps serving, and says once when AWS is back', async () => {
    await poll(h);
    const before = channelPosts(h).length;
    h.sim.fault('devicefarm', 'GetOfferingStatus', {
      error: { name: 'ServiceAccountException', status: 400, message: 'account suspended' },
    });
    for (let i = 0; i < 2; i++) {
      h.clock.advance(15 * 60_000);
      expect((await poll(h))?.failed).toEqual(['devicefarm']);
    }
    expect(channelPosts(h).length).toBe(before);

    for (let i = 0; i < 4; i++) {
      h.clock.advance(15 * 60_000);
      await poll(h);
    }
    const warnings = channelPosts(h).slice(before);
    expect(warnings).toHaveLength(1);
    expect(blockText(warnings[0]!.args)).toMatch(/Device Farm/);

    // Commands still answer while the watcher cannot read AWS.
    const res = await h.command('help');
    expect(res.status).toBe(200);

    h.sim.clearFaults();
    h.clock.advance(15 * 60_000);
    await poll(h);
    await poll(h);
    const after = channelPosts(h).slice(before);
    expect(after).toHaveLength(2);
    expect(blockText(after[1]!.args)).toMatch(/Device Farm/);
    expect(h.logs.some((l) => l.includes('AWS not read this poll'))).toBe(true);
  });

  it('stops cleanly: a poll under way finishes and commits before the store closes', async () => {
    h.sim.setGlobalDelay(300);
    const underway = h.bot.watcher.pollOnce();
    await new Promise((r) => setTimeout(r, 50));
    await h.restart();
    h.sim.setGlobalDelay(0);
    expect(await underway).toMatchObject({ applied: true, failed: [] });
    expect(h.logs.some((l) => l.includes('watcher poll failed'))).toBe(false);
  });
});

describe('two replicas on one database', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ now: new Date('2026-11-24T12:00:00Z') });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('post each notice once when both poll at the same moment', async () => {
    const other = await h.replica();
    try {
      const before = channelPosts(h).length;
      // Into the 1-day window, and a renewal made in the console: both replicas see both.
      h.clock.set(new Date('2026-11-30T12:00:00Z'));
      const renewal = await deviceFarmOutside(h.sim.url, 'RenewOffering', SEED_IDS.iosAutomated, 4);
      const results = await Promise.all([h.bot.watcher.pollOnce(), other.watcher.pollOnce()]);
      await Promise.all([h.bot.outbox.deliverDue(), other.outbox.deliverDue()]);
      await poll(h);

      expect(results.filter((r) => r?.applied)).toHaveLength(1);
      const posted = channelPosts(h).slice(before);
      const oneDay = posted.flatMap((c) => buttonValues(c, NOTICE_KEEP_ACTION));
      expect(oneDay.sort()).toEqual(
        [
          SEED_IDS.androidRemote,
          SEED_IDS.iosRemote,
          SEED_IDS.androidAutomated,
          SEED_IDS.iosAutomated,
        ]
          .map((id) => `renewal:${id}:2026-12-01:1d`)
          .sort(),
      );
      expect(mentioning(h, renewal)).toHaveLength(1);
      expect(posted).toHaveLength(5);
    } finally {
      await other.stop();
    }
  });
});
