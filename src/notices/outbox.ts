/**
 * Delivers the outbox: every Slack message about a request was written to the store in the same
 * transaction as the state change it reports; this worker posts it. Each failure is sorted
 * (`classifyDeliveryError`): transient ones (429 with `Retry-After`, 5xx, timeouts, network) are
 * retried with backoff, so a Slack outage delays messages and never loses one; permanent ones
 * (`channel_not_found`, `invalid_blocks`, an expired `response_url` …) are never retried: the
 * message is marked dead with its error, logged at `error`, and counted in `/healthz`. Messages
 * about a request are rendered from the request's stored state at delivery time.
 *
 * Only messages change state here, never requests, with one exception: a card that can never be
 * posted hands its request to `onCardUndeliverable` (which cancels it) before the card is marked
 * dead, so the requester's confirmation, delivered next, says so instead of "waiting".
 *
 * Once Slack has a message, writing that down (`markDelivered`, a card's `setCard`) is retried
 * through a database blink for as long as the message's lease lasts, minus a margin, so no other
 * replica claims and posts it again. A message whose lease ran out is left for the next claim
 * rather than posted late. A store failure anywhere else ends the pass; the next poll tries again.
 */

import type { PurchaseRequest } from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import { outageLog } from '../lifecycle/outage-log.js';
import type { Logger } from '../logger.js';
import { ResponseUrlError, type ResponseUrlPoster } from '../slack/response-url.js';
import type { SlackMessage } from '../slack/views/message.js';
import { isRetriableStoreError, isStoreError } from '../store/errors.js';
import type { OutboxMessage, Store } from '../store/store.js';

/** The part of the Slack Web API client the outbox uses. */
export interface OutboxSlack {
  chat: {
    postMessage(args: {
      channel: string;
      text: string;
      blocks?: unknown[];
      thread_ts?: string;
      unfurl_links?: boolean;
    }): Promise<{ channel?: string; ts?: string }>;
    update(args: {
      channel: string;
      ts: string;
      text: string;
      blocks?: unknown[];
    }): Promise<unknown>;
    postEphemeral(args: {
      channel: string;
      user: string;
      text: string;
      blocks?: unknown[];
    }): Promise<unknown>;
  };
}

/** How each kind of message looks, from the request's current state. */
export interface OutboxRenderer {
  card(request: PurchaseRequest): SlackMessage;
  /** A reply in the card's thread: the outcome, or a reminder (`payload.about === 'reminder'`). */
  threadReply(request: PurchaseRequest, payload: Readonly<Record<string, unknown>>): SlackMessage;
  /** A direct message to the requester; `payload.about` says what about. */
  dm(request: PurchaseRequest, payload: Readonly<Record<string, unknown>>): SlackMessage;
  /**
   * A note only one user sees (an `ephemeral` or a `response` message). `channel` is the
   * message's channel: where the card goes when it is not posted yet.
   */
  ephemeral(
    request: PurchaseRequest | undefined,
    payload: Readonly<Record<string, unknown>>,
    channel: string,
  ): SlackMessage;
}

export interface OutboxWorkerDeps {
  readonly store: Store;
  readonly slack: OutboxSlack;
  /** Posts `response` messages to their `response_url`. */
  readonly responseUrls: Pick<ResponseUrlPoster, 'post'>;
  readonly render: OutboxRenderer;
  /**
   * Called when Slack refuses a request's card for good on its first post, before the card is
   * marked dead; `reason` is a sentence for the requester. If it throws, the card is not given
   * up: it is tried again later, so the request is never left waiting unseen.
   */
  readonly onCardUndeliverable: (requestId: string, reason: string) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often due messages are looked for when nobody calls `kick()`. */
  readonly pollMs?: number;
  /** How long a claimed message is reserved for this worker. */
  readonly leaseMs?: number;
  readonly batchSize?: number;
}

export interface OutboxWorker {
  start(): void;
  /** Delivers what is due now, without waiting for the next poll. */
  kick(): void;
  /** One pass: claims due messages and tries each once. Returns how many were delivered. */
  deliverDue(): Promise<number>;
  /** Stops polling and waits for the pass under way. */
  stop(): Promise<void>;
}

/** Whether trying again can ever help. */
export type DeliveryErrorKind = 'transient' | 'permanent';

/** A delivery that failed, raised by the outbox itself (not by Slack's client). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly kind: DeliveryErrorKind = 'transient',
    /** Seconds Slack asked us to wait (429), if any. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** What a failed delivery means for the message. */
export interface DeliveryVerdict {
  readonly kind: DeliveryErrorKind;
  /** Short, for the log and the stored error: never message text, never a URL. */
  readonly reason: string;
  /** Slack's error code, when Slack named one. */
  readonly code?: string;
  /** Seconds Slack asked us to wait, if it did. */
  readonly retryAfterSeconds?: number;
  /**
   * Set for failures not known to be transient (an error code this code does not know, an
   * unexpected exception): retried like a transient one, but given up after this many attempts.
   */
  readonly maxAttempts?: number;
}

/**
 * Attempts for a failure nobody classified: with the backoff below that is 15 to 30 minutes,
 * long enough to ride out a blip, short enough that a requester whose card cannot be posted
 * hears about it while they still care. Known transient failures (rate limits, 5xx, timeouts,
 * network) are retried for as long as it takes: an outage delays messages, it never loses one.
 */
export const UNKNOWN_ERROR_MAX_ATTEMPTS = 12;

/** A `response_url` works for 30 minutes after the interaction (and up to 5 times). */
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/** Slack platform errors that say "try again later". */
const TRANSIENT_SLACK_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  // An enterprise migration: the workspace comes back when it is done.
  'team_added_to_org',
  'org_login_required',
]);

/** Slack platform errors that the same call will get again, however often it is repeated. */
const PERMANENT_SLACK_ERRORS = new Set([
  // Where: the channel, the user, the message.
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'user_not_in_channel',
  'user_not_found',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'cannot_reply_to_message',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'ekm_access_denied',
  'access_denied',
  'messages_tab_disabled',
  'cannot_dm_bot',
  // What: the message itself.
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_array_arg',
  'invalid_charset',
  'invalid_form_data',
  'invalid_post_type',
  'missing_post_type',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'metadata_too_large',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'too_many_attachments',
  'as_user_not_supported',
  // Who: the token and its permissions.
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'team_access_not_granted',
  'enterprise_is_restricted',
  'method_deprecated',
  'deprecated_endpoint',
  // A response URL used up or too old.
  'expired_url',
  'used_url',
  'invalid_payload',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);

/**
 * Sorts a failed delivery: transient (try again, with backoff and Slack's `Retry-After`),
 * permanent (never try again), or unknown (transient with `maxAttempts`). Pure; reads only the
 * error's code, status and name, never its message text beyond outbox-made ones.
 */
export function classifyDeliveryError(err: unknown): DeliveryVerdict {
  const e = (err ?? {}) as {
    code?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
    data?: { error?: unknown };
    original?: { name?: unknown };
    name?: unknown;
    message?: unknown;
  };
  const unknown = (reason: string, code?: string): DeliveryVerdict => ({
    kind: 'transient',
    reason,
    ...(code !== undefined && { code }),
    maxAttempts: UNKNOWN_ERROR_MAX_ATTEMPTS,
  });

  if (err instanceof DeliveryError) {
    return {
      kind: err.kind,
      reason: err.message,
      ...(err.retryAfterSeconds !== undefined && { retryAfterSeconds: err.retryAfterSeconds }),
    };
  }
  if (err instanceof ResponseUrlError) return classifyResponseUrlError(err);
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        kind: 'transient',
        reason: 'rate limited',
        ...(typeof e.retryAfter === 'number' &&
          Number.isFinite(e.retryAfter) && { retryAfterSeconds: e.retryAfter }),
      };
    case 'slack_webapi_platform_error': {
      const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown';
      return classifySlackCode(code);
    }
    case 'slack_webapi_http_error': {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      const reason = `http ${status || '?'}`;
      if (status >= 500 || status === 408 || status === 429) return { kind: 'transient', reason };
      return unknown(reason);
    }
    case 'slack_webapi_request_error': {
      const name = e.original?.name;
      const timedOut = typeof name === 'string' && TIMEOUT_NAMES.has(name);
      return { kind: 'transient', reason: timedOut ? 'timed out' : 'network error' };
    }
  }
  if (isStoreError(err)) {
    return isRetriableStoreError(err)
      ? {
          kind: 'transient',
          reason: err.code === 'store_busy' ? 'store busy' : 'store unavailable',
        }
      : unknown(`store error: ${err.code}`);
  }
  const message = typeof e.message === 'string' ? e.message : '';
  // Slack's client raises a plain Error for a 429 whose Retry-After it could not read.
  if (message.startsWith('Retry header did not contain a valid timeout')) {
    return { kind: 'transient', reason: 'rate limited (no Retry-After)' };
  }
  const name = typeof e.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  return unknown(`${name}${message.slice(0, 200) || 'unknown error'}`);
}

/** A Slack error code, from the Web API or from a response URL's answer. */
function classifySlackCode(code: string): DeliveryVerdict {
  const reason = `slack error: ${code}`;
  if (TRANSIENT_SLACK_ERRORS.has(code)) return { kind: 'transient', reason, code };
  if (PERMANENT_SLACK_ERRORS.has(code)) return { kind: 'permanent', reason, code };
  return { kind: 'transient', reason, code, maxAttempts: UNKNOWN_ERROR_MAX_ATTEMPTS };
}

function classifyResponseUrlError(err: ResponseUrlError): DeliveryVerdict {
  const { refused, status, error, retryAfterSeconds, network } = err.detail;
  if (refused) return { kind: 'permanent', reason: 'response URL not on Slack' };
  if (network) return { kind: 'transient', reason: `response URL: ${err.message}` };
  const retry = retryAfterSeconds !== undefined ? { retryAfterSeconds } : {};
  const reason = `response URL: http ${status ?? '?'}${error ? ` ${error}` : ''}`;
  if (error !== undefined && PERMANENT_SLACK_ERRORS.has(error)) {
    return { kind: 'permanent', reason, code: error };
  }
  if (status === undefined || status < 300) {
    // Slack answered 2xx but named an error: decide on the code alone.
    return { ...classifySlackCode(error ?? 'unknown'), reason };
  }
  if (status === 429 || status === 408 || status >= 500) {
    return { kind: 'transient', reason, ...(error !== undefined && { code: error }), ...retry };
  }
  // 404 and 410 (gone: expired or used), or any other refusal of this very request.
  return { kind: 'permanent', reason, ...(error !== undefined && { code: error }) };
}

/**
 * The sentence a requester reads when their card could not be posted (stored as the cancelled
 * request's note). It names Slack's code so an admin can look it up.
 */
export function undeliverableReason(verdict: DeliveryVerdict): string {
  const code = verdict.code;
  if (code === undefined) return `Slack kept failing (${verdict.reason})`;
  const slack = `(Slack: ${code})`;
  switch (code) {
    case 'not_in_channel':
      return `slots-bot is not a member of the channel ${slack}`;
    case 'channel_not_found':
      return `Slack cannot find the channel, or slots-bot cannot see it ${slack}`;
    case 'is_archived':
    case 'channel_is_archived':
      return `the channel is archived ${slack}`;
    case 'invalid_auth':
    case 'not_authed':
    case 'account_inactive':
    case 'token_revoked':
    case 'token_expired':
      return `Slack refused slots-bot's token ${slack}`;
    case 'missing_scope':
    case 'no_permission':
    case 'not_allowed_token_type':
      return `slots-bot lacks a Slack permission ${slack}`;
    case 'restricted_action':
    case 'restricted_action_read_only_channel':
    case 'restricted_action_thread_only_channel':
    case 'ekm_access_denied':
      return `a workspace setting stops slots-bot from posting there ${slack}`;
    default:
      return verdict.kind === 'permanent'
        ? `Slack refused the card ${slack}`
        : `Slack kept failing ${slack}`;
  }
}

const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Exponential backoff with a ceiling; Slack's `Retry-After` wins when it is longer. Jitter keeps
 * replicas from retrying in step (`random` is injected for tests).
 */
export function nextAttemptDelayMs(
  attempts: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential / 2 + (exponential / 2) * random();
  const asked = retryAfterSeconds !== undefined ? retryAfterSeconds * 1_000 : 0;
  return Math.max(Math.round(jittered), asked);
}

/** Whether a message that failed with `verdict` on its `attempts`-th try is given up. */
export function isGivenUp(verdict: DeliveryVerdict, attempts: number): boolean {
  if (verdict.kind === 'permanent') return true;
  return verdict.maxAttempts !== undefined && attempts >= verdict.maxAttempts;
}

const CARD_NEVER_POSTED = 'the request card was never posted';

/**
 * The part of a message's lease this worker does not use, so a write retried to its deadline ends
 * before the lease does (another replica may claim the message from then on); small clock
 * differences between replicas fit in it too.
 */
export function leaseMarginMs(leaseMs: number): number {
  return Math.min(5_000, leaseMs / 10);
}

/** Waits between tries of a write Slack's answer depends on: short, since the user is waiting. */
export function recordRetryDelayMs(tries: number): number {
  return Math.min(2_000, 100 * 2 ** Math.max(0, tries - 1));
}

/**
 * Slack has the message, but the store could not record it before the lease's deadline. The pass
 * stops here: posting more while the store is away would only leave more messages unrecorded.
 */
class UnrecordedDelivery extends Error {
  override readonly name = 'UnrecordedDelivery';
}

export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const log = deps.logger.child({ module: 'outbox' });
  const pollMs = deps.pollMs ?? 1_000;
  const leaseMs = deps.leaseMs ?? 60_000;
  const batchSize = deps.batchSize ?? 20;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  /** Set by `stop()`: the pass under way ends without claiming again. */
  let stopping = false;
  const storeTrouble = outageLog(
    log,
    'outbox: the store is unavailable; trying again at the next poll',
    'outbox: the store answers again',
  );

  /** What the attempt under way was doing when it failed. */
  interface Attempt {
    /** The card's first `chat.postMessage` is in flight: a refusal means it can never be posted. */
    postingCard: boolean;
  }

  /**
   * A write after Slack accepted the message: retried while the store is away for a moment,
   * until the real-time deadline (`performance.now()`) of the message's lease.
   */
  async function recordAfterSlack(
    what: string,
    message: OutboxMessage,
    deadline: number,
    write: () => Promise<void>,
  ): Promise<void> {
    for (let tries = 1; ; tries += 1) {
      try {
        await write();
        if (tries > 1) log.info({ messageId: message.id, tries }, `${what} recorded after retries`);
        return;
      } catch (err) {
        const delay = recordRetryDelayMs(tries);
        if (!isRetriableStoreError(err) || performance.now() + delay >= deadline) {
          log.error(
            { err, messageId: message.id, kind: message.kind, requestId: message.requestId, tries },
            `Slack has the message but the store did not record ${what}; it may be posted again`,
          );
          throw new UnrecordedDelivery(what, { cause: err });
        }
        log.warn(
          { messageId: message.id, tries, delayMs: delay, code: (err as { code?: string }).code },
          `store unavailable while recording ${what}; retrying`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async function deliver(
    message: OutboxMessage,
    attempt: Attempt,
    deadline: number,
  ): Promise<void> {
    const request = message.requestId ? await deps.store.getRequest(message.requestId) : undefined;
    if (message.requestId && !request) throw new DeliveryError('request not found', 'permanent');
    const payload = message.payload ?? {};
    switch (message.kind) {
      case 'card': {
        const view = deps.render.card(request!);
        if (request!.card) {
          await deps.slack.chat.update({ ...request!.card, text: view.text, blocks: view.blocks });
          return;
        }
        if (await cardDied(message)) throw new DeliveryError(CARD_NEVER_POSTED, 'permanent');
        attempt.postingCard = true;
        const posted = await deps.slack.chat.postMessage({
          channel: message.channel,
          text: view.text,
          blocks: view.blocks,
          unfurl_links: false,
        });
        attempt.postingCard = false;
        if (!posted.ts) throw new DeliveryError('chat.postMessage returned no ts');
        // Unrecorded, the card would be posted again instead of edited.
        await recordAfterSlack('where the card was posted', message, deadline, () =>
          deps.store.setCard(request!.id, {
            channel: posted.channel ?? message.channel,
            ts: posted.ts!,
          }),
        );
        return;
      }
      case 'thread_reply': {
        // Earlier messages of a request go first, so with no card here its card message is dead.
        if (!request?.card) throw new DeliveryError(CARD_NEVER_POSTED, 'permanent');
        const view = deps.render.threadReply(request, payload);
        await deps.slack.chat.postMessage({
          channel: request.card.channel,
          thread_ts: request.card.ts,
          text: view.text,
          blocks: view.blocks,
          unfurl_links: false,
        });
        return;
      }
      case 'ephemeral': {
        if (!message.user) throw new DeliveryError('ephemeral message without a user', 'permanent');
        const view = deps.render.ephemeral(request, payload, message.channel);
        await deps.slack.chat.postEphemeral({
          channel: message.channel,
          user: message.user,
          text: view.text,
          blocks: view.blocks,
        });
        return;
      }
      case 'response': {
        const url = payload.responseUrl;
        if (typeof url !== 'string' || url === '') {
          throw new DeliveryError('response message without a response URL', 'permanent');
        }
        const age = deps.clock().getTime() - message.createdAt.getTime();
        if (age >= RESPONSE_URL_LIFETIME_MS) {
          throw new DeliveryError('the response URL expired (30 minutes)', 'permanent');
        }
        const view = deps.render.ephemeral(request, payload, message.channel);
        await deps.responseUrls.post(url, {
          response_type: 'ephemeral',
          replace_original: false,
          text: view.text,
          blocks: view.blocks,
        });
        return;
      }
      case 'dm': {
        if (!message.user) throw new DeliveryError('direct message without a user', 'permanent');
        if (!request) throw new DeliveryError('direct message without a request', 'permanent');
        const view = deps.render.dm(request, payload);
        // A user id as the channel: Slack posts in the app's DM with them (its Messages tab).
        await deps.slack.chat.postMessage({
          channel: message.user,
          text: view.text,
          blocks: view.blocks,
          unfurl_links: false,
        });
        return;
      }
      case 'notice': {
        await deps.slack.chat.postMessage({
          channel: message.channel,
          text: String(payload.text ?? ''),
          blocks: Array.isArray(payload.blocks) ? payload.blocks : [],
          unfurl_links: false,
        });
        return;
      }
    }
  }

  /** Whether an earlier card message of this request was given up (so it has no card). */
  async function cardDied(message: OutboxMessage): Promise<boolean> {
    if (!message.requestId) return false;
    const earlier = await deps.store.listOutbox(message.requestId);
    return earlier.some((m) => m.kind === 'card' && m.id < message.id && m.deadAt !== undefined);
  }

  async function settleFailure(
    message: OutboxMessage,
    attempt: Attempt,
    err: unknown,
  ): Promise<'dead' | 'retry'> {
    const verdict = classifyDeliveryError(err);
    const attempts = message.attempts + 1;
    const context = {
      messageId: message.id,
      kind: message.kind,
      requestId: message.requestId,
      reason: verdict.reason,
      attempts,
    };
    if (isGivenUp(verdict, attempts)) {
      if (attempt.postingCard && message.requestId) {
        try {
          await deps.onCardUndeliverable(message.requestId, undeliverableReason(verdict));
        } catch (cause) {
          // The card stays alive, so its request is not left pending and invisible: next try.
          const delay = nextAttemptDelayMs(attempts, undefined);
          await deps.store.markFailed(
            message.id,
            new Date(deps.clock().getTime() + delay),
            verdict.reason,
          );
          log.error(
            { ...context, err: cause, delayMs: delay },
            'could not record that a request card is undeliverable; will try the card again',
          );
          return 'retry';
        }
      }
      await deps.store.markDead(message.id, deps.clock(), verdict.reason);
      log.error(
        {
          ...context,
          deliveryError: verdict.kind,
          ...(verdict.code && { slackError: verdict.code }),
        },
        'Slack message undeliverable; given up',
      );
      return 'dead';
    }
    const delay = nextAttemptDelayMs(attempts, verdict.retryAfterSeconds);
    await deps.store.markFailed(
      message.id,
      new Date(deps.clock().getTime() + delay),
      verdict.reason,
    );
    log.warn({ ...context, delayMs: delay }, 'Slack message not delivered; will retry');
    return 'retry';
  }

  /**
   * Messages a pass claimed but could not settle because the store went away, with the end of
   * their lease (real time). Left alone, they would stay leased, and hold back the later messages
   * of their request, for a whole lease; the next pass gives them back at once instead.
   */
  const stranded = new Map<number, number>();

  async function releaseStranded(): Promise<void> {
    for (const [id, deadline] of stranded) {
      // Once the lease has run out another replica may hold the message: it is no longer ours.
      if (performance.now() < deadline) {
        await deps.store.markFailed(id, deps.clock(), 'released after the store was unavailable');
      }
      stranded.delete(id);
    }
  }

  /** One claim: tries each message once. `finished` counts the delivered and the dead. */
  async function pass(): Promise<{ delivered: number; finished: number }> {
    await releaseStranded();
    const now = deps.clock();
    // Taken before the claim, so the deadline is never later than the lease the store gives.
    const claimedAt = performance.now();
    const due = await deps.store.claimOutbox(now, batchSize, leaseMs);
    const deadline = claimedAt + leaseMs - leaseMarginMs(leaseMs);
    let delivered = 0;
    let finished = 0;
    for (const [index, message] of due.entries()) {
      if (performance.now() >= deadline) {
        // Another replica may claim these from now on; posting them here could post them twice.
        log.warn(
          { left: due.length - index, leaseMs },
          'outbox lease ran out before these messages were tried; leaving them for the next claim',
        );
        break;
      }
      const attempt: Attempt = { postingCard: false };
      const strand = (from: number) => {
        for (const m of due.slice(from)) stranded.set(m.id, deadline);
      };
      try {
        await deliver(message, attempt, deadline);
      } catch (err) {
        if (err instanceof UnrecordedDelivery) {
          // This one is in Slack and must not be handed out again; the untried rest may.
          strand(index + 1);
          throw err;
        }
        try {
          if ((await settleFailure(message, attempt, err)) === 'dead') finished += 1;
        } catch (unsettled) {
          strand(index);
          throw unsettled;
        }
        continue;
      }
      try {
        await recordAfterSlack('the delivery', message, deadline, () =>
          deps.store.markDelivered(message.id, deps.clock()),
        );
      } catch (err) {
        strand(index + 1);
        throw err;
      }
      delivered += 1;
      finished += 1;
    }
    return { delivered, finished };
  }

  async function runPasses(): Promise<number> {
    let total = 0;
    let progressed = false;
    do {
      again = false;
      try {
        const { delivered, finished } = await pass();
        total += delivered;
        // A finished message may free the next one of its request (the confirmation after the
        // card): claim again now rather than a poll later. Ends, since each round finishes one.
        progressed = finished > 0;
      } catch (err) {
        progressed = false;
        if (isRetriableStoreError(err)) storeTrouble.failed(err);
        else if (!(err instanceof UnrecordedDelivery)) log.error({ err }, 'outbox pass failed');
        continue;
      }
      storeTrouble.succeeded();
    } while (((again && !stopped) || progressed) && !stopping);
    return total;
  }

  const deliverDue = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = runPasses().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void deliverDue().finally(schedule);
    }, pollMs);
    timer.unref();
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      void deliverDue();
      schedule();
    },
    kick() {
      if (!stopped) void deliverDue();
    },
    deliverDue,
    async stop() {
      stopped = true;
      stopping = true;
      clearTimeout(timer);
      await running;
    },
  };
}
