/**
 * A dry run (SLOTS_DRY_RUN=true) end to end: the real app reads the (simulated) account, takes
 * requests and approvals and posts notices as usual, but never sends a purchase or renewal. The
 * simulator's call log is the proof: no mutating call at all.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PurchaseRequest } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import { DRY_RUN_BANNER_BLOCK } from '../../src/slack/views/dry-run.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import { blockText } from '../helpers/blocks.js';
import { cardNow, clickButton, dmsAbout, requestCard } from '../helpers/cards.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';
import { deviceFarmOutside } from '../helpers/outside.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const MUTATING = ['PurchaseOffering', 'RenewOffering'];

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { SLOTS_DRY_RUN: 'true' } });
  h.slack.handle('usergroups.users.list', () => ({ users: [] }));
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

/** Every call the bot itself sent that would have changed the account. */
const mutatingCalls = (since: number) =>
  h.sim.calls.slice(since).filter((c) => MUTATING.includes(c.operation));

async function dryRunOf(id: string): Promise<PurchaseRequest> {
  return waitForAsync(`request ${id} to end as a dry run`, async () => {
    const r = await h.bot.requests.get(id);
    return r?.state === 'dry_run' ? r : undefined;
  });
}

/** The text of the card of `id` as Slack shows it now. */
const lastCard = async (id: string) => blockText(await cardNow(h, id));

describe('dry run', () => {
  it('logs at start-up that nothing will be bought', () => {
    expect(h.logs.some((l) => /"dryRun":true/.test(l) && /dry run/i.test(l))).toBe(true);
  });

  it('takes a Device Farm purchase through approval without sending it, showing the call', async () => {
    const since = h.sim.calls.length;
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    // The banner comes first on every card.
    const blocks = (await cardNow(h, id)).blocks as { block_id?: string }[];
    expect(blocks[0]?.block_id).toBe(DRY_RUN_BANNER_BLOCK);
    await clickButton(h, APPROVE_ACTION, id, BOB);
    const done = await dryRunOf(id);
    expect(mutatingCalls(since)).toEqual([]);
    // The offering was re-read from the account before the call was shown.
    expect(h.sim.calls.slice(since).some((c) => c.operation === 'ListOfferings')).toBe(true);
    expect(done.outcome?.dryRun).toEqual({
      operation: 'devicefarm:PurchaseOffering',
      region: 'us-west-2',
      parameters: { offeringId: DF, quantity: 2 },
    });
    expect(done.callStartedAt).toBeUndefined();
    const card = await lastCard(id);
    expect(card).toContain('*Dry run — nothing was bought.*');
    expect(card).toContain('*Not sent to AWS:* `devicefarm:PurchaseOffering` in `us-west-2`');
    expect(card).toContain(`offeringId: "${DF}"`);
    expect(card).toContain('quantity: 2');
    // The requester is told directly, with the same call.
    const last = blockText((await dmsAbout(h, ALICE, id, 2)).at(-1)!);
    expect(last).toContain('in a dry run: nothing was bought');
    expect(last).toContain(`offeringId: "${DF}"`);
  });

  it('shows a MediaConnect purchase with its name and start, and sends nothing', async () => {
    h.sim.state.mediaConnect.reservations = h.sim.state.mediaConnect.reservations.filter(
      (r) => r.reservationState !== 'ACTIVE',
    );
    const since = h.sim.calls.length;
    const { id } = await requestCard(
      h,
      `purchase mediaconnect ${SEED_IDS.offering10} q4-events 2026-11-22T10:00:00Z`,
      ALICE,
    );
    await clickButton(h, APPROVE_ACTION, id, BOB);
    const done = await dryRunOf(id);
    expect(mutatingCalls(since)).toEqual([]);
    expect(done.outcome?.dryRun).toMatchObject({
      operation: 'mediaconnect:PurchaseOffering',
      region: 'us-west-2',
      parameters: { ReservationName: 'q4-events', Start: '2026-11-22T10:00:00Z' },
    });
    expect(String(done.outcome?.dryRun?.parameters.OfferingArn)).toContain(':offering:');
    const card = await lastCard(id);
    expect(card).toContain('q4-events');
    expect(card).toContain('2026-11-22T10:00:00Z');
  });

  it('renews nothing either', async () => {
    const since = h.sim.calls.length;
    const { id } = await requestCard(h, `renew devicefarm ${DF} 0`, ALICE);
    await clickButton(h, APPROVE_ACTION, id, BOB);
    const done = await dryRunOf(id);
    expect(done.outcome?.dryRun?.operation).toBe('devicefarm:RenewOffering');
    expect(mutatingCalls(since)).toEqual([]);
  });

  it('still posts notices about the account', async () => {
    const txId = await deviceFarmOutside(h.sim.url, 'RenewOffering', SEED_IDS.androidRemote, 5);
    await h.bot.watcher.pollOnce();
    await h.bot.outbox.deliverDue();
    const notice = h.slack
      .callsTo('chat.postMessage')
      .find((c) => blockText(c.args).includes(txId));
    expect(notice).toBeDefined();
  });
});
