/**
 * Delivery never loops and never goes silent, end to end: signed slash commands and clicks into
 * the real app, a real SQLite file, and a fake Slack that fails on demand. Permanent Slack errors
 * are tried once and marked dead (and `/healthz` counts them); transient ones are retried and
 * delivered once; the requester hears back on the command's `response_url` whether or not they
 * are in the channel, including when their card can never be posted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION, CANCEL_ACTION } from '../../src/slack/views/request-card.js';
import { blockText, buttonValues } from '../helpers/blocks.js';
import { type WebApiCall, waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { buttonClick } from '../helpers/payloads.js';

const ALICE = 'U0ALICE';
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.slack.handle('usergroups.users.list', () => ({ users: [] }));
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.slack.clearFaults();
});

const until = waitForAsync;

/** `/slots purchase devicefarm <offering> 1` from Alice, with a trigger id of its own. */
const requestOne = (offering: string) =>
  h.command(`purchase devicefarm ${offering} 1`, { userId: ALICE, triggerId: randomUUID() });

/** Card posts (top-level chat.postMessage calls) since `from`. */
const cardPosts = (from: number): WebApiCall[] =>
  h.slack.callsTo('chat.postMessage').filter((c) => c.at >= from && c.args.thread_ts === undefined);

interface HealthBody {
  readonly status: string;
  readonly outbox: { dead: number; waiting: number; lastDeadAt?: string };
}

async function health(): Promise<{ status: number; body: HealthBody }> {
  const res = await fetch(`${h.baseUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as HealthBody };
}

/** Lets the outbox run for `rounds` passes, moving the clock past any backoff each time. */
async function deliverFor(rounds: number, stepMs = 15 * 60_000) {
  for (let i = 0; i < rounds; i++) {
    h.clock.advance(stepMs);
    await h.bot.outbox.deliverDue();
  }
}

function errorLogs(msg: string): Record<string, unknown>[] {
  return h.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.level === 'error' && l.msg === msg);
}

describe('a card Slack will never take', () => {
  it('is tried once, the request is cancelled, and the requester is told why at once', async () => {
    const deadBefore = (await health()).body.outbox.dead;
    const from = Date.now();
    h.slack.fail('chat.postMessage', { error: 'not_in_channel', times: 1 });
    const res = await requestOne(SEED_IDS.iosRemote);
    expect(res.status).toBe(200);

    const answer = await h.answerTo(res.responseUrl);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const text = blockText(answer as never);
    const id = /Your request ([A-Z0-9]+) could not be posted/.exec(text)?.[1];
    expect(id, text).toBeDefined();
    expect(text).toContain(
      'could not be posted in <#C0SLOTS>: slots-bot is not a member of the channel (Slack: not_in_channel). It was cancelled; nothing will be bought. Ask an admin to invite slots-bot to the channel, then request again.',
    );

    const request = await h.bot.requests.get(id!);
    expect(request).toMatchObject({ state: 'cancelled', decidedBy: 'slots-bot' });
    const events = await h.bot.store.listEvents(id!);
    expect(events.map((e) => e.type)).toContain('card_undeliverable');

    // Exactly one post of the card, ever; nothing else about it goes to the channel.
    await deliverFor(5);
    expect(cardPosts(from)).toHaveLength(1);
    expect(cardPosts(from)[0]!.failed).toBe(true);
    expect(h.slack.responsesTo(res.responseUrl)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postEphemeral').filter((c) => c.at >= from)).toHaveLength(0);

    const messages = await h.bot.store.listOutbox(id!);
    expect(messages[0]).toMatchObject({
      kind: 'card',
      attempts: 1,
      lastError: 'slack error: not_in_channel',
    });
    expect(messages[0]!.deadAt).toBeDefined();
    const after = await health();
    expect(after.status).toBe(200);
    expect(after.body.outbox.dead).toBe(deadBefore + 1);
    expect(errorLogs('Slack message undeliverable; given up')).toContainEqual(
      expect.objectContaining({
        requestId: id,
        kind: 'card',
        reason: 'slack error: not_in_channel',
      }),
    );
  });
});

describe('a permanent error on a later message', () => {
  it('is tried exactly once, marked dead, logged, and reported by /healthz', async () => {
    const res = await requestOne(SEED_IDS.androidPrivate);
    const request = await until('the posted card', async () =>
      (await h.bot.store.listRequests({ states: ['pending'], limit: 200 })).find(
        (r) =>
          r.card !== undefined &&
          r.action.service === 'devicefarm' &&
          r.action.offeringId === SEED_IDS.androidPrivate,
      ),
    );
    const id = request.id;
    await h.answerTo(res.responseUrl);
    const deadBefore = (await health()).body.outbox.dead;

    // The channel is archived between the card and the thread reply that reports the cancel.
    h.slack.fail('chat.postMessage', { error: 'is_archived' });
    const from = Date.now();
    const click = await h.interact(
      buttonClick({
        actionId: CANCEL_ACTION,
        value: id,
        userId: ALICE,
        responseUrl: h.slack.responseUrl(),
      }),
    );
    expect(click.status).toBe(200);
    await until('the cancel', async () => (await h.bot.requests.get(id))?.state === 'cancelled');
    await until('the dead reply', async () => (await health()).body.outbox.dead > deadBefore);
    await deliverFor(10);

    const replies = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.at >= from && c.args.thread_ts !== undefined);
    expect(replies).toHaveLength(1);
    const after = await health();
    expect(after.status).toBe(200);
    expect(after.body.outbox).toMatchObject({ dead: deadBefore + 1 });
    expect(typeof after.body.outbox.lastDeadAt).toBe('string');
    const logged = errorLogs('Slack message undeliverable; given up').find(
      (l) => l.requestId === id && l.kind === 'thread_reply',
    );
    expect(logged).toMatchObject({ reason: 'slack error: is_archived', attempts: 1 });
    expect(typeof logged?.messageId).toBe('number');
    // The request's outcome is untouched: only the message died.
    expect((await h.bot.requests.get(id))?.state).toBe('cancelled');
  });
});

describe('a requester outside the channel', () => {
  it('gets the confirmation on the response_url, never as chat.postEphemeral', async () => {
    // Were an ephemeral tried, Slack would refuse it: Alice is not in SLOTS_CHANNEL.
    h.slack.fail('chat.postEphemeral', { error: 'user_not_in_channel' });
    const from = Date.now();
    const res = await requestOne(SEED_IDS.androidAutomated);
    const answer = await h.answerTo(res.responseUrl);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(blockText(answer as never)).toMatch(
      /Request [A-Z0-9]+ is waiting for approval in <#C0SLOTS>/,
    );
    await h.bot.outbox.deliverDue();
    expect(h.slack.responsesTo(res.responseUrl)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postEphemeral').filter((c) => c.at >= from)).toHaveLength(0);
    expect(h.logs.join('')).not.toContain(res.responseUrl);
  });
});

describe('transient Slack errors', () => {
  it('retries a 429 with Retry-After and a 500, and delivers the card once', async () => {
    const from = Date.now();
    h.slack.fail('chat.postMessage', {
      status: 429,
      error: 'ratelimited',
      retryAfterSeconds: 30,
      times: 1,
    });
    const res = await requestOne(SEED_IDS.iosAutomated);
    await h.slack.waitFor('the rate-limited post', () => cardPosts(from).length === 1);
    await h.bot.outbox.deliverDue();
    // Retry-After is honoured: nothing before 30 s have passed.
    h.clock.advance(20_000);
    await h.bot.outbox.deliverDue();
    expect(cardPosts(from)).toHaveLength(1);

    h.slack.fail('chat.postMessage', { status: 500, error: 'internal_error', times: 1 });
    h.clock.advance(15_000);
    await h.bot.outbox.deliverDue();
    await until('the card after a 429 and a 500', async () => {
      h.clock.advance(60_000);
      await h.bot.outbox.deliverDue();
      return cardPosts(from).some((c) => !c.failed);
    });
    await deliverFor(3);

    const posts = cardPosts(from);
    expect(posts.map((c) => c.failed)).toEqual([true, true, false]);
    expect(buttonValues(posts[2]!.args, APPROVE_ACTION)).toHaveLength(1);
    expect(h.slack.responsesTo(res.responseUrl)).toHaveLength(1);
    const id = buttonValues(posts[2]!.args, APPROVE_ACTION)[0]!;
    expect((await h.bot.requests.get(id))?.state).toBe('pending');
    expect((await h.bot.store.listOutbox(id)).every((m) => m.deadAt === undefined)).toBe(true);
  });
});
