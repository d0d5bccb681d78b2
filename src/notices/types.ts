/**
 * What the watcher saw, what it remembers between polls, and the notices it derives. Snapshots
 * and notices are plain JSON-safe data (dates as ISO text, money as micro-unit strings), so a
 * notice can be stored as the detail of its key and a snapshot as the watcher's state, and read
 * back as is; only the `Observation` of one poll holds SDK-free domain objects.
 */
import type { Reservation, ServiceName, SlotStatus, Transaction } from '../aws/types.js';
import type { Outcome } from '../capacity/reports.js';
import type { Money } from '../domain/money.js';

/** Money as stored: micro-units as a decimal integer string. */
export interface StoredMoney {
  readonly currency: string;
  readonly micros: string;
}

export const storedMoney = (m: Money): StoredMoney => ({
  currency: m.currency,
  micros: m.micros.toString(),
});
export const moneyOf = (m: StoredMoney): Money => ({
  currency: m.currency,
  micros: BigInt(m.micros),
});

/** One service's part of a poll: what AWS answered, or why it could not be read (a report `Outcome`). */
export type Seen<T> = Outcome<T>;

/** One poll of AWS. */
export interface Observation {
  readonly devicefarm: Seen<{
    readonly slots: readonly SlotStatus[];
    /** Newest first, all pages. */
    readonly transactions: readonly Transaction[];
  }>;
  readonly mediaconnect: Seen<{ readonly reservations: readonly Reservation[] }>;
}

/** What the bot itself has under way: transactions and reservations that may be its own. */
export interface BotActivity {
  /**
   * Requests not yet settled (pending, executing, unknown). A transaction or reservation that
   * could be one of theirs is neither announced nor recorded until the request settles: then it
   * is either recorded as the bot's (succeeded) or announced as made outside the bot.
   */
  readonly openRequests: readonly OpenRequestFootprint[];
}

export type OpenRequestFootprint =
  | {
      readonly service: 'devicefarm';
      readonly offeringId: string;
      readonly type: 'PURCHASE' | 'RENEW';
      readonly quantity: number;
      /** ISO; transactions created before this (less the clock-skew allowance) are not its own. */
      readonly since: string;
    }
  | {
      readonly service: 'mediaconnect';
      readonly offeringArn: string;
      readonly reservationName: string;
    };

/** Per offering, what the last successful Device Farm poll saw. */
export interface SlotsSeen {
  readonly current: number;
  readonly next: number;
  /** ISO; absent when AWS reported no next period. */
  readonly effectiveOn?: string;
}

export interface ReservationSeen {
  readonly state: string;
  /** ISO */
  readonly end: string;
}

/** An outage of one service as the watcher counts it. */
export interface Outage {
  /** ISO time of the first failed poll of this outage. */
  readonly since: string;
  readonly failures: number;
  /** Whether the warning was posted (it is posted once, after `failureThreshold` polls). */
  readonly warned: boolean;
  /** The last failure's user-facing sentence. */
  readonly message: string;
}

/** What the watcher remembers between polls (stored, versioned, one per installation). */
export interface WatchSnapshot {
  /** ISO time of the poll that wrote it. */
  readonly takenAt: string;
  /** Absent until Device Farm was read once successfully (then the first poll is quiet). */
  readonly devicefarm?: {
    /** ISO time of the poll that read these (older than `takenAt` after an outage). */
    readonly takenAt?: string;
    readonly offerings: Readonly<Record<string, SlotsSeen>>;
  };
  /** Absent until MediaConnect was read once successfully. */
  readonly mediaconnect?: { readonly reservations: Readonly<Record<string, ReservationSeen>> };
  readonly outages: Readonly<Partial<Record<ServiceName, Outage>>>;
}

// ---------------------------------------------------------------------------------------------
// Notices

/** Device Farm slots renewing (or lapsing) at `effectiveOn`, announced `leadDays` ahead. */
export interface RenewalUpcoming {
  readonly kind: 'renewal_upcoming';
  readonly offeringId: string;
  readonly offeringDescription: string;
  readonly platform: string;
  /** ISO: the start of the next period. */
  readonly effectiveOn: string;
  /** The lead time (from SLOTS_RENEWAL_NOTICE_DAYS) this notice is for. */
  readonly leadDays: number;
  readonly currentQuantity: number;
  /** What renews at `effectiveOn`; 0 lets the slots lapse. */
  readonly nextQuantity: number;
  readonly monthlyPrice: StoredMoney;
  readonly currentMonthlyCost: StoredMoney;
  readonly nextMonthlyCost: StoredMoney;
}

/** A Device Farm transaction slots-bot did not make. */
export interface ExternalTransaction {
  readonly id: string;
  readonly type: string;
  readonly offeringId: string;
  readonly offeringDescription: string;
  readonly quantity: number;
  readonly cost: StoredMoney;
  /** ISO */
  readonly createdOn: string;
  /** ISO */
  readonly effectiveOn?: string;
  readonly promotionId?: string;
  /** What renews next period for this offering as of this poll (after the transaction). */
  readonly nextQuantity?: number;
}

/** Transactions made outside the bot, seen in one poll (one message, one key per transaction). */
export interface ExternalTransactions {
  readonly kind: 'external_transactions';
  readonly transactions: readonly ExternalTransaction[];
}

/** A next-period quantity that changed with no transaction to explain it. */
export interface NextPeriodChanged {
  readonly kind: 'next_period_changed';
  readonly offeringId: string;
  readonly offeringDescription: string;
  /** ISO */
  readonly effectiveOn?: string;
  readonly from: number;
  readonly to: number;
  readonly nextMonthlyCost: StoredMoney;
}

/** A MediaConnect reservation whose term ends within `leadDays`. */
export interface ReservationEnding {
  readonly kind: 'reservation_ending';
  readonly reservationArn: string;
  readonly reservationName: string;
  readonly offeringArn: string;
  readonly offeringDescription: string;
  /** ISO */
  readonly end: string;
  readonly leadDays: number;
  readonly pricePerUnit: StoredMoney;
  readonly priceUnit: string;
  readonly bandwidthMbps?: number;
  readonly durationMonths: number;
}

/** A reservation seen in a new state; `from` absent when it appeared for the first time. */
export interface ReservationStateChanged {
  readonly kind: 'reservation_state';
  readonly reservationArn: string;
  readonly reservationName: string;
  readonly offeringArn: string;
  readonly offeringDescription: string;
  readonly from?: string;
  readonly to: string;
  /** ISO */
  readonly start: string;
  /** ISO */
  readonly end: string;
  readonly pricePerUnit: StoredMoney;
  readonly priceUnit: string;
  readonly bandwidthMbps?: number;
  readonly durationMonths: number;
}

/** AWS could not be read for `failures` polls in a row. */
export interface AwsFailing {
  readonly kind: 'aws_failing';
  readonly service: ServiceName;
  /** ISO */
  readonly since: string;
  readonly failures: number;
  readonly message: string;
}

/** AWS can be read again after an outage that was warned about. */
export interface AwsRecovered {
  readonly kind: 'aws_recovered';
  readonly service: ServiceName;
  /** ISO */
  readonly since: string;
  /** ISO */
  readonly recoveredAt: string;
  readonly failures: number;
}

export type NoticeBody =
  | RenewalUpcoming
  | ExternalTransactions
  | NextPeriodChanged
  | ReservationEnding
  | ReservationStateChanged
  | AwsFailing
  | AwsRecovered;

export type NoticeKind = NoticeBody['kind'];

/**
 * A notice to announce. `key` identifies it (and is what its buttons carry); `alsoKeys` are
 * recorded with it (e.g. one per transaction of a grouped message). The notice is posted only if
 * at least one of its keys was not recorded before.
 */
export type Notice = NoticeBody & {
  readonly key: string;
  readonly alsoKeys?: readonly string[];
};

export interface DeriveInput {
  readonly now: Date;
  /** SLOTS_RENEWAL_NOTICE_DAYS: whole days, distinct, each ≥ 1. */
  readonly leadDays: readonly number[];
  readonly observation: Observation;
  /** The last snapshot; `undefined` before the first poll ever. */
  readonly previous: WatchSnapshot | undefined;
  /** Keys recorded so far (announced, recorded quietly, or the bot's own transactions). */
  readonly announced: ReadonlySet<string>;
  readonly bot: BotActivity;
  /** Consecutive failed polls of one service before the warning is posted. */
  readonly failureThreshold: number;
}

export interface DeriveResult {
  readonly notices: readonly Notice[];
  /** Keys to record without announcing (history on the first poll, lead times already passed). */
  readonly quietKeys: readonly string[];
  readonly snapshot: WatchSnapshot;
}
