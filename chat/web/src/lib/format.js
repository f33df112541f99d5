// Formatting of the "by <username> at <time>" line under each message.

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** Time of day, plus the date when `ts` is not today (and the year when not this year). */
export function formatTimestamp(ts, now = Date.now(), locale = undefined) {
  const n = Number(ts);
  if (!Number.isFinite(n) || n <= 0) return '';
  const d = new Date(n);
  const today = new Date(now);
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(d);
  if (sameDay(d, today)) return time;
  const dateOpts = { day: 'numeric', month: 'short' };
  if (d.getFullYear() !== today.getFullYear()) dateOpts.year = 'numeric';
  const date = new Intl.DateTimeFormat(locale, dateOpts).format(d);
  return `${date}, ${time}`;
}

export function formatMeta(username, ts, now = Date.now(), locale = undefined) {
  const when = formatTimestamp(ts, now, locale);
  const who = username && String(username).length ? String(username) : 'unknown';
  return when ? `by ${who} at ${when}` : `by ${who}`;
}

/** Full date and time for a tooltip / <time datetime>. */
export function isoTimestamp(ts) {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? new Date(n).toISOString() : undefined;
}
