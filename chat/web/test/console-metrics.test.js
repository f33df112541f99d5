import { describe, it, expect } from 'vitest';
import { parsePrometheus } from '../src/console/prometheus.js';
import { plotValues, numbers, counterRate } from '../src/console/metrics.js';

function scrape(at, lines) {
  return { at, metrics: parsePrometheus(lines.join('\n')) };
}

function exposition({ realtime, rest, out, ws, comet, buckets, lag, ack = [0, 0, 0] }) {
  const lines = [
    '# TYPE switchboard_connections gauge',
    `switchboard_connections{transport="websocket",format="json"} ${ws}`,
    `switchboard_connections{transport="comet",format="json"} ${comet}`,
    '# TYPE switchboard_messages_in_total counter',
    `switchboard_messages_in_total{source="realtime"} ${realtime}`,
    `switchboard_messages_in_total{source="rest"} ${rest}`,
    '# TYPE switchboard_messages_out_total counter',
    `switchboard_messages_out_total ${out}`,
    '# TYPE switchboard_fanout_seconds histogram',
    `switchboard_fanout_seconds_bucket{le="0.001"} ${buckets[0]}`,
    `switchboard_fanout_seconds_bucket{le="0.01"} ${buckets[1]}`,
    `switchboard_fanout_seconds_bucket{le="0.1"} ${buckets[2]}`,
    `switchboard_fanout_seconds_bucket{le="+Inf"} ${buckets[3]}`,
    `switchboard_fanout_seconds_count ${buckets[3]}`,
    'switchboard_fanout_seconds_sum 0.5',
    `switchboard_publish_ack_seconds_bucket{le="0.001"} ${ack[0]}`,
    `switchboard_publish_ack_seconds_bucket{le="+Inf"} ${ack[1]}`,
    `switchboard_publish_ack_seconds_count ${ack[1]}`,
    `switchboard_publish_ack_seconds_sum ${ack[2]}`,
    'switchboard_channels 4',
    'switchboard_attachments 9',
    'switchboard_presence_members 2',
    'switchboard_cluster_nodes 1',
    'switchboard_refusals_total{code="42910"} 3',
    'switchboard_refusals_total{code="40160"} 1',
    'switchboard_rule_backlog{rule="chat-persistence"} 5',
  ];
  if (lag !== undefined) lines.push('# TYPE switchboard_connector_lag_seconds gauge', `switchboard_connector_lag_seconds ${lag}`);
  return lines;
}

const first = scrape(10_000, exposition({ realtime: 100, rest: 10, out: 400, ws: 3, comet: 1, buckets: [50, 60, 60, 60], lag: 0.25 }));
const second = scrape(12_000, exposition({ realtime: 140, rest: 20, out: 600, ws: 5, comet: 0, buckets: [148, 158, 160, 160], lag: 0.5 }));

describe('plotValues', () => {
  it('has only the gauges on the first scrape', () => {
    expect(plotValues(null, first)).toEqual({
      messagesIn: null,
      messagesOut: null,
      connections: 4,
      fanoutP99Ms: null,
      connectorLagMs: 250,
    });
  });

  it('computes rates, connections, the interval p99 and the lag', () => {
    const v = plotValues(first, second);
    expect(v.messagesIn).toBe((40 + 10) / 2); // every source, over 2 s
    expect(v.messagesOut).toBe(200 / 2);
    expect(v.connections).toBe(5);
    // 100 fan-outs in the interval: 98 within 1 ms, 2 in (10 ms, 100 ms]; rank 99 is halfway into that bucket.
    expect(v.fanoutP99Ms).toBeCloseTo(55, 9);
    expect(v.connectorLagMs).toBe(500);
  });

  it('handles a server restart: counters and the histogram count from zero again', () => {
    const restarted = scrape(13_000, exposition({ realtime: 3, rest: 0, out: 6, ws: 1, comet: 0, buckets: [2, 2, 2, 2] }));
    const v = plotValues(second, restarted);
    expect(v.messagesIn).toBe(3);
    expect(v.messagesOut).toBe(6);
    expect(v.fanoutP99Ms).toBeCloseTo(0.99, 9); // 2 fan-outs within the first bucket (0, 1 ms]
    expect(v.connectorLagMs).toBeNull(); // no connector any more
  });

  it('plots a p99 of 0 when nothing was fanned out in the interval', () => {
    const same = scrape(13_000, exposition({ realtime: 140, rest: 20, out: 600, ws: 5, comet: 0, buckets: [148, 158, 160, 160] }));
    expect(plotValues(second, same).fanoutP99Ms).toBe(0);
    expect(plotValues(second, same).messagesIn).toBe(0);
  });

  it('shows no connections and no rate for metrics that are absent', () => {
    const empty = scrape(1000, []);
    const later = scrape(2000, []);
    expect(plotValues(empty, later)).toEqual({ messagesIn: 0, messagesOut: 0, connections: 0, fanoutP99Ms: 0, connectorLagMs: null });
    expect(counterRate(null, later, 'switchboard_messages_in_total')).toBeNull();
  });
});

describe('numbers', () => {
  it('reads the gauges, the totals by label and the publish ACK times', () => {
    const a = scrape(0, exposition({ realtime: 1, rest: 0, out: 0, ws: 0, comet: 0, buckets: [0, 0, 0, 0], ack: [10, 10, 0.005] }));
    const b = scrape(1000, exposition({ realtime: 2, rest: 0, out: 0, ws: 0, comet: 0, buckets: [0, 0, 0, 0], ack: [10, 20, 0.06] }));
    const n = numbers(a, b);
    expect(n.channels).toBe(4);
    expect(n.attachments).toBe(9);
    expect(n.presenceMembers).toBe(2);
    expect(n.clusterNodes).toBe(1);
    expect(n.messagesIn).toBe(2);
    expect(n.messagesInBySource).toEqual({ realtime: 2, rest: 0 });
    expect(n.refusals).toBe(4);
    expect(n.refusalsByCode).toEqual({ 42910: 3, 40160: 1 });
    expect(n.ruleBacklog).toEqual({ 'chat-persistence': 5 });
    expect(n.publishAckP99Ms).toBe(1); // all 10 of the interval above 1 ms: the highest finite bound
    expect(n.publishAckMeanMs).toBeCloseTo(3, 9); // 0.06 s / 20
    expect(numbers(null, b).publishAckP99Ms).toBeNull();
  });
});
