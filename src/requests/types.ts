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
 */
export type RequestState =
  | 'pending'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'unknown'
  | 'rejected'
  | 'cancelled'
  | 'expired';

export const OPEN_STATES: readonly RequestState[] = ['pending', 'executing', 'unknown'];
export const FINAL_STATES: readonly RequestState[] = [
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
  'expired',
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
    }
  | {
      readonly service: 'mediaconnect';
      readonly kind: 'purchase';
      readonly offeringArn: string;
      readonly reservationName: string;
      /** `YYYY-MM-DDTHH:mm:SSZ`. */
      readonly start: string;
    };

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
  /** How the outcome was learned: from the answer, or by reconciliation against AWS. */
  readonly source?: 'answer' | 'reconciliation';
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
  /** Who approved, rejected or cancelled; absent while pending or when it expired. */
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  /** A rejection's reason. */
  readonly decisionNote?: string;
  /** Set by the `pending` → `executing` write; reconciliation looks for AWS records after it. */
  readonly executionStartedAt?: Date;
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
