/**
 * A purchase or renewal request and its life, in the words of design.md's lifecycle. These are
 * plain data: the store keeps them, the request service decides, the views draw them.
 */
import type { ServiceName } from '../aws/types.js';

/**
 * `pending` → `executing` → `succeeded` | `failed` | `unknown` (→ `succeeded` | `failed` by
 * reconciliation); `pending` → `rejected` | `cancelled` | `expired`. Approval and the claim to
 * execute are one conditional write (`pending` → `executing`, recording the approver), so no
 * separate `approved` state is stored: an approved request that is not executing cannot exist.
 * When the amount needs several approvers (SLOTS_APPROVALS), each approval but the last is a
 * `pending → pending` write at the version read, adding one approver; only the approval that
 * completes the count moves the request to `executing`. In a dry run, `executing → dry_run`
 * records what would have been sent instead of sending it.
 */
export type RequestState =
  | 'pending'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'unknown'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'dry_run';

/** The actor of the bot's own steps (expiry, reconciliation) in the audit trail. */
export const BOT_ACTOR = 'slots-bot';

export const OPEN_STATES: readonly RequestState[] = ['pending', 'executing', 'unknown'];
export const FINAL_STATES: readonly RequestState[] = [
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
  'expired',
  'dry_run',
];

/** What will be bought. Values come from validated input and never from a button payload. */
export type RequestAction =
  | {
      readonly service: 'devicefarm';
      readonly kind: 'purchase';
      readonly offeringId: string;
      readonly quantity: number;
      readonly promotionId?: string;
    }
  | {
      readonly service: 'devicefarm';
      readonly kind: 'renew';
      readonly offeringId: string;
      /** 0 lets the slots lapse at the next period. */
      readonly quantity: number;
      /**
       * What the account held when the request was made (read from AWS at that moment, e.g. on a
       * notice's button), so the card can show the change; absent when it was not read.
       */
      readonly seen?: RenewalSeen;
    }
  | {
      readonly service: 'mediaconnect';
      readonly kind: 'purchase';
      readonly offeringArn: string;
      readonly reservationName: string;
      /**
       * `YYYY-MM-DDTHH:mm:SSZ`. Absent: the term starts when the request is approved (taken on
       * AWS's clock at that moment), so an approval after the month turns still buys.
       */
      readonly start?: string;
    };

/** Device Farm slots of one offering as AWS reported them at a moment. */
export interface RenewalSeen {
  /** Slots held now. */
  readonly current: number;
  /** Slots that renew at the start of the next period. */
  readonly nextPeriod: number;
  /** ISO instant of the read. */
  readonly at: string;
}

/**
 * The price as quoted when the request was made. Before buying, the offering is read again; a
 * different price or a missing offering fails the request ("the quote changed").
 * Money is kept as decimal strings of micro-units so it survives JSON and SQL unchanged.
 */
export interface Quote {
  readonly service: ServiceName;
  readonly offeringDescription: string;
  readonly currency: string;
  /** Device Farm: price of one slot per month. MediaConnect: price per Mbps per hour. */
  readonly unitPriceMicros: string;
  readonly priceUnit: 'MONTHLY' | 'HOURLY' | string;
  /** The cost the request commits: monthly for Device Farm, over the whole term for MediaConnect. */
  readonly commitsMicros: string;
  readonly commitsPeriod: 'month' | 'term';
  /** MediaConnect only. */
  readonly durationMonths?: number;
  readonly bandwidthMbps?: number;
}

/** What AWS answered, once known. */
export interface RequestOutcome {
  readonly transactionId?: string;
  readonly reservationArn?: string;
  /** AwsError code or a slots-bot code such as `quote_changed`. */
  readonly errorCode?: string;
  /** The sentence a user sees. */
  readonly message?: string;
  /** Dry run only: the exact call that would have been sent, and was not. */
  readonly dryRun?: DryRunCall;
  /** How the outcome was learned: from the answer, or by reconciliation against AWS. */
  readonly source?: 'answer' | 'reconciliation';
  /**
   * Reconciliation: how the AWS record matched. A Device Farm PURCHASE may record the quantity
   * bought or the total held after it; either is accepted and which one is kept here.
   */
  readonly matchedBy?: 'quantity_requested' | 'total_after' | 'renewal_quantity' | 'reservation';
  /**
   * `unknown` only: AWS records (transaction ids or reservation ARNs) that could each be this
   * request's. More than one cannot be told apart, so none is claimed; the card lists them.
   */
  readonly candidates?: readonly string[];
  /**
   * `unknown` only: the bot is still checking AWS. "Nothing was bought" is decided no earlier
   * than this ISO instant, and only if AWS kept answering with no candidate at all.
   */
  readonly checkingUntil?: string;
}

/** The purchase or renewal call a dry run did not send, exactly as it would have gone out. */
export interface DryRunCall {
  /** `devicefarm:PurchaseOffering`, `devicefarm:RenewOffering` or `mediaconnect:PurchaseOffering`. */
  readonly operation: string;
  readonly region: string;
  /** The call's input, with AWS's own parameter names (e.g. `offeringId`, `quantity`). */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** One approver's approval of a request. */
export interface Approval {
  /** Slack user id. */
  readonly by: string;
  readonly at: Date;
}

export interface PurchaseRequest {
  /** Short and typeable, e.g. `R7K2M9QX`; the only thing a button carries. */
  readonly id: string;
  readonly state: RequestState;
  readonly action: RequestAction;
  readonly quote: Quote;
  readonly requester: string;
  readonly reason: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /**
   * How many different approvers must approve (SLOTS_APPROVALS, fixed when the request is made
   * from the amount it commits); 1 unless a rule asks for more.
   */
  readonly approvalsNeeded: number;
  /** Approvals so far, oldest first; one per approver, never the requester. */
  readonly approvals: readonly Approval[];
  /** Reminders posted in the card's thread so far (SLOTS_REMIND_AFTER); at most three. */
  readonly remindersSent: number;
  /**
   * Who approved (the approval that completed the count), rejected or cancelled; absent while
   * pending or when it expired.
   */
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  /** A rejection's reason. */
  readonly decisionNote?: string;
  /** Set by the `pending` → `executing` write; reconciliation looks for AWS records after it. */
  readonly executionStartedAt?: Date;
  /**
   * Set by a conditional write just before the purchase/renew call is sent. Absent on an
   * `executing` request: the call was never sent, so nothing can have been bought.
   */
  readonly callStartedAt?: Date;
  readonly finishedAt?: Date;
  readonly outcome?: RequestOutcome;
  /** Where the request card was posted, once the outbox has posted it. */
  readonly card?: { readonly channel: string; readonly ts: string };
  /** Incremented by every write. */
  readonly version: number;
}

/** One entry of the audit trail: who did what, when, and what AWS answered. */
export interface RequestEvent {
  readonly id: number;
  readonly requestId: string;
  readonly at: Date;
  /** A Slack user id, or `slots-bot` for the bot's own steps (expiry, reconciliation). */
  readonly actor: string;
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * What "one open request at a time" is about: a service, an action kind and an offering. Two
 * requests with the same key cannot both be `pending`, `executing` or `unknown`.
 */
export function openKey(action: RequestAction): string {
  const offering = action.service === 'devicefarm' ? action.offeringId : action.offeringArn;
  return `${action.service}:${action.kind}:${offering}`;
}
