/**
 * Duplicates and a locked database, through the real app: the same signed command or form
 * submission delivered twice makes one request; a second request for an offering with one open
 * is refused with the open one's id; and while another process holds SQLite's write lock, acks
 * and `/healthz` still answer within Slack's 3 seconds.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { REQUEST_MODAL_CALLBACK } from '../../src/slack/views/request-modal.js';
import { blockText } from '../helpers/blocks.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';
import { deviceFarmFormValues, viewSubmission } from '../helpers/payloads.js';
import { sendSlashCommand } from '../helpers/slack-requests.js';
import { holdSqliteLock } from '../helpers/sqlite-lock.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.slack.handle('usergroups.users.list', () => ({ users: [] }));
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => closeOpenRequests(h.bot.store));

const until = waitForAsync;
const requestsFor = async (offeringId: string) =>
  (await h.bot.store.listRequests({ limit: 200 })).filter(
    (r) => r.action.service === 'devicefarm' && r.action.offeringId === offeringId,
  );

describe('the same request delivered twice', () => {
  it('makes one request from two identical signed slash commands', async () => {
    const offering = SEED_IDS.androidRemote;
    const fields = {
      text: `purchase devicefarm ${offering} 2`,
      responseUrl: h.slack.responseUrl(),
      triggerId: 'trigger-replayed-command',
    };
    const timestamp = Math.floor(Date.now() / 1000);
    const first = await sendSlashCommand(h.eventsUrl, fields, { timestamp });
    const second = await sendSlashCommand(h.eventsUrl, fields, { timestamp });
    expect([first.status, second.status]).toEqual([200, 200]);
    await until('both answered', async () => h.slack.responsesTo(fields.responseUrl).length >= 2);
    expect(await requestsFor(offering)).toHaveLength(1);
    const texts = h.slack.responsesTo(fields.responseUrl).map((r) => blockText(r.body));
    expect(texts.some((t) => /twice|already open/i.test(t))).toBe(true);
  });

  it('makes one request from two identical form submissions', async () => {
    const offering = SEED_IDS.iosRemote;
    const payload = {
      ...viewSubmission({
        callbackId: REQUEST_MODAL_CALLBACK,
        userId: 'U0ALICE',
        privateMetadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
        values: deviceFarmFormValues(offering, '1', 'release'),
      }),
      trigger_id: 'trigger-replayed-submission',
    };
    const [a, b] = await Promise.all([h.interact(payload), h.interact(payload)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await until('a request', async () => (await requestsFor(offering)).length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await requestsFor(offering)).toHaveLength(1);
  });

  it('refuses a second open request for the offering, naming the first', async () => {
    const offering = SEED_IDS.androidAutomated;
    const first = await h.command(`purchase devicefarm ${offering} 1`);
    await until('the first request', async () => (await requestsFor(offering)).length === 1);
    const open = (await requestsFor(offering))[0]!;
    const second = await h.command(`purchase devicefarm ${offering} 3`, { userId: 'U0CAROL' });
    const answer = await h.answerTo(second.responseUrl);
    expect(blockText(answer)).toContain(open.id);
    expect(await requestsFor(offering)).toHaveLength(1);
    expect(first.status).toBe(200);
    // A renewal of the same offering is another action, and may be open beside it.
    await h.command(`renew devicefarm ${offering} 4`);
    await until('the renewal', async () => (await requestsFor(offering)).length === 2);
  });
});

describe('another process holding the SQLite write lock for 5 s', () => {
  it('still acks within 3 s and answers /healthz; the request is recorded or refused, never lost', async () => {
    const offering = SEED_IDS.iosAutomated;
    const lock = await holdSqliteLock(h.databasePath, 5_000);
    const started = Date.now();
    const purchase = await h.command(`purchase devicefarm ${offering} 2`);
    const help = await h.command('help');
    const health = await fetch(`${h.baseUrl}/healthz`);
    const pending = await h.command('pending');
    expect(purchase.elapsedMs).toBeLessThan(3_000);
    expect(help.elapsedMs).toBeLessThan(3_000);
    expect(pending.elapsedMs).toBeLessThan(3_000);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(4_000);
    await lock.released;
    // After the lock: either recorded (a card) or refused with "try again"; never silent.
    const answer = await until(
      'the request recorded or refused',
      async () =>
        (await requestsFor(offering)).length === 1 ||
        h.slack.responsesTo(purchase.responseUrl).some((r) => /try again/i.test(blockText(r.body))),
      10_000,
    );
    expect(answer).toBe(true);
  }, 30_000);
});
