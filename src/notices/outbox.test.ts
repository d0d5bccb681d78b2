import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceFarmQuote } from '../../test/helpers/quotes.js';
import { createLogger } from '../logger.js';
import { createOutboxRenderer } from '../slack/outbox-renderer.js';
import { ResponseUrlError, type ResponseUrlPoster } from '../slack/response-url.js';
import { StoreError } from '../store/errors.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { NewOutboxMessage, Store } from '../store/store.js';
import {
  classifyDeliveryError,
  createOutboxWorker,
  DeliveryError,
  isGivenUp,
  nextAttemptDelayMs,
  type OutboxSlack,
  RESPONSE_URL_LIFETIME_MS,
  UNKNOWN_ERROR_MAX_ATTEMPTS,
  undeliverableReason,
} from './outbox.js';

const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });
const http = (status: number) => new webApi.WebAPIHTTPError(status, 'status', {}, '');
const network = (name = 'TypeError') => {
  const original = new Error('fetch failed');
  original.name = name;
  return new webApi.WebAPIRequestError(original);
};

describe('nextAttemptDelayMs', () => {
  it('doubles from one second with jitter between half and all of the step', () => {
    expect(nextAttemptDelayMs(1, undefined, () => 0)).toBe(500);
    expect(nextAttemptDelayMs(1, undefined, () => 1)).toBe(1_000);
    expect(nextAttemptDelayMs(4, undefined, () => 1)).toBe(8_000);
  });

  it('never waits more than ten minutes on its own', () => {
    expect(nextAttemptDelayMs(40, undefined, () => 1)).toBe(600_000);
  });

  it("waits at least as long as Slack's Retry-After", () => {
    expect(nextAttemptDelayMs(1, 30, () => 1)).toBe(30_000);
    expect(nextAttemptDelayMs(12, 1, () => 1)).toBe(600_000);
  });

  it('gives an unclassified failure 15 to 30 minutes before it is given up', () => {
    const waits = (random: () => number) =>
      Array.from({ length: UNKNOWN_ERROR_MAX_ATTEMPTS - 1 }, (_, i) =>
        nextAttemptDelayMs(i + 1, undefined, random),
      ).reduce((a, b) => a + b, 0);
    expect(waits(() => 0)).toBeGreaterThanOrEqual(13 * 60_000);
    expect(waits(() => 1)).toBeLessThanOrEqual(30 * 60_000);
  });
});

describe('classifyDeliveryError', () => {
  const cases: ReadonlyArray<[string, unknown, Record<string, unknown>]> = [
    // Transient: retried with backoff, for as long as it takes.
    [
      '429 with Retry-After',
      new webApi.WebAPIRateLimitedError(42),
      { kind: 'transient', reason: 'rate limited', retryAfterSeconds: 42 },
    ],
    ['HTTP 500', http(500), { kind: 'transient', reason: 'http 500' }],
    ['HTTP 503', http(503), { kind: 'transient', reason: 'http 503' }],
    ['network', network(), { kind: 'transient', reason: 'network error' }],
    ['timeout', network('TimeoutError'), { kind: 'transient', reason: 'timed out' }],
    ['ratelimited', platform('ratelimited'), { kind: 'transient', code: 'ratelimited' }],
    ['internal_error', platform('internal_error'), { kind: 'transient' }],
    ['fatal_error', platform('fatal_error'), { kind: 'transient' }],
    ['service_unavailable', platform('service_unavailable'), { kind: 'transient' }],
    ['request_timeout', platform('request_timeout'), { kind: 'transient' }],
    [
      '429 without a usable Retry-After',
      new Error('Retry header did not contain a valid timeout (url: x, retry-after header: y)'),
      { kind: 'transient', reason: 'rate limited (no Retry-After)' },
    ],
    [
      'a locked store',
      new StoreError('store_busy', 'locked'),
      { kind: 'transient', reason: 'store busy' },
    ],
    // Permanent: tried once, then dead.
    ...[
      'channel_not_found',
      'not_in_channel',
      'is_archived',
      'channel_is_archived',
      'user_not_in_channel',
      'invalid_blocks',
      'invalid_arguments',
      'msg_too_long',
      'no_text',
      'too_many_attachments',
      'invalid_auth',
      'account_inactive',
      'token_revoked',
      'not_authed',
      'missing_scope',
      'message_not_found',
      'cant_update_message',
      'edit_window_closed',
      'restricted_action',
    ].map((code): [string, unknown, Record<string, unknown>] => [
      code,
      platform(code),
      { kind: 'permanent', reason: `slack error: ${code}`, code },
    ]),
    [
      'an outbox refusal',
      new DeliveryError('the request card was never posted', 'permanent'),
      { kind: 'permanent', reason: 'the request card was never posted' },
    ],
    // Response URLs.
    [
      'response URL off Slack',
      new ResponseUrlError('x', { refused: true }),
      { kind: 'permanent', reason: 'response URL not on Slack' },
    ],
    [
      'response URL 404',
      new ResponseUrlError('x', { status: 404 }),
      { kind: 'permanent', reason: 'response URL: http 404' },
    ],
    ['response URL 410', new ResponseUrlError('x', { status: 410 }), { kind: 'permanent' }],
    [
      'response URL expired_url',
      new ResponseUrlError('x', { status: 200, error: 'expired_url' }),
      { kind: 'permanent', code: 'expired_url' },
    ],
    [
      'response URL used_url',
      new ResponseUrlError('x', { status: 500, error: 'used_url' }),
      { kind: 'permanent', code: 'used_url' },
    ],
    [
      'response URL 500',
      new ResponseUrlError('x', { status: 500 }),
      { kind: 'transient', reason: 'response URL: http 500' },
    ],
    [
      'response URL 429',
      new ResponseUrlError('x', { status: 429, retryAfterSeconds: 7 }),
      { kind: 'transient', retryAfterSeconds: 7 },
    ],
    [
      'response URL network',
      new ResponseUrlError('timed out', { network: true }),
      { kind: 'transient', reason: 'response URL: timed out' },
    ],
  ];

  it.each(cases)('%s', (_, err, expected) => {
    const verdict = classifyDeliveryError(err);
    expect(verdict).toMatchObject(expected);
    if (expected.kind === 'transient') expect(verdict.maxAttempts).toBeUndefined();
  });

  it.each([
    ['an unknown Slack code', platform('some_new_error'), 'slack error: some_new_error'],
    ['an HTTP 400 from the Web API', http(400), 'http 400'],
    ['an unexpected exception', new TypeError('x is undefined'), 'TypeError: x is undefined'],
    [
      'another store error',
      new StoreError('store_corrupt', 'bad row'),
      'store error: store_corrupt',
    ],
    ['something thrown that is not an error', 'boom', 'unknown error'],
  ])('treats %s as transient, with a cap', (_, err, reason) => {
    expect(classifyDeliveryError(err)).toMatchObject({
      kind: 'transient',
      reason,
      maxAttempts: UNKNOWN_ERROR_MAX_ATTEMPTS,
    });
  });

  it('gives up permanent failures at once and capped ones at their cap only', () => {
    expect(isGivenUp(classifyDeliveryError(platform('not_in_channel')), 1)).toBe(true);
    expect(isGivenUp(classifyDeliveryError(http(503)), 1_000)).toBe(false);
    const unknown = classifyDeliveryError(platform('some_new_error'));
    expect(isGivenUp(unknown, UNKNOWN_ERROR_MAX_ATTEMPTS - 1)).toBe(false);
    expect(isGivenUp(unknown, UNKNOWN_ERROR_MAX_ATTEMPTS)).toBe(true);
  });

  it('explains an undeliverable card with the Slack code', () => {
    const reason = (err: unknown) => undeliverableReason(classifyDeliveryError(err));
    expect(reason(platform('not_in_channel'))).toBe(
      'slots-bot is not a member of the channel (Slack: not_in_channel)',
    );
    expect(reason(platform('is_archived'))).toBe('the channel is archived (Slack: is_archived)');
    expect(reason(platform('token_revoked'))).toContain("refused slots-bot's token");
    expect(reason(platform('invalid_blocks'))).toBe(
      'Slack refused the card (Slack: invalid_blocks)',
    );
    expect(reason(platform('some_new_error'))).toBe('Slack kept failing (Slack: some_new_error)');
    expect(reason(new TypeError('oops'))).toBe('Slack kept failing (TypeError: oops)');
  });
});

// ---------------------------------------------------------------------------------------------
// The worker, against a real (in-memory) SQLite store and a scripted Slack

const T0 = new Date('2026-03-01T10:00:00Z');
const RESPONSE_URL = 'https://hooks.slack.com/commands/T1/123/secret-token-part';

interface Scripted {
  calls: { method: string; args: Record<string, unknown> }[];
  failures: Map<string, unknown[]>;
}

function scriptedSlack(): OutboxSlack & Scripted {
  const calls: Scripted['calls'] = [];
  const failures = new Map<string, unknown[]>();
  let ts = 0;
  const call = async (method: string, args: Record<string, unknown>) => {
    calls.push({ method, args });
    const next = failures.get(method)?.shift();
    if (next !== undefined) throw next;
    ts += 1;
    return { channel: String(args.channel), ts: `1700000000.${String(ts).padStart(6, '0')}` };
  };
  return {
    calls,
    failures,
    chat: {
      postMessage: (args) => call('chat.postMessage', args),
      update: (args) => call('chat.update', args),
      postEphemeral: (args) => call('chat.postEphemeral', args),
    },
  };
}

describe('the outbox worker', () => {
  let now: number;
  let store: Store;
  let slack: ReturnType<typeof scriptedSlack>;
  let posts: { url: string; body: Record<string, unknown> }[];
  let postFailures: unknown[];
  let undeliverable: { requestId: string; reason: string }[];
  let undeliverableFails: boolean;
  let logs: string[];

  const clock = () => new Date(now);
  const responseUrls: Pick<ResponseUrlPoster, 'post'> = {
    async post(url, body) {
      posts.push({ url, body });
      const failure = postFailures.shift();
      if (failure !== undefined) throw failure;
    },
  };

  beforeEach(async () => {
    now = T0.getTime();
    store = await openSqliteStore({ path: ':memory:', clock });
    slack = scriptedSlack();
    posts = [];
    postFailures = [];
    undeliverable = [];
    undeliverableFails = false;
    logs = [];
  });
  afterEach(async () => {
    await store.close();
  });

  function worker(overrides: { store?: Store; leaseMs?: number } = {}) {
    return createOutboxWorker({
      store: overrides.store ?? store,
      ...(overrides.leaseMs !== undefined && { leaseMs: overrides.leaseMs }),
      slack,
      responseUrls,
      render: createOutboxRenderer(clock, { approvers: [], dryRun: false }),
      // What the request service does: cancel the pending request with the reason.
      onCardUndeliverable: async (requestId, reason) => {
        if (undeliverableFails) throw new StoreError('store_busy', 'locked');
        undeliverable.push({ requestId, reason });
        await store.transition(requestId, {
          from: ['pending'],
          to: 'cancelled',
          patch: { decidedBy: 'slots-bot', decidedAt: clock(), decisionNote: reason },
          event: { actor: 'slots-bot', type: 'card_undeliverable', detail: { reason } },
        });
      },
      clock,
      logger: createLogger({
        level: 'debug',
        destination: { write: (line: string) => void logs.push(line) },
      }),
    });
  }

  async function newRequest(extra: (id: string) => NewOutboxMessage[] = () => []) {
    const id = `R${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    await store.createRequest(
      {
        id,
        action: { service: 'devicefarm', kind: 'purchase', offeringId: 'off-1', quantity: 2 },
        quote: deviceFarmQuote(2, 'Android slot'),
        requester: 'U0ALICE',
        reason: 'release testing',
        createdAt: clock(),
        expiresAt: new Date(now + 86_400_000),
      },
      { actor: 'U0ALICE', type: 'created' },
      [
        { kind: 'card', channel: 'C0SLOTS', requestId: id },
        {
          kind: 'response',
          channel: 'C0SLOTS',
          requestId: id,
          user: 'U0ALICE',
          payload: { about: 'requested', responseUrl: RESPONSE_URL },
        },
        ...extra(id),
      ],
    );
    return id;
  }

  const deadLog = () => logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'error');

  it('posts the card, then the confirmation on the response URL, as an ephemeral', async () => {
    const id = await newRequest();
    expect(await worker().deliverDue()).toBe(2);
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.url).toBe(RESPONSE_URL);
    expect(posts[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(posts[0]!.body.text)).toContain(
      `Request ${id} is waiting for approval in <#C0SLOTS>`,
    );
    expect(await store.outboxHealth()).toEqual({ dead: 0, waiting: 0 });
  });

  it('tries a permanently refused message once, marks it dead, logs it, and moves on', async () => {
    await store.enqueue([
      { kind: 'notice', channel: 'C0GONE', payload: { text: 'n', blocks: [] } },
    ]);
    slack.failures.set('chat.postMessage', [platform('channel_not_found')]);
    const w = worker();
    expect(await w.deliverDue()).toBe(0);
    now += 3_600_000;
    expect(await w.deliverDue()).toBe(0);
    expect(slack.calls).toHaveLength(1);
    expect(await store.outboxHealth()).toEqual({ dead: 1, lastDeadAt: T0, waiting: 0 });
    expect(deadLog()).toEqual([
      expect.objectContaining({
        msg: 'Slack message undeliverable; given up',
        kind: 'notice',
        reason: 'slack error: channel_not_found',
        slackError: 'channel_not_found',
        attempts: 1,
      }),
    ]);
  });

  it('retries a transient failure with backoff and delivers it once', async () => {
    await store.enqueue([
      { kind: 'notice', channel: 'C0SLOTS', payload: { text: 'n', blocks: [] } },
    ]);
    slack.failures.set('chat.postMessage', [new webApi.WebAPIRateLimitedError(30), http(500)]);
    const w = worker();
    await w.deliverDue();
    now += 29_000;
    await w.deliverDue();
    expect(slack.calls).toHaveLength(1); // Retry-After not over yet
    now += 1_000;
    await w.deliverDue(); // 500
    now += 2_000;
    expect(await w.deliverDue()).toBe(1);
    expect(slack.calls).toHaveLength(3);
    expect(await store.outboxHealth()).toEqual({ dead: 0, waiting: 0 });
  });

  it('gives up an unknown error after the cap', async () => {
    await store.enqueue([
      { kind: 'notice', channel: 'C0SLOTS', payload: { text: 'n', blocks: [] } },
    ]);
    slack.failures.set(
      'chat.postMessage',
      Array.from({ length: 50 }, () => platform('some_new_error')),
    );
    const w = worker();
    for (let i = 0; i < 40; i++) {
      await w.deliverDue();
      now += 10 * 60_000;
    }
    expect(slack.calls).toHaveLength(UNKNOWN_ERROR_MAX_ATTEMPTS);
    expect((await store.outboxHealth()).dead).toBe(1);
  });

  it('cancels a request whose card cannot be posted, then tells the requester why', async () => {
    const id = await newRequest((rid) => [
      { kind: 'thread_reply', channel: 'C0SLOTS', requestId: rid },
      { kind: 'card', channel: 'C0SLOTS', requestId: rid },
    ]);
    slack.failures.set('chat.postMessage', [platform('not_in_channel')]);
    await worker().deliverDue();

    expect(undeliverable).toEqual([
      { requestId: id, reason: 'slots-bot is not a member of the channel (Slack: not_in_channel)' },
    ]);
    expect((await store.getRequest(id))?.state).toBe('cancelled');
    // One post: the card. The later reply and card update are dead without a call.
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0]!.body.blocks)).toContain(
      `Your request ${id} could not be posted in <#C0SLOTS>: slots-bot is not a member of the channel (Slack: not_in_channel). It was cancelled; nothing will be bought. Ask an admin to invite slots-bot to the channel, then request again.`,
    );
    const messages = await store.listOutbox(id);
    expect(
      messages.map((m) => [m.kind, m.deadAt ? 'dead' : m.deliveredAt ? 'delivered' : '?']),
    ).toEqual([
      ['card', 'dead'],
      ['response', 'delivered'],
      ['thread_reply', 'dead'],
      ['card', 'dead'],
    ]);
    expect(messages[0]).toMatchObject({ attempts: 1, lastError: 'slack error: not_in_channel' });
    expect(messages[2]).toMatchObject({ lastError: 'the request card was never posted' });
    expect(await store.outboxHealth()).toMatchObject({ dead: 3, waiting: 0 });
  });

  it('keeps the card alive when the cancellation cannot be recorded', async () => {
    const id = await newRequest();
    undeliverableFails = true;
    slack.failures.set('chat.postMessage', [
      platform('channel_not_found'),
      platform('channel_not_found'),
    ]);
    const w = worker();
    await w.deliverDue();
    expect((await store.listOutbox(id))[0]).toMatchObject({ attempts: 1 });
    expect((await store.listOutbox(id))[0]?.deadAt).toBeUndefined();
    expect(posts).toHaveLength(0);

    undeliverableFails = false;
    now += 60_000;
    await w.deliverDue();
    expect((await store.getRequest(id))?.state).toBe('cancelled');
    expect((await store.listOutbox(id))[0]?.deadAt).toBeDefined();
    expect(posts).toHaveLength(1);
  });

  it('does not cancel the request when only a card update is refused', async () => {
    const id = await newRequest((rid) => [{ kind: 'card', channel: 'C0SLOTS', requestId: rid }]);
    slack.failures.set('chat.update', [platform('message_not_found')]);
    await worker().deliverDue();
    expect(undeliverable).toEqual([]);
    expect((await store.getRequest(id))?.state).toBe('pending');
    expect((await store.outboxHealth()).dead).toBe(1);
  });

  it('gives a response up at once when the URL is refused or gone, never logging it', async () => {
    const id = await newRequest();
    postFailures.push(
      new ResponseUrlError('response URL answered 404 expired_url', {
        status: 404,
        error: 'expired_url',
      }),
    );
    await worker().deliverDue();
    const response = (await store.listOutbox(id))[1]!;
    expect(response).toMatchObject({
      attempts: 1,
      lastError: 'response URL: http 404 expired_url',
    });
    expect(response.deadAt).toBeDefined();
    expect(logs.join('\n')).not.toContain('secret-token-part');
  });

  it('retries a response on a 5xx but gives it up once its URL is 30 minutes old', async () => {
    const id = await newRequest();
    postFailures.push(new ResponseUrlError('response URL answered 503', { status: 503 }));
    const w = worker();
    await w.deliverDue();
    now += RESPONSE_URL_LIFETIME_MS;
    await w.deliverDue();
    expect(posts).toHaveLength(1);
    expect((await store.listOutbox(id))[1]).toMatchObject({
      attempts: 2,
      lastError: 'the response URL expired (30 minutes)',
    });
  });

  it('refuses a response message that has no URL', async () => {
    await newRequest((rid) => [
      { kind: 'response', channel: 'C0SLOTS', requestId: rid, payload: { about: 'requested' } },
    ]);
    await worker().deliverDue();
    expect(posts).toHaveLength(1);
    expect((await store.outboxHealth()).dead).toBe(1);
  });

  describe('direct messages to the requester', () => {
    async function rejected(id: string) {
      await store.transition(id, {
        from: ['pending'],
        to: 'rejected',
        patch: { decidedBy: 'U0BOB', decidedAt: clock(), decisionNote: 'not this quarter' },
        event: { actor: 'U0BOB', type: 'rejected' },
      });
    }
    const dm = (id: string, user?: string): NewOutboxMessage => ({
      kind: 'dm',
      channel: 'C0SLOTS',
      requestId: id,
      ...(user !== undefined && { user }),
      payload: { about: 'rejected' },
    });
    const dmCalls = () =>
      slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'U0ALICE');

    it('posts a DM once, to the requester, drawn from the stored request', async () => {
      const id = await newRequest();
      const w = worker();
      await w.deliverDue();
      await rejected(id);
      await store.enqueue([dm(id, 'U0ALICE')]);
      expect(await w.deliverDue()).toBe(1);
      now += 3_600_000;
      expect(await w.deliverDue()).toBe(0);

      expect(dmCalls()).toHaveLength(1);
      const { args } = dmCalls()[0]!;
      expect(args.thread_ts).toBeUndefined();
      expect(String(args.text)).toBe(`Your request ${id} was rejected.`);
      const text = JSON.stringify(args.blocks);
      expect(text).toContain('was rejected by <@U0BOB>');
      expect(text).toContain('>not this quarter');
      expect(text).toContain('Its card is in <#C0SLOTS>.');
      expect(await store.outboxHealth()).toEqual({ dead: 0, waiting: 0 });
    });

    it('gives a DM Slack refuses for good up like any message, without touching the request', async () => {
      const id = await newRequest();
      const w = worker();
      await w.deliverDue();
      await rejected(id);
      await store.enqueue([dm(id, 'U0ALICE')]);
      slack.failures.set('chat.postMessage', [platform('messages_tab_disabled')]);
      expect(await w.deliverDue()).toBe(0);
      now += 3_600_000;
      await w.deliverDue();

      expect(dmCalls()).toHaveLength(1);
      expect(undeliverable).toEqual([]);
      expect((await store.getRequest(id))?.state).toBe('rejected');
      expect((await store.listOutbox(id)).at(-1)).toMatchObject({
        kind: 'dm',
        attempts: 1,
        lastError: 'slack error: messages_tab_disabled',
      });
      expect(deadLog()).toEqual([
        expect.objectContaining({
          msg: 'Slack message undeliverable; given up',
          kind: 'dm',
          slackError: 'messages_tab_disabled',
        }),
      ]);
      expect(logs.join('\n')).not.toContain('not this quarter');
    });

    it('retries a DM after a rate limit and delivers it once', async () => {
      const id = await newRequest();
      const w = worker();
      await w.deliverDue();
      await rejected(id);
      await store.enqueue([dm(id, 'U0ALICE')]);
      slack.failures.set('chat.postMessage', [new webApi.WebAPIRateLimitedError(20)]);
      expect(await w.deliverDue()).toBe(0);
      now += 19_000;
      expect(await w.deliverDue()).toBe(0);
      now += 1_000;
      expect(await w.deliverDue()).toBe(1);
      expect(dmCalls()).toHaveLength(2);
      expect(await store.outboxHealth()).toEqual({ dead: 0, waiting: 0 });
    });

    it('refuses a DM that names nobody, without calling Slack', async () => {
      const id = await newRequest();
      const w = worker();
      await w.deliverDue();
      const before = slack.calls.length;
      await store.enqueue([dm(id)]);
      await w.deliverDue();
      expect(slack.calls).toHaveLength(before);
      expect((await store.listOutbox(id)).at(-1)).toMatchObject({
        lastError: 'direct message without a user',
      });
      expect((await store.outboxHealth()).dead).toBe(1);
    });
  });

  describe('while the database blinks', () => {
    const away = () => new StoreError('store_unavailable', 'connection terminated');
    /** The store, with `method` failing `times` times before it works again. */
    function failing<
      K extends 'markDelivered' | 'setCard' | 'claimOutbox' | 'getRequest' | 'markFailed',
    >(method: K, times: number): { store: Store; calls: () => number } {
      let calls = 0;
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      const wrapped = {
        ...store,
        [method]: (...args: unknown[]) => {
          calls += 1;
          return calls <= times ? Promise.reject(away()) : original(...args);
        },
      } as Store;
      return { store: wrapped, calls: () => calls };
    }

    it('records a delivery Slack accepted once the store is back, without posting it again', async () => {
      await store.enqueue([{ kind: 'notice', channel: 'C0SLOTS', payload: { text: 'renewal' } }]);
      const { store: blinking, calls } = failing('markDelivered', 2);
      const w = worker({ store: blinking });
      expect(await w.deliverDue()).toBe(1);
      expect(await w.deliverDue()).toBe(0);
      expect(calls()).toBe(3);
      expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
      const health = await store.outboxHealth();
      expect(health).toMatchObject({ dead: 0, waiting: 0 });
    });

    it('records where a card went once the store is back, so it is edited, never posted twice', async () => {
      const id = await newRequest();
      const { store: blinking } = failing('setCard', 2);
      const w = worker({ store: blinking });
      expect(await w.deliverDue()).toBe(2);
      expect((await store.getRequest(id))?.card).toMatchObject({ channel: 'C0SLOTS' });
      await store.enqueue([{ kind: 'card', channel: 'C0SLOTS', requestId: id }]);
      await w.deliverDue();
      expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    });

    it('gives up recording when the lease runs out, says so, and posts nothing more that pass', async () => {
      await store.enqueue([
        { kind: 'notice', channel: 'C0SLOTS', payload: { text: 'first' } },
        { kind: 'notice', channel: 'C0SLOTS', payload: { text: 'second' } },
      ]);
      const { store: blinking } = failing('markDelivered', 1_000);
      const w = worker({ store: blinking, leaseMs: 1_000 });
      const started = performance.now();
      expect(await w.deliverDue()).toBe(0);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(slack.calls).toHaveLength(1);
      const errors = deadLog().filter((l) => String(l.msg).includes('may be posted again'));
      expect(errors).toHaveLength(1);
    });

    it('gives back the messages it could not settle at the next pass, not a lease later', async () => {
      const id = await newRequest();
      // The card cannot be rendered (the request is unreadable) nor its failure recorded.
      const unreadable = failing('getRequest', 1);
      const { store: blinking } = failing('markFailed', 1);
      const w = worker({ store: { ...blinking, getRequest: unreadable.store.getRequest } });
      expect(await w.deliverDue()).toBe(0);
      // With a 60 s lease, the card and the confirmation behind it go out at the next pass.
      expect(await w.deliverDue()).toBe(2);
      expect((await store.getRequest(id))?.card).toMatchObject({ channel: 'C0SLOTS' });
      expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    });

    it('a claim that fails is logged once and tried again at the next pass', async () => {
      await store.enqueue([{ kind: 'notice', channel: 'C0SLOTS', payload: { text: 'renewal' } }]);
      const { store: blinking } = failing('claimOutbox', 2);
      const w = worker({ store: blinking });
      expect(await w.deliverDue()).toBe(0);
      expect(await w.deliverDue()).toBe(0);
      expect(await w.deliverDue()).toBe(1);
      const lines = logs.map((l) => JSON.parse(l) as { level: string; msg: string });
      const warned = lines.filter(
        (l) => l.level === 'warn' && l.msg.includes('store is unavailable'),
      );
      expect(warned).toHaveLength(1);
      expect(lines.filter((l) => l.msg.includes('store answers again'))).toHaveLength(1);
      expect(deadLog()).toEqual([]);
    });
  });
});
