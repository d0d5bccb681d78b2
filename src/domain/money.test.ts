import { describe, expect, it } from 'vitest';
import {
  add,
  equals,
  formatMoney,
  MoneyError,
  money,
  roundToCents,
  times,
  totalsByCurrency,
  zero,
} from './money.js';

const usd = (micros: bigint) => ({ currency: 'USD', micros });

describe('money', () => {
  it.each([
    ['250', 250_000_000n],
    ['0.17', 170_000n],
    ['8.07', 8_070_000n],
    [8.07, 8_070_000n],
    [0.1, 100_000n],
    [250, 250_000_000n],
    ['0.0000005', 1n],
    ['0.0000004', 0n],
    ['-1.5', -1_500_000n],
    [' 12 ', 12_000_000n],
  ])('parses %s exactly', (amount, micros) => {
    expect(money(amount).micros).toBe(micros);
  });

  it.each(['', 'abc', '1,000', '1e3', '.5', 'NaN'])('rejects %j', (amount) => {
    expect(() => money(amount)).toThrow(MoneyError);
  });

  it('rejects non-finite numbers', () => {
    expect(() => money(Number.POSITIVE_INFINITY)).toThrow(MoneyError);
  });

  it('adds without float drift', () => {
    expect(add(money(0.1), money(0.2))).toEqual(money('0.3'));
    let sum = zero();
    for (let i = 0; i < 1000; i++) sum = add(sum, money('0.01'));
    expect(sum).toEqual(money('10'));
  });

  it('refuses to mix currencies', () => {
    expect(() => add(money('1', 'USD'), money('1', 'EUR'))).toThrow(/USD with EUR/);
  });

  it('multiplies by integers, bigints and decimals with half-up rounding', () => {
    expect(times(money('250'), 3)).toEqual(money('750'));
    expect(times(money('0.17'), 730n)).toEqual(money('124.1'));
    expect(times(money('0.000001'), 0.5)).toEqual(usd(1n));
    expect(times(money('10'), 0.333333)).toEqual(money('3.33333'));
  });

  it('totals per currency, sorted by code', () => {
    expect(totalsByCurrency([money('1', 'USD'), money('2', 'EUR'), money('3', 'USD')])).toEqual([
      money('2', 'EUR'),
      money('4', 'USD'),
    ]);
    expect(totalsByCurrency([])).toEqual([]);
  });

  it.each([
    ['1750', 'USD', '$1,750.00'],
    ['0.17', 'USD', '$0.17'],
    ['0.0125', 'USD', '$0.0125'],
    ['1234567.5', 'USD', '$1,234,567.50'],
    ['-3', 'USD', '-$3.00'],
    ['12', 'EUR', '12.00 EUR'],
  ])('formats %s %s as %s', (amount, currency, text) =>
    expect(formatMoney(money(amount, currency))).toBe(text),
  );

  it('rounds to cents half up', () => {
    expect(roundToCents(money('266.125'))).toEqual(money('266.13'));
    expect(roundToCents(money('266.124999'))).toEqual(money('266.12'));
    expect(equals(roundToCents(money('1')), money('1'))).toBe(true);
  });
});
