/**
 * `/slots` end to end: signed HTTP requests into the real Bolt app, answers on a fake
 * `response_url`, AWS through the real SDK clients against the simulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { blockText } from '../helpers/blocks.js';
import { BOT_TOKEN, type Harness, startHarness, TEST_AWS_SECRET } from '../helpers/harness.js';
import { SIGNING_SECRET } from '../helpers/slack-requests.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  h.sim.clearFaults();
  h.sim.setGlobalDelay(0);
});

const awsCallsSince = (mark: number) => h.sim.calls.slice(mark);

describe('/slots status', () => {
  it('acks at once and answers with both services, their quantities and costs', async () => {
    const mark = h.sim.calls.length;
    const res = await h.command('status');
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3_000);

    const answer = await h.answerTo(res.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    const text = blockText(answer);
    // Device Farm: every held offering, now and next period; the cancelled renewal is flagged.
    expect(text).toContain('Android Remote Access Unmetered Device Slot');
    expect(text).toContain('iOS Remote Access Unmetered Device Slot');
    expect(text).toMatch(/iOS Remote Access[^\n]*now \*1\*[^\n]*\*0\*/);
    expect(text).toMatch(/lapse|dropped/);
    // 7 slots held at $250: $1,750.00 a month now; 6 renew: $1,500.00.
    expect(text).toContain('$1,750.00');
    expect(text).toContain('$1,500.00');
    // MediaConnect: the active reservation with days left, and the expired one.
    expect(text).toContain('live-events');
    expect(text).toContain('pilot-bandwidth');
    expect(text).toMatch(/20 days left/);
    expect(typeof answer.text).toBe('string');

    const operations = awsCallsSince(mark).map((c) => c.operation);
    expect(operations).toContain('GetOfferingStatus');
    expect(operations).toContain('ListReservations');
    expect(operations).not.toContain('PurchaseOffering');
    expect(operations).not.toContain('RenewOffering');
  });

  it('reads only the service asked for', async () => {
    const mark = h.sim.calls.length;
    const res = await h.command('status devicefarm');
    const text = blockText(await h.answerTo(res.responseUrl));
    expect(text).toContain('Android Unmetered Device Slot');
    expect(text).not.toContain('live-events');
    expect(new Set(awsCallsSince(mark).map((c) => c.service))).toEqual(new Set(['devicefarm']));
  });

  it('shows the other service and names the failure when one service fails', async () => {
    h.sim.fault('mediaconnect', 'ListReservations', {
      error: { name: 'ForbiddenException', status: 403, message: 'User is not authorized' },
    });
    const res = await h.command('status');
    const text = blockText(await h.answerTo(res.responseUrl));
    expect(text).toContain('Android Remote Access Unmetered Device Slot');
    expect(text).toMatch(/MediaConnect\*? could not be read/);
    expect(text).not.toContain('User is not authorized');
    expect(text).not.toContain('live-events');
  });

  it('acks within 3 s even when every AWS answer takes 2 s, and answers afterwards', async () => {
    h.sim.setGlobalDelay(2_000);
    const res = await h.command('status');
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3_000);
    expect(h.slack.responsesTo(res.responseUrl)).toHaveLength(0);
    const text = blockText(await h.answerTo(res.responseUrl, 15_000));
    expect(text).toContain('live-events');
  });
});

describe('/slots offerings', () => {
  it('lists what can be bought with prices, ids and promotions', async () => {
    const res = await h.command('offerings');
    const text = blockText(await h.answerTo(res.responseUrl));
    expect(text).toContain(SEED_IDS.androidPrivate);
    expect(text).toContain('$250');
    expect(text).toContain(SEED_IDS.offering50);
    expect(text).toContain(SEED_IDS.promotionAndroid);
  });
});

describe('answers that need no AWS', () => {
  it.each(['', 'help', '  HELP  '])('%j → usage in the ack, no AWS call', async (input) => {
    const mark = h.sim.calls.length;
    const res = await h.command(input);
    expect(res.status).toBe(200);
    const ack = res.json as Record<string, unknown>;
    expect(ack.response_type).toBe('ephemeral');
    expect(blockText(ack)).toContain('/slots status');
    expect(awsCallsSince(mark)).toHaveLength(0);
  });

  it.each([
    ['frobnicate', /Unknown command/],
    ['status everything', /devicefarm|mediaconnect/],
    ['status devicefarm mediaconnect', /at most a service/],
  ])('%j → a specific error and the usage', async (input, pattern) => {
    const mark = h.sim.calls.length;
    const res = await h.command(input);
    expect(res.status).toBe(200);
    const text = blockText(res.json as Record<string, unknown>);
    expect(text).toMatch(pattern);
    expect(text).toContain('/slots status');
    expect(awsCallsSince(mark)).toHaveLength(0);
  });
});

describe('request signing', () => {
  it.each([
    ['a forged signature', { signature: `v0=${'0'.repeat(64)}` }],
    ['another secret', { secret: 'not-the-signing-secret' }],
    ['a 6-minute-old timestamp', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
  ])('%s → 401, no Slack or AWS call', async (_name, opts) => {
    const awsMark = h.sim.calls.length;
    const slackMark = h.slack.calls.length;
    const res = await h.command('status', opts);
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(awsCallsSince(awsMark)).toHaveLength(0);
    expect(h.slack.calls.slice(slackMark)).toHaveLength(0);
    expect(h.slack.responsesTo(res.responseUrl)).toHaveLength(0);
  });
});

describe('health and hygiene', () => {
  it('GET /healthz answers 200 with a small JSON body', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'http', outbox: { dead: 0 } });
  });

  it('unknown paths get 404', async () => {
    expect((await fetch(`${h.baseUrl}/nope`)).status).toBe(404);
  });

  it('verified the bot token once at start-up, and never logs secrets or message text', async () => {
    expect(h.slack.callsTo('auth.test')).toHaveLength(1);
    const logs = h.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(SIGNING_SECRET);
    expect(logs).not.toContain(TEST_AWS_SECRET);
    expect(logs).not.toContain('Android Remote Access Unmetered Device Slot');
    expect(logs).not.toContain('frobnicate');
  });
});
