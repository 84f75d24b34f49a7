/**
 * The statistics of the run report, as plain functions of numbers: means, the t-based 95%
 * interval, medians, and agreement between judges (mean absolute difference and Krippendorff's
 * alpha with the interval metric). No store, no I/O.
 */

import { mean, median } from "../util/numbers.js";

export { mean, median };

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** The sample standard deviation (n - 1 in the denominator); null below two values. */
export function sampleSd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = sum(xs) / xs.length;
  return Math.sqrt(sum(xs.map((x) => (x - m) ** 2)) / (xs.length - 1));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 / (Math.abs(1 + aa * d) < tiny ? tiny : 1 + aa * d);
    c = Math.abs(1 + aa / c) < tiny ? tiny : 1 + aa / c;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 / (Math.abs(1 + aa * d) < tiny ? tiny : 1 + aa * d);
    c = Math.abs(1 + aa / c) < tiny ? tiny : 1 + aa / c;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (0.5 < p < 1), by bisection on the CDF. */
export function tQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Estimate {
  n: number;
  mean: number | null;
  /** Standard error of the mean: sd / sqrt(n); null below two values. */
  se: number | null;
  /** The 95% interval mean ± t(0.975, n - 1) · se; null below two values. */
  low: number | null;
  high: number | null;
}

/** Mean, standard error and t-based 95% interval of independent values. */
export function tEstimate(xs: readonly number[]): Estimate {
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (m === null || sd === null) return { n: xs.length, mean: m, se: null, low: null, high: null };
  const se = sd / Math.sqrt(xs.length);
  const half = tQuantile(0.975, xs.length - 1) * se;
  return { n: xs.length, mean: m, se, low: m - half, high: m + half };
}

/**
 * Judge disagreement: the mean, over units (audits) with at least two judges' scores, of the mean
 * absolute difference between the pairs of judges. Null when no unit has two scores.
 */
export function meanAbsoluteDifference(units: readonly (readonly number[])[]): number | null {
  const perUnit: number[] = [];
  for (const values of units) {
    if (values.length < 2) continue;
    let total = 0;
    let pairs = 0;
    for (let i = 0; i < values.length; i++) {
      for (let j = i + 1; j < values.length; j++) {
        total += Math.abs(values[i]! - values[j]!);
        pairs++;
      }
    }
    perUnit.push(total / pairs);
  }
  return mean(perUnit);
}

/**
 * Krippendorff's alpha with the interval metric (squared difference): 1 - D_o / D_e over the
 * pairable values (units with at least two values). 1 is perfect agreement, 0 what chance gives.
 * Null when fewer than two units are pairable or every value is the same (D_e = 0).
 */
export function krippendorffAlpha(units: readonly (readonly number[])[]): number | null {
  const pairable = units.filter((u) => u.length >= 2);
  if (pairable.length < 2) return null;
  // Σ over ordered pairs (i, j) of (x_i - x_j)² = 2·m·Σx² - 2·(Σx)²: linear in the number of values.
  const pairSquares = (xs: readonly number[]) => 2 * xs.length * sum(xs.map((x) => x * x)) - 2 * sum(xs) ** 2;
  const all = pairable.flat();
  const n = all.length;
  const observed = sum(pairable.map((values) => pairSquares(values) / (values.length - 1))) / n;
  const expected = pairSquares(all) / (n * (n - 1));
  return expected <= 1e-12 ? null : 1 - observed / expected;
}
