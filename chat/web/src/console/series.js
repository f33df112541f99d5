// Arithmetic on two scrapes of the same metrics: counter increases (with resets), rates, histogram deltas and
// quantiles, and the rolling window of plotted points. Pure functions, no DOM.

import { labelKey } from './prometheus.js';

/**
 * How much a counter went up from `previous` to `current`. A counter only goes up; when it went down, the process
 * behind it restarted and counted again from zero, so everything it shows now is new.
 */
export function counterIncrease(previous, current) {
  if (!Number.isFinite(current)) return 0;
  if (!Number.isFinite(previous) || current < previous) return current;
  return current - previous;
}

/**
 * The summed increase of every series of a counter between two scrapes, each series (label set) on its own so that
 * one restarting does not cancel the others. A series not there before started from zero.
 */
export function totalIncrease(previousSamples, currentSamples) {
  const before = new Map(previousSamples.map((s) => [labelKey(s.labels), s.value]));
  let total = 0;
  for (const s of currentSamples) {
    const key = labelKey(s.labels);
    total += counterIncrease(before.has(key) ? before.get(key) : 0, s.value);
  }
  return total;
}

/** Per second over `elapsedMs`; null when no time passed. */
export function perSecond(increase, elapsedMs) {
  if (!(elapsedMs > 0)) return null;
  return increase / (elapsedMs / 1000);
}

/**
 * What one histogram observed between two scrapes, as cumulative {le, count} buckets sorted by `le`. When any bucket
 * went down the histogram restarted: the current buckets are all new. A bucket not there before starts from zero.
 */
export function bucketDeltas(previousBuckets, currentBuckets) {
  const before = new Map((previousBuckets || []).map((b) => [b.le, b.count]));
  const reset = currentBuckets.some((b) => before.has(b.le) && b.count < before.get(b.le));
  const deltas = currentBuckets.map((b) => ({ le: b.le, count: reset ? b.count : b.count - (before.get(b.le) ?? 0) }));
  // Cumulative counts never go down with `le`; a scrape taken while observations were being added may disagree.
  let highest = 0;
  for (const d of deltas) {
    highest = Math.max(highest, d.count);
    d.count = highest;
  }
  return deltas;
}

/**
 * Adds up several label sets' cumulative buckets (Maps from labelKey to buckets, as histogramBuckets returns),
 * taking each set's deltas between the two scrapes first.
 */
export function histogramDeltas(previousBySeries, currentBySeries) {
  const byLe = new Map();
  for (const [key, buckets] of currentBySeries) {
    for (const d of bucketDeltas(previousBySeries.get(key), buckets)) byLe.set(d.le, (byLe.get(d.le) ?? 0) + d.count);
  }
  return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile (0 < q < 1) of what cumulative buckets counted, interpolating linearly within the bucket it falls
 * in (the first bucket starts at 0). Falling in the +Inf bucket gives the highest finite bound. Null when the
 * buckets counted nothing or there is no +Inf bucket to give the total.
 */
export function histogramQuantile(q, buckets) {
  if (!buckets.length || buckets[buckets.length - 1].le !== Infinity) return null;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let i = buckets.findIndex((b) => b.count >= rank);
  if (i < 0) i = buckets.length - 1;
  const upper = buckets[i].le;
  if (upper === Infinity) return i > 0 ? buckets[i - 1].le : null;
  const lower = i > 0 ? buckets[i - 1].le : Math.min(0, upper);
  const below = i > 0 ? buckets[i - 1].count : 0;
  const inBucket = buckets[i].count - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

/** Appends a point {t, ...} and drops the points older than `windowMs` before it; returns the new list. */
export function appendPoint(points, point, windowMs) {
  const from = point.t - windowMs;
  const kept = points.filter((p) => p.t >= from);
  kept.push(point);
  return kept;
}

/** A plotted value as a plain number for data-last: at most 3 decimals, never exponent notation; '' for none. */
export function plainNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}
