import { describe, expect, it } from 'vitest';
import { money } from '../../domain/money.js';
import {
  compareText,
  count,
  description,
  estimatedMonthlyCost,
  moneyTotals,
  platform,
  unitPrice,
} from './format.js';

describe('estimatedMonthlyCost', () => {
  it('is hourly price × Mbps × 730 hours, exactly', () => {
    expect(estimatedMonthlyCost(money('0.0125'), 'HOURLY', 100)).toEqual(money('912.5'));
    expect(estimatedMonthlyCost(money('0.017'), 'hourly', 2.5)).toEqual(money('31.025'));
  });

  it('does not guess without bandwidth or for another price unit', () => {
    expect(estimatedMonthlyCost(money('0.0125'), 'HOURLY', undefined)).toBeUndefined();
    expect(estimatedMonthlyCost(money('0.0125'), 'MONTHLY', 100)).toBeUndefined();
    expect(estimatedMonthlyCost(money('0.0125'), 'HOURLY', Number.NaN)).toBeUndefined();
  });
});

describe('formatters', () => {
  it('moneyTotals joins currencies and has a zero for nothing', () => {
    expect(moneyTotals([money('1'), money('2', 'EUR')])).toBe('$1.00 + 2.00 EUR');
    expect(moneyTotals([])).toBe('$0.00');
  });

  it('unitPrice names the unit', () => {
    expect(unitPrice(money('0.0125'), 'HOURLY')).toBe('$0.0125 per Mbps per hour');
  });

  it('platform reads like people write it, and escapes the unknown', () => {
    expect(platform('ANDROID')).toBe('Android');
    expect(platform('IOS')).toBe('iOS');
    expect(platform('<X>')).toBe('&lt;X&gt;');
  });

  it('description escapes, truncates and fills in blanks', () => {
    expect(description('a<b', 10)).toBe('a&lt;b');
    expect(description('abcdefghijkl', 5)).toBe('abcd…');
    expect(description('  ')).toBe('(no description)');
  });

  it('count picks singular or plural', () => {
    expect(count(1, 'slot')).toBe('1 slot');
    expect(count(0, 'slot')).toBe('0 slots');
    expect(count(2, 'day')).toBe('2 days');
  });

  it('compareText sorts numbers naturally and ignores case', () => {
    expect(['slot 10', 'Slot 2', 'slot 1'].sort(compareText)).toEqual([
      'slot 1',
      'Slot 2',
      'slot 10',
    ]);
  });
});
