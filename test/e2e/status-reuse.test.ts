/**
 * `/slots status` answered from shared AWS reads, end to end: concurrent commands share one read,
 * a recent read is reused with its age on the answer, `fresh` reads again, and the bot's own
 * purchase or a watcher poll replaces what was kept, so a purchase shows in the next status.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import { blockText } from '../helpers/blocks.js';
import { clickButton, requestCard } from '../helpers/cards.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { SLOTS_STATUS_MAX_AGE: '10s' } });
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  // Past any read an earlier test kept.
  h.clock.advance(60_000);
});

/** Status reads of each service since `mark`: GetOfferingStatus and ListReservations pages. */
const readsSince = (mark: number) => {
  const calls = h.sim.calls.slice(mark);
  return {
    devicefarm: calls.filter((c) => c.operation === 'GetOfferingStatus').length,
    mediaconnect: calls.filter((c) => c.operation === 'ListReservations').length,
  };
};

async function status(text = 'status') {
  const res = await h.command(text);
  expect(res.status).toBe(200);
  return h.answerTo(res.responseUrl);
}

describe('/slots status from shared reads', () => {
  it('answers twenty concurrent commands from one read of each service', async () => {
    let mark = h.sim.calls.length;
    await status();
    const onePass = readsSince(mark);
    expect(onePass.devicefarm).toBeGreaterThan(0);
    expect(onePass.mediaconnect).toBeGreaterThan(0);

    h.clock.advance(60_000);
    mark = h.sim.calls.length;
    h.sim.setGlobalDelay(200);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, async () => blockText(await status())),
      );
      expect(readsSince(mark)).toEqual(onePass);
      for (const text of answers) expect(text).toContain('$1,750.00');
    } finally {
      h.sim.setGlobalDelay(0);
    }
  });

  it('reuses a read for the max age, saying how old it is; fresh reads again', async () => {
    await status();
    let mark = h.sim.calls.length;
    h.clock.advance(5_000);
    const reused = blockText(await status());
    expect(readsSince(mark)).toEqual({ devicefarm: 0, mediaconnect: 0 });
    expect(reused).toMatch(/read from AWS 5 seconds ago/);
    expect(reused).toContain('/slots status fresh');

    const fresh = blockText(await status('status fresh'));
    expect(readsSince(mark).devicefarm).toBeGreaterThan(0);
    expect(fresh).not.toMatch(/seconds ago/);

    h.clock.advance(10_001);
    mark = h.sim.calls.length;
    await status();
    expect(readsSince(mark).devicefarm).toBeGreaterThan(0);
  });

  it('never shows a read from before its own purchase', async () => {
    const before = blockText(await status('status devicefarm'));
    expect(before).toContain('$1,750.00'); // 7 slots held
    const { id } = await requestCard(
      h,
      `purchase devicefarm ${SEED_IDS.androidRemote} 2`,
      'U0ALICE',
    );
    await clickButton(h, APPROVE_ACTION, id, 'U0BOB');
    await waitForAsync('the purchase to succeed', async () => {
      const r = await h.bot.requests.get(id);
      return r?.state === 'succeeded' ? r : undefined;
    });
    // Still within the max age of the read above: the purchase must show all the same.
    const after = blockText(await status('status devicefarm'));
    expect(after).toContain('$2,250.00'); // 9 slots held
  });

  it('takes the watcher poll as the newest read', async () => {
    await status();
    h.sim.state.deviceFarm.slots[SEED_IDS.iosRemote]!.current += 1;
    await h.bot.watcher.pollOnce();
    const mark = h.sim.calls.length;
    const text = blockText(await status('status devicefarm'));
    expect(readsSince(mark)).toEqual({ devicefarm: 0, mediaconnect: 0 });
    expect(text).toMatch(/iOS Remote Access[^\n]*now \*2\*/);
  });
});
