/**
 * Reconciliation as pure decisions: which AWS records could be a request's, and when "nothing
 * was bought" may be said. The request service reads AWS and the store; these functions only
 * judge what was read, so every rule here is tested with a table and a fixed clock.
 *
 * Times AWS stamps (`createdOn`, a reservation's start) are on AWS's clock; the request's own
 * instants are on the bot's. `awsOffsetMs` (AWS minus bot, from the `Date` header of AWS's
 * answers) puts them on one clock, so a host clock minutes off still matches.
 */
import type { Reservation, Transaction } from '../aws/types.js';
import type { PurchaseRequest, RequestAction, RequestOutcome } from '../domain/requests.js';

/** The longest a purchase or renewal call may take: the write client's connect and request time-outs. */
export const PURCHASE_CALL_MAX_MS = 23_000;

/** Slack around the call window for AWS's own lag in stamping and the `Date` header's whole seconds. */
export const CALL_WINDOW_SLACK_MS = 60_000;

/**
 * An `executing` request whose call was never started is left by a stopped process once it is
 * older than this: re-reading the offering before the call (three attempts of a read) ends well
 * within it.
 */
export const PRE_CALL_LIMIT_MS = 60_000;

/** An `executing` request whose call started longer ago than this was left by a stopped process. */
export const POST_CALL_LIMIT_MS = PURCHASE_CALL_MAX_MS + 22_000;

/** "Nothing was bought" needs AWS to have answered with no candidate across at least this long. */
export const SETTLE_WINDOW_MS = 10 * 60_000;

/** ... and at least this many times. */
export const SETTLE_MIN_ANSWERS = 3;

/** Pauses between lookups of one unknown request: soon at first, then every two minutes. */
export const LOOKUP_DELAYS_MS: readonly number[] = [0, 15_000, 30_000, 60_000, 120_000];

/** Where on AWS's clock the request's record must have been created. */
export interface CallWindow {
  readonly from: Date;
  readonly to: Date;
}

export function callWindow(
  request: Pick<PurchaseRequest, 'callStartedAt' | 'executionStartedAt' | 'createdAt'>,
  awsOffsetMs: number,
  callMaxMs: number = PURCHASE_CALL_MAX_MS,
): CallWindow {
  const started = (
    request.callStartedAt ??
    request.executionStartedAt ??
    request.createdAt
  ).getTime();
  return {
    from: new Date(started + awsOffsetMs - CALL_WINDOW_SLACK_MS),
    to: new Date(started + callMaxMs + awsOffsetMs + CALL_WINDOW_SLACK_MS),
  };
}

export interface Candidate {
  /** Transaction id or reservation ARN. */
  readonly id: string;
  readonly matchedBy: NonNullable<RequestOutcome['matchedBy']>;
}

/**
 * What a lookup found: records that match in every respect, and records that match in all but
 * one detail (a quantity or start that differs). A near miss is never claimed, but while one
 * exists "nothing was bought" is not said either: it could be the request's, recorded in a way
 * the bot did not expect.
 */
export interface Found {
  readonly matched: readonly Candidate[];
  readonly nearMisses: readonly string[];
}

/**
 * Device Farm transactions that could be this request's: same offering and type, created inside
 * the window, and a quantity that is the one requested or, for a purchase, the total held after
 * it (AWS does not document which a PURCHASE records). `heldNow` is the offering's current
 * quantity read with the transactions; `taken` are ids other requests or outside changes own.
 */
export function deviceFarmCandidates(
  transactions: readonly Transaction[],
  action: Extract<RequestAction, { service: 'devicefarm' }>,
  window: CallWindow,
  heldNow: number | undefined,
  taken: ReadonlySet<string> = new Set(),
): Found {
  const type = action.kind === 'purchase' ? 'PURCHASE' : 'RENEW';
  const matched: Candidate[] = [];
  const nearMisses: string[] = [];
  for (const tx of transactions) {
    if (tx.offeringId !== action.offeringId || tx.type !== type || taken.has(tx.id)) continue;
    const at = tx.createdOn.getTime();
    if (at < window.from.getTime() || at > window.to.getTime()) continue;
    const matchedBy = quantityMatch(tx.quantity, action, heldNow);
    if (matchedBy) matched.push({ id: tx.id, matchedBy });
    else nearMisses.push(tx.id);
  }
  return { matched, nearMisses };
}

function quantityMatch(
  recorded: number,
  action: Extract<RequestAction, { service: 'devicefarm' }>,
  heldNow: number | undefined,
): Candidate['matchedBy'] | undefined {
  if (action.kind === 'renew') return recorded === action.quantity ? 'renewal_quantity' : undefined;
  if (recorded === action.quantity) return 'quantity_requested';
  if (heldNow !== undefined && recorded === heldNow) return 'total_after';
  return undefined;
}

/**
 * MediaConnect reservations that could be this request's: the same name, offering and start
 * (`start` is what was sent, as `YYYY-MM-DDTHH:mm:SSZ`).
 */
export function reservationCandidates(
  reservations: readonly Reservation[],
  action: Extract<RequestAction, { service: 'mediaconnect' }>,
  start: string | undefined,
  taken: ReadonlySet<string> = new Set(),
): Found {
  const startMs = start === undefined ? Number.NaN : Date.parse(start);
  const mine = reservations.filter(
    (r) =>
      r.name === action.reservationName &&
      r.offeringArn === action.offeringArn &&
      !taken.has(r.arn),
  );
  return {
    matched: mine
      .filter((r) => r.start.getTime() === startMs)
      .map((r) => ({ id: r.arn, matchedBy: 'reservation' as const })),
    nearMisses: mine.filter((r) => r.start.getTime() !== startMs).map((r) => r.arn),
  };
}

/** One lookup as the audit trail keeps it. */
export interface Lookup {
  readonly at: Date;
  /** How many candidates AWS's answer held; undefined when AWS could not be read. */
  readonly candidates: number | undefined;
}

export type Settlement =
  | { readonly kind: 'claim'; readonly candidate: Candidate }
  | { readonly kind: 'ambiguous'; readonly ids: readonly string[] }
  | { readonly kind: 'nothing_bought' }
  | { readonly kind: 'keep_checking'; readonly until: Date };

/**
 * What the latest lookup allows. One match is claimed; several, or only near misses, stay
 * unknown. Nothing at all is "nothing was bought" only when AWS answered at least
 * `SETTLE_MIN_ANSWERS` times (this lookup included), across at least `windowMs` since the first
 * answer, and never showed a candidate: AWS may list a new record late.
 */
export function settle(
  found: Found,
  history: readonly Lookup[],
  now: Date,
  windowMs: number = SETTLE_WINDOW_MS,
): Settlement {
  const [only, ...more] = found.matched;
  if (only && more.length === 0) return { kind: 'claim', candidate: only };
  if (only) return { kind: 'ambiguous', ids: found.matched.map((c) => c.id) };
  if (found.nearMisses.length > 0) return { kind: 'ambiguous', ids: found.nearMisses };
  const answered = history.filter((l) => l.candidates !== undefined);
  const first = answered[0]?.at ?? now;
  const until = new Date(first.getTime() + windowMs);
  const sawSome = answered.some((l) => (l.candidates ?? 0) > 0);
  if (!sawSome && answered.length + 1 >= SETTLE_MIN_ANSWERS && now >= until) {
    return { kind: 'nothing_bought' };
  }
  return { kind: 'keep_checking', until };
}

/** When the next lookup of a request is due, from its earlier ones. */
export function nextLookupAt(history: readonly Lookup[], since: Date): Date {
  const last = history.at(-1);
  if (!last) return since;
  const delay = LOOKUP_DELAYS_MS[Math.min(history.length, LOOKUP_DELAYS_MS.length - 1)] ?? 0;
  return new Date(last.at.getTime() + delay);
}
