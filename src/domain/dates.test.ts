import { describe, expect, it } from 'vitest';
import { daysUntil, formatDate, formatDateTime } from './dates.js';

describe('formatDate', () => {
  it.each([
    ['2026-12-01T00:00:00Z', '1 Dec 2026'],
    ['2026-01-31T23:59:59Z', '31 Jan 2026'],
    ['2024-02-29T12:00:00Z', '29 Feb 2024'],
    // 23:30 UTC on 30 Nov is 1 Dec in UTC+1, but messages speak UTC.
    ['2026-11-30T23:30:00-01:00', '1 Dec 2026'],
  ])('%s → %s', (iso, expected) => {
    expect(formatDate(new Date(iso))).toBe(expected);
  });

  it('says so when the date is invalid instead of printing NaN', () => {
    expect(formatDate(new Date('nope'))).toBe('unknown date');
  });
});

describe('formatDateTime', () => {
  it('pads hours and minutes and names UTC', () => {
    expect(formatDateTime(new Date('2026-03-04T05:06:07Z'))).toBe('4 Mar 2026, 05:06 UTC');
  });

  it('says so when the date is invalid', () => {
    expect(formatDateTime(new Date(Number.NaN))).toBe('unknown time');
  });
});

describe('daysUntil', () => {
  const at = (iso: string) => new Date(iso);

  it.each([
    // across a 31-day month boundary
    ['2026-01-31T12:00:00Z', '2026-02-03T12:00:00Z', 3],
    // across February in a non-leap and a leap year
    ['2026-02-27T00:00:00Z', '2026-03-01T00:00:00Z', 2],
    ['2024-02-27T00:00:00Z', '2024-03-01T00:00:00Z', 3],
    // across a year boundary
    ['2026-12-30T08:00:00Z', '2027-01-02T08:00:00Z', 3],
    // partial days round down
    ['2026-01-31T12:00:00Z', '2026-02-02T11:59:59Z', 1],
    ['2026-05-01T00:00:00Z', '2026-05-01T05:00:00Z', 0],
    // already ended
    ['2026-05-02T00:00:00Z', '2026-05-01T00:00:00Z', -1],
  ])('from %s to %s is %i', (from, to, days) => {
    expect(daysUntil(at(from), at(to))).toBe(days);
  });
});
