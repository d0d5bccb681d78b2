/** Calendar arithmetic the two services rely on; always UTC, always from an injected `now`. */

/** 00:00 UTC on the 1st of the month `now` falls in: the current billing period's start. */
export function periodStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** 00:00 UTC on the 1st of the next month: when Device Farm renewals take effect. */
export function nextPeriodStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** Share of the current month still ahead of `now`, in [0, 1]; prorates a first purchase. */
export function remainingFractionOfMonth(now: Date): number {
  const start = periodStart(now).getTime();
  const end = nextPeriodStart(now).getTime();
  return (end - now.getTime()) / (end - start);
}

/**
 * `date` moved by whole months, keeping the time of day. The day is clamped to the target
 * month's length so Jan 31 + 1 month is Feb 28/29, not Mar 2/3.
 */
export function addMonths(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(date.getTime());
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return result;
}

/** `days` later (or earlier when negative). */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

/** `YYYY-MM-DDTHH:mm:SSZ`, the only form MediaConnect documents for `start`/`end`. */
export function formatSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const SECONDS_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The instant of a `YYYY-MM-DDTHH:mm:SSZ` string; undefined for any other form or a non-date. */
export function parseSeconds(text: string): Date | undefined {
  if (!SECONDS_FORM.test(text)) return undefined;
  const date = new Date(text);
  // Date accepts 2025-02-30 by rolling over; a round trip exposes that.
  if (Number.isNaN(date.getTime()) || formatSeconds(date) !== text) return undefined;
  return date;
}
