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

/** Read side of Device Farm offerings. Purchases and renewals come with the approval flow. */
export interface DeviceFarmOfferings {
  readonly service: 'devicefarm';
  listOfferings(): Promise<DeviceFarmOffering[]>;
  listPromotions(): Promise<Promotion[]>;
  /** `current` and `nextPeriod` merged per offering, all pages. */
  getOfferingStatus(): Promise<SlotStatus[]>;
  /** Newest first, as AWS returns them. */
  listTransactions(): Promise<Transaction[]>;
}

/** Read side of MediaConnect offerings and reservations. */
export interface MediaConnectOfferings {
  readonly service: 'mediaconnect';
  listOfferings(): Promise<MediaConnectOffering[]>;
  describeOffering(arn: string): Promise<MediaConnectOffering>;
  listReservations(): Promise<Reservation[]>;
  describeReservation(arn: string): Promise<Reservation>;
}

/** Both services, as the rest of the app sees them. */
export interface CapacityServices {
  readonly devicefarm: DeviceFarmOfferings;
  readonly mediaconnect: MediaConnectOfferings;
}
