/**
 * The request lifecycle: making a request, deciding it, buying exactly once, and finding out what
 * happened when AWS's answer was lost. Slack listeners call this; it calls the store and AWS and
 * leaves every Slack message in the outbox, written with the state change it reports.
 */
import { randomBytes } from 'node:crypto';
import { type AwsError, isAwsError } from '../aws/errors.js';
import type { CapacityServices, Offering } from '../aws/types.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import { noticeKeys } from '../notices/types.js';
import type { NewNotice, NewOutboxMessage, Store, Transition } from '../store/store.js';
import {
  type Decision,
  mayApprove,
  mayCancel,
  mayReject,
  mayRequest,
  stillPending,
} from './policy.js';
import { QuoteError, quoteFor, sameQuote } from './quote.js';
import type {
  PurchaseRequest,
  Quote,
  RequestAction,
  RequestOutcome,
  RequestState,
} from './types.js';

export const BOT_ACTOR = 'slots-bot';

/** Who is who, resolved at click time (user groups included). */
export interface Directory {
  isApprover(user: string): Promise<boolean>;
  mayRequest(user: string): Promise<boolean>;
}

export interface RequestServiceDeps {
  readonly store: Store;
  readonly aws: CapacityServices;
  readonly directory: Directory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly channel: string;
  readonly ttlMs: number;
  readonly maxQuantity: number;
  /** Called after anything was queued, so the outbox delivers without waiting for its poll. */
  readonly onQueued?: () => void;
  /** Lookups against AWS after an unknown outcome: how many, how far apart. */
  readonly reconcileAttempts?: number;
  readonly reconcileDelayMs?: number;
  /** An `executing` request older than this at start-up was left by a stopped process. */
  readonly staleExecutionMs?: number;
  readonly newId?: () => string;
}

/** A problem with what was asked, tied to the field it concerns (for modal errors). */
export interface InputProblem {
  readonly field:
    | 'offering'
    | 'quantity'
    | 'promotion'
    | 'reservationName'
    | 'start'
    | 'reason'
    | 'requester';
  readonly message: string;
}

export type CreateResult =
  | { readonly ok: true; readonly request: PurchaseRequest }
  | { readonly ok: false; readonly problem: InputProblem };

export type DecisionResult =
  | { readonly ok: true; readonly request: PurchaseRequest }
  | { readonly ok: false; readonly message: string };

export interface RequestService {
  /** Checks the action against the rules and AWS; returns the quote it would commit to. */
  check(
    actor: string,
    action: RequestAction,
    reason: string,
  ): Promise<{ ok: true; quote: Quote } | { ok: false; problem: InputProblem }>;
  create(actor: string, action: RequestAction, reason: string): Promise<CreateResult>;
  /** The approval and the claim to execute, in one conditional write. Call `execute` next. */
  approve(actor: string, id: string): Promise<DecisionResult>;
  reject(actor: string, id: string, note: string | undefined): Promise<DecisionResult>;
  /** Whether `actor` may reject now, without changing anything (before opening the reason modal). */
  mayReject(actor: string, id: string): Promise<DecisionResult>;
  cancel(actor: string, id: string): Promise<DecisionResult>;
  /** Buys (once) for a request this process moved to `executing`. Never throws. */
  execute(request: PurchaseRequest): Promise<PurchaseRequest>;
  /** Settles an `executing` or `unknown` request by reading AWS. Never buys. */
  reconcile(request: PurchaseRequest): Promise<PurchaseRequest>;
  expireDue(): Promise<number>;
  /** At start-up: reconciles requests a stopped process left `executing` or `unknown`. */
  recover(): Promise<number>;
  get(id: string): Promise<PurchaseRequest | undefined>;
  pending(): Promise<PurchaseRequest[]>;
  history(limit: number): Promise<PurchaseRequest[]>;
}

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Eight characters of Crockford base32 (40 random bits): short enough to type, never guessed. */
export function newRequestId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (let i = 0; i < 8; i++) id += ID_ALPHABET[bytes[i]! % 32];
  return id;
}

/**
 * What the bot bought is recorded as already seen, in the same write as the outcome, so the
 * watcher never announces the bot's own transaction or reservation as made outside it.
 */
function ownNotices(requestId: string, outcome: RequestOutcome): NewNotice[] {
  const detail = { by: BOT_ACTOR, requestId };
  return [
    ...(outcome.transactionId
      ? [{ key: noticeKeys.transaction(outcome.transactionId), detail }]
      : []),
    ...(outcome.reservationArn
      ? [{ key: noticeKeys.reservation(outcome.reservationArn), detail }]
      : []),
  ];
}

export function createRequestService(deps: RequestServiceDeps): RequestService {
  const { store, aws, clock } = deps;
  const log = deps.logger.child({ module: 'requests' });
  const newId = deps.newId ?? newRequestId;
  const attempts = deps.reconcileAttempts ?? 4;
  const delayMs = deps.reconcileDelayMs ?? 5_000;
  const staleMs = deps.staleExecutionMs ?? 2 * 60_000;

  const card = (requestId: string): NewOutboxMessage => ({
    kind: 'card',
    channel: deps.channel,
    requestId,
  });
  const reply = (requestId: string): NewOutboxMessage => ({
    kind: 'thread_reply',
    channel: deps.channel,
    requestId,
    payload: { about: 'outcome' },
  });

  async function move(
    id: string,
    transition: Transition,
  ): Promise<{ applied: boolean; request: PurchaseRequest | undefined }> {
    const result = await store.transition(id, transition);
    if (result.applied) {
      log.info(
        { requestId: id, state: transition.to, actor: transition.event.actor },
        'request state changed',
      );
      deps.onQueued?.();
    }
    return result;
  }

  async function finish(
    request: PurchaseRequest,
    from: readonly RequestState[],
    to: 'succeeded' | 'failed' | 'unknown',
    outcome: RequestOutcome,
    eventType: string,
    detail: Record<string, unknown> = {},
  ): Promise<PurchaseRequest> {
    const final = to !== 'unknown';
    const result = await move(request.id, {
      from,
      to,
      patch: { outcome, ...(final && { finishedAt: clock() }) },
      event: { actor: BOT_ACTOR, type: eventType, detail: { ...detail, ...outcome } },
      outbox: [card(request.id), reply(request.id)],
      notices: ownNotices(request.id, outcome),
    });
    return result.request ?? request;
  }

  async function offeringFor(action: RequestAction): Promise<Offering | undefined> {
    if (action.service === 'devicefarm') return aws.devicefarm.getOffering(action.offeringId);
    try {
      return await aws.mediaconnect.describeOffering(action.offeringArn);
    } catch (err) {
      if (isAwsError(err) && err.code === 'aws_not_found') return undefined;
      throw err;
    }
  }

  async function check(actor: string, action: RequestAction, reason: string) {
    const problem = (field: InputProblem['field'], message: string) => ({
      ok: false as const,
      problem: { field, message },
    });
    if (!(await deps.directory.mayRequest(actor))) {
      const refusal = mayRequest(actor, false) as { message: string };
      return problem('requester', refusal.message);
    }
    if (reason.length > 1000) return problem('reason', 'Keep the reason under 1000 characters.');
    if (action.service === 'devicefarm') {
      const min = action.kind === 'renew' ? 0 : 1;
      if (
        !Number.isInteger(action.quantity) ||
        action.quantity < min ||
        action.quantity > deps.maxQuantity
      ) {
        return problem(
          'quantity',
          `The quantity must be a whole number from ${min} to ${deps.maxQuantity} (SLOTS_MAX_QUANTITY).`,
        );
      }
    }
    try {
      const offering = await offeringFor(action);
      if (!offering) {
        return problem(
          'offering',
          `AWS does not list this offering (${action.service === 'devicefarm' ? action.offeringId : action.offeringArn}). See /slots offerings.`,
        );
      }
      if (action.service === 'devicefarm' && action.kind === 'purchase' && action.promotionId) {
        const promotions = await aws.devicefarm.listPromotions();
        if (!promotions.some((p) => p.id === action.promotionId)) {
          return problem(
            'promotion',
            `Promotion ${action.promotionId} is not one of this account's unused promotions. See /slots offerings devicefarm.`,
          );
        }
      }
      if (action.service === 'mediaconnect') {
        const active = await aws.mediaconnect.activeReservation(clock());
        if (active) {
          return problem(
            'offering',
            `MediaConnect sells a new reservation only when none is active, and "${active.name}" is active until ${active.end.toISOString().slice(0, 10)}.`,
          );
        }
        const existing = await aws.mediaconnect.findReservation({
          reservationName: action.reservationName,
          offeringArn: action.offeringArn,
        });
        if (existing) {
          return problem(
            'reservationName',
            `A reservation named "${action.reservationName}" already exists for this offering; choose another name.`,
          );
        }
      }
      const quote = quoteFor(action, offering);
      if (BigInt(quote.unitPriceMicros) <= 0n) {
        return problem(
          'offering',
          'AWS did not state a price for this offering, so slots-bot will not buy it.',
        );
      }
      return { ok: true as const, quote };
    } catch (err) {
      if (err instanceof QuoteError)
        return problem('offering', `This offering cannot be priced: ${err.message}.`);
      if (isAwsError(err)) return problem('offering', err.userMessage);
      throw err;
    }
  }

  async function create(
    actor: string,
    action: RequestAction,
    reason: string,
  ): Promise<CreateResult> {
    const checked = await check(actor, action, reason);
    if (!checked.ok) return checked;
    const now = clock();
    const id = newId();
    const request = await store.createRequest(
      {
        id,
        action,
        quote: checked.quote,
        requester: actor,
        reason: reason.trim(),
        createdAt: now,
        expiresAt: new Date(now.getTime() + deps.ttlMs),
      },
      { actor, type: 'created', detail: { action, quote: checked.quote } },
      [
        card(id),
        {
          kind: 'ephemeral',
          channel: deps.channel,
          requestId: id,
          user: actor,
          payload: { about: 'requested' },
        },
      ],
    );
    log.info(
      { requestId: id, actor, service: action.service, kind: action.kind },
      'request created',
    );
    deps.onQueued?.();
    return { ok: true, request };
  }

  async function decide(
    id: string,
    decision: (request: PurchaseRequest) => Promise<Decision>,
    transition: (request: PurchaseRequest) => Transition,
  ): Promise<DecisionResult> {
    const request = await store.getRequest(id);
    if (!request) return { ok: false, message: `There is no request ${id}.` };
    const verdict = await decision(request);
    if (!verdict.ok) {
      if (verdict.code === 'expired') await expire(request);
      return { ok: false, message: verdict.message };
    }
    const result = await move(id, transition(request));
    if (!result.applied || !result.request) {
      // Someone else decided in between (another click, another replica, expiry).
      const now = stillPending(result.request ?? request, clock());
      return {
        ok: false,
        message: now.ok ? `Request ${id} was decided by someone else just now.` : now.message,
      };
    }
    return { ok: true, request: result.request };
  }

  async function expire(request: PurchaseRequest): Promise<boolean> {
    const result = await move(request.id, {
      from: ['pending'],
      to: 'expired',
      patch: { finishedAt: clock() },
      event: { actor: BOT_ACTOR, type: 'expired' },
      outbox: [card(request.id), reply(request.id)],
    });
    return result.applied;
  }

  async function buy(request: PurchaseRequest): Promise<RequestOutcome> {
    const { action } = request;
    if (action.service === 'devicefarm' && action.kind === 'purchase') {
      const tx = await aws.devicefarm.purchase({
        offeringId: action.offeringId,
        quantity: action.quantity,
        ...(action.promotionId && { promotionId: action.promotionId }),
      });
      return { transactionId: tx.id, source: 'answer' };
    }
    if (action.service === 'devicefarm') {
      const tx = await aws.devicefarm.renew({
        offeringId: action.offeringId,
        quantity: action.quantity,
      });
      return { transactionId: tx.id, source: 'answer' };
    }
    const reservation = await aws.mediaconnect.purchase({
      offeringArn: action.offeringArn,
      reservationName: action.reservationName,
      start: action.start,
    });
    return { reservationArn: reservation.arn, source: 'answer' };
  }

  /** Requests this process is buying right now: `execute` runs at most once per request. */
  const buying = new Set<string>();

  async function execute(request: PurchaseRequest): Promise<PurchaseRequest> {
    // Only the caller whose `pending → executing` write applied may buy, and only once: a stale
    // object, a second call or a request in any other state changes nothing.
    const current = await store.getRequest(request.id);
    if (
      current?.state !== 'executing' ||
      current.executionStartedAt?.getTime() !== request.executionStartedAt?.getTime() ||
      buying.has(request.id)
    ) {
      log.warn(
        { requestId: request.id, state: current?.state },
        "execute refused: not this caller's to buy",
      );
      return current ?? request;
    }
    buying.add(request.id);
    try {
      return await buyOnce(current);
    } finally {
      buying.delete(request.id);
    }
  }

  async function buyOnce(request: PurchaseRequest): Promise<PurchaseRequest> {
    try {
      // Re-read the offering: the approver agreed to the quoted price, nothing else.
      let fresh: Quote | undefined;
      try {
        const offering = await offeringFor(request.action);
        fresh = offering ? quoteFor(request.action, offering) : undefined;
      } catch (err) {
        if (!(err instanceof QuoteError) && !isAwsError(err)) throw err;
        const message = isAwsError(err) ? err.userMessage : err.message;
        return finish(
          request,
          ['executing'],
          'failed',
          {
            errorCode: isAwsError(err) ? err.code : 'quote_unavailable',
            message: `Nothing was bought: the offering could not be re-read before buying. ${message}`,
          },
          'failed',
        );
      }
      if (!fresh || !sameQuote(fresh, request.quote)) {
        return finish(
          request,
          ['executing'],
          'failed',
          {
            errorCode: 'quote_changed',
            message: fresh
              ? 'Nothing was bought: the price changed since the request was made. Request again to see the new price.'
              : 'Nothing was bought: AWS no longer offers this offering. Request again.',
          },
          'quote_changed',
        );
      }
      let outcome: RequestOutcome;
      try {
        outcome = await buy(request);
      } catch (err) {
        if (!isAwsError(err)) throw err;
        return settleAwsFailure(request, err);
      }
      return finish(request, ['executing'], 'succeeded', outcome, 'succeeded');
    } catch (err) {
      // A bug, not AWS: AWS may or may not have acted, so treat it as unknown and check.
      log.error({ err, requestId: request.id }, 'unexpected error while executing');
      const moved = await finish(
        request,
        ['executing'],
        'unknown',
        {
          errorCode: 'internal_error',
          message: 'slots-bot hit an internal error while buying; checking AWS for the result.',
        },
        'unknown',
      );
      return reconcile(moved);
    }
  }

  async function settleAwsFailure(
    request: PurchaseRequest,
    err: AwsError,
  ): Promise<PurchaseRequest> {
    const detail = {
      awsName: err.detail.awsName,
      httpStatus: err.detail.httpStatus,
      requestId: err.detail.requestId,
    };
    if (err.outcome === 'rejected') {
      return finish(
        request,
        ['executing'],
        'failed',
        { errorCode: err.code, message: err.userMessage, source: 'answer' },
        'failed',
        detail,
      );
    }
    const unknown = await finish(
      request,
      ['executing'],
      'unknown',
      {
        errorCode: err.code,
        message: `${err.userMessage} Whether AWS completed the purchase is being checked; it will not be retried.`,
      },
      'unknown',
      detail,
    );
    return reconcile(unknown);
  }

  async function lookUp(request: PurchaseRequest): Promise<RequestOutcome | undefined> {
    const { action } = request;
    const since = request.executionStartedAt ?? request.createdAt;
    if (action.service === 'devicefarm') {
      const tx = await aws.devicefarm.findTransaction({
        offeringId: action.offeringId,
        type: action.kind === 'purchase' ? 'PURCHASE' : 'RENEW',
        quantity: action.quantity,
        since,
      });
      return tx ? { transactionId: tx.id, source: 'reconciliation' } : undefined;
    }
    const reservation = await aws.mediaconnect.findReservation({
      reservationName: action.reservationName,
      offeringArn: action.offeringArn,
    });
    return reservation ? { reservationArn: reservation.arn, source: 'reconciliation' } : undefined;
  }

  async function reconcile(request: PurchaseRequest): Promise<PurchaseRequest> {
    let lastError: AwsError | undefined;
    let answered = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, delayMs));
      try {
        const found = await lookUp(request);
        answered += 1;
        await store.addEvent(request.id, {
          actor: BOT_ACTOR,
          type: 'reconciliation_attempt',
          detail: { attempt, found: found ?? null },
        });
        if (found)
          return finish(request, ['executing', 'unknown'], 'succeeded', found, 'reconciled');
      } catch (err) {
        if (!isAwsError(err)) throw err;
        lastError = err;
        await store.addEvent(request.id, {
          actor: BOT_ACTOR,
          type: 'reconciliation_attempt',
          detail: { attempt, error: err.code },
        });
      }
    }
    if (answered >= 2) {
      // AWS answered several times, over a while, without a record: nothing was bought.
      return finish(
        request,
        ['executing', 'unknown'],
        'failed',
        {
          errorCode: 'not_found_in_aws',
          message:
            'AWS has no record of this purchase, so nothing was bought. It will not be retried; request again if it is still needed.',
          source: 'reconciliation',
        },
        'reconciled',
      );
    }
    const loud = {
      errorCode: lastError?.code ?? 'unreconciled',
      message:
        'The outcome could not be confirmed with AWS. Check the AWS console before doing anything else; this request will not be retried.',
    };
    const current = await store.getRequest(request.id);
    if (current?.state === 'executing')
      return finish(current, ['executing'], 'unknown', loud, 'unreconciled');
    if (current?.state === 'unknown') {
      const result = await move(request.id, {
        from: ['unknown'],
        to: 'unknown',
        patch: { outcome: loud },
        event: { actor: BOT_ACTOR, type: 'unreconciled', detail: loud },
        outbox: [card(request.id), reply(request.id)],
      });
      return result.request ?? current;
    }
    return current ?? request;
  }

  return {
    check,
    create,
    approve: (actor, id) =>
      decide(
        id,
        async (r) => mayApprove(r, actor, await deps.directory.isApprover(actor), clock()),
        () => {
          const now = clock();
          return {
            from: ['pending'],
            to: 'executing',
            patch: { decidedBy: actor, decidedAt: now, executionStartedAt: now },
            event: { actor, type: 'approved' },
            outbox: [card(id)],
          };
        },
      ),
    reject: (actor, id, note) =>
      decide(
        id,
        async (r) => mayReject(r, actor, await deps.directory.isApprover(actor), clock()),
        () => ({
          from: ['pending'],
          to: 'rejected',
          patch: {
            decidedBy: actor,
            decidedAt: clock(),
            finishedAt: clock(),
            ...(note?.trim() && { decisionNote: note.trim().slice(0, 1000) }),
          },
          event: {
            actor,
            type: 'rejected',
            detail: note?.trim() ? { note: note.trim().slice(0, 1000) } : {},
          },
          outbox: [card(id), reply(id)],
        }),
      ),
    async mayReject(actor, id) {
      const request = await store.getRequest(id);
      if (!request) return { ok: false, message: `There is no request ${id}.` };
      const verdict = mayReject(request, actor, await deps.directory.isApprover(actor), clock());
      return verdict.ok ? { ok: true, request } : { ok: false, message: verdict.message };
    },
    cancel: (actor, id) =>
      decide(
        id,
        async (r) => mayCancel(r, actor, clock()),
        () => ({
          from: ['pending'],
          to: 'cancelled',
          patch: { decidedBy: actor, decidedAt: clock(), finishedAt: clock() },
          event: { actor, type: 'cancelled' },
          outbox: [card(id), reply(id)],
        }),
      ),
    execute,
    reconcile,
    async expireDue() {
      let count = 0;
      for (const request of await store.listExpired(clock())) if (await expire(request)) count += 1;
      return count;
    },
    async recover() {
      const open = await store.listRequests({ states: ['executing', 'unknown'], limit: 200 });
      const now = clock().getTime();
      let count = 0;
      for (const request of open) {
        const started = (request.executionStartedAt ?? request.createdAt).getTime();
        // Another replica may be buying this very request right now; only stale ones are orphans.
        if (request.state === 'executing' && now - started < staleMs) continue;
        await reconcile(request);
        count += 1;
      }
      return count;
    },
    get: (id) => store.getRequest(id),
    pending: () => store.listRequests({ states: ['pending', 'executing', 'unknown'], limit: 50 }),
    history: (limit) => store.listRequests({ limit }),
  };
}
