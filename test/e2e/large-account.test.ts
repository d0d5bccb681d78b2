/**
 * An account with hundreds of offerings and reservations, end to end: answers stay within Block
 * Kit's limits and say what was left out; the Home tab is published with the same status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeSeed } from '../../src/sim/index.js';
import { blockText } from '../helpers/blocks.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { sendEvent } from '../helpers/slack-requests.js';

const COUNT = 500;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ seed: (now) => largeSeed(now, COUNT), pageSize: 100 });
});
afterAll(async () => {
  await h.stop();
});

function assertWithinLimits(blocks: Array<Record<string, unknown>>, maxBlocks: number): void {
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
  for (const block of blocks) {
    const text = (block.text as { text?: string } | undefined)?.text;
    if (text !== undefined) expect(text.length).toBeLessThanOrEqual(3000);
  }
}

describe(`${COUNT} Device Farm offerings and ${COUNT} MediaConnect reservations`, () => {
  it.each(['status', 'offerings'])(
    '/slots %s stays within 50 blocks and says what was left out',
    async (cmd) => {
      const res = await h.command(cmd);
      expect(res.status).toBe(200);
      const answer = await h.answerTo(res.responseUrl, 15_000);
      const blocks = answer.blocks as Array<Record<string, unknown>>;
      assertWithinLimits(blocks, 50);
      const text = blockText(answer);
      expect(text).toMatch(/more Device Farm offerings? not shown/);
      expect(text).toMatch(/more MediaConnect (reservations|offerings) not shown/);
    },
  );

  it('totals every offering, not only those shown', async () => {
    const res = await h.command('status devicefarm');
    const text = blockText(await h.answerTo(res.responseUrl, 15_000));
    // Offering i holds 1 + (i % 5) slots at $250: 500 offerings hold 1,500 slots, $375,000 a month.
    expect(text).toContain('$375,000.00');
  });

  it('publishes the Home tab with the status when a user opens it', async () => {
    const res = await sendEvent(h.eventsUrl, {
      type: 'app_home_opened',
      user: 'U0ALICE',
      channel: 'D0HOME',
      tab: 'home',
      event_ts: `${Date.now() / 1000}`,
    });
    expect(res.status).toBe(200);
    const call = await h.slack.waitFor(
      'views.publish',
      () => h.slack.callsTo('views.publish')[0],
      15_000,
    );
    expect(call.args.user_id).toBe('U0ALICE');
    const view = call.args.view as { type: string; blocks: Array<Record<string, unknown>> };
    expect(view.type).toBe('home');
    assertWithinLimits(view.blocks, 100);
    expect(blockText(view)).toContain('/slots status');
  });
});
