/**
 * Small formatters shared by the views. Everything returned is escaped mrkdwn.
 */
import { formatMoney, type Money, times } from '../../domain/money.js';
import { escapeMrkdwn, truncate } from './mrkdwn.js';

/** Hours in an average month (8760 / 12), the usual basis for monthly estimates of hourly prices. */
export const HOURS_PER_MONTH = 730;

/** Longest description shown on one item line. */
export const DESCRIPTION_MAX = 80;

export function money(m: Money): string {
  return escapeMrkdwn(formatMoney(m));
}

/** Several currencies as `$1.00 + 2.00 EUR`; `none` when there is nothing to add up. */
export function moneyTotals(totals: readonly Money[], none = '$0.00'): string {
  return totals.length === 0 ? none : totals.map(money).join(' + ');
}

export function description(text: string, max = DESCRIPTION_MAX): string {
  return escapeMrkdwn(truncate(text.trim() || '(no description)', max));
}

const PLATFORM_LABEL: Readonly<Record<string, string>> = { ANDROID: 'Android', IOS: 'iOS' };

export function platform(raw: string): string {
  return escapeMrkdwn(PLATFORM_LABEL[raw.toUpperCase()] ?? truncate(raw || 'UNKNOWN', 20));
}

/** `1 slot`, `3 slots`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** MediaConnect prices are per Mbps per `priceUnit` (AWS: `HOURLY`). */
export function unitPrice(price: Money, priceUnit: string): string {
  const unit = priceUnit.toUpperCase() === 'HOURLY' ? 'hour' : priceUnit.toLowerCase();
  return `${money(price)} per Mbps per ${escapeMrkdwn(truncate(unit, 20))}`;
}

/**
 * Estimated monthly cost of MediaConnect bandwidth: hourly price × Mbps × 730 h. Undefined when it
 * cannot be estimated (no bandwidth, or a price unit other than hourly).
 */
export function estimatedMonthlyCost(
  pricePerUnit: Money,
  priceUnit: string,
  bandwidthMbps: number | undefined,
): Money | undefined {
  if (priceUnit.toUpperCase() !== 'HOURLY') return undefined;
  if (bandwidthMbps === undefined || !Number.isFinite(bandwidthMbps) || bandwidthMbps < 0) {
    return undefined;
  }
  return times(times(pricePerUnit, bandwidthMbps), HOURS_PER_MONTH);
}

export function bandwidth(mbps: number | undefined): string {
  return mbps === undefined ? 'bandwidth unknown' : `${mbps} Mbps`;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order for names people read: `slot 2` before `slot 10`, case ignored. */
export function compareText(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
