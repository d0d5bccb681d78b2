/**
 * The price a request commits to, computed from the offering as AWS describes it. The same
 * function runs again just before buying, on the action as it was requested (a MediaConnect
 * start left out stays left out); a different answer means the quote changed.
 */
import type { Offering } from '../aws/types.js';
import { type Money, times } from '../domain/money.js';
import type { Quote, RequestAction } from '../domain/requests.js';

export class QuoteError extends Error {
  override readonly name = 'QuoteError';
}

const HOUR_MS = 3_600_000;

export function quoteFor(action: RequestAction, offering: Offering): Quote {
  if (action.service === 'devicefarm') {
    if (offering.service !== 'devicefarm') throw new QuoteError('not a Device Farm offering');
    const unit = offering.monthlyPrice;
    return {
      service: 'devicefarm',
      offeringDescription: offering.description,
      currency: unit.currency,
      unitPriceMicros: unit.micros.toString(),
      priceUnit: 'MONTHLY',
      commitsMicros: times(unit, action.quantity).micros.toString(),
      commitsPeriod: 'month',
    };
  }
  if (offering.service !== 'mediaconnect') throw new QuoteError('not a MediaConnect offering');
  if (offering.bandwidthMbps === undefined || offering.bandwidthMbps <= 0) {
    throw new QuoteError('the offering does not state its bandwidth, so its cost is unknown');
  }
  const hours = termHours(action.start, offering.durationMonths);
  const total: Money = times(times(offering.pricePerUnit, offering.bandwidthMbps), hours);
  return {
    service: 'mediaconnect',
    offeringDescription: offering.description,
    currency: offering.pricePerUnit.currency,
    unitPriceMicros: offering.pricePerUnit.micros.toString(),
    priceUnit: offering.priceUnit,
    commitsMicros: total.micros.toString(),
    commitsPeriod: 'term',
    durationMonths: offering.durationMonths,
    bandwidthMbps: offering.bandwidthMbps,
  };
}

/**
 * Hours from `start` to the same day and time `months` later (MediaConnect bills hourly).
 * Without a start the term begins when the request is approved, so the hours are the most a
 * term of `months` months can have (`longestTermHours`): an upper bound that stays the same
 * from the request to its approval, so re-quoting before the purchase matches.
 */
export function termHours(start: string | undefined, months: number): number {
  if (start === undefined) return longestTermHours(months);
  const from = new Date(start);
  if (Number.isNaN(from.getTime())) throw new QuoteError('the start is not a date');
  const to = new Date(from);
  to.setUTCMonth(to.getUTCMonth() + months);
  return Math.round((to.getTime() - from.getTime()) / HOUR_MS);
}

/**
 * The hours of the longest run of `months` calendar months: 744 for one month (31 days), 8784
 * for twelve (a year with 29 February). A term starting on any day is no longer than the run of
 * months it starts in, so this bounds every start.
 */
export function longestTermHours(months: number): number {
  let longest = 0;
  // Starts in 2001–2004 meet every phase of the four-year leap cycle, and the terms stay clear
  // of 2100, the next year a multiple of 4 without a 29 February.
  for (let first = 0; first < 48; first++) {
    longest = Math.max(longest, Date.UTC(2001, first + months, 1) - Date.UTC(2001, first, 1));
  }
  return Math.round(longest / HOUR_MS);
}

/** Whether a fresh quote still matches the one the approver saw. */
export function sameQuote(a: Quote, b: Quote): boolean {
  return (
    a.currency === b.currency &&
    a.unitPriceMicros === b.unitPriceMicros &&
    a.priceUnit === b.priceUnit &&
    a.commitsMicros === b.commitsMicros
  );
}

export function quoteMoney(quote: Quote): { unit: Money; commits: Money } {
  return {
    unit: { currency: quote.currency, micros: BigInt(quote.unitPriceMicros) },
    commits: { currency: quote.currency, micros: BigInt(quote.commitsMicros) },
  };
}
