/**
 * Phrases about a purchase request that the card, the thread replies and the lists share: what
 * it buys, what it costs, what state it is in. Everything returned is escaped mrkdwn unless the
 * name says `plain`.
 */
import { SERVICE_LABEL } from '../../aws/types.js';
import { formatDateTime, MS_PER_DAY } from '../../domain/dates.js';
import type { Money } from '../../domain/money.js';
import type { PurchaseRequest, Quote, RequestAction, RequestState } from '../../domain/requests.js';
import { bandwidth, count, description, money, unitPrice } from './format.js';
import { code, escapeMrkdwn, mention, truncate } from './mrkdwn.js';

/** The quote's amounts, or undefined where the stored text is not an integer of micro-units. */
export function quoteAmounts(quote: Quote): { unit?: Money; commits?: Money } {
  const toMoney = (micros: string): Money | undefined =>
    /^-?\d{1,30}$/.test(micros) ? { currency: quote.currency, micros: BigInt(micros) } : undefined;
  const unit = toMoney(quote.unitPriceMicros);
  const commits = toMoney(quote.commitsMicros);
  return { ...(unit && { unit }), ...(commits && { commits }) };
}

/** `$250.00 per slot per month`, `$0.0125 per Mbps per hour`. */
export function unitPriceText(quote: Quote): string {
  const { unit } = quoteAmounts(quote);
  if (!unit) return 'unknown';
  if (quote.service === 'devicefarm') return `${money(unit)} per slot per month`;
  return unitPrice(unit, quote.priceUnit);
}

/**
 * `$750.00 per month` (Device Farm), `$10,950.00 over the 12-month term` (MediaConnect). Given
 * the action, a MediaConnect term that starts when approved reads `at most $10,980.00 …`: its
 * quote is for the longest term of that many months, since the start is not known yet.
 */
export function commitmentText(quote: Quote, action?: RequestAction): string {
  const { commits } = quoteAmounts(quote);
  if (!commits) return 'an unknown amount';
  if (quote.commitsPeriod === 'month') return `${money(commits)} per month`;
  const term =
    quote.durationMonths !== undefined ? `the ${quote.durationMonths}-month term` : 'the term';
  const bound = action && startsWhenApproved(action) ? 'at most ' : '';
  return `${bound}${money(commits)} over ${term}`;
}

/** A MediaConnect request without a start: its term starts when it is approved. */
export function startsWhenApproved(action: RequestAction): boolean {
  return action.service === 'mediaconnect' && action.start === undefined;
}

/** Plain text: `Buy Device Farm slots`, `Renew Device Farm slots`, `Reserve MediaConnect bandwidth`. */
export function actionTitlePlain(action: RequestAction): string {
  if (action.service === 'mediaconnect') return 'Reserve MediaConnect bandwidth';
  return action.kind === 'renew' ? 'Renew Device Farm slots' : 'Buy Device Farm slots';
}

/** Short kind for lists: `Device Farm purchase`, `Device Farm renewal`, `MediaConnect reservation`. */
export function actionKindText(action: RequestAction): string {
  if (action.service === 'mediaconnect') return 'MediaConnect reservation';
  return `${SERVICE_LABEL.devicefarm} ${action.kind === 'renew' ? 'renewal' : 'purchase'}`;
}

/**
 * What the request does, as the end of a sentence: `buy *3 slots* of *Android slot*`,
 * `renew *2 slots* of … from the next period`, `reserve *100 Mbps* for 12 months … as `q3``.
 */
export function actionSentence(request: PurchaseRequest, max = 80): string {
  const { action, quote } = request;
  const what = `*${description(quote.offeringDescription, max)}*`;
  if (action.service === 'devicefarm' && action.kind === 'purchase') {
    const promotion = action.promotionId ? ` with promotion ${code(action.promotionId)}` : '';
    return `buy *${count(action.quantity, 'slot')}* of ${what}${promotion}`;
  }
  if (action.service === 'devicefarm') {
    return action.quantity === 0
      ? `let the slots of ${what} lapse at the next period (renew *0 slots*)`
      : `renew *${count(action.quantity, 'slot')}* of ${what} from the next period`;
  }
  const term =
    quote.durationMonths !== undefined ? ` for ${count(quote.durationMonths, 'month')}` : '';
  return (
    `reserve *${bandwidth(quote.bandwidthMbps)}*${term} (${what}) as ${code(action.reservationName)}, ` +
    `starting ${action.start === undefined ? 'when approved' : startText(action.start)}`
  );
}

/**
 * A compact `what` for one-line lists: `Android slot × 3`, `100 Mbps, 12 months · `q3``, and
 * `… · starts when approved` for a MediaConnect request without a start.
 */
export function actionShortText(request: PurchaseRequest): string {
  const { action, quote } = request;
  if (action.service === 'devicefarm') {
    return `${description(quote.offeringDescription, 40)} × ${action.quantity}`;
  }
  const term =
    quote.durationMonths !== undefined ? `, ${count(quote.durationMonths, 'month')}` : '';
  const start = action.start === undefined ? ' · starts when approved' : '';
  return `${bandwidth(quote.bandwidthMbps)}${term} · ${code(truncate(action.reservationName, 40))}${start}`;
}

/** The offering's id (Device Farm) or ARN (MediaConnect), in code format. */
export function offeringRef(action: RequestAction): string {
  return code(action.service === 'devicefarm' ? action.offeringId : action.offeringArn);
}

function startText(start: string): string {
  const at = new Date(start);
  return Number.isNaN(at.getTime()) ? code(start) : formatDateTime(at);
}

/** `transaction `abc`` or `reservation `arn:…``; empty when AWS named neither. */
export function outcomeRef(request: PurchaseRequest): string {
  const { outcome } = request;
  if (outcome?.transactionId) return `transaction ${code(outcome.transactionId)}`;
  if (outcome?.reservationArn) return `reservation ${code(outcome.reservationArn)}`;
  return '';
}

export const STATE_LABEL: Readonly<Record<RequestState, string>> = {
  pending: 'pending',
  executing: 'buying',
  succeeded: 'succeeded',
  failed: 'failed',
  unknown: 'outcome unknown',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
  dry_run: 'dry run — nothing was bought',
};

export const STATE_EMOJI: Readonly<Record<RequestState, string>> = {
  pending: ':hourglass_flowing_sand:',
  executing: ':gear:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  unknown: ':rotating_light:',
  rejected: ':no_entry_sign:',
  cancelled: ':leftwards_arrow_with_hook:',
  expired: ':hourglass:',
  dry_run: ':test_tube:',
};

/** A pending request whose time is up: it can no longer be approved, even before expiry runs. */
export function isOverdue(request: PurchaseRequest, now: Date): boolean {
  return request.state === 'pending' && request.expiresAt.getTime() <= now.getTime();
}

/** `in 5 h`, `in 3 days`, `12 min ago`, `just now`: a rough distance between `now` and `at`. */
export function relativeTime(now: Date, at: Date): string {
  const ms = at.getTime() - now.getTime();
  if (Number.isNaN(ms)) return 'at an unknown time';
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  let amount: string;
  if (minutes < 1) return 'just now';
  if (abs >= 2 * MS_PER_DAY) amount = `${Math.floor(abs / MS_PER_DAY)} days`;
  else if (minutes >= 60) amount = `${Math.floor(minutes / 60)} h`;
  else amount = `${minutes} min`;
  return ms > 0 ? `in ${amount}` : `${amount} ago`;
}

/** Lines of a quoted note beyond which the rest is cut, so a long paste cannot flood a card. */
const QUOTED_LINES = 15;

/** An escaped note or reason shown as a block quote: at most `max` characters and 15 lines. */
export function quoted(text: string, max: number): string {
  const lines = truncate(text.trim(), max).split(/\r?\n/);
  const shown = lines.length > QUOTED_LINES ? [...lines.slice(0, QUOTED_LINES - 1), '…'] : lines;
  return shown.map((line) => `>${escapeMrkdwn(line)}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Approvers and approvals

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

/**
 * An approver as configured (SLOTS_APPROVERS): `<@U…>` for a user, `<!subteam^S…>` for a user
 * group, so Slack shows (and notifies) them; anything else escaped, as text.
 */
export function approverMention(id: string): string {
  if (USER_ID.test(id)) return `<@${id}>`;
  if (GROUP_ID.test(id)) return `<!subteam^${id}>`;
  return escapeMrkdwn(id);
}

/** Whether `id` is a user or user-group id that `approverMention` turns into a mention. */
export function isMentionable(id: string): boolean {
  return USER_ID.test(id) || GROUP_ID.test(id);
}

/** Approvers named in one line; the rest are counted, so a long list cannot flood a card. */
export const APPROVERS_SHOWN_MAX = 20;

/** `<@U1>, <!subteam^S1>` … `and 3 more`; empty when there are none. */
export function approverList(ids: readonly string[], max = APPROVERS_SHOWN_MAX): string {
  const shown = ids.slice(0, max).map(approverMention);
  const more = ids.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** `a`, `a and b`, `a, b and c`. */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * Everyone who approved, oldest first: the stored approvals, or the one decider of a request
 * from before approvals were counted.
 */
export function approverIds(request: PurchaseRequest): string[] {
  const ids = request.approvals.map((a) => a.by);
  if (ids.length === 0 && request.decidedBy && !['rejected', 'cancelled'].includes(request.state)) {
    return [request.decidedBy];
  }
  return ids;
}

/** `<@a>`, `<@a> and <@b>`: who approved; empty when nobody has. */
export function approversText(request: PurchaseRequest): string {
  return andList(approverIds(request).map(mention));
}

/** `1 of 2 approvals`. */
export function approvalCountText(request: PurchaseRequest): string {
  return `${request.approvals.length} of ${count(request.approvalsNeeded, 'approval')}`;
}

/** Whether the request needs more than one approver (SLOTS_APPROVALS). */
export function needsSeveralApprovers(request: PurchaseRequest): boolean {
  return request.approvalsNeeded > 1;
}

/** `5 minutes`, `8 hours`, `3 days`: a rough length of time, rounded down. */
export function durationText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return count(minutes, 'minute');
  if (ms < 2 * MS_PER_DAY) return count(Math.floor(minutes / 60), 'hour');
  return count(Math.floor(ms / MS_PER_DAY), 'day');
}
