/**
 * The store: requests, their audit trail, the outbox of Slack messages and the notices already
 * announced. Every state change is conditional (applied only from the expected states) and
 * reports whether it applied, so a second click, a race with expiry, a restart or another
 * replica doing the same thing becomes a no-op. A backend must make each method atomic: the
 * state change, its event and its outbox messages are written in one transaction or not at all.
 */
import type {
  Approval,
  PurchaseRequest,
  Quote,
  RequestAction,
  RequestEvent,
  RequestOutcome,
  RequestState,
} from '../domain/requests.js';

export interface NewEvent {
  readonly actor: string;
  readonly type: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * A Slack message to deliver. Messages about a request are rendered from the request's stored
 * state at delivery time, so a late delivery always shows the latest truth.
 * - `card`: post the request card in `channel`, or edit it in place once posted.
 * - `thread_reply`: post in the card's thread (waits until the card exists).
 * - `ephemeral`: a message only `user` sees in `channel`.
 * - `response`: an ephemeral answer on a Slack `response_url` (`payload.responseUrl`), which
 *   reaches the user whether or not they are in `channel`; valid for 30 minutes.
 * - `notice`: a channel message whose blocks are in `payload` (issue 4's notices).
 * - `dm`: a direct message from the app to `user` (the requester) about the request's outcome;
 *   `payload.about` names it (`approved`, `rejected`, `expired`, `succeeded`, `failed`,
 *   `dry_run`). Sent with `chat.postMessage` to the user id, which lands in the app's Messages tab.
 */
export interface NewOutboxMessage {
  readonly kind: OutboxKind;
  readonly channel: string;
  readonly requestId?: string;
  readonly user?: string;
  /** Kind-specific data, JSON-serialisable (e.g. which reply: `{ about: 'outcome' }`). */
  readonly payload?: Readonly<Record<string, unknown>>;
}

export type OutboxKind = 'card' | 'thread_reply' | 'ephemeral' | 'response' | 'notice' | 'dm';

export interface OutboxMessage extends NewOutboxMessage {
  readonly id: number;
  readonly createdAt: Date;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastError?: string;
  readonly deliveredAt?: Date;
  /** Set when Slack refused the message for good: it is kept with its error, never retried. */
  readonly deadAt?: Date;
}

/** What `/healthz` tells about delivery. */
export interface OutboxHealth {
  /** Messages Slack refused for good (never delivered). */
  readonly dead: number;
  readonly lastDeadAt?: Date;
  /** Messages not delivered yet and still being tried. */
  readonly waiting: number;
  readonly oldestWaitingSince?: Date;
}

export interface NewRequest {
  readonly id: string;
  readonly action: RequestAction;
  readonly quote: Quote;
  readonly requester: string;
  readonly reason: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /**
   * The Slack `trigger_id` of the command, submission or click that made the request. A second
   * request with the same trigger id (a replayed delivery) is refused with `store_duplicate_trigger`.
   */
  readonly triggerId?: string;
  /** Different approvers the request needs (SLOTS_APPROVALS); default 1. */
  readonly approvalsNeeded?: number;
}

/** Fields a transition may set; `state` and `version` are set by the store. */
export interface RequestPatch {
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  readonly decisionNote?: string;
  readonly executionStartedAt?: Date;
  readonly callStartedAt?: Date;
  readonly finishedAt?: Date;
  readonly outcome?: RequestOutcome;
  /** Replaces the approvals; a transition adding one is made at the version it was read at. */
  readonly approvals?: readonly Approval[];
  readonly remindersSent?: number;
}

export interface Transition {
  /** Applied only if the request is in one of these states now. */
  readonly from: readonly RequestState[];
  /** And, when given, only if nothing else wrote the request since it was read at this version. */
  readonly expectedVersion?: number;
  readonly to: RequestState;
  readonly patch?: RequestPatch;
  readonly event: NewEvent;
  readonly outbox?: readonly NewOutboxMessage[];
  /**
   * Notice keys to record with the change (e.g. the bot's own transaction, so the watcher never
   * announces it as made outside the bot).
   */
  readonly notices?: readonly NewNotice[];
}

/** A notice key and what to keep with it (the data a notice's buttons act on). */
export interface NewNotice {
  readonly key: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface NoticeRecord {
  readonly key: string;
  readonly at: Date;
  readonly detail: Readonly<Record<string, unknown>> | undefined;
}

/** The watcher's memory between polls, versioned so two replicas never both apply one poll. */
export interface WatchState {
  /** 1 after the first commit; each commit adds one. */
  readonly version: number;
  readonly value: Readonly<Record<string, unknown>>;
  readonly updatedAt: Date;
}

/** One notice of a poll: its keys and the messages to send if any of them is new. */
export interface WatchNotice {
  /** The notice's own key first (the one its buttons carry), then the keys it also covers. */
  readonly keys: readonly string[];
  /**
   * Kept with the first key only; the others are recorded without it. A grouped notice covers
   * hundreds of keys, and its detail written once per key was megabytes in one transaction.
   */
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly outbox: readonly NewOutboxMessage[];
}

export interface WatchCommit {
  /** The version read before the poll (0 when there was none). */
  readonly expectedVersion: number;
  readonly value: Readonly<Record<string, unknown>>;
  readonly at: Date;
  readonly notices: readonly WatchNotice[];
  /** Keys recorded without a message. */
  readonly quietKeys: readonly string[];
}

export interface WatchCommitResult {
  /** False when another poll (another replica) committed since `expectedVersion`: nothing written. */
  readonly applied: boolean;
  /** How many notices had a new key and so had their messages queued. */
  readonly announced: number;
}

export interface TransitionResult {
  readonly applied: boolean;
  /**
   * Why a transition that found the request in an expected state still did not apply: the AWS
   * record its outcome names (transaction id or reservation ARN) already belongs to another
   * request, or was announced as made outside the bot.
   */
  readonly refused?: { readonly code: 'aws_record_taken'; readonly awsId: string };
  /** The request as it is after the call (changed or not); undefined if no such request. */
  readonly request: PurchaseRequest | undefined;
}

export interface ListRequestsQuery {
  readonly states?: readonly RequestState[];
  /** Only the requests this Slack user made. */
  readonly requester?: string;
  /** Only requests made at or after this instant. */
  readonly createdSince?: Date;
  /** Oldest first (by creation, then id) instead of newest first. */
  readonly oldestFirst?: boolean;
  /** A paging cursor: only the requests strictly after this one, in the chosen order. */
  readonly after?: { readonly createdAt: Date; readonly id: string };
  /** Newest first; default 20, at most 200. */
  readonly limit?: number;
}

export interface Store {
  /**
   * Creates a `pending` request with its `created` event and outbox messages, atomically. Refused
   * with `store_open_request` (detail: the open request's id) while another request for the same
   * service, offering and kind is open, and with `store_duplicate_trigger` for a reused trigger id.
   */
  createRequest(
    request: NewRequest,
    event: NewEvent,
    outbox: readonly NewOutboxMessage[],
  ): Promise<PurchaseRequest>;
  getRequest(id: string): Promise<PurchaseRequest | undefined>;
  /**
   * The one way a request changes state: compare-and-set on the state (and the version, when
   * given), atomically with its event, messages and notice keys. An outcome that names an AWS
   * record claims it: a record can belong to one request only (see `refused`). Leaving the open
   * states frees the request's offering for a new request.
   */
  transition(id: string, transition: Transition): Promise<TransitionResult>;
  /** Records an event without changing state (e.g. a reconciliation attempt). */
  addEvent(requestId: string, event: NewEvent): Promise<void>;
  listRequests(query?: ListRequestsQuery): Promise<PurchaseRequest[]>;
  /** How many requests are in each state now (states with none are absent). For metrics. */
  countRequestsByState(): Promise<Partial<Record<RequestState, number>>>;
  /** Oldest first. */
  listEvents(requestId: string): Promise<RequestEvent[]>;
  /**
   * AWS records (transaction ids, reservation ARNs) that reconciliation must never claim for
   * `requestId`: claimed by another request, or announced by the watcher as made outside the bot.
   */
  takenAwsIds(ids: readonly string[], requestId: string): Promise<Set<string>>;
  /** Pending requests whose `expiresAt` is at or before `now`. */
  listExpired(now: Date): Promise<PurchaseRequest[]>;
  /**
   * Records where the card was posted (first write wins; later calls change nothing). Leaves the
   * version alone: a card post racing an approval must not void the call stamp's compare-and-set.
   */
  setCard(requestId: string, card: { channel: string; ts: string }): Promise<void>;

  /** Queues messages outside a transition (e.g. an ephemeral refusal). */
  enqueue(messages: readonly NewOutboxMessage[]): Promise<void>;
  /**
   * Leases up to `limit` due, undelivered messages for `leaseMs`, so that two workers (replicas)
   * never hold the same message. Messages of one request are delivered in order: only the
   * oldest message of each request that is neither delivered nor dead is eligible.
   */
  claimOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  markDelivered(messageId: number, at: Date): Promise<void>;
  /** Releases the lease and schedules the next attempt (a dead or delivered message stays so). */
  markFailed(messageId: number, nextAttemptAt: Date, error: string): Promise<void>;

  /** Records a notice key if absent; true when this call recorded it (announce), false if seen. */
  recordNotice(key: string, at: Date, detail?: Readonly<Record<string, unknown>>): Promise<boolean>;
  /** The notice recorded under `key` (first recorder's detail), if any. */
  getNotice(key: string): Promise<NoticeRecord | undefined>;
  /** Every recorded notice key that starts with `prefix` (all when absent). */
  listNoticeKeys(prefix?: string): Promise<Set<string>>;

  getWatchState(): Promise<WatchState | undefined>;
  /**
   * Applies one poll atomically: if the watch state is still at `expectedVersion`, records every
   * key, queues the messages of each notice that had at least one new key, and saves `value` as
   * the next version. Otherwise writes nothing.
   */
  commitWatch(commit: WatchCommit): Promise<WatchCommitResult>;

  /**
   * Gives a message up for good: records `at` and `error`, counts the attempt and releases the
   * lease. A dead message is never handed out again and no longer holds back the later messages
   * of its request. A delivered message stays delivered.
   */
  markDead(messageId: number, at: Date, error: string): Promise<void>;
  /** Every message about a request, oldest first, delivered, dead or waiting. */
  listOutbox(requestId: string): Promise<OutboxMessage[]>;
  /** Dead and waiting messages, counted (cheap enough for every health check). */
  outboxHealth(): Promise<OutboxHealth>;

  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs`: true when `holder` holds it
   * after the call (it was free, expired, or already its own), false while another holder's lease
   * runs. Lets one replica at a time do work that should not be repeated (polling AWS).
   */
  acquireLease(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it, so another replica can take it at once. */
  releaseLease(name: string, holder: string): Promise<void>;

  /**
   * Answers when the database can be read now; otherwise rejects (`store_unavailable` when it
   * cannot be reached). For health checks.
   */
  ping(): Promise<void>;

  close(): Promise<void>;
}
