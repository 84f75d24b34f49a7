/** The report's statistics against values computed by hand (and published t tables). */
import { describe, expect, it } from "vitest";
import { krippendorffAlpha, mean, meanAbsoluteDifference, median, sampleSd, tEstimate, tQuantile } from "../../src/report/stats.js";

describe("basic statistics", () => {
  it("mean, median (odd and even counts), sample sd; empty inputs give null", () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(sampleSd([4, 6, 8])).toBeCloseTo(2, 12);
    expect(mean([])).toBeNull();
    expect(median([])).toBeNull();
    expect(sampleSd([5])).toBeNull();
  });

  it("Student t 97.5% quantiles match the published table", () => {
    const table: Array<[number, number]> = [[1, 12.7062047362], [2, 4.3026527297], [5, 2.5705818356], [10, 2.2281388520], [30, 2.0422724563], [200, 1.9718962236]];
    for (const [df, value] of table) expect(tQuantile(0.975, df)).toBeCloseTo(value, 8);
  });

  it("t-based 95% interval: [4, 6, 8] has mean 6, se 2/√3 and half-width t(0.975, 2)·se", () => {
    const e = tEstimate([4, 6, 8]);
    const se = 2 / Math.sqrt(3);
    expect(e).toMatchObject({ n: 3, mean: 6 });
    expect(e.se).toBeCloseTo(se, 12);
    expect(e.low).toBeCloseTo(6 - 4.3026527297 * se, 8);
    expect(e.high).toBeCloseTo(6 + 4.3026527297 * se, 8);
    expect(tEstimate([7])).toEqual({ n: 1, mean: 7, se: null, low: null, high: null });
    expect(tEstimate([])).toEqual({ n: 0, mean: null, se: null, low: null, high: null });
  });
});

describe("judge agreement", () => {
  it("mean absolute difference: the mean over units of the mean pairwise difference; single-judge units are skipped", () => {
    // [1,3,5]: (2 + 4 + 2) / 3 = 8/3; [2,2]: 0; [9]: skipped.
    expect(meanAbsoluteDifference([[1, 3, 5], [2, 2], [9]])).toBeCloseTo(4 / 3, 12);
    expect(meanAbsoluteDifference([[1], [2]])).toBeNull();
  });

  it("Krippendorff's alpha (interval): 1 - D_o/D_e computed by hand", () => {
    // Values 1,2,3,3,5,4 (n = 6). D_o = (2 + 0 + 2) / 6 = 2/3. D_e = 2·6·Σ(x-3)² / (6·5) = 120/30 = 4. alpha = 1 - 1/6.
    expect(krippendorffAlpha([[1, 2], [3, 3], [5, 4]])).toBeCloseTo(5 / 6, 12);
    // With a unit of one value (not pairable): values 1,2,3,4,4; D_o = 12/2/5 = 1.2; D_e = 2·5·6.8/20 = 3.4.
    expect(krippendorffAlpha([[1, 2, 3], [2], [4, 4]])).toBeCloseTo(1 - 1.2 / 3.4, 12);
    expect(krippendorffAlpha([[1, 1], [2, 2]])).toBeCloseTo(1, 12);
  });

  it("alpha is undefined (null) with fewer than two pairable units or no variation at all", () => {
    expect(krippendorffAlpha([[1, 2]])).toBeNull();
    expect(krippendorffAlpha([[3, 3], [3, 3]])).toBeNull();
  });
});
