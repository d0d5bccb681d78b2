/**
 * Date helpers for people-facing text. Everything is UTC: AWS reports instants, and a Slack
 * channel has no single time zone, so messages say "UTC" rather than guess one.
 */

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

export const MS_PER_DAY = 86_400_000;

function isValid(d: Date): boolean {
  return !Number.isNaN(d.getTime());
}

/** `1 Dec 2026` (UTC calendar date). */
export function formatDate(d: Date): string {
  if (!isValid(d)) return 'unknown date';
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** `1 Dec 2026, 09:05 UTC`. */
export function formatDateTime(d: Date): string {
  if (!isValid(d)) return 'unknown time';
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(d)}, ${hh}:${mm} UTC`;
}

/**
 * Whole days left from `now` until `end`: full 24-hour periods, rounded down, so a reservation
 * that ends in 36 hours has 1 day left and one that ends in 5 hours has 0. Negative once `end`
 * has passed. Month lengths and leap years need no special care because instants are compared.
 */
export function daysUntil(now: Date, end: Date): number {
  return Math.floor((end.getTime() - now.getTime()) / MS_PER_DAY);
}
