/**
 * What the requester is told in a direct message, what the card says in a dry run, and the
 * reminders in a pending card's thread, end to end: signed commands and clicks into the real app,
 * a real SQLite file, the AWS simulator, and the fake Slack, where a DM is a `chat.postMessage`
 * whose channel is the requester's user id.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { DRY_RUN_BANNER_BLOCK } from '../../src/slack/views/dry-run.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../../src/slack/views/request-card.js';
import { blockText } from '../helpers/blocks.js';
import {
  cardNow,
  clickButton,
  dmsAbout,
  requestCard,
  submitRejectReason,
} from '../helpers/cards.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const HOUR = 3_600_000;

async function settled(h: Harness, id: string, state: string): Promise<void> {
  await waitForAsync(`request ${id} to be ${state}`, async () => {
    return (await h.bot.requests.get(id))?.state === state;
  });
  await h.bot.outbox.deliverDue();
}

describe('direct messages to the requester', () => {
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

  it('tells the requester who rejected the request and why, once', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await clickButton(h, REJECT_ACTION, id, BOB);
    await submitRejectReason(h, id, BOB, 'Use the spare iOS slots first');
    await settled(h, id, 'rejected');

    const [dm] = await dmsAbout(h, ALICE, id);
    const text = blockText(dm!);
    expect(text).toContain(`Your request \`${id}\``);
    expect(text).toContain(`was rejected by <@${BOB}>`);
    expect(text).toContain('>Use the spare iOS slots first');
    expect(text).toContain('Its card is in <#C0SLOTS>.');
    expect(dm!.thread_ts).toBeUndefined();
    await h.bot.outbox.deliverDue();
    expect(h.slack.dmsTo(ALICE).filter((c) => String(c.args.text).includes(id))).toHaveLength(1);
  });

  it('tells the requester it was approved, then what AWS answered', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await clickButton(h, APPROVE_ACTION, id, BOB);
    await settled(h, id, 'succeeded');

    const transaction = (await h.bot.requests.get(id))?.outcome?.transactionId;
    expect(transaction).toBeTruthy();
    const [approved, succeeded] = await dmsAbout(h, ALICE, id, 2);
    expect(blockText(approved!)).toContain(`was approved by <@${BOB}>`);
    expect(blockText(succeeded!)).toContain('succeeded: it commits $250.00 per month');
    expect(blockText(succeeded!)).toContain(`AWS transaction \`${transaction}\``);
  });
});

describe('a dry run (SLOTS_DRY_RUN=true)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SLOTS_DRY_RUN: 'true' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('shows the banner on the card, buys nothing, and shows the call instead', async () => {
    const purchases = () => h.sim.callsTo('PurchaseOffering', 'devicefarm').length;
    const before = purchases();
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    expect(((await cardNow(h, id)).blocks as { block_id?: string }[])[0]?.block_id).toBe(
      DRY_RUN_BANNER_BLOCK,
    );
    await clickButton(h, APPROVE_ACTION, id, BOB);
    await settled(h, id, 'dry_run');
    expect(purchases()).toBe(before);

    const card = blockText(await cardNow(h, id));
    expect(card).toContain('*Dry run — nothing was bought.*');
    expect(card).toContain('*Not sent to AWS:* `devicefarm:PurchaseOffering` in `us-west-2`');
    expect(card).toContain(`offeringId: "${DF}"`);
    expect(card).toContain('quantity: 2');

    const dms = await dmsAbout(h, ALICE, id, 2);
    const last = blockText(dms.at(-1)!);
    expect(last).toContain('in a dry run: nothing was bought');
    expect(last).toContain(`offeringId: "${DF}"`);
  });
});

describe('reminders (SLOTS_REMIND_AFTER)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SLOTS_REMIND_AFTER: '4h', SLOTS_REQUEST_TTL: '24h' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('reminds the approvers in the thread, mentioning them, at most three times', async () => {
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    const replies = () =>
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.thread_ts !== undefined && blockText(c.args).includes('Reminder'))
        .filter((c) => blockText(c.args).includes(id));
    for (let i = 0; i < 5; i += 1) {
      h.clock.advance(4 * HOUR);
      await h.bot.requests.remindDue();
      await h.bot.outbox.deliverDue();
      if (i === 4) break;
    }
    // 20 hours in: three reminders (4, 8, 12 h), none after, the request still pending.
    const texts = replies().map((c) => blockText(c.args));
    expect(texts).toHaveLength(3);
    expect(texts[0]).toContain(`*Reminder 1 of 3:* request \`${id}\` from <@${ALICE}>`);
    expect(texts[1]).toContain('has waited 8 hours for approval');
    expect(texts[2]).toContain('Reminder 3 of 3');
    for (const t of texts) {
      expect(t).toContain(`<@${BOB}> <@U0CAROL> <!subteam^S0APPROVERS>`);
      expect(t).not.toContain(`<@${ALICE}> <@`);
    }
  });
});
