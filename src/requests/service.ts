/**
 * The request lifecycle: making a request, deciding it, buying exactly once, and finding out what
 * happened when AWS's answer was lost. Slack listeners call this; it calls the store and AWS and
 * leaves every Slack message in the outbox, written with the state change it reports.
 *
 * The money path, step by step, each step a conditional write:
 * 1. `pending → executing` records the approver (the claim to buy; only its winner goes on).
 * 2. The offering is re-read; a changed price, or a MediaConnect start AWS would no longer take,
 *    fails the request before any call.
 * 3. `executing → executing` at the version just read stamps `callStartedAt`. Only then is the
 *    purchase sent, once. An `executing` request without that stamp was never sent.
 * 4. The answer goes into the audit trail and the outcome is written, each retried until stored.
 * 5. A lost answer leaves `unknown`; the reconciler (every replica, all the time) looks AWS up
 *    until one record proves the purchase, or AWS has shown nothing across the settle window.
 */
import { randomBytes } from 'node:crypto';
import { type AwsError, isAwsError } from '../aws/errors.js';
import type { CapacityServices, Offering, ServiceName } from '../aws/types.js';
import { noticeKeys } from '../domain/notice-keys.js';
import {
  BOT_ACTOR,
  OPEN_STATES,
  openKey,
  type PurchaseRequest,
  type Quote,
  type RequestAction,
  type RequestEvent,
  type RequestOutcome,
  type RequestState,
} from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import { isRetriableStoreError, isStoreError } from '../store/errors.js';
import type {
  NewNotice,
  NewOutboxMessage,
  Store,
  Transition,
  TransitionResult,
} from '../store/store.js';
import { type Directory, isDirectoryUnavailable } from './directory.js';
import { type DryRunRegions, dryRunCall } from './dry-run.js';
import {
  type ApprovalRule,
  approvalsNeededFor,
  type Decision,
  mayApprove,
  mayCancel,
  mayReject,
  mayRequest,
  stillPending,
} from './policy.js';
import { QuoteError, quoteFor, sameQuote } from './quote.js';
import {
  callWindow,
  deviceFarmCandidates,
  type Found,
  type Lookup,
  nextLookupAt,
  POST_CALL_LIMIT_MS,
  PRE_CALL_LIMIT_MS,
  PURCHASE_CALL_MAX_MS,
  reservationCandidates,
  SETTLE_WINDOW_MS,
  settle,
} from './reconcile.js';

export { BOT_ACTOR } from '../domain/requests.js';
export type { Directory } from './directory.js';

/** How long the reconciler waits between passes, and the limits it applies. */
export interface ReconcileTimings {
  readonly everyMs: number;
  /** An `executing` request never sent, older than this, was left by a stopped process. */
  readonly preCallLimitMs: number;
  /** An `executing` request whose call started longer ago than this was left by a stopped process. */
  readonly postCallLimitMs: number;
  /** The longest one purchase call may take (the write client's time-outs). */
  readonly callMaxMs: number;
  /** "Nothing was bought" needs AWS to show nothing across at least this long. */
  readonly settleWindowMs: number;
  /** How long an outcome write is retried after shutdown began, before giving up to the next start. */
  readonly outcomeRetryAfterStopMs: number;
}

export const DEFAULT_RECONCILE_TIMINGS: ReconcileTimings = {
  everyMs: 15_000,
  preCallLimitMs: PRE_CALL_LIMIT_MS,
  postCallLimitMs: POST_CALL_LIMIT_MS,
  callMaxMs: PURCHASE_CALL_MAX_MS,
  settleWindowMs: SETTLE_WINDOW_MS,
  outcomeRetryAfterStopMs: 10_000,
};

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
  /** AWS's clock minus the host's, per service (from the `Date` header of AWS's answers). */
  readonly awsClockOffsetMs?: (service: ServiceName) => number;
  readonly timings?: Partial<ReconcileTimings>;
  readonly newId?: () => string;
  /**
   * Called when a purchase or renewal call has ended, whatever its outcome, before the outcome
   * is recorded: what was read from AWS before it is out of date (see `SharedRead`).
   */
  readonly onAwsWrite?: (service: ServiceName) => void;
  /** Called after every applied change of a request, with the request as it is now. */
  readonly onChanged?: (request: PurchaseRequest) => void;
  /** SLOTS_APPROVALS: more approvers above an amount (none: one approver). */
  readonly approvalRules?: readonly ApprovalRule[];
  /** SLOTS_APPROVERS, mentioned by reminders. */
  readonly approvers?: readonly string[];
  /** SLOTS_REMIND_AFTER: a pending request is reminded about after each such span; 0 off. */
  readonly remindAfterMs?: number;
  /** SLOTS_DRY_RUN: the purchase and renew calls are shown, never sent, in these regions. */
  readonly dryRun?: { readonly regions: DryRunRegions };
}

/** A pending request is reminded about at most this many times. */
export const MAX_REMINDERS = 3;
/** Approvals racing for one request are tried again this often before the clicker is told. */
const APPROVAL_ATTEMPTS = 25;

/** Where a request came from in Slack, so a replay is refused and the answer finds its way back. */
export interface RequestOrigin {
  /** The command's, submission's or click's `trigger_id`: one request per trigger. */
  readonly triggerId?: string | undefined;
  /** Where the requester's confirmation goes, whether or not they are in the channel. */
  readonly responseUrl?: string | undefined;
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
  create(
    actor: string,
    action: RequestAction,
    reason: string,
    origin?: RequestOrigin,
  ): Promise<CreateResult>;
  /**
   * Records `actor`'s approval by one conditional write. The approval that completes the count
   * also claims the request (`pending → executing`): call `execute` next, and only then. Before
   * that, the request returned is still `pending`.
   */
  approve(actor: string, id: string): Promise<DecisionResult>;
  reject(actor: string, id: string, note: string | undefined): Promise<DecisionResult>;
  /** Whether `actor` may reject now, without changing anything (before opening the reason modal). */
  mayReject(actor: string, id: string): Promise<DecisionResult>;
  cancel(actor: string, id: string): Promise<DecisionResult>;
  /** The request card could never be posted: a pending request is cancelled, its requester told. */
  cardUndeliverable(requestId: string, reason: string): Promise<void>;
  /** Buys (once) for a request this process moved to `executing`. Never throws. */
  execute(request: PurchaseRequest): Promise<PurchaseRequest>;
  /** One lookup against AWS for an `executing` or `unknown` request, settling it if it can. Never buys. */
  reconcile(request: PurchaseRequest): Promise<PurchaseRequest>;
  /**
   * One pass of the reconciler: every `unknown` request whose next lookup is due, and every
   * `executing` request a stopped process left behind. Returns how many were looked at.
   */
  reconcileDue(): Promise<number>;
  expireDue(): Promise<number>;
  /** Posts the reminders that are due (SLOTS_REMIND_AFTER), each once; returns how many. */
  remindDue(): Promise<number>;
  /** Waits for purchases under way in this process, at most as long as one may take. */
  drain(): Promise<boolean>;
  get(id: string): Promise<PurchaseRequest | undefined>;
  pending(): Promise<PurchaseRequest[]>;
  history(limit: number): Promise<PurchaseRequest[]>;
}

/** What a direct message to the requester is about: the outcomes they are told of. */
type DmAbout = 'approved' | 'rejected' | 'expired' | 'succeeded' | 'failed' | 'dry_run';

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Eight characters of Crockford base32 (40 random bits): short enough to type, never guessed. */
export function newRequestId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (let i = 0; i < 8; i++) id += ID_ALPHABET[bytes[i]! % 32];
  return id;
}

const DIRECTORY_UNAVAILABLE = 'Could not check that you may approve; try again.';

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

/** The lookups recorded in a request's audit trail, oldest first. */
function lookupsOf(events: readonly RequestEvent[]): Lookup[] {
  return events
    .filter((e) => e.type === 'reconciliation_attempt')
    .map((e) => ({
      at: e.at,
      candidates: typeof e.detail.candidates === 'number' ? e.detail.candidates : undefined,
    }));
}

/** `YYYY-MM-DDTHH:mm:SSZ`, the form MediaConnect takes for a start. */
function startText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function monthStartMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Seconds back from AWS's now for a start "now": AWS refuses a start in its future. */
const START_NOW_MARGIN_MS = 60_000;

export function createRequestService(deps: RequestServiceDeps): RequestService {
  const { store, aws, clock } = deps;
  const log = deps.logger.child({ module: 'requests' });
  const newId = deps.newId ?? newRequestId;
  const timings: ReconcileTimings = { ...DEFAULT_RECONCILE_TIMINGS, ...deps.timings };
  const awsOffset = (service: ServiceName) => deps.awsClockOffsetMs?.(service) ?? 0;
  let stoppingSince: number | undefined;

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
  /** A direct message to the requester; rendered, like the card, from the state at delivery. */
  const dm = (request: PurchaseRequest, about: DmAbout): NewOutboxMessage => ({
    kind: 'dm',
    channel: request.requester,
    user: request.requester,
    requestId: request.id,
    payload: { about },
  });

  function notifyChanged(request: PurchaseRequest): void {
    try {
      deps.onChanged?.(request);
    } catch (err) {
      log.warn({ err, requestId: request.id }, 'a change listener failed');
    }
  }

  async function move(id: string, transition: Transition): Promise<TransitionResult> {
    const result = await store.transition(id, transition);
    if (result.applied) {
      log.info(
        { requestId: id, state: transition.to, actor: transition.event.actor },
        'request state changed',
      );
      deps.onQueued?.();
      if (result.request) notifyChanged(result.request);
    }
    return result;
  }

  /**
   * Retries a write that must not be lost (what AWS answered) until the store takes it. Only a
   * store that stays unreachable after shutdown began ends the loop; the reconciler of the next
   * start then finds the outcome in AWS.
   */
  async function durably<T>(what: string, requestId: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        const retriable = !isStoreError(err) || isRetriableStoreError(err);
        const givingUp =
          stoppingSince !== undefined &&
          Date.now() - stoppingSince > timings.outcomeRetryAfterStopMs;
        if (!retriable || givingUp) {
          log.error({ err, requestId, what }, 'could not store what AWS answered');
          throw err;
        }
        log.warn({ err, requestId, what, attempt }, 'store write failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  async function finish(
    request: PurchaseRequest,
    from: readonly RequestState[],
    to: 'succeeded' | 'failed' | 'unknown' | 'dry_run',
    outcome: RequestOutcome,
    eventType: string,
    detail: Record<string, unknown> = {},
    options: { expectedVersion?: number; threadReply?: boolean } = {},
  ): Promise<PurchaseRequest> {
    const final = to !== 'unknown';
    const messages =
      options.threadReply === false ? [card(request.id)] : [card(request.id), reply(request.id)];
    const result = await durably(eventType, request.id, () =>
      move(request.id, {
        from,
        to,
        ...(options.expectedVersion !== undefined && { expectedVersion: options.expectedVersion }),
        patch: { outcome, ...(final && { finishedAt: clock() }) },
        event: { actor: BOT_ACTOR, type: eventType, detail: { ...detail, ...outcome } },
        outbox: final ? [...messages, dm(request, to)] : messages,
        notices: ownNotices(request.id, outcome),
      }),
    );
    if (result.refused) {
      // AWS named a record another request already owns: never record it twice. A person must look.
      log.error(
        { requestId: request.id, awsId: result.refused.awsId },
        'AWS record already belongs to another request or to an outside change',
      );
      return finish(
        result.request ?? request,
        from,
        'unknown',
        {
          errorCode: 'aws_record_taken',
          message: `AWS reported ${result.refused.awsId}, which is already recorded against another request or as a change made outside slots-bot. Check the AWS console; this request will not be retried.`,
          candidates: [result.refused.awsId],
        },
        'unreconciled',
      );
    }
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

  async function openRequestFor(action: RequestAction): Promise<PurchaseRequest | undefined> {
    const key = openKey(action);
    const open = await store.listRequests({ states: OPEN_STATES, limit: 200 });
    return open.find((r) => openKey(r.action) === key);
  }

  function alreadyOpen(id: string, action: RequestAction): string {
    const what = action.kind === 'renew' ? 'a renewal' : 'a purchase';
    return `Request ${id} is already open for ${what} of this offering; only one may be open at a time. Approve, reject or cancel ${id} first (see /slots pending).`;
  }

  async function check(actor: string, action: RequestAction, reason: string) {
    const problem = (field: InputProblem['field'], message: string) => ({
      ok: false as const,
      problem: { field, message },
    });
    try {
      if (!(await deps.directory.mayRequest(actor))) {
        const refusal = mayRequest(actor, false) as { message: string };
        return problem('requester', refusal.message);
      }
    } catch (err) {
      if (!isDirectoryUnavailable(err)) throw err;
      return problem('requester', 'Could not check that you may make requests; try again.');
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
    const open = await openRequestFor(action);
    if (open) return problem('offering', alreadyOpen(open.id, action));
    try {
      if (action.service === 'mediaconnect') {
        // Before the offering: while a reservation is active AWS may list no offerings at all.
        const active = await aws.mediaconnect.activeReservation(clock());
        if (active) {
          return problem(
            'offering',
            `MediaConnect sells a new reservation only when none is active, and "${active.name}" is active until ${active.end.toISOString().slice(0, 10)}.`,
          );
        }
      }
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
    origin: RequestOrigin = {},
  ): Promise<CreateResult> {
    const checked = await check(actor, action, reason);
    if (!checked.ok) return checked;
    const now = clock();
    const id = newId();
    const approvalsNeeded = approvalsNeededFor(deps.approvalRules ?? [], checked.quote);
    const confirmation: NewOutboxMessage = origin.responseUrl
      ? {
          kind: 'response',
          channel: deps.channel,
          requestId: id,
          user: actor,
          payload: { about: 'requested', responseUrl: origin.responseUrl },
        }
      : {
          kind: 'ephemeral',
          channel: deps.channel,
          requestId: id,
          user: actor,
          payload: { about: 'requested' },
        };
    let request: PurchaseRequest;
    try {
      request = await store.createRequest(
        {
          id,
          action,
          quote: checked.quote,
          requester: actor,
          reason: reason.trim(),
          createdAt: now,
          expiresAt: new Date(now.getTime() + deps.ttlMs),
          approvalsNeeded,
          ...(origin.triggerId && { triggerId: origin.triggerId }),
        },
        { actor, type: 'created', detail: { action, quote: checked.quote, approvalsNeeded } },
        [card(id), confirmation],
      );
    } catch (err) {
      if (isStoreError(err) && err.code === 'store_open_request') {
        const open = err.detail.openRequestId ?? 'another request';
        return { ok: false, problem: { field: 'offering', message: alreadyOpen(open, action) } };
      }
      if (isStoreError(err) && err.code === 'store_duplicate_trigger') {
        log.warn({ actor }, 'request refused: its Slack trigger was already used');
        return {
          ok: false,
          problem: {
            field: 'requester',
            message:
              'Slack delivered this request twice; the first one was taken and this copy changes nothing.',
          },
        };
      }
      if (isRetriableStoreError(err)) {
        return {
          ok: false,
          problem: { field: 'requester', message: 'Could not record that; try again.' },
        };
      }
      throw err;
    }
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
    onRaced?: () => void,
  ): Promise<DecisionResult> {
    try {
      const request = await store.getRequest(id);
      if (!request) return { ok: false, message: `There is no request ${id}.` };
      let verdict: Decision;
      try {
        verdict = await decision(request);
      } catch (err) {
        if (!isDirectoryUnavailable(err)) throw err;
        log.warn({ requestId: id }, 'click refused: membership could not be checked');
        return { ok: false, message: DIRECTORY_UNAVAILABLE };
      }
      if (!verdict.ok) {
        if (verdict.code === 'expired') await expire(request);
        return { ok: false, message: verdict.message };
      }
      const result = await move(id, transition(request));
      if (!result.applied || !result.request) {
        // Someone else decided in between (another click, another replica, expiry), or wrote
        // the request while it stayed pending (another approval, a reminder).
        const now = stillPending(result.request ?? request, clock());
        if (now.ok && onRaced) {
          onRaced();
          return { ok: false, message: `Request ${id} changed while you clicked; try again.` };
        }
        return {
          ok: false,
          message: now.ok ? `Request ${id} was decided by someone else just now.` : now.message,
        };
      }
      return { ok: true, request: result.request };
    } catch (err) {
      if (isRetriableStoreError(err)) {
        return { ok: false, message: 'Could not record that; try again.' };
      }
      throw err;
    }
  }

  /**
   * One approval. Each is a write at the version read, so two approvals never both count from
   * the same state: the loser reads again and, if the request is still pending, tries again.
   */
  async function approve(actor: string, id: string): Promise<DecisionResult> {
    for (let attempt = 1; ; attempt++) {
      let raced = false;
      const result = await decide(
        id,
        async (r) => mayApprove(r, actor, await deps.directory.isApprover(actor), clock()),
        (r) => {
          const now = clock();
          const approvals = [...r.approvals, { by: actor, at: now }];
          const detail = { approvals: approvals.length, needed: r.approvalsNeeded };
          if (approvals.length < r.approvalsNeeded) {
            return {
              from: ['pending'],
              to: 'pending',
              expectedVersion: r.version,
              patch: { approvals },
              event: { actor, type: 'approval_recorded', detail },
              outbox: [card(id)],
            };
          }
          return {
            from: ['pending'],
            to: 'executing',
            expectedVersion: r.version,
            patch: { approvals, decidedBy: actor, decidedAt: now, executionStartedAt: now },
            event: { actor, type: 'approved', detail },
            outbox: [card(id), dm(r, 'approved')],
          };
        },
        () => {
          raced = true;
        },
      );
      if (result.ok || !raced || attempt >= APPROVAL_ATTEMPTS) return result;
      // Another approval (or a reminder) wrote first while the request stayed pending.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }

  /**
   * Reminders: the n-th is due `n × remindAfterMs` after the request was made, at most three,
   * while the request waits. Each is written with its count at the version read, so a replica
   * or a restart that finds it already counted posts nothing; a long outage skips to the latest.
   */
  async function remindDue(): Promise<number> {
    const every = deps.remindAfterMs ?? 0;
    if (every <= 0) return 0;
    const now = clock().getTime();
    let count = 0;
    for (const request of await store.listRequests({ states: ['pending'], limit: 200 })) {
      const due = Math.min(MAX_REMINDERS, Math.floor((now - request.createdAt.getTime()) / every));
      if (due <= request.remindersSent || request.expiresAt.getTime() <= now) continue;
      const approved = new Set(request.approvals.map((a) => a.by));
      const mention = (deps.approvers ?? []).filter(
        (a) => a !== request.requester && !approved.has(a),
      );
      try {
        const result = await move(request.id, {
          from: ['pending'],
          to: 'pending',
          expectedVersion: request.version,
          patch: { remindersSent: due },
          event: { actor: BOT_ACTOR, type: 'reminded', detail: { n: due } },
          outbox: [
            {
              kind: 'thread_reply',
              channel: deps.channel,
              requestId: request.id,
              payload: { about: 'reminder', n: due, mention },
            },
          ],
        });
        if (result.applied) count += 1;
      } catch (err) {
        log.warn({ err, requestId: request.id }, 'could not record a reminder');
      }
    }
    return count;
  }

  async function expire(request: PurchaseRequest): Promise<boolean> {
    const result = await move(request.id, {
      from: ['pending'],
      to: 'expired',
      patch: { finishedAt: clock() },
      event: { actor: BOT_ACTOR, type: 'expired' },
      outbox: [card(request.id), reply(request.id), dm(request, 'expired')],
    });
    return result.applied;
  }

  async function buy(request: PurchaseRequest, start: string | undefined): Promise<RequestOutcome> {
    try {
      return await send(request, start);
    } finally {
      deps.onAwsWrite?.(request.action.service);
    }
  }

  async function send(
    request: PurchaseRequest,
    start: string | undefined,
  ): Promise<RequestOutcome> {
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
      start: start ?? startText(clock().getTime()),
    });
    return { reservationArn: reservation.arn, source: 'answer' };
  }

  /**
   * The MediaConnect start to send, on AWS's clock: the requested one if AWS still takes it (from
   * the first of its current month up to its now), else a refusal; none requested means now.
   */
  function startToSend(
    action: Extract<RequestAction, { service: 'mediaconnect' }>,
  ): { ok: true; start: string } | { ok: false; message: string } {
    const awsNow = clock().getTime() + awsOffset('mediaconnect');
    const earliest = monthStartMs(awsNow);
    if (action.start === undefined) {
      return { ok: true, start: startText(Math.max(earliest, awsNow - START_NOW_MARGIN_MS)) };
    }
    const at = Date.parse(action.start);
    if (Number.isNaN(at) || at < earliest || at > awsNow) {
      return {
        ok: false,
        message: `Nothing was bought: AWS accepts a start from ${startText(earliest)} up to now, and the requested start ${action.start} is no longer in that window. Request again with a new start, or none to start when approved.`,
      };
    }
    return { ok: true, start: action.start };
  }

  /** Purchases under way in this process: `execute` runs at most once per request. */
  const buying = new Map<string, Promise<PurchaseRequest>>();

  async function execute(request: PurchaseRequest): Promise<PurchaseRequest> {
    // Only the caller whose `pending → executing` write applied may buy, and only once: a stale
    // object, a second call or a request in any other state changes nothing.
    const current = await store.getRequest(request.id);
    if (
      current?.state !== 'executing' ||
      current.callStartedAt !== undefined ||
      current.executionStartedAt?.getTime() !== request.executionStartedAt?.getTime() ||
      buying.has(request.id) ||
      stoppingSince !== undefined
    ) {
      log.warn(
        { requestId: request.id, state: current?.state },
        "execute refused: not this caller's to buy",
      );
      return current ?? request;
    }
    const run = buyOnce(current).finally(() => buying.delete(request.id));
    buying.set(request.id, run);
    return run;
  }

  async function buyOnce(request: PurchaseRequest): Promise<PurchaseRequest> {
    let sent = false;
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
      let start: string | undefined;
      if (request.action.service === 'mediaconnect') {
        const chosen = startToSend(request.action);
        if (!chosen.ok) {
          return finish(
            request,
            ['executing'],
            'failed',
            { errorCode: 'start_out_of_window', message: chosen.message },
            'failed',
          );
        }
        start = chosen.start;
      }
      if (deps.dryRun) {
        // Everything up to here read the real account; the one mutating call is shown instead.
        const call = dryRunCall(request.action, start, deps.dryRun.regions);
        log.info({ requestId: request.id, operation: call.operation }, 'dry run: call not sent');
        return finish(
          request,
          ['executing'],
          'dry_run',
          {
            dryRun: call,
            message: `Dry run: ${call.operation} was not sent to AWS; nothing was bought.`,
          },
          'dry_run',
        );
      }
      // The last write before the call: if it does not apply (the reconciler of another replica
      // judged this request abandoned), nothing is sent.
      const stamped = await move(request.id, {
        from: ['executing'],
        to: 'executing',
        expectedVersion: request.version,
        patch: { callStartedAt: clock() },
        event: {
          actor: BOT_ACTOR,
          type: 'call_started',
          detail: { service: request.action.service, kind: request.action.kind, start },
        },
      });
      if (!stamped.applied || !stamped.request) {
        log.warn({ requestId: request.id }, 'not sending: the request changed before the call');
        return stamped.request ?? request;
      }
      const calling = stamped.request;
      let outcome: RequestOutcome;
      sent = true;
      try {
        outcome = await buy(calling, start);
      } catch (err) {
        if (!isAwsError(err)) throw err;
        return settleAwsFailure(calling, err);
      }
      await durably('aws_answered', calling.id, () =>
        store.addEvent(calling.id, {
          actor: BOT_ACTOR,
          type: 'aws_answered',
          detail: { ...outcome },
        }),
      );
      return finish(calling, ['executing'], 'succeeded', outcome, 'succeeded');
    } catch (err) {
      if (!sent) {
        // Nothing reached AWS; if even this write fails, the reconciler sees no call stamp.
        log.error({ err, requestId: request.id }, 'unexpected error before buying');
        return finish(
          request,
          ['executing'],
          'failed',
          {
            errorCode: 'internal_error',
            message:
              'Nothing was bought: slots-bot hit an internal error before sending the purchase.',
          },
          'failed',
        ).catch(() => request);
      }
      // A bug, not AWS: AWS may or may not have acted, so treat it as unknown and check.
      log.error({ err, requestId: request.id }, 'unexpected error while executing');
      const current = (await store.getRequest(request.id).catch(() => undefined)) ?? request;
      return markUnknown(current, {
        errorCode: 'internal_error',
        message: 'slots-bot hit an internal error while buying; checking AWS for the result.',
      }).catch(() => current);
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
    return markUnknown(
      request,
      {
        errorCode: err.code,
        message: `${err.userMessage} Whether AWS completed the purchase is being checked; it will not be retried.`,
      },
      detail,
    );
  }

  /** `executing → unknown`, then an immediate lookup. */
  async function markUnknown(
    request: PurchaseRequest,
    outcome: RequestOutcome,
    detail: Record<string, unknown> = {},
  ): Promise<PurchaseRequest> {
    const unknown = await finish(request, ['executing'], 'unknown', outcome, 'unknown', detail);
    return unknown.state === 'unknown' ? reconcile(unknown) : unknown;
  }

  /** The records in AWS that could be this request's, or `undefined` when AWS could not be read. */
  async function lookUp(
    request: PurchaseRequest,
    events: readonly RequestEvent[],
  ): Promise<{ found: Found; error?: AwsError }> {
    const { action } = request;
    try {
      if (action.service === 'devicefarm') {
        // Read first: the answer also tells AWS's clock, which places the window.
        const status = await aws.devicefarm.getOfferingStatus();
        const heldNow = status.find((s) => s.offering.id === action.offeringId)?.currentQuantity;
        const window = callWindow(request, awsOffset('devicefarm'), timings.callMaxMs);
        const transactions = await aws.devicefarm.findTransactions({
          offeringId: action.offeringId,
          type: action.kind === 'purchase' ? 'PURCHASE' : 'RENEW',
          from: window.from,
          to: window.to,
        });
        const taken = await store.takenAwsIds(
          transactions.map((t) => t.id),
          request.id,
        );
        return { found: deviceFarmCandidates(transactions, action, window, heldNow, taken) };
      }
      const sent = [...events].reverse().find((e) => e.type === 'call_started')?.detail.start;
      const start = typeof sent === 'string' ? sent : action.start;
      const reservations = await aws.mediaconnect.listReservations();
      const named = reservations.filter((r) => r.name === action.reservationName);
      const taken = await store.takenAwsIds(
        named.map((r) => r.arn),
        request.id,
      );
      return { found: reservationCandidates(named, action, start, taken) };
    } catch (err) {
      if (!isAwsError(err)) throw err;
      return { found: { matched: [], nearMisses: [] }, error: err };
    }
  }

  async function reconcile(request: PurchaseRequest): Promise<PurchaseRequest> {
    const current = await store.getRequest(request.id);
    if (!current || (current.state !== 'executing' && current.state !== 'unknown')) {
      return current ?? request;
    }
    if (current.state === 'executing' && current.callStartedAt === undefined) {
      // The call stamp is written before any call; without it nothing was ever sent.
      return finish(
        current,
        ['executing'],
        'failed',
        {
          errorCode: 'never_sent',
          message:
            'Nothing was bought: slots-bot stopped before sending the purchase to AWS. Request again if it is still needed.',
          source: 'reconciliation',
        },
        'reconciled',
        {},
        { expectedVersion: current.version },
      );
    }
    const events = await store.listEvents(current.id);
    const history = lookupsOf(events);
    const { found, error } = await lookUp(current, events);
    await store.addEvent(current.id, {
      actor: BOT_ACTOR,
      type: 'reconciliation_attempt',
      detail: error
        ? { attempt: history.length + 1, error: error.code }
        : {
            attempt: history.length + 1,
            candidates: found.matched.length + found.nearMisses.length,
            matched: found.matched.map((c) => c.id),
            nearMisses: found.nearMisses,
          },
    });
    const from: RequestState[] = ['executing', 'unknown'];
    const verdict = error
      ? ({ kind: 'unreadable', error } as const)
      : settle(found, history, clock(), timings.settleWindowMs);
    switch (verdict.kind) {
      case 'claim': {
        const { candidate } = verdict;
        const id =
          current.action.service === 'devicefarm'
            ? { transactionId: candidate.id }
            : { reservationArn: candidate.id };
        return finish(
          current,
          from,
          'succeeded',
          { ...id, source: 'reconciliation', matchedBy: candidate.matchedBy },
          'reconciled',
        );
      }
      case 'nothing_bought':
        return finish(
          current,
          from,
          'failed',
          {
            errorCode: 'not_found_in_aws',
            message: `AWS has no record of this purchase after ${Math.round(timings.settleWindowMs / 60_000)} minutes of checking, so nothing was bought. It will not be retried; request again if it is still needed.`,
            source: 'reconciliation',
          },
          'reconciled',
        );
      case 'ambiguous':
        return showUnknown(current, {
          errorCode: 'ambiguous',
          message:
            verdict.ids.length === 1
              ? "AWS lists a record that may be this request's but does not match it exactly (its quantity or start differs), so it was not claimed. Check it in the AWS console before doing anything else; this request will not be retried."
              : `AWS lists ${verdict.ids.length} records that could each be this request's, so none was claimed. Check them in the AWS console before doing anything else; this request will not be retried.`,
          candidates: verdict.ids,
        });
      case 'keep_checking':
        return showUnknown(current, {
          errorCode: current.outcome?.errorCode ?? 'checking',
          message:
            current.outcome?.message ??
            'The outcome is not known yet; slots-bot is checking AWS. It will not be retried.',
          checkingUntil: verdict.until.toISOString(),
        });
      case 'unreadable':
        return showUnknown(current, {
          errorCode: verdict.error.code,
          message: `AWS could not be read to confirm the outcome (${verdict.error.userMessage}). slots-bot keeps checking. Check the AWS console before doing anything else; this request will not be retried.`,
          ...(current.outcome?.checkingUntil && { checkingUntil: current.outcome.checkingUntil }),
        });
    }
  }

  /** Keeps a request `unknown` and updates its card only when what it says has changed. */
  async function showUnknown(
    current: PurchaseRequest,
    outcome: RequestOutcome,
  ): Promise<PurchaseRequest> {
    const before = current.outcome;
    const same =
      current.state === 'unknown' &&
      before?.errorCode === outcome.errorCode &&
      before?.message === outcome.message &&
      before?.checkingUntil === outcome.checkingUntil &&
      (before?.candidates ?? []).join() === (outcome.candidates ?? []).join();
    if (same) return current;
    return finish(
      current,
      [current.state],
      'unknown',
      outcome,
      current.state === 'executing' ? 'unknown' : 'unreconciled',
      {},
      { expectedVersion: current.version, threadReply: current.state === 'executing' },
    );
  }

  /** Whether `request` needs a lookup now, and is not this process's own purchase under way. */
  async function dueForLookup(request: PurchaseRequest, now: number): Promise<boolean> {
    if (buying.has(request.id)) return false;
    if (request.state === 'executing') {
      const limit = request.callStartedAt
        ? request.callStartedAt.getTime() + timings.postCallLimitMs
        : (request.executionStartedAt ?? request.createdAt).getTime() + timings.preCallLimitMs;
      return now >= limit;
    }
    const history = lookupsOf(await store.listEvents(request.id));
    const since = request.finishedAt ?? request.callStartedAt ?? request.createdAt;
    return now >= nextLookupAt(history, since).getTime();
  }

  async function reconcileDue(): Promise<number> {
    const open = await store.listRequests({ states: ['executing', 'unknown'], limit: 200 });
    let count = 0;
    for (const request of open) {
      try {
        if (!(await dueForLookup(request, clock().getTime()))) continue;
        await reconcile(request);
        count += 1;
      } catch (err) {
        log.error({ err, requestId: request.id }, 'reconciliation pass failed for a request');
      }
    }
    return count;
  }

  return {
    check,
    create,
    approve,
    reject: (actor, id, note) =>
      decide(
        id,
        async (r) => mayReject(r, actor, await deps.directory.isApprover(actor), clock()),
        (r) => ({
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
          outbox: [card(id), reply(id), dm(r, 'rejected')],
        }),
      ),
    async mayReject(actor, id) {
      const request = await store.getRequest(id);
      if (!request) return { ok: false, message: `There is no request ${id}.` };
      try {
        const verdict = mayReject(request, actor, await deps.directory.isApprover(actor), clock());
        return verdict.ok ? { ok: true, request } : { ok: false, message: verdict.message };
      } catch (err) {
        if (!isDirectoryUnavailable(err)) throw err;
        return { ok: false, message: DIRECTORY_UNAVAILABLE };
      }
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
    async cardUndeliverable(requestId, reason) {
      const now = clock();
      // No card or thread message: there is no card. The requester's queued confirmation is
      // rendered from this state and tells them why.
      const result = await move(requestId, {
        from: ['pending'],
        to: 'cancelled',
        patch: {
          decidedBy: BOT_ACTOR,
          decidedAt: now,
          finishedAt: now,
          decisionNote: reason.slice(0, 1000),
        },
        event: { actor: BOT_ACTOR, type: 'card_undeliverable', detail: { reason } },
      });
      if (result.applied) log.error({ requestId, reason }, 'request card could not be posted');
    },
    execute,
    reconcile,
    reconcileDue,
    remindDue,
    async expireDue() {
      let count = 0;
      for (const request of await store.listExpired(clock())) if (await expire(request)) count += 1;
      return count;
    },
    async drain() {
      stoppingSince ??= Date.now();
      const limit = timings.preCallLimitMs + timings.callMaxMs;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), limit);
      });
      const done = Promise.allSettled([...buying.values()]).then(() => true);
      const drained = await Promise.race([done, timeout]);
      clearTimeout(timer);
      if (!drained) log.error({ inFlight: buying.size }, 'stopped with a purchase still under way');
      return drained;
    },
    get: (id) => store.getRequest(id),
    pending: () => store.listRequests({ states: ['pending', 'executing', 'unknown'], limit: 50 }),
    history: (limit) => store.listRequests({ limit }),
  };
}
