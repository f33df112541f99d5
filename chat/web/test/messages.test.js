import { describe, it, expect } from 'vitest';
import {
  createMessageStore, applyRow, applyHistoryPage, addPending, sortedMessages, parseChangeEvent,
  normalizeRow, earlierCursor, historyRequestStamp, setPendingEdit, failPendingEdit, setPendingFailed, refusalReason,
  removeRow, setPendingDelete, setPendingWaiting, waitingIds, isRetriable, groupStarts, confirmPendingEdit, confirmPendingDelete,
} from '../src/lib/messages.js';

const row = (id, rec, text = `text ${id}`, extra = {}) => ({
  username: 'alice', msg_id: id, msg_data: text, client_id: 'c1',
  incremental_record_id: rec, created_at_timestamp: 1700000000000 + rec, is_edited: false, ...extra,
});
const ev = (type, r) => JSON.stringify({ table: 'chat_data', type, row: r });
const ids = (s) => sortedMessages(s).map((m) => m.msgId);

describe('parseChangeEvent', () => {
  it('parses the connector payload string', () => {
    const p = parseChangeEvent(ev('INSERT', row('a', 1)));
    expect(p.type).toBe('INSERT');
    expect(p.row).toMatchObject({ msgId: 'a', recordId: 1, text: 'text a', clientId: 'c1', edited: false });
  });
  it('accepts an object, string numbers and t/f booleans', () => {
    const p = parseChangeEvent({ table: 'chat_data', type: 'UPDATE', row: row('a', '7', 'x', { is_edited: 't' }) });
    expect(p.row.recordId).toBe(7);
    expect(p.row.edited).toBe(true);
  });
  it('returns null for garbage instead of throwing', () => {
    expect(parseChangeEvent('not json')).toBeNull();
    expect(parseChangeEvent(null)).toBeNull();
    expect(parseChangeEvent(JSON.stringify({ table: 'other', type: 'INSERT', row: row('a', 1) }))).toBeNull();
    expect(parseChangeEvent(JSON.stringify({ type: 'INSERT', row: {} }))).toBeNull();
  });
});

describe('live events', () => {
  it('dedupes a redelivered INSERT and keeps order by record id', () => {
    const s = createMessageStore();
    expect(applyRow(s, normalizeRow(row('b', 2)), 'insert')).toBe('added');
    expect(applyRow(s, normalizeRow(row('a', 1)), 'insert')).toBe('added');
    expect(applyRow(s, normalizeRow(row('b', 2)), 'insert')).toBe('ignored');
    expect(ids(s)).toEqual(['a', 'b']);
  });
  it('UPDATE replaces the text and marks edited; a replayed INSERT does not undo it', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1, 'hello')), 'insert');
    expect(applyRow(s, normalizeRow(row('a', 1, 'hello!', { is_edited: true })), 'update')).toBe('changed');
    applyRow(s, normalizeRow(row('a', 1, 'hello')), 'insert');
    expect(sortedMessages(s)[0]).toMatchObject({ text: 'hello!', edited: true });
  });
  it('UPDATE for an unknown message is inserted in order and never throws', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('c', 3)), 'insert');
    expect(applyRow(s, normalizeRow(row('a', 1, 'e', { is_edited: true })), 'update')).toBe('added');
    expect(ids(s)).toEqual(['a', 'c']);
  });
  it('ignores live rows older than the loaded range', () => {
    const s = createMessageStore();
    applyHistoryPage(s, [row('e', 10), row('f', 11)], { hasMore: true, mode: 'initial' });
    expect(applyRow(s, normalizeRow(row('a', 1, 'x', { is_edited: true })), 'update')).toBe('ignored');
    expect(applyRow(s, normalizeRow(row('g', 12)), 'insert')).toBe('added');
    expect(ids(s)).toEqual(['e', 'f', 'g']);
  });
});

describe('history merge', () => {
  it('merges history with rewind without duplicates', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('c', 3)), 'insert');
    applyRow(s, normalizeRow(row('d', 4)), 'insert');
    applyHistoryPage(s, [row('a', 1), row('b', 2), row('c', 3)], { hasMore: false, mode: 'initial' });
    expect(ids(s)).toEqual(['a', 'b', 'c', 'd']);
    expect(earlierCursor(s)).toBeNull();
  });
  it('pages back with the oldest id as cursor', () => {
    const s = createMessageStore();
    applyHistoryPage(s, [row('c', 30), row('d', 40)], { hasMore: true, mode: 'initial' });
    expect(earlierCursor(s)).toBe(30);
    applyHistoryPage(s, [row('a', 10), row('b', 20)], { hasMore: true, mode: 'older' });
    expect(earlierCursor(s)).toBe(10);
    applyHistoryPage(s, [row('z', 5)], { hasMore: false, mode: 'older' });
    expect(earlierCursor(s)).toBeNull();
    expect(ids(s)).toEqual(['z', 'a', 'b', 'c', 'd']);
  });
  it('drops live rows older than the first page so the list has no hole', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('old', 1)), 'insert');
    applyHistoryPage(s, [row('x', 50), row('y', 51)], { hasMore: true, mode: 'initial' });
    expect(ids(s)).toEqual(['x', 'y']);
  });
  it('a history snapshot does not overwrite a newer live edit', () => {
    const s = createMessageStore();
    const stamp = historyRequestStamp(s); // request sent...
    applyRow(s, normalizeRow(row('a', 1, 'new', { is_edited: true })), 'update'); // ...edit arrives...
    applyHistoryPage(s, [row('a', 1, 'old')], { hasMore: false, mode: 'initial', stamp }); // ...stale page
    expect(sortedMessages(s)[0]).toMatchObject({ text: 'new', edited: true });
  });
  it('a history page sent after a live edit wins', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1, 'v1', { is_edited: true })), 'update');
    const stamp = historyRequestStamp(s);
    applyHistoryPage(s, [row('a', 1, 'v2', { is_edited: true })], { hasMore: false, mode: 'resync', stamp });
    expect(sortedMessages(s)[0].text).toBe('v2');
  });
  it('resync restarts the range when the page does not overlap what we hold', () => {
    const s = createMessageStore();
    applyHistoryPage(s, [row('a', 1), row('b', 2)], { hasMore: false, mode: 'initial' });
    applyHistoryPage(s, [row('y', 100), row('z', 101)], { hasMore: true, mode: 'resync' });
    expect(ids(s)).toEqual(['y', 'z']);
    expect(earlierCursor(s)).toBe(100);
  });
  it('resync that overlaps keeps the older part', () => {
    const s = createMessageStore();
    applyHistoryPage(s, [row('a', 1), row('b', 2)], { hasMore: false, mode: 'initial' });
    applyHistoryPage(s, [row('b', 2), row('c', 3)], { hasMore: true, mode: 'resync' });
    expect(ids(s)).toEqual(['a', 'b', 'c']);
  });
});

describe('pending messages', () => {
  it('shows a pending message last until its row comes back', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1)), 'insert');
    addPending(s, { msgId: 'p', username: 'me', text: 'hi', clientId: 'me' });
    applyRow(s, normalizeRow(row('b', 2)), 'insert');
    expect(ids(s)).toEqual(['a', 'b', 'p']);
    expect(sortedMessages(s)[2].pending).toBe(true);
    expect(applyRow(s, normalizeRow(row('p', 3, 'hi', { client_id: 'me' })), 'insert')).toBe('changed');
    const p = sortedMessages(s)[2];
    expect(p).toMatchObject({ msgId: 'p', pending: false, recordId: 3 });
  });
  it('marks a failed publish and clears it on retry', () => {
    const s = createMessageStore();
    addPending(s, { msgId: 'p', username: 'me', text: 'hi' });
    setPendingFailed(s, 'p', true);
    expect(sortedMessages(s)[0].failed).toBe(true);
    setPendingFailed(s, 'p', false);
    expect(sortedMessages(s)[0].failed).toBe(false);
  });
  it('keeps the server\'s reason for a refused message until the retry', () => {
    const s = createMessageStore();
    addPending(s, { msgId: 'p', username: 'me', text: 'hi' });
    setPendingFailed(s, 'p', true, refusalReason({ code: 40003, message: 'content is longer than 4000 characters' }));
    expect(sortedMessages(s)[0]).toMatchObject({ failed: true, failReason: 'content is longer than 4000 characters' });
    setPendingFailed(s, 'p', false);
    expect(sortedMessages(s)[0]).toMatchObject({ failed: false, failReason: null });
    expect(refusalReason({ code: 50003, message: 'database unavailable' })).toBe('database unavailable (try again)');
    expect(refusalReason(undefined)).toBeNull();
  });
  it('tracks a pending edit until the UPDATE arrives, or fails it', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1, 'x')), 'insert');
    setPendingEdit(s, 'a', 'y');
    expect(sortedMessages(s)[0].pendingEdit).toBe('y');
    applyRow(s, normalizeRow(row('a', 1, 'y', { is_edited: true })), 'update');
    expect(sortedMessages(s)[0]).toMatchObject({ pendingEdit: null, text: 'y', edited: true });
    setPendingEdit(s, 'a', 'z');
    expect(failPendingEdit(s, 'a', 'z')).toBe(true);
    expect(sortedMessages(s)[0]).toMatchObject({ pendingEdit: null, editFailed: true, text: 'y' });
  });
});

describe('deletes', () => {
  it('an UPDATE with is_deleted marks the message deleted and erases its text, history agrees', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1, 'oops')), 'insert');
    expect(parseChangeEvent(ev('UPDATE', row('a', 1, '', { is_deleted: true }))).row.deleted).toBe(true);
    applyRow(s, parseChangeEvent(ev('UPDATE', row('a', 1, '', { is_deleted: true }))).row, 'update');
    const m = sortedMessages(s)[0];
    expect(m.deleted).toBe(true);
    expect(m.text).toBe('');
    expect(m.edited).toBe(false);
    const h = createMessageStore();
    applyHistoryPage(h, [row('a', 1, '', { is_deleted: true })], { hasMore: false, mode: 'initial' });
    expect(sortedMessages(h)[0].deleted).toBe(true);
  });

  it('a DELETE event removes the row, and a later replay or older history does not bring it back', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1)), 'insert');
    applyRow(s, normalizeRow(row('b', 2)), 'insert');
    const del = parseChangeEvent(ev('DELETE', row('a', 1)));
    expect(del.type).toBe('DELETE');
    expect(removeRow(s, del.row.msgId)).toBe(true);
    expect(applyRow(s, normalizeRow(row('a', 1)), 'insert')).toBe('ignored');
    applyHistoryPage(s, [row('a', 1), row('b', 2)], { hasMore: false, mode: 'resync' });
    expect(ids(s)).toEqual(['b']);
  });

  it('a pending delete is cleared by its event or by a refusal with the reason', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1)), 'insert');
    expect(setPendingDelete(s, 'a', true)).toBe(true);
    expect(s.byId.get('a').pendingDelete).toBe(true);
    expect(setPendingDelete(s, 'a', false, 'not the author')).toBe(true);
    expect(s.byId.get('a')).toMatchObject({ pendingDelete: false, deleteFailReason: 'not the author' });
    setPendingDelete(s, 'a', true);
    applyRow(s, normalizeRow(row('a', 1, '', { is_deleted: true })), 'update');
    expect(s.byId.get('a')).toMatchObject({ pendingDelete: false, deleted: true });
    expect(setPendingDelete(s, 'a', true), 'a deleted message is not deleted again').toBe(false);
  });
});

describe('messages the server could not save yet', () => {
  it('5xx NACKs wait and are sent again, 4xx are refusals', () => {
    expect(isRetriable({ code: 50003 })).toBe(true);
    expect(isRetriable({ code: 80002 })).toBe(true);
    expect(isRetriable({ code: 40003 })).toBe(false);
    expect(isRetriable(null)).toBe(false);
    const s = createMessageStore();
    addPending(s, { msgId: 'p1', username: 'a', text: 'x', now: 1 });
    addPending(s, { msgId: 'p2', username: 'a', text: 'y', now: 2 });
    expect(setPendingWaiting(s, 'p2')).toBe(true);
    expect(setPendingWaiting(s, 'p1')).toBe(true);
    expect(waitingIds(s)).toEqual(['p1', 'p2']);
    setPendingFailed(s, 'p1', false);
    expect(waitingIds(s)).toEqual(['p2']);
    applyRow(s, normalizeRow(row('p2', 5, 'y')), 'insert');
    expect(waitingIds(s)).toEqual([]);
  });
});

describe('grouping', () => {
  const m = (id, clientId, at, username = 'alice') => ({ msgId: id, clientId, username, createdAt: at });
  const t0 = new Date(2026, 0, 10, 12, 0).getTime();
  it('one header for consecutive messages of one author within 5 minutes of each other on one day', () => {
    expect(groupStarts([
      m('1', 'a', t0), m('2', 'a', t0 + 60_000), m('3', 'b', t0 + 61_000, 'bob'), m('4', 'a', t0 + 62_000),
      m('5', 'a', t0 + 62_000 + 5 * 60_000 + 1), m('6', 'a', new Date(2026, 0, 11, 0, 1).getTime()),
    ])).toEqual([true, false, true, true, true, true]);
  });
  it('a renamed author starts a new group; messages without a time stay grouped', () => {
    expect(groupStarts([m('1', 'a', t0), m('2', 'a', t0, 'alicia'), m('3', 'a', null, 'alicia')])).toEqual([true, true, false]);
    expect(groupStarts([])).toEqual([]);
  });
});

describe('an ACKed edit whose event does not come', () => {
  it('becomes the text, only if it is still the edit waited for', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1, 'old')), 'insert');
    setPendingEdit(s, 'a', 'new');
    expect(confirmPendingEdit(s, 'a', 'newer')).toBe(false);
    expect(confirmPendingEdit(s, 'a', 'new')).toBe(true);
    expect(s.byId.get('a')).toMatchObject({ text: 'new', edited: true, pendingEdit: null });
    expect(confirmPendingEdit(s, 'a', 'new')).toBe(false);
  });
});

describe('an ACKed delete whose event does not come', () => {
  it('marks the message deleted, once', () => {
    const s = createMessageStore();
    applyRow(s, normalizeRow(row('a', 1, 'oops')), 'insert');
    expect(confirmPendingDelete(s, 'a')).toBe(false);
    setPendingDelete(s, 'a', true);
    expect(confirmPendingDelete(s, 'a')).toBe(true);
    expect(s.byId.get('a')).toMatchObject({ text: '', deleted: true, pendingDelete: false });
    expect(confirmPendingDelete(s, 'a')).toBe(false);
  });
});
