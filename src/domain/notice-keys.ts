/**
 * The keys under which notices are recorded. The watcher announces by them and the request service
 * records its own transactions under them, so the store can tell the bot's purchases from outside
 * ones; they live here, below both, so neither folder leans on the other.
 */
import type { ServiceName } from '../aws/types.js';

/** Notice keys. The bot records `transactionKey` / `reservationKey` for what it buys itself. */
export const noticeKeys = {
  renewal: (offeringId: string, effectiveOn: string, leadDays: number) =>
    `renewal:${offeringId}:${effectiveOn.slice(0, 10)}:${leadDays}d`,
  transaction: (transactionId: string) => `transaction:${transactionId}`,
  /** `since` is the previous snapshot's time: the same change seen twice gets one key. */
  nextPeriod: (offeringId: string, from: number, to: number, since: string) =>
    `next-period:${offeringId}:${from}-${to}:${since}`,
  reservationEnding: (arn: string, end: string, leadDays: number) =>
    `reservation-ending:${arn}:${end.slice(0, 10)}:${leadDays}d`,
  reservation: (arn: string) => `reservation:${arn}`,
  reservationState: (arn: string, state: string) => `reservation-state:${arn}:${state}`,
  awsFailing: (service: ServiceName, since: string) => `aws-failing:${service}:${since}`,
  awsRecovered: (service: ServiceName, since: string) => `aws-recovered:${service}:${since}`,
} as const;
