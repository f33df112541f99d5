// The message list: rows from the database (history endpoint and live change events
// on incoming-chat) merged by msg_id, plus the page's own messages that are still on
// their way through the database ("pending").
//
// Invariants
// - One entry per msg_id. A row that arrives twice (rewind replay, history overlap,
//   redelivery) updates the entry instead of adding a second one.
// - Confirmed entries are ordered by incremental_record_id; pending ones follow in the
//   order they were sent.
// - The list covers a contiguous range of record ids: [oldestId, newest]. Once the
//   history endpoint told us where that range starts, older rows that arrive live are
//   left out (they come back through "Load earlier messages").
// - Text is never made older: an INSERT replay does not overwrite an entry's text, and
//   a history row overwrites text only if no live UPDATE was applied to the entry after
//   the history request was sent.
// - A row the table no longer has (a DELETE event) stays out: a later replay or an older
//   history page does not bring it back. A row the author deleted stays, marked deleted.

/** Parse the `data` of an incoming-chat message: a JSON string (or, leniently, an object). */
export function parseChangeEvent(data) {
  let payload = data;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      return null;
    }
  }
  if (!payload || typeof payload !== 'object') return null;
  if (payload.table && payload.table !== 'chat_data') return null;
  const type = typeof payload.type === 'string' ? payload.type.toUpperCase() : '';
  if (type !== 'INSERT' && type !== 'UPDATE' && type !== 'DELETE') return null;
  const row = normalizeRow(payload.row);
  if (!row) return null;
  return { type, row };
}

function toBool(v) {
  return v === true || v === 't' || v === 'true' || v === 1;
}

function toNumber(v) {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Row object from the database (snake_case, values possibly strings) → list entry fields. */
export function normalizeRow(row) {
  if (!row || typeof row !== 'object') return null;
  const msgId = row.msg_id == null ? '' : String(row.msg_id);
  if (!msgId) return null;
  return {
    msgId,
    recordId: toNumber(row.incremental_record_id),
    username: row.username == null ? '' : String(row.username),
    text: row.msg_data == null ? '' : String(row.msg_data),
    clientId: row.client_id == null ? null : String(row.client_id),
    createdAt: toNumber(row.created_at_timestamp),
    edited: toBool(row.is_edited),
    deleted: toBool(row.is_deleted),
  };
}

export function createMessageStore() {
  return {
    byId: new Map(),
    // msg_ids whose rows were removed from the table: never shown again.
    removed: new Set(),
    // Start of the contiguous range we hold; null = unknown yet (no history page), 0 = all.
    oldestId: null,
    // Logical clock for "which is newer": live UPDATEs vs history snapshots.
    clock: 0,
    seq: 0,
  };
}

/** Stamp to pass to applyHistoryPage for a history request sent now. */
export function historyRequestStamp(store) {
  return store.clock;
}

function inRange(store, recordId) {
  return store.oldestId === null || recordId === null || recordId >= store.oldestId;
}

function fromRow(store, row) {
  return {
    ...row,
    pending: false,
    failed: false,
    waiting: false,
    pendingEdit: null,
    editFailed: false,
    pendingDelete: false,
    deleteFailReason: null,
    liveStamp: null,
    seq: ++store.seq,
  };
}

/**
 * Apply one row. source: 'insert' | 'update' (live change events) | 'history'.
 * historyStamp: for 'history', the value of historyRequestStamp() when the request was sent.
 * Returns 'added' | 'changed' | 'ignored'.
 */
export function applyRow(store, row, source, historyStamp = Infinity) {
  if (!row || !row.msgId || store.removed.has(row.msgId)) return 'ignored';
  const existing = store.byId.get(row.msgId);

  if (!existing) {
    if (!inRange(store, row.recordId)) return 'ignored';
    const entry = fromRow(store, row);
    if (source === 'update') entry.liveStamp = ++store.clock;
    store.byId.set(row.msgId, entry);
    return 'added';
  }

  if (existing.pending) {
    // Our own message came back from the database: it is now the row.
    const pendingEdit = existing.pendingEdit;
    const entry = { ...fromRow(store, row), seq: existing.seq };
    if (source === 'update') entry.liveStamp = ++store.clock;
    entry.pendingEdit = pendingEdit && pendingEdit !== entry.text ? pendingEdit : null;
    store.byId.set(row.msgId, entry);
    return 'changed';
  }

  // Fill in fields a previous version may have lacked; never change identity.
  const next = { ...existing };
  if (next.recordId === null && row.recordId !== null) next.recordId = row.recordId;
  if (next.createdAt === null && row.createdAt !== null) next.createdAt = row.createdAt;
  if (!next.clientId && row.clientId) next.clientId = row.clientId;

  if (source === 'update' && row.deleted) {
    next.text = '';
    next.deleted = true;
    next.pendingEdit = null;
    next.pendingDelete = false;
    next.editFailed = false;
    next.liveStamp = ++store.clock;
  } else if (source === 'update') {
    next.text = row.text;
    next.edited = true; // an UPDATE of chat_data is an edit
    next.username = row.username || next.username;
    next.liveStamp = ++store.clock;
    if (next.pendingEdit !== null && next.pendingEdit === row.text) next.pendingEdit = null;
    next.editFailed = false;
  } else if (source === 'history') {
    if (next.liveStamp === null || next.liveStamp <= historyStamp) {
      next.text = row.text;
      next.edited = row.edited;
      next.deleted = row.deleted;
      next.username = row.username || next.username;
      if (next.pendingEdit !== null && next.pendingEdit === row.text) next.pendingEdit = null;
      if (row.deleted) next.pendingDelete = false;
    }
  }
  // source 'insert' on a known entry: a replay; the entry's text may already be edited.

  const changed = Object.keys(next).some((k) => next[k] !== existing[k]);
  if (!changed) return 'ignored';
  store.byId.set(row.msgId, next);
  return 'changed';
}

/**
 * Merge one page from GET /chat/messages.
 * mode: 'initial' (latest page on open), 'older' (a "before=" page), 'resync' (latest page
 * after a reconnect that may have missed events).
 * Returns { added, changed }.
 */
export function applyHistoryPage(store, rows, { hasMore, mode, stamp = Infinity }) {
  const normalized = (rows || []).map(normalizeRow).filter(Boolean);
  const ids = normalized.map((r) => r.recordId).filter((id) => id !== null);
  const pageMin = ids.length ? Math.min(...ids) : null;
  const newOldest = hasMore ? pageMin ?? store.oldestId : 0;

  let resetRange = mode === 'initial';
  if (mode === 'resync') {
    // If the page does not reach back to what we hold, rows in between may be missing:
    // restart the range at this page instead of showing a list with a hole in it.
    const maxHeld = maxConfirmedId(store);
    resetRange = hasMore && pageMin !== null && maxHeld !== null && pageMin > maxHeld;
  }

  if (resetRange) {
    store.oldestId = newOldest;
    for (const [id, e] of store.byId) {
      if (!e.pending && e.recordId !== null && store.oldestId !== null && e.recordId < store.oldestId) {
        store.byId.delete(id);
      }
    }
  } else if (mode === 'older') {
    store.oldestId = newOldest;
  } else if (store.oldestId === null) {
    store.oldestId = newOldest;
  }

  let added = 0;
  let changed = 0;
  for (const row of normalized) {
    const r = applyRow(store, row, 'history', stamp);
    if (r === 'added') added++;
    else if (r === 'changed') changed++;
  }
  return { added, changed };
}

function maxConfirmedId(store) {
  let max = null;
  for (const e of store.byId.values()) {
    if (!e.pending && e.recordId !== null && (max === null || e.recordId > max)) max = e.recordId;
  }
  return max;
}

/** Cursor for the next "Load earlier messages" request, or null when nothing is older. */
export function earlierCursor(store) {
  if (store.oldestId === 0) return null;
  if (store.oldestId !== null) return store.oldestId;
  let min = null;
  for (const e of store.byId.values()) {
    if (!e.pending && e.recordId !== null && (min === null || e.recordId < min)) min = e.recordId;
  }
  return min;
}

/** A row removed from the table (DELETE event): gone from the list, and kept out. */
export function removeRow(store, msgId) {
  store.removed.add(msgId);
  return store.byId.delete(msgId);
}

/** Marks a delete of one's own message as on its way (or not any more, with the reason it failed). */
export function setPendingDelete(store, msgId, pending, reason = null) {
  const e = store.byId.get(msgId);
  if (!e || e.deleted || e.pending) return false;
  store.byId.set(msgId, { ...e, pendingDelete: pending, deleteFailReason: pending ? null : reason });
  return true;
}

/** Add the page's own message while it travels through the database. */
export function addPending(store, { msgId, username, text, clientId, now = Date.now() }) {
  if (store.byId.has(msgId)) return false;
  store.byId.set(msgId, {
    msgId,
    recordId: null,
    username,
    text,
    clientId: clientId ?? null,
    createdAt: now,
    edited: false,
    deleted: false,
    pending: true,
    failed: false,
    waiting: false,
    pendingEdit: null,
    editFailed: false,
    pendingDelete: false,
    deleteFailReason: null,
    liveStamp: null,
    seq: ++store.seq,
  });
  return true;
}

/** Marks a pending message failed (with the server's reason when it refused it) or clears that for a retry. */
export function setPendingFailed(store, msgId, failed, reason = null) {
  const e = store.byId.get(msgId);
  if (!e || !e.pending) return false;
  store.byId.set(msgId, { ...e, failed, waiting: false, failReason: failed ? reason : null });
  return true;
}

/** A pending message the server could not save for now (its database is away): it is sent again by itself. */
export function setPendingWaiting(store, msgId) {
  const e = store.byId.get(msgId);
  if (!e || !e.pending) return false;
  store.byId.set(msgId, { ...e, failed: false, waiting: true, failReason: null });
  return true;
}

/** Pending messages waiting to be sent again, oldest first. */
export function waitingIds(store) {
  return sortedMessages(store).filter((e) => e.pending && e.waiting).map((e) => e.msgId);
}

/** A NACK that means "not now" (5xx: e.g. the database is down) rather than "never" (4xx: the message is refused). */
export function isRetriable(err) {
  return !!err && typeof err.code === 'number' && err.code >= 50000;
}

// Consecutive messages by one author within this long share one header.
const GROUP_GAP_MS = 5 * 60_000;

function authorKey(m) {
  return m.clientId ? `c:${m.clientId}` : `u:${m.username}`;
}

/** Whether each message in display order starts a group (new author, a gap of over 5 minutes, or another day). */
export function groupStarts(list) {
  return list.map((m, i) => {
    if (i === 0) return true;
    const prev = list[i - 1];
    if (authorKey(prev) !== authorKey(m) || prev.username !== m.username) return true;
    if (!m.createdAt || !prev.createdAt) return false;
    if (m.createdAt - prev.createdAt > GROUP_GAP_MS) return true;
    return new Date(m.createdAt).toDateString() !== new Date(prev.createdAt).toDateString();
  });
}

export function setPendingEdit(store, msgId, text) {
  const e = store.byId.get(msgId);
  if (!e) return false;
  store.byId.set(msgId, { ...e, pendingEdit: text, editFailed: false });
  return true;
}

/** An edit the server ACKed (so committed) whose change event has not come: its text is the message's text now. */
export function confirmPendingEdit(store, msgId, text) {
  const e = store.byId.get(msgId);
  if (!e || e.pendingEdit !== text) return false;
  store.byId.set(msgId, { ...e, text, edited: true, pendingEdit: null, editFailed: false });
  return true;
}

/** A delete the server ACKed (so committed) whose change event has not come: the message is deleted now. */
export function confirmPendingDelete(store, msgId) {
  const e = store.byId.get(msgId);
  if (!e || !e.pendingDelete) return false;
  store.byId.set(msgId, { ...e, text: '', deleted: true, pendingDelete: false, pendingEdit: null, deleteFailReason: null });
  return true;
}

/** Give up waiting for an edit (the server refused it or it was lost). */
export function failPendingEdit(store, msgId, text, reason = null) {
  const e = store.byId.get(msgId);
  if (!e || e.pendingEdit === null || (text !== undefined && e.pendingEdit !== text)) return false;
  store.byId.set(msgId, { ...e, pendingEdit: null, editFailed: true, editFailReason: reason });
  return true;
}

/** What to show for a publish the server answered with an error (a NACK carries its reason). */
export function refusalReason(err) {
  if (!err || typeof err.message !== 'string' || !err.message) return null;
  // 5xx: the server could not save it now (e.g. its database is down); sending again can work.
  return err.code >= 50000 ? `${err.message} (try again)` : err.message;
}

/** Entries in display order. */
export function sortedMessages(store) {
  return [...store.byId.values()].sort((a, b) => {
    const ap = a.recordId === null;
    const bp = b.recordId === null;
    if (ap !== bp) return ap ? 1 : -1;
    if (!ap && a.recordId !== b.recordId) return a.recordId - b.recordId;
    return a.seq - b.seq;
  });
}
