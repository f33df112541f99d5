import { describe, it, expect } from 'vitest';
import {
  counterIncrease, totalIncrease, perSecond, bucketDeltas, histogramDeltas, histogramQuantile, appendPoint, plainNumber,
} from '../src/console/series.js';

const sample = (labels, value) => ({ name: 'c', labels, value, timestamp: null });
const buckets = (pairs) => pairs.map(([le, count]) => ({ le, count }));

describe('counterIncrease', () => {
  it('is the difference while the counter goes up', () => {
    expect(counterIncrease(10, 15)).toBe(5);
    expect(counterIncrease(10, 10)).toBe(0);
  });
  it('restarts from zero when the counter went down (a reset)', () => {
    expect(counterIncrease(100, 3)).toBe(3);
    expect(counterIncrease(100, 0)).toBe(0);
  });
  it('counts nothing for a value that is not finite', () => {
    expect(counterIncrease(10, NaN)).toBe(0);
    expect(counterIncrease(NaN, 4)).toBe(4);
  });
});

describe('totalIncrease', () => {
  it('adds each series increase, a reset in one not cancelling another', () => {
    const before = [sample({ source: 'realtime' }, 100), sample({ source: 'rest' }, 50)];
    const after = [sample({ source: 'realtime' }, 130), sample({ source: 'rest' }, 4)];
    expect(totalIncrease(before, after)).toBe(30 + 4);
  });
  it('counts a series that appeared from zero and ignores one that went away', () => {
    const before = [sample({ code: '1' }, 5), sample({ code: 'gone' }, 9)];
    const after = [sample({ code: '1' }, 6), sample({ code: 'new' }, 2)];
    expect(totalIncrease(before, after)).toBe(1 + 2);
  });
  it('matches series whatever their labels order', () => {
    expect(totalIncrease([sample({ a: '1', b: '2' }, 1)], [sample({ b: '2', a: '1' }, 4)])).toBe(3);
  });
});

describe('perSecond', () => {
  it('divides by the elapsed seconds', () => {
    expect(perSecond(30, 2000)).toBe(15);
    expect(perSecond(5, 500)).toBe(10);
  });
  it('is null when no time passed', () => {
    expect(perSecond(5, 0)).toBeNull();
    expect(perSecond(5, -10)).toBeNull();
  });
});

describe('bucketDeltas', () => {
  it('subtracts the previous cumulative counts bucket by bucket', () => {
    const before = buckets([[0.01, 10], [0.1, 20], [Infinity, 25]]);
    const after = buckets([[0.01, 15], [0.1, 40], [Infinity, 50]]);
    expect(bucketDeltas(before, after)).toEqual(buckets([[0.01, 5], [0.1, 20], [Infinity, 25]]));
  });
  it('takes the current counts as all new after a reset', () => {
    const before = buckets([[0.01, 10], [0.1, 20], [Infinity, 25]]);
    const after = buckets([[0.01, 1], [0.1, 2], [Infinity, 3]]);
    expect(bucketDeltas(before, after)).toEqual(after);
  });
  it('starts a bucket not seen before from zero, and works without a previous scrape', () => {
    expect(bucketDeltas(buckets([[Infinity, 2]]), buckets([[0.5, 1], [Infinity, 4]]))).toEqual(buckets([[0.5, 1], [Infinity, 2]]));
    expect(bucketDeltas(undefined, buckets([[1, 1], [Infinity, 2]]))).toEqual(buckets([[1, 1], [Infinity, 2]]));
  });
  it('keeps cumulative counts from going down across buckets', () => {
    const before = buckets([[0.01, 0], [0.1, 0], [Infinity, 5]]);
    const after = buckets([[0.01, 3], [0.1, 3], [Infinity, 6]]);
    expect(bucketDeltas(before, after)).toEqual(buckets([[0.01, 3], [0.1, 3], [Infinity, 3]]));
  });
});

describe('histogramDeltas', () => {
  it('adds the label sets deltas by bucket bound', () => {
    const before = new Map([['node="a"', buckets([[1, 1], [Infinity, 2]])], ['node="b"', buckets([[1, 10], [Infinity, 10]])]]);
    const after = new Map([['node="a"', buckets([[1, 3], [Infinity, 5]])], ['node="b"', buckets([[1, 2], [Infinity, 2]])]]);
    // a: +2 / +3; b restarted: 2 / 2
    expect(histogramDeltas(before, after)).toEqual(buckets([[1, 4], [Infinity, 5]]));
  });
});

describe('histogramQuantile', () => {
  it('interpolates linearly within the bucket the rank falls in', () => {
    // 100 observations: 10 up to 1 ms, 30 more up to 5 ms, 50 more up to 10 ms, 10 above.
    const b = buckets([[0.001, 10], [0.005, 40], [0.01, 90], [Infinity, 100]]);
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.005 + 0.005 * (10 / 50), 12);
    expect(histogramQuantile(0.05, b)).toBeCloseTo(0.0005, 12); // first bucket from 0
    expect(histogramQuantile(0.4, b)).toBeCloseTo(0.005, 12);
  });
  it('gives the highest finite bound when the rank falls in +Inf', () => {
    const b = buckets([[0.001, 10], [0.005, 40], [0.01, 90], [Infinity, 100]]);
    expect(histogramQuantile(0.99, b)).toBe(0.01);
    expect(histogramQuantile(0.99, buckets([[Infinity, 3]]))).toBeNull();
  });
  it('is the p99 of one interval when given bucket deltas', () => {
    const before = buckets([[0.001, 1000], [0.01, 1000], [0.1, 1000], [Infinity, 1000]]);
    // This interval: 100 fan-outs, 98 of them within 1 ms, 2 between 10 and 100 ms.
    const after = buckets([[0.001, 1098], [0.01, 1098], [0.1, 1100], [Infinity, 1100]]);
    const p99 = histogramQuantile(0.99, bucketDeltas(before, after));
    expect(p99).toBeCloseTo(0.01 + 0.09 * 0.5, 12); // rank 99 = the first of the 2 in (10 ms, 100 ms]
    // The cumulative counts alone would hide them under the 1,000 earlier ones.
    expect(histogramQuantile(0.99, after)).toBeLessThan(0.001);
  });
  it('is null when nothing was counted or there is no +Inf bucket', () => {
    expect(histogramQuantile(0.99, buckets([[0.1, 0], [Infinity, 0]]))).toBeNull();
    expect(histogramQuantile(0.99, buckets([[0.1, 5]]))).toBeNull();
    expect(histogramQuantile(0.99, [])).toBeNull();
  });
});

describe('appendPoint', () => {
  it('keeps the points within the window before the new one', () => {
    let points = [];
    for (let t = 0; t <= 10_000; t += 1000) points = appendPoint(points, { t, value: t }, 5000);
    expect(points.map((p) => p.t)).toEqual([5000, 6000, 7000, 8000, 9000, 10000]);
  });
});

describe('plainNumber', () => {
  it('writes a plain number with at most 3 decimals', () => {
    expect(plainNumber(12)).toBe('12');
    expect(plainNumber(0.1 + 0.2)).toBe('0.3');
    expect(plainNumber(1 / 3)).toBe('0.333');
    expect(plainNumber(1e-9)).toBe('0');
    expect(plainNumber(-1e-9)).toBe('0');
    expect(plainNumber(123456.7891)).toBe('123456.789');
  });
  it('writes nothing for no value', () => {
    expect(plainNumber(null)).toBe('');
    expect(plainNumber(NaN)).toBe('');
    expect(plainNumber(Infinity)).toBe('');
  });
});
