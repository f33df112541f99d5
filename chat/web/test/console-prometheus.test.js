import { describe, it, expect } from 'vitest';
import { parsePrometheus, parseValue, select, sum, histogramBuckets, labelKey } from '../src/console/prometheus.js';

// What a scrape of GET /metrics looks like, with the awkward parts of the format on purpose.
const FIXTURE = [
  '# HELP switchboard_connections Open connections by transport and format.',
  '# TYPE switchboard_connections gauge',
  'switchboard_connections{transport="websocket",format="json"} 3',
  'switchboard_connections{transport="websocket",format="msgpack"} 1',
  'switchboard_connections{transport="comet",format="json"} 0',
  '# HELP switchboard_messages_in_total Messages accepted, by source.',
  '# TYPE switchboard_messages_in_total counter',
  'switchboard_messages_in_total{source="realtime"} 120',
  'switchboard_messages_in_total{source="rest"} 7 1712345678901',
  'switchboard_messages_in_total{source="connector"} 0',
  '# A comment that is neither HELP nor TYPE',
  '',
  '# HELP switchboard_refusals_total Refused requests; a "quoted" help with a \\\\ backslash\\nand a new line.',
  '# TYPE switchboard_refusals_total counter',
  'switchboard_refusals_total{code="40160",reason="say \\"no\\" \\\\ twice\\nplease"} 2',
  '# TYPE switchboard_fanout_seconds histogram',
  'switchboard_fanout_seconds_bucket{le="0.001"} 10',
  'switchboard_fanout_seconds_bucket{le="0.005"} 40',
  'switchboard_fanout_seconds_bucket{le="0.01"} 90',
  'switchboard_fanout_seconds_bucket{le="+Inf"} 100',
  'switchboard_fanout_seconds_count 100',
  'switchboard_fanout_seconds_sum 0.42',
  '# TYPE switchboard_connector_lag_seconds gauge',
  'switchboard_connector_lag_seconds NaN',
  'switchboard_odd{a="}{,=",b="x",} -Inf',
  'switchboard_exp 1.5e-3',
].join('\r\n');

describe('parseValue', () => {
  it('reads floats and the special values', () => {
    expect(parseValue('42')).toBe(42);
    expect(parseValue('-0.5')).toBe(-0.5);
    expect(parseValue('1e3')).toBe(1000);
    expect(parseValue('+Inf')).toBe(Infinity);
    expect(parseValue('-Inf')).toBe(-Infinity);
    expect(parseValue('NaN')).toBeNaN();
  });
  it('refuses what is not a number', () => {
    expect(() => parseValue('abc')).toThrow();
    expect(() => parseValue('1,5')).toThrow();
    expect(() => parseValue('')).toThrow();
  });
});

describe('parsePrometheus', () => {
  const m = parsePrometheus(FIXTURE);

  it('reads every sample, in order, with no error', () => {
    expect(m.errors).toEqual([]);
    expect(m.samples).toHaveLength(16);
    expect(m.samples[0]).toEqual({
      name: 'switchboard_connections',
      labels: { transport: 'websocket', format: 'json' },
      value: 3,
      timestamp: null,
    });
  });

  it('keeps HELP (unescaped) and TYPE per family', () => {
    expect(m.types.switchboard_connections).toBe('gauge');
    expect(m.types.switchboard_fanout_seconds).toBe('histogram');
    expect(m.help.switchboard_connections).toBe('Open connections by transport and format.');
    expect(m.help.switchboard_refusals_total).toBe('Refused requests; a "quoted" help with a \\ backslash\nand a new line.');
  });

  it('unescapes label values', () => {
    const [refusal] = select(m, 'switchboard_refusals_total');
    expect(refusal.labels).toEqual({ code: '40160', reason: 'say "no" \\ twice\nplease' });
    expect(refusal.value).toBe(2);
  });

  it('reads label values with braces, commas and equals signs, and a trailing comma', () => {
    const [odd] = select(m, 'switchboard_odd');
    expect(odd.labels).toEqual({ a: '}{,=', b: 'x' });
    expect(odd.value).toBe(-Infinity);
  });

  it('reads timestamps, NaN and exponents', () => {
    expect(select(m, 'switchboard_messages_in_total', { source: 'rest' })[0].timestamp).toBe(1712345678901);
    expect(select(m, 'switchboard_connector_lag_seconds')[0].value).toBeNaN();
    expect(select(m, 'switchboard_exp')[0].value).toBe(0.0015);
  });

  it('sums samples, filtered by labels, and tells an absent metric from zero', () => {
    expect(sum(m, 'switchboard_connections')).toBe(4);
    expect(sum(m, 'switchboard_connections', { transport: 'websocket' })).toBe(4);
    expect(sum(m, 'switchboard_connections', { transport: 'comet' })).toBe(0);
    expect(sum(m, 'switchboard_messages_in_total')).toBe(127);
    expect(sum(m, 'switchboard_cluster_nodes')).toBeNull();
  });

  it('gives a histogram its sorted buckets, +Inf last', () => {
    const buckets = histogramBuckets(m, 'switchboard_fanout_seconds');
    expect([...buckets.keys()]).toEqual(['']);
    expect(buckets.get('')).toEqual([
      { le: 0.001, count: 10 },
      { le: 0.005, count: 40 },
      { le: 0.01, count: 90 },
      { le: Infinity, count: 100 },
    ]);
    expect(sum(m, 'switchboard_fanout_seconds_count')).toBe(100);
    expect(sum(m, 'switchboard_fanout_seconds_sum')).toBe(0.42);
  });

  it('sorts buckets given out of order and keeps label sets apart', () => {
    const h = parsePrometheus([
      'h_bucket{node="b",le="+Inf"} 5',
      'h_bucket{node="a",le="1"} 1',
      'h_bucket{le="0.5",node="a"} 0',
      'h_bucket{node="a",le="+Inf"} 2',
    ].join('\n'));
    const buckets = histogramBuckets(h, 'h');
    expect(buckets.get('node="a"')).toEqual([{ le: 0.5, count: 0 }, { le: 1, count: 1 }, { le: Infinity, count: 2 }]);
    expect(buckets.get('node="b"')).toEqual([{ le: Infinity, count: 5 }]);
  });

  it('skips malformed lines, naming them, and keeps the rest', () => {
    const bad = parsePrometheus([
      'good 1',
      'no_value',
      'bad_label{a=b} 1',
      'unterminated{a="x} 1',
      'not_a_number NaNa',
      'too many 1 2 3',
      '{a="b"} 1',
      'also_good{x="y"} 2',
    ].join('\n'));
    expect(bad.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(bad.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(bad.errors[0].message).toMatch(/no value/);
  });

  it('reads an empty answer as no samples', () => {
    expect(parsePrometheus('')).toEqual({ samples: [], types: {}, help: {}, errors: [] });
  });
});

describe('labelKey', () => {
  it('does not depend on the labels order and can leave some out', () => {
    expect(labelKey({ b: '2', a: '1' })).toBe(labelKey({ a: '1', b: '2' }));
    expect(labelKey({ a: '1', le: '0.5' }, ['le'])).toBe('a="1"');
    expect(labelKey({})).toBe('');
  });
});
