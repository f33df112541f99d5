// A parser for the Prometheus text exposition format (version 0.0.4), enough for what the console reads from
// GET /metrics: HELP and TYPE comments, samples with optional labels and an optional timestamp, and the special
// values +Inf, -Inf and NaN. A line that cannot be read is skipped and noted in `errors`; the rest still counts.

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** A sample value or timestamp as written in the format: a float, or +Inf / -Inf / NaN in any letter case. */
export function parseValue(text) {
  const t = text.toLowerCase();
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) throw new Error(`not a number: ${text}`);
  return Number(t);
}

/** HELP text: `\\` and `\n` are escaped. */
function unescapeHelp(text) {
  return text.replace(/\\(\\|n)/g, (_, c) => (c === 'n' ? '\n' : '\\'));
}

/** Reads one sample line into {name, labels, value, timestamp}; throws with a reason when the line is malformed. */
function parseSampleLine(line) {
  let i = 0;
  const n = line.length;
  const skipBlanks = () => {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
  };

  if (!NAME_START.test(line[i])) throw new Error('a sample line starts with a metric name');
  const nameStart = i;
  while (i < n && NAME_CHAR.test(line[i])) i++;
  const name = line.slice(nameStart, i);
  skipBlanks();

  const labels = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      skipBlanks();
      if (line[i] === '}') {
        i++;
        break;
      }
      if (i >= n || !LABEL_START.test(line[i])) throw new Error('expected a label name');
      const labelStart = i;
      while (i < n && LABEL_CHAR.test(line[i])) i++;
      const label = line.slice(labelStart, i);
      skipBlanks();
      if (line[i] !== '=') throw new Error(`expected = after label ${label}`);
      i++;
      skipBlanks();
      if (line[i] !== '"') throw new Error(`expected a quoted value for label ${label}`);
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new Error(`unterminated value for label ${label}`);
        const c = line[i++];
        if (c === '"') break;
        if (c === '\\' && i < n) {
          const e = line[i++];
          value += e === 'n' ? '\n' : e === '\\' || e === '"' ? e : `\\${e}`;
        } else {
          value += c;
        }
      }
      if (Object.hasOwn(labels, label)) throw new Error(`label ${label} given twice`);
      labels[label] = value;
      skipBlanks();
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error('expected , or } after a label');
    }
    skipBlanks();
  }

  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (rest.length === 0 || rest[0] === '') throw new Error(`no value for ${name}`);
  if (rest.length > 2) throw new Error(`unexpected text after the value of ${name}`);
  const value = parseValue(rest[0]);
  let timestamp = null;
  if (rest.length === 2) {
    if (!/^-?\d+$/.test(rest[1])) throw new Error(`bad timestamp: ${rest[1]}`);
    timestamp = Number(rest[1]);
  }
  return { name, labels, value, timestamp };
}

/**
 * Parses an exposition: `{samples, types, help, errors}`, where `samples` lists {name, labels, value, timestamp} in
 * the text's order, `types` and `help` map a metric family's name to its TYPE and HELP, and `errors` lists
 * {line, text, message} for every line skipped.
 */
export function parsePrometheus(text) {
  const samples = [];
  const types = {};
  const help = {};
  const errors = [];
  const lines = String(text).split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(trimmed);
      if (!m) return; // any other comment
      if (m[1] === 'HELP') help[m[2]] = unescapeHelp(m[3] ?? '');
      else types[m[2]] = (m[3] ?? 'untyped').trim();
      return;
    }
    try {
      samples.push(parseSampleLine(trimmed));
    } catch (e) {
      errors.push({ line: index + 1, text: line, message: e.message });
    }
  });
  return { samples, types, help, errors };
}

function matches(labels, where) {
  for (const [k, v] of Object.entries(where)) if (labels[k] !== v) return false;
  return true;
}

/** The samples named `name` whose labels include every pair of `where`. */
export function select(metrics, name, where = {}) {
  return metrics.samples.filter((s) => s.name === name && matches(s.labels, where));
}

/** The sum of the matching samples' values, or null when there is none (the metric is absent). */
export function sum(metrics, name, where = {}) {
  const found = select(metrics, name, where);
  if (found.length === 0) return null;
  return found.reduce((acc, s) => acc + s.value, 0);
}

/** A stable key for a sample's label set, leaving out the labels named in `except`. */
export function labelKey(labels, except = []) {
  return Object.keys(labels)
    .filter((k) => !except.includes(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/**
 * A histogram's cumulative buckets per label set (other than `le`): a Map from the label key to a list of
 * {le, count} sorted by `le` (+Inf last). Buckets whose `le` is not a number are skipped.
 */
export function histogramBuckets(metrics, base, where = {}) {
  const bySeries = new Map();
  for (const s of select(metrics, `${base}_bucket`, where)) {
    if (!Object.hasOwn(s.labels, 'le')) continue;
    let le;
    try {
      le = parseValue(s.labels.le);
    } catch {
      continue;
    }
    if (Number.isNaN(le)) continue;
    const key = labelKey(s.labels, ['le']);
    if (!bySeries.has(key)) bySeries.set(key, []);
    bySeries.get(key).push({ le, count: s.value });
  }
  for (const list of bySeries.values()) list.sort((a, b) => a.le - b.le);
  return bySeries;
}
