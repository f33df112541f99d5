// From scrapes of GET /metrics to what the console shows: the four plots' values and the numbers panel.
// A scrape is {at (ms), metrics (parsePrometheus's result)}.

import { select, sum, histogramBuckets } from './prometheus.js';
import { totalIncrease, perSecond, histogramDeltas, histogramQuantile } from './series.js';

export const METRIC = {
  connections: 'switchboard_connections',
  messagesIn: 'switchboard_messages_in_total',
  messagesOut: 'switchboard_messages_out_total',
  fanout: 'switchboard_fanout_seconds',
  publishAck: 'switchboard_publish_ack_seconds',
  connectorLag: 'switchboard_connector_lag_seconds',
  channels: 'switchboard_channels',
  attachments: 'switchboard_attachments',
  presenceMembers: 'switchboard_presence_members',
  refusals: 'switchboard_refusals_total',
  ruleBacklog: 'switchboard_rule_backlog',
  clusterNodes: 'switchboard_cluster_nodes',
};

/** A counter's summed rate per second between two scrapes (every label set), or null without a previous scrape. */
export function counterRate(previous, current, name) {
  if (!previous) return null;
  const increase = totalIncrease(select(previous.metrics, name), select(current.metrics, name));
  return perSecond(increase, current.at - previous.at);
}

/** A histogram's q-quantile over what it observed between two scrapes, in its own unit; null when nothing. */
export function intervalQuantile(previous, current, base, q) {
  if (!previous) return null;
  const deltas = histogramDeltas(histogramBuckets(previous.metrics, base), histogramBuckets(current.metrics, base));
  return histogramQuantile(q, deltas);
}

/**
 * The plots' values for one scrape, given the one before (null for the first):
 * - messagesIn / messagesOut: messages per second (null on the first scrape, which has nothing to compare to);
 * - connections: the sum over transports and formats (0 when absent);
 * - fanoutP99Ms: p99 of the fan-out time over the interval in ms; 0 when nothing was fanned out in it
 *   (null on the first scrape);
 * - connectorLagMs: the connector's lag in ms, null when the gauge is absent (no connector).
 */
export function plotValues(previous, current) {
  const messagesIn = counterRate(previous, current, METRIC.messagesIn);
  const messagesOut = counterRate(previous, current, METRIC.messagesOut);
  const p99 = previous ? intervalQuantile(previous, current, METRIC.fanout, 0.99) : null;
  const lag = sum(current.metrics, METRIC.connectorLag);
  return {
    messagesIn,
    messagesOut,
    connections: sum(current.metrics, METRIC.connections) ?? 0,
    fanoutP99Ms: previous ? (p99 === null ? 0 : p99 * 1000) : null,
    connectorLagMs: lag === null ? null : lag * 1000,
  };
}

function byLabel(metrics, name, label) {
  const out = {};
  for (const s of select(metrics, name)) {
    const key = s.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** The numbers panel: current gauges, counters since start, and the publish ACK p99 over the last interval. */
export function numbers(previous, current) {
  const m = current.metrics;
  const ackP99 = intervalQuantile(previous, current, METRIC.publishAck, 0.99);
  const ackCount = sum(m, `${METRIC.publishAck}_count`);
  const ackSum = sum(m, `${METRIC.publishAck}_sum`);
  return {
    channels: sum(m, METRIC.channels),
    attachments: sum(m, METRIC.attachments),
    presenceMembers: sum(m, METRIC.presenceMembers),
    clusterNodes: sum(m, METRIC.clusterNodes),
    messagesIn: sum(m, METRIC.messagesIn),
    messagesInBySource: byLabel(m, METRIC.messagesIn, 'source'),
    messagesOut: sum(m, METRIC.messagesOut),
    publishAckP99Ms: ackP99 === null ? null : ackP99 * 1000,
    publishAckMeanMs: ackCount > 0 && ackSum !== null ? (ackSum / ackCount) * 1000 : null,
    refusals: sum(m, METRIC.refusals),
    refusalsByCode: byLabel(m, METRIC.refusals, 'code'),
    ruleBacklog: byLabel(m, METRIC.ruleBacklog, 'rule'),
  };
}
