// How the console writes values: message data, times, durations, counts. Pure functions.

/** Message data as text: strings as they are, JSON values as JSON, binary as its size and first bytes in hex. */
export function dataText(data) {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return data;
  let bytes = null;
  if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes) {
    const head = [...bytes.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return `(${bytes.length} bytes) ${head}${bytes.length > 16 ? ' …' : ''}`;
  }
  try {
    return JSON.stringify(data);
  } catch {
    return String(data);
  }
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

/** A timestamp (ms) as local HH:MM:SS.mmm, with the date in front when it is not `now`'s day. */
export function formatTime(ms, now = Date.now()) {
  if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return '';
  const d = new Date(Number(ms));
  const today = new Date(now);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** A number for a table or the numbers panel: '–' for none, thousands separated, up to `decimals` decimals. */
export function formatNumber(value, decimals = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/**
 * Presence members by clientId, sorted: one entry per clientId with how many connections it is present on and the
 * latest data seen for it (members are {clientId, connectionId, data, timestamp}).
 */
export function membersByClient(members) {
  const byId = new Map();
  for (const m of members) {
    const id = m.clientId ?? '';
    const entry = byId.get(id);
    if (!entry) {
      byId.set(id, { clientId: id, connections: 1, data: m.data, timestamp: m.timestamp ?? null });
    } else {
      entry.connections += 1;
      if ((m.timestamp ?? 0) >= (entry.timestamp ?? 0)) {
        entry.data = m.data;
        entry.timestamp = m.timestamp ?? entry.timestamp;
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.clientId.localeCompare(b.clientId));
}

/** Keeps a newest-first list at `limit` entries after adding `item` in front. */
export function prependBounded(list, item, limit) {
  const next = [item, ...list];
  if (next.length > limit) next.length = limit;
  return next;
}
