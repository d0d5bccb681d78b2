/**
 * Two whole bots on one database, each with its watcher running on its own timer (a one-second
 * poll interval): only the one holding the watcher lease reads AWS, and when it stops the other
 * takes over at its next lease check. AWS reads are counted at the simulator, so a second poller
 * would show as twice the reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotsBot } from '../../src/bootstrap.js';
import { leaseCheckMs } from '../../src/notices/watcher.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const EVERY_MS = 1_000;

let h: Harness;
let other: SlotsBot;

beforeAll(async () => {
  h = await startHarness({ env: { SLOTS_POLL_INTERVAL: '1s' } });
  await waitForAsync('the first bot to lead', async () => h.bot.watcher.leads());
  other = await h.replica();
});
afterAll(async () => {
  await other.stop();
  await h.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Reads of the slot status: first pages only, as the simulator's pages of 3 split each read. */
const statusReads = () =>
  h.sim.callsTo('GetOfferingStatus', 'devicefarm').filter((c) => c.input.nextToken === undefined)
    .length;
const logsOf = (bot: SlotsBot, message: string) =>
  h.logs.filter((l) => l.includes(bot.replicaId) && l.includes(message));

describe('the watcher lease across two bots', () => {
  it('names each replica differently', () => {
    expect(other.replicaId).not.toBe(h.bot.replicaId);
    expect(logsOf(h.bot, 'starting slots-bot')).toHaveLength(1);
  });

  it('lets only one bot poll AWS, once per interval', async () => {
    await waitForAsync('the second bot to see the lease taken', async () =>
      logsOf(other, 'another replica polls AWS').length > 0 ? true : undefined,
    );
    const before = statusReads();
    await sleep(3 * EVERY_MS);
    // One poller: about three reads in three seconds (two pollers would make about six).
    expect(statusReads() - before).toBeGreaterThanOrEqual(2);
    expect(statusReads() - before).toBeLessThanOrEqual(4);
    expect(h.bot.watcher.leads()).toBe(true);
    expect(other.watcher.leads()).toBe(false);
  });

  it('hands polling to the other bot when the leader stops', async () => {
    const leader = h.bot;
    await leader.stop();
    const before = statusReads();
    const started = Date.now();
    await waitForAsync('the other bot to poll', async () => statusReads() > before);
    expect(Date.now() - started).toBeLessThanOrEqual(leaseCheckMs(EVERY_MS) + 250);
    expect(other.watcher.leads()).toBe(true);
    expect(logsOf(other, 'this replica polls AWS now')).toHaveLength(1);
  });
});
