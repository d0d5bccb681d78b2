/** Numbers for `npm run bench`: percentiles, medians, rounding. */

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles, rounded to 0.1 ms. */
export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) =>
    round1(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return {
    n: s.length,
    p50: q(50),
    p95: q(95),
    p99: q(99),
    max: round1(s[s.length - 1]),
    mean: round1(mean),
  };
}

export function median(values: readonly number[]): number {
  return summarize(values).p50;
}

export function round1(x: number | undefined): number {
  return x === undefined ? Number.NaN : Math.round(x * 10) / 10;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
