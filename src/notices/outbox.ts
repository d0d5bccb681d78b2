/**
 * Delivers the outbox: every Slack message about a request was written to the store in the same
 * transaction as the state change it reports; this worker posts it, with backoff on Slack errors
 * and on 429 (`Retry-After`). A Slack outage delays messages; it never loses one. Messages about a
 * request are rendered from the request's stored state at delivery time.
 */
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import type { PurchaseRequest } from '../requests/types.js';
import type { SlackMessage } from '../slack/views/message.js';
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
  threadReply(request: PurchaseRequest, payload: Readonly<Record<string, unknown>>): SlackMessage;
  ephemeral(
    request: PurchaseRequest | undefined,
    payload: Readonly<Record<string, unknown>>,
  ): SlackMessage;
}

export interface OutboxWorkerDeps {
  readonly store: Store;
  readonly slack: OutboxSlack;
  readonly render: OutboxRenderer;
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

/** A delivery that failed and when to try again. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** Seconds Slack asked us to wait (429), if any. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
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

export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const log = deps.logger.child({ module: 'outbox' });
  const pollMs = deps.pollMs ?? 1_000;
  const leaseMs = deps.leaseMs ?? 60_000;
  const batchSize = deps.batchSize ?? 20;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;

  async function deliver(message: OutboxMessage): Promise<void> {
    const request = message.requestId ? await deps.store.getRequest(message.requestId) : undefined;
    if (message.requestId && !request) throw new DeliveryError('request not found');
    const payload = message.payload ?? {};
    switch (message.kind) {
      case 'card': {
        const view = deps.render.card(request!);
        if (request!.card) {
          await deps.slack.chat.update({ ...request!.card, text: view.text, blocks: view.blocks });
        } else {
          const posted = await deps.slack.chat.postMessage({
            channel: message.channel,
            text: view.text,
            blocks: view.blocks,
            unfurl_links: false,
          });
          if (!posted.ts) throw new DeliveryError('chat.postMessage returned no ts');
          await deps.store.setCard(request!.id, {
            channel: posted.channel ?? message.channel,
            ts: posted.ts,
          });
        }
        return;
      }
      case 'thread_reply': {
        if (!request?.card) throw new DeliveryError('the request card is not posted yet');
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
        if (!message.user) throw new DeliveryError('ephemeral message without a user');
        const view = deps.render.ephemeral(request, payload);
        await deps.slack.chat.postEphemeral({
          channel: message.channel,
          user: message.user,
          text: view.text,
          blocks: view.blocks,
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

  async function pass(): Promise<number> {
    const now = deps.clock();
    const due = await deps.store.claimOutbox(now, batchSize, leaseMs);
    let delivered = 0;
    for (const message of due) {
      try {
        await deliver(message);
        await deps.store.markDelivered(message.id, deps.clock());
        delivered += 1;
      } catch (err) {
        const { reason, retryAfterSeconds } = describeFailure(err);
        const delay = nextAttemptDelayMs(message.attempts + 1, retryAfterSeconds);
        await deps.store.markFailed(message.id, new Date(deps.clock().getTime() + delay), reason);
        log.warn(
          {
            messageId: message.id,
            kind: message.kind,
            requestId: message.requestId,
            reason,
            delayMs: delay,
            attempts: message.attempts + 1,
          },
          'Slack message not delivered; will retry',
        );
      }
    }
    return delivered;
  }

  async function runPasses(): Promise<number> {
    let total = 0;
    do {
      again = false;
      try {
        total += await pass();
      } catch (err) {
        log.error({ err }, 'outbox pass failed');
      }
    } while (again && !stopped);
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
      void deliverDue();
      schedule();
    },
    kick() {
      if (!stopped) void deliverDue();
    },
    deliverDue,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** A short reason for the log (never message text) and Slack's requested wait, if any. */
function describeFailure(err: unknown): { reason: string; retryAfterSeconds?: number } {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  if (e.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number') {
    return { reason: 'rate limited', retryAfterSeconds: e.retryAfter };
  }
  if (err instanceof DeliveryError) {
    return {
      reason: err.message,
      ...(err.retryAfterSeconds !== undefined && { retryAfterSeconds: err.retryAfterSeconds }),
    };
  }
  if (e.code === 'slack_webapi_platform_error')
    return { reason: `slack error: ${e.data?.error ?? 'unknown'}` };
  if (e.code === 'slack_webapi_http_error') return { reason: `http ${e.statusCode ?? '?'}` };
  if (e.code === 'slack_webapi_request_error') return { reason: 'network error' };
  return { reason: e.message ?? 'unknown error' };
}
