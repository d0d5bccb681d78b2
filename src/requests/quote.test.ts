import { describe, expect, it } from 'vitest';
import type { DeviceFarmOffering, MediaConnectOffering } from '../aws/types.js';
import { money, times } from '../domain/money.js';
import { longestTermHours, QuoteError, quoteFor, sameQuote, termHours } from './quote.js';

const df: DeviceFarmOffering = {
  service: 'devicefarm',
  id: 'a'.repeat(36),
  description: 'Android Remote Access Unmetered Device Slot',
  platform: 'ANDROID',
  monthlyPrice: money('250'),
};

const mc: MediaConnectOffering = {
  service: 'mediaconnect',
  id: 'arn:aws:mediaconnect:us-west-2:111122223333:offering:X',
  description: '20 Mbps outbound for 12 months',
  pricePerUnit: money('0.16'),
  priceUnit: 'HOURLY',
  durationMonths: 12,
  bandwidthMbps: 20,
  resourceType: 'Mbps_Outbound_Bandwidth',
};

describe('quoteFor', () => {
  it('commits the monthly price times the quantity for Device Farm', () => {
    const q = quoteFor(
      { service: 'devicefarm', kind: 'purchase', offeringId: df.id, quantity: 3 },
      df,
    );
    expect(q).toMatchObject({
      unitPriceMicros: '250000000',
      commitsMicros: '750000000',
      commitsPeriod: 'month',
      currency: 'USD',
    });
    const lapse = quoteFor(
      { service: 'devicefarm', kind: 'renew', offeringId: df.id, quantity: 0 },
      df,
    );
    expect(lapse.commitsMicros).toBe('0');
  });

  it('commits price × Mbps × hours of the term for MediaConnect', () => {
    const q = quoteFor(
      {
        service: 'mediaconnect',
        kind: 'purchase',
        offeringArn: mc.id,
        reservationName: 'live',
        start: '2026-11-01T00:00:00Z',
      },
      mc,
    );
    // 1 Nov 2026 → 1 Nov 2027 is 365 days: 8760 h × 20 Mbps × $0.16 = $28,032.
    expect(q.commitsMicros).toBe(money('28032').micros.toString());
    expect(q).toMatchObject({ commitsPeriod: 'term', durationMonths: 12, bandwidthMbps: 20 });
  });

  it('quotes a term that starts when approved for its longest possible length', () => {
    const action = {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn: mc.id,
      reservationName: 'live',
    } as const;
    const q = quoteFor(action, mc);
    // 366 days (a year with 29 February): 8784 h × 20 Mbps × $0.16 = $28,108.80.
    expect(q.commitsMicros).toBe(money('28108.80').micros.toString());
    // The same answer however late the approval comes, so re-quoting before buying matches.
    expect(sameQuote(q, quoteFor(action, mc))).toBe(true);
    const monthly = { ...mc, durationMonths: 1 };
    expect(quoteFor(action, monthly).commitsMicros).toBe(
      times(money('3.2'), 31 * 24).micros.toString(),
    );
  });

  it('refuses a start that is not a date', () => {
    expect(() =>
      quoteFor(
        {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: mc.id,
          reservationName: 'x',
          start: 'soon',
        },
        mc,
      ),
    ).toThrow(QuoteError);
  });

  it('refuses an offering of the other service or without bandwidth', () => {
    expect(() =>
      quoteFor({ service: 'devicefarm', kind: 'purchase', offeringId: 'x', quantity: 1 }, mc),
    ).toThrow(QuoteError);
    expect(() =>
      quoteFor(
        {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: mc.id,
          reservationName: 'x',
          start: '2026-11-01T00:00:00Z',
        },
        { ...mc, bandwidthMbps: undefined },
      ),
    ).toThrow(/bandwidth/);
  });
});

describe('termHours', () => {
  it.each([
    ['2026-11-01T00:00:00Z', 12, 8760],
    ['2027-03-01T00:00:00Z', 12, 8784],
    ['2026-01-31T10:00:00Z', 1, 28 * 24 + 3 * 24],
  ])('%s + %d months = %d h', (start, months, hours) =>
    expect(termHours(start, months)).toBe(hours),
  );

  it.each([
    [1, 31 * 24],
    [2, 62 * 24],
    [3, 92 * 24],
    [6, 184 * 24],
    [12, 366 * 24],
    [24, 731 * 24],
    [36, 1096 * 24],
    [48, 1461 * 24],
  ])('without a start, %d months is at most %d h', (months, hours) => {
    expect(longestTermHours(months)).toBe(hours);
    expect(termHours(undefined, months)).toBe(hours);
  });

  it('bounds the term from every start of the day, over several years', () => {
    for (const months of [1, 2, 12]) {
      const bound = longestTermHours(months);
      for (let day = 0; day < 4 * 366; day++) {
        const start = new Date(Date.UTC(2026, 0, 1 + day, 13)).toISOString();
        expect(termHours(start, months)).toBeLessThanOrEqual(bound);
      }
    }
  });
});

describe('sameQuote', () => {
  it('notices a price change', () => {
    const action = {
      service: 'devicefarm',
      kind: 'purchase',
      offeringId: df.id,
      quantity: 1,
    } as const;
    const a = quoteFor(action, df);
    expect(sameQuote(a, quoteFor(action, df))).toBe(true);
    expect(sameQuote(a, quoteFor(action, { ...df, monthlyPrice: money('275') }))).toBe(false);
  });
});
