import { describe, expect, it } from 'vitest';
import {
  addMonths,
  formatSeconds,
  nextPeriodStart,
  parseSeconds,
  periodStart,
  remainingFractionOfMonth,
} from '../../src/sim/clock.js';
import { paginate } from '../../src/sim/paging.js';

const at = (iso: string) => new Date(iso);

describe('billing periods', () => {
  it.each([
    ['2025-03-15T12:00:00Z', '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'],
    ['2025-12-31T23:59:59Z', '2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['2024-02-01T00:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
  ])('%s is in the period %s – %s', (now, start, next) => {
    expect(periodStart(at(now))).toEqual(at(start));
    expect(nextPeriodStart(at(now))).toEqual(at(next));
  });

  it('prorates by the share of the month left', () => {
    expect(remainingFractionOfMonth(at('2025-03-01T00:00:00Z'))).toBe(1);
    expect(remainingFractionOfMonth(at('2025-03-15T12:00:00Z'))).toBeCloseTo(16.5 / 31);
  });
});

describe('month arithmetic', () => {
  it.each([
    ['2025-03-15T12:00:00Z', 12, '2026-03-15T12:00:00Z'],
    ['2025-01-31T08:00:00Z', 1, '2025-02-28T08:00:00Z'],
    ['2024-02-29T00:00:00Z', 12, '2025-02-28T00:00:00Z'],
    ['2025-04-04T12:00:00Z', -12, '2024-04-04T12:00:00Z'],
  ])('%s + %i months = %s', (from, months, to) => {
    expect(addMonths(at(from), months)).toEqual(at(to));
  });
});

describe('the MediaConnect time form', () => {
  it('formats without milliseconds', () => {
    expect(formatSeconds(at('2025-03-15T12:00:00.789Z'))).toBe('2025-03-15T12:00:00Z');
  });

  it.each([
    '2025-03-15T12:00:00.000Z',
    '2025-03-15T12:00Z',
    '2025-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '',
    'yesterday',
  ])('rejects %j', (text) => {
    expect(parseSeconds(text)).toBeUndefined();
  });

  it('accepts the exact form', () => {
    expect(parseSeconds('2024-02-29T23:59:59Z')).toEqual(at('2024-02-29T23:59:59Z'));
  });
});

describe('paginate', () => {
  const items = [1, 2, 3, 4, 5, 6, 7];

  it('walks every item in pages and ends without a token', () => {
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = paginate(items, token, 3, 'scope')!;
      seen.push(...page.items);
      token = page.nextToken;
      pages++;
    } while (token);
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it('an exact fit ends without a token', () => {
    expect(paginate([1, 2, 3], undefined, 3, 's')).toEqual({
      items: [1, 2, 3],
      nextToken: undefined,
    });
  });

  it('refuses tokens of another scope or of nobody', () => {
    const token = paginate(items, undefined, 3, 'a')!.nextToken!;
    expect(token.length).toBeGreaterThanOrEqual(4);
    expect(paginate(items, token, 3, 'b')).toBeUndefined();
    for (const bad of [
      '',
      'abcd',
      Buffer.from('{"scope":"a","offset":-1}').toString('base64url'),
    ]) {
      expect(paginate(items, bad, 3, 'a')).toBeUndefined();
    }
  });
});
