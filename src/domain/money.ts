/**
 * Money as an integer count of micro-units (1e-6 of the currency unit), so that sums of prices
 * never drift the way binary floats do (0.1 + 0.2). AWS sends Device Farm prices as JSON doubles
 * and MediaConnect prices as decimal strings; both are parsed through their decimal text.
 */
export interface Money {
  readonly currency: string;
  readonly micros: bigint;
}

const MICROS_PER_UNIT = 1_000_000n;
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

/** Parses a decimal amount ("250", "0.17", 8.07) exactly; digits past the sixth decimal are rounded half up. */
export function money(amount: string | number, currency = 'USD'): Money {
  const text = typeof amount === 'number' ? numberToDecimal(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new MoneyError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const padded = `${fraction}0000000`;
  let micros = BigInt(whole) * MICROS_PER_UNIT + BigInt(padded.slice(0, 6));
  if (Number(padded[6]) >= 5) micros += 1n;
  return { currency, micros: sign ? -micros : micros };
}

function numberToDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyError(`not a finite amount: ${value}`);
  // toFixed avoids exponent notation; 9 places keeps every digit a double of a price can carry.
  return value.toFixed(9);
}

export function zero(currency = 'USD'): Money {
  return { currency, micros: 0n };
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { currency: a.currency, micros: a.micros + b.micros };
}

/** Multiplies by an exact integer or decimal factor (a quantity, hours, Mbps). */
export function times(m: Money, factor: number | bigint): Money {
  if (typeof factor === 'bigint') return { currency: m.currency, micros: m.micros * factor };
  if (Number.isInteger(factor)) return { currency: m.currency, micros: m.micros * BigInt(factor) };
  const f = money(factor, m.currency).micros;
  return { currency: m.currency, micros: roundDiv(m.micros * f, MICROS_PER_UNIT) };
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.micros === b.micros;
}

function roundDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}`);
  }
}

/** Sums amounts per currency; the result is sorted by currency code for stable display. */
export function totalsByCurrency(amounts: Iterable<Money>): Money[] {
  const sums = new Map<string, bigint>();
  for (const m of amounts) sums.set(m.currency, (sums.get(m.currency) ?? 0n) + m.micros);
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, micros]) => ({ currency, micros }));
}

/**
 * Formats for people: two decimals (cents) unless the amount carries finer digits, e.g. an hourly
 * MediaConnect price of 0.0125. `$` is used for USD, the ISO code otherwise.
 */
export function formatMoney(m: Money, opts: { minDecimals?: number } = {}): string {
  const negative = m.micros < 0n;
  const abs = negative ? -m.micros : m.micros;
  const whole = abs / MICROS_PER_UNIT;
  let fraction = (abs % MICROS_PER_UNIT).toString().padStart(6, '0').replace(/0+$/, '');
  const min = opts.minDecimals ?? 2;
  if (fraction.length < min) fraction = fraction.padEnd(min, '0');
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const amount = fraction ? `${grouped}.${fraction}` : grouped;
  const signed = negative ? `-${amount}` : amount;
  return m.currency === 'USD' ? `$${signed}`.replace('$-', '-$') : `${signed} ${m.currency}`;
}

/** Rounds to whole cents (half up), for costs that AWS bills in cents. */
export function roundToCents(m: Money): Money {
  return { currency: m.currency, micros: roundDiv(m.micros, 10_000n) * 10_000n };
}
