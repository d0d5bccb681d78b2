/**
 * The capacity the account holds and can buy, in slots-bot's own words. The AWS adapters turn
 * SDK shapes into these types; nothing outside `src/aws/` sees an SDK type.
 */
import type { Money } from '../domain/money.js';

export type ServiceName = 'devicefarm' | 'mediaconnect';
export const SERVICES: readonly ServiceName[] = ['devicefarm', 'mediaconnect'];

export const SERVICE_LABEL: Record<ServiceName, string> = {
  devicefarm: 'Device Farm',
  mediaconnect: 'MediaConnect',
};

/** A Device Farm device-slot offering: a recurring monthly charge per slot. */
export interface DeviceFarmOffering {
  readonly service: 'devicefarm';
  readonly id: string;
  readonly description: string;
  /** `ANDROID`, `IOS`, or `UNKNOWN` when AWS left it out. */
  readonly platform: string;
  /** Price of one slot for one month. */
  readonly monthlyPrice: Money;
}

/** A MediaConnect bandwidth offering: an hourly price per unit of bandwidth, for a fixed term. */
export interface MediaConnectOffering {
  readonly service: 'mediaconnect';
  /** The offering ARN, which is its id. */
  readonly id: string;
  readonly description: string;
  /** Price per `priceUnit` (AWS: HOURLY) per Mbps. */
  readonly pricePerUnit: Money;
  readonly priceUnit: string;
  readonly durationMonths: number;
  readonly bandwidthMbps: number | undefined;
  readonly resourceType: string;
}

export type Offering = DeviceFarmOffering | MediaConnectOffering;

export interface Promotion {
  readonly id: string;
  readonly description: string;
}

/** Device Farm slots held now and what renews at the start of the next period. */
export interface SlotStatus {
  readonly offering: DeviceFarmOffering;
  readonly currentQuantity: number;
  readonly nextPeriodQuantity: number;
  /** When the next period starts; absent when AWS reports nothing for the next period. */
  readonly nextPeriodEffectiveOn: Date | undefined;
  readonly currentMonthlyCost: Money;
  readonly nextMonthlyCost: Money;
}

export type TransactionType = 'PURCHASE' | 'RENEW' | 'SYSTEM';

/** A Device Farm offering transaction (a purchase, a renewal quantity change, a system renewal). */
export interface Transaction {
  readonly id: string;
  readonly offeringId: string;
  readonly offeringDescription: string;
  readonly type: TransactionType | string;
  readonly quantity: number;
  readonly effectiveOn: Date | undefined;
  readonly createdOn: Date;
  readonly cost: Money;
  readonly promotionId: string | undefined;
}

export type ReservationState = 'ACTIVE' | 'EXPIRED' | 'PROCESSING' | 'CANCELED';

/** A MediaConnect reservation: bought bandwidth for a term, which simply ends. */
export interface Reservation {
  readonly arn: string;
  readonly name: string;
  readonly state: ReservationState | string;
  readonly offeringArn: string;
  readonly description: string;
  readonly start: Date;
  readonly end: Date;
  readonly pricePerUnit: Money;
  readonly priceUnit: string;
  readonly durationMonths: number;
  readonly bandwidthMbps: number | undefined;
}

/** What to buy: `quantity` more slots of one offering, now (the first month is prorated). */
export interface DeviceFarmPurchase {
  /** Offering id, at least 32 characters (the model's minimum). */
  readonly offeringId: string;
  /** A whole number, at least 1. */
  readonly quantity: number;
  /** An unused promotion from `listPromotions` (at least 4 characters); consumed by the purchase. */
  readonly promotionId?: string | undefined;
}

/** How many slots of one offering renew at the start of the next period (0 lets them lapse). */
export interface DeviceFarmRenewal {
  readonly offeringId: string;
  /** A whole number, at least 0. */
  readonly quantity: number;
}

/**
 * Where a purchase or renewal whose answer was lost would have left its transaction: one
 * offering and type, created inside a window on AWS's own clock. Any quantity: AWS does not say
 * whether a PURCHASE records the quantity bought or the total held after it.
 */
export interface TransactionQuery {
  readonly offeringId: string;
  readonly type: 'PURCHASE' | 'RENEW';
  /** Earliest `createdOn` (AWS's clock). */
  readonly from: Date;
  /** Latest `createdOn` (AWS's clock). */
  readonly to: Date;
}

/**
 * Device Farm offerings. Reads go through a client with the SDK's default retries; `purchase`
 * and `renew` through a client with `maxAttempts: 1` (they are never retried, by the SDK or by
 * this adapter). A failure leaves as an `AwsError`; for `purchase`/`renew` its `outcome` says
 * whether AWS certainly did not act (`rejected`) or may have (`unknown`: reconcile with
 * `findTransactions`, never repeat the call).
 */
export interface DeviceFarmOfferings {
  readonly service: 'devicefarm';
  listOfferings(): Promise<DeviceFarmOffering[]>;
  /** The offering with this id as ListOfferings reports it now; `undefined` if not listed. */
  getOffering(id: string): Promise<DeviceFarmOffering | undefined>;
  listPromotions(): Promise<Promotion[]>;
  /** `current` and `nextPeriod` merged per offering, all pages. */
  getOfferingStatus(): Promise<SlotStatus[]>;
  /** Newest first, as AWS returns them. */
  listTransactions(): Promise<Transaction[]>;
  /** PurchaseOffering, sent exactly once. Resolves with the transaction AWS recorded. */
  purchase(purchase: DeviceFarmPurchase): Promise<Transaction>;
  /** RenewOffering, sent exactly once. Resolves with the RENEW transaction AWS recorded. */
  renew(renewal: DeviceFarmRenewal): Promise<Transaction>;
  /**
   * Reconciliation: every transaction of this offering and type created inside the window,
   * newest first. Reads newest first and stops at the first page that reaches older ones. A
   * matching entry AWS left unreadable (no id or date) fails the lookup rather than hide it.
   */
  findTransactions(query: TransactionQuery): Promise<Transaction[]>;
}

/** What to buy: one MediaConnect offering as a named reservation. */
export interface MediaConnectPurchase {
  readonly offeringArn: string;
  /** Not blank; also the key `findReservation` matches on. */
  readonly reservationName: string;
  /**
   * Start of the term: `YYYY-MM-DDTHH:mm:SSZ` text (sent as is) or a `Date` (sent as that text,
   * milliseconds dropped). AWS accepts from the first day of the current month up to now.
   */
  readonly start: string | Date;
}

export interface ReservationQuery {
  readonly reservationName: string;
  readonly offeringArn: string;
}

/**
 * MediaConnect offerings and reservations. Reads retry; `purchase` is sent exactly once through
 * the write client, and an `unknown` outcome is reconciled with `findReservation`.
 */
export interface MediaConnectOfferings {
  readonly service: 'mediaconnect';
  listOfferings(): Promise<MediaConnectOffering[]>;
  describeOffering(arn: string): Promise<MediaConnectOffering>;
  listReservations(): Promise<Reservation[]>;
  describeReservation(arn: string): Promise<Reservation>;
  /** PurchaseOffering, sent exactly once (AWS answers 201). Resolves with the new reservation. */
  purchase(purchase: MediaConnectPurchase): Promise<Reservation>;
  /**
   * Reconciliation (and duplicate check): the reservation with this name for this offering, in
   * any state; the latest-starting one if several. `undefined` when AWS lists none.
   */
  findReservation(query: ReservationQuery): Promise<Reservation | undefined>;
  /**
   * The reservation that blocks a new purchase at `now`: any in state PROCESSING (a purchase
   * still being set up, whatever its dates), or one in any other state but EXPIRED and CANCELED
   * whose end is after `now` or cannot be read. Dates AWS left unreadable are estimated, never
   * invalid. `undefined` when there is none.
   */
  activeReservation(now: Date): Promise<Reservation | undefined>;
}

/** Both services, as the rest of the app sees them. */
export interface CapacityServices {
  readonly devicefarm: DeviceFarmOfferings;
  readonly mediaconnect: MediaConnectOfferings;
}
