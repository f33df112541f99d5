// The chat's state and its wiring to the Switchboard server: ably-js for realtime
// (publish, presence, live row changes) and plain fetch for history. Components read
// `state` and call the actions; ably-js objects stay out of Vue's reactivity.
// ably-js's modular entry: only the WebSocket transport, fetch, and presence are bundled
// (no XHR/comet fallbacks, msgpack or crypto), about half the size of the default build.
import { BaseRealtime, WebSocketTransport, FetchRequest, RealtimePresence } from 'ably/modular';
import { reactive } from 'vue';
import { realtimeOptions } from './lib/realtime-options.js';
import { displayConnectionState } from './lib/connection.js';
import { dedupeMembers } from './lib/presence.js';
import { validateNickname, normalizeContent } from './lib/nickname.js';
import { newMessageId } from './lib/ids.js';
import { createTypingTracker, typingLabel, shouldAnnounce } from './lib/typing.js';
import {
  createMessageStore, applyRow, applyHistoryPage, addPending, setPendingFailed, setPendingEdit, refusalReason,
  failPendingEdit, sortedMessages, parseChangeEvent, earlierCursor, historyRequestStamp, removeRow, setPendingDelete,
  setPendingWaiting, waitingIds, isRetriable, confirmPendingEdit, confirmPendingDelete,
} from './lib/messages.js';

export const OUTGOING = 'outgoing-chat';
export const INCOMING = '[?rewind=2m]incoming-chat';
export const PAGE_SIZE = 50;
// Typing events: ephemeral messages (never stored, never in history) on their own channel, not through the database.
export const TYPING = 'chat-typing';
// The server says here whether messages can be saved (database) and delivered (change connector); rewind=1 gives
// the latest word on attach, and no word at all means both work.
export const STATUS = '[?rewind=1]chat-status';
const NICKNAME_KEY = 'switchboard.chat.nickname';
// An ACK means the row is committed; if its change event has not come back after this long (the change connector
// is behind or down), the page reads the table's latest page instead.
const CONFIRM_TIMEOUT_MS = 10_000;
// A message the server could not save for now is sent again after these delays (the last one repeats) and at once
// when the server says it can save again or the connection comes back.
const RESEND_DELAYS_MS = [1_000, 2_000, 4_000, 5_000];

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function realtimeOverrides() {
  // `npm run dev`: the page is served by Vite, the realtime server runs elsewhere.
  const env = import.meta.env || {};
  if (!env.DEV || !env.VITE_SWITCHBOARD_PORT) return {};
  return { port: Number(env.VITE_SWITCHBOARD_PORT) };
}

export function createChat() {
  const store = createMessageStore();
  const timers = new Map();
  let realtime = null;
  let outgoing = null;
  let incoming = null;
  let everConnected = false;
  let incomingAttachedOnce = false;
  let presenceSeq = 0;
  let enteredName = null; // username our presence member currently carries
  let presenceQueue = Promise.resolve();
  let typingChannel = null;
  let lastTypingAt = null;
  let typingTimer = null;
  let statusChannel = null;
  let resendTimer = null;
  let resendAttempt = 0;
  const typists = createTypingTracker();

  const state = reactive({
    nickname: '',
    rememberedNickname: storage()?.getItem(NICKNAME_KEY) || '',
    clientId: null,
    connection: 'connecting',
    connectionError: '',
    messages: [],
    historyLoading: false,
    historyLoaded: false,
    historyError: '',
    loadingEarlier: false,
    hasMore: false,
    members: [],
    notice: '',
    typing: '',
    // Whether messages can be saved (false after a "try again" NACK or when the server says its database is away)
    // and delivered (the change connector streams), as last heard.
    saving: true,
    delivering: true,
  });

  function render() {
    state.messages = sortedMessages(store);
    state.hasMore = earlierCursor(store) !== null && state.historyLoaded;
  }

  // ---- history -----------------------------------------------------------------

  async function fetchPage(before) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (before !== undefined && before !== null) params.set('before', String(before));
    const res = await fetch(`/chat/messages?${params}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error(`history request failed (HTTP ${res.status})`);
    const body = await res.json();
    return { rows: Array.isArray(body.messages) ? body.messages : [], hasMore: !!body.hasMore };
  }

  async function loadLatest(mode = 'initial') {
    if (state.historyLoading) return;
    state.historyLoading = true;
    state.historyError = '';
    const stamp = historyRequestStamp(store);
    try {
      const page = await fetchPage();
      applyHistoryPage(store, page.rows, { hasMore: page.hasMore, mode: state.historyLoaded ? mode : 'initial', stamp });
      state.historyLoaded = true;
      render();
    } catch (e) {
      state.historyError = `Could not load earlier messages: ${e.message}`;
    } finally {
      state.historyLoading = false;
    }
  }

  async function loadEarlier() {
    const before = earlierCursor(store);
    if (before === null || state.loadingEarlier) return;
    state.loadingEarlier = true;
    state.historyError = '';
    const stamp = historyRequestStamp(store);
    try {
      const page = await fetchPage(before);
      applyHistoryPage(store, page.rows, { hasMore: page.hasMore, mode: 'older', stamp });
      render();
    } catch (e) {
      state.historyError = `Could not load earlier messages: ${e.message}`;
    } finally {
      state.loadingEarlier = false;
    }
  }

  // ---- presence ----------------------------------------------------------------

  async function refreshMembers() {
    const mine = ++presenceSeq;
    try {
      const members = await outgoing.presence.get();
      if (mine === presenceSeq) state.members = dedupeMembers(members);
    } catch {
      // Channel not attached (yet); the 'attached' listener refreshes again.
    }
  }

  // Enter (or update) our member whenever we are connected and have a nickname.
  // Serialised so that a quick nickname change cannot race the first enter.
  function syncPresence() {
    presenceQueue = presenceQueue.then(async () => {
      const name = state.nickname;
      if (!name || !realtime || realtime.connection.state !== 'connected') return;
      if (enteredName === name) return;
      try {
        if (enteredName === null) await outgoing.presence.enter({ username: name });
        else await outgoing.presence.update({ username: name });
        enteredName = name;
      } catch (e) {
        state.notice = `Could not join the online list: ${e.message}`;
      }
    });
    return presenceQueue;
  }

  // ---- live messages -----------------------------------------------------------

  function renderTyping() {
    const now = Date.now();
    state.typing = typingLabel(typists.names(now));
    if (typingTimer) clearTimeout(typingTimer);
    const next = typists.nextExpiry(now);
    typingTimer = next === null ? null : setTimeout(renderTyping, next + 20);
  }

  function onTyping(msg) {
    if (!msg.clientId || msg.clientId === realtime?.auth.clientId) return;
    typists.seen(msg.clientId, typeof msg.data === 'string' ? msg.data : '', Date.now());
    renderTyping();
  }

  function onIncoming(msg) {
    const ev = parseChangeEvent(msg.data);
    if (!ev) return;
    if (ev.type === 'INSERT' && ev.row.clientId) {
      typists.stopped(ev.row.clientId); // their message is here: no longer typing it
      renderTyping();
    }
    if (ev.type === 'DELETE') {
      // Removed from the table (by an operator; the chat itself only marks rows deleted).
      for (const kind of ['send', 'edit', 'delete']) clearTimer(`${kind}:${ev.row.msgId}`);
      removeRow(store, ev.row.msgId);
      render();
      return;
    }
    state.delivering = true; // a row event arrived: the connector streams
    const result = applyRow(store, ev.row, ev.type === 'INSERT' ? 'insert' : 'update');
    if (result === 'ignored') return;
    clearTimer(`send:${ev.row.msgId}`);
    if (ev.type === 'UPDATE') clearTimer(ev.row.deleted ? `delete:${ev.row.msgId}` : `edit:${ev.row.msgId}`);
    render();
  }

  function onStatus(msg) {
    let s;
    try {
      s = typeof msg.data === 'string' ? JSON.parse(msg.data) : msg.data;
    } catch {
      return;
    }
    if (!s || typeof s.saving !== 'boolean') return;
    state.saving = s.saving;
    state.delivering = s.delivering !== false;
    if (s.saving) resendWaiting();
  }

  // ---- messages the server could not save yet ------------------------------------

  function scheduleResend() {
    if (resendTimer) return;
    const delay = RESEND_DELAYS_MS[Math.min(resendAttempt, RESEND_DELAYS_MS.length - 1)];
    resendAttempt++;
    resendTimer = setTimeout(() => {
      resendTimer = null;
      resendWaiting();
    }, delay);
  }

  function resendWaiting() {
    if (resendTimer) {
      clearTimeout(resendTimer);
      resendTimer = null;
    }
    if (!realtime || realtime.connection.state !== 'connected') return; // sent again once connected
    for (const msgId of waitingIds(store)) publishChat(msgId);
  }

  function clearTimer(key) {
    const t = timers.get(key);
    if (t) {
      clearTimeout(t);
      timers.delete(key);
    }
  }

  function startTimer(key, fn) {
    clearTimer(key);
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      fn();
    }, CONFIRM_TIMEOUT_MS));
  }

  /** After an ACK: the row is committed; if its event does not come back, read it from the table. */
  function awaitRow(key, afterResync = () => {}) {
    startTimer(key, async () => {
      state.delivering = false;
      await loadLatest('resync');
      afterResync();
    });
  }

  // ---- lifecycle ---------------------------------------------------------------

  function onConnectionChange(change) {
    const current = change.current;
    if (current === 'connected') {
      everConnected = true;
      state.clientId = realtime.auth.clientId || null;
      state.connectionError = '';
      syncPresence();
      refreshMembers();
      if (!state.historyLoaded) loadLatest('initial');
      resendWaiting();
    } else if (change.reason) {
      state.connectionError = change.reason.message || String(change.reason);
    }
    // Offline, nobody's presence can be known (ours included): the list is shown again once connected.
    if (['disconnected', 'suspended', 'failed', 'closed'].includes(current)) state.members = [];
    if (current === 'failed' || current === 'closed') {
      // The server forgot our presence member; enter again when we are back.
      enteredName = null;
    }
    state.connection = displayConnectionState(current, everConnected);
  }

  function start() {
    if (realtime) return;
    realtime = new BaseRealtime({
      ...realtimeOptions(window.location, realtimeOverrides()),
      plugins: { WebSocketTransport, FetchRequest, RealtimePresence },
    });
    state.connection = displayConnectionState(realtime.connection.state, false);
    realtime.connection.on(onConnectionChange);
    realtime.connection.on('update', () => {
      state.clientId = realtime.auth.clientId || state.clientId;
    });

    outgoing = realtime.channels.get(OUTGOING);
    incoming = realtime.channels.get(INCOMING);
    typingChannel = realtime.channels.get(TYPING);
    // A page kept in the back/forward cache would keep its connection (and its user "online") while nobody sees it:
    // it closes instead, and connects again if the page is shown again. A reload does not go there: its connection
    // is recovered by the next page (see realtime-options.js).
    window.addEventListener('pagehide', (e) => { if (e.persisted && realtime) realtime.close(); });
    window.addEventListener('pageshow', (e) => { if (e.persisted && realtime) realtime.connect(); });
    typingChannel.subscribe('typing', onTyping).catch(() => {});
    statusChannel = realtime.channels.get(STATUS);
    statusChannel.subscribe('status', onStatus).catch(() => {});

    incoming.subscribe(onIncoming).catch((e) => {
      state.notice = `Could not subscribe to live messages: ${e.message}`;
    });
    incoming.on('attached', (change) => {
      // After a reattach that could not resume, the 2-minute rewind may not cover
      // what we missed: fetch the latest page and merge it.
      if (incomingAttachedOnce && !change.resumed) loadLatest('resync');
      incomingAttachedOnce = true;
    });

    outgoing.presence.subscribe(['enter', 'present', 'update', 'leave'], refreshMembers).catch(() => {});
    outgoing.on('attached', refreshMembers);
    outgoing.on((change) => {
      if (['detached', 'suspended', 'failed'].includes(change.current)) state.members = [];
    });

    loadLatest('initial');
  }

  function stop() {
    if (typingTimer) clearTimeout(typingTimer);
    if (resendTimer) clearTimeout(resendTimer);
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    if (realtime) realtime.close();
  }

  /** "Retry now": connect at once instead of at the SDK's next scheduled attempt. */
  function reconnect() {
    if (realtime) realtime.connect();
  }

  // ---- actions -----------------------------------------------------------------

  function setNickname(raw) {
    const v = validateNickname(raw);
    if (!v.ok) return v;
    state.nickname = v.value;
    state.rememberedNickname = v.value;
    try {
      storage()?.setItem(NICKNAME_KEY, v.value);
    } catch {
      // private mode: fine, just not remembered
    }
    syncPresence();
    return v;
  }

  function publishChat(msgId) {
    const entry = store.byId.get(msgId);
    if (!entry || !entry.pending) return;
    setPendingFailed(store, msgId, false);
    render();
    outgoing
      .publish({ id: msgId, name: 'chatMsg', data: { username: entry.username, content: entry.text } })
      .then(() => {
        saved();
        awaitRow(`send:${msgId}`);
      })
      .catch((err) => {
        if (isRetriable(err)) {
          // Not saved for now (e.g. the database is away): it goes again by itself; the id makes that safe.
          state.saving = false;
          if (setPendingWaiting(store, msgId)) render();
          scheduleResend();
          return;
        }
        if (setPendingFailed(store, msgId, true, refusalReason(err))) render();
      });
  }

  /** A publish was saved: the database works. */
  function saved() {
    state.saving = true;
    resendAttempt = 0;
  }

  /** Tells the others this user is typing (at most every TYPING_THROTTLE_MS); nothing of it is stored. */
  function typing() {
    if (!state.nickname || !typingChannel) return;
    const now = Date.now();
    if (!shouldAnnounce(lastTypingAt, now)) return;
    lastTypingAt = now;
    typingChannel.publish({ name: 'typing', data: state.nickname, extras: { ephemeral: true } }).catch(() => {});
  }

  /** Returns true when something was sent. */
  function send(raw) {
    const content = normalizeContent(raw);
    if (content === null || !state.nickname || !outgoing) return false;
    const msgId = newMessageId();
    addPending(store, { msgId, username: state.nickname, text: content, clientId: state.clientId });
    publishChat(msgId);
    lastTypingAt = null; // the next keystroke starts a new message: announce it at once
    return true;
  }

  function retry(msgId) {
    publishChat(msgId);
  }

  /** Returns true when an edit was published. */
  function edit(msgId, raw) {
    const content = normalizeContent(raw);
    const entry = store.byId.get(msgId);
    if (content === null || !entry || entry.pending || !outgoing) return false;
    if (content === (entry.pendingEdit ?? entry.text)) return false;
    setPendingEdit(store, msgId, content);
    render();
    const username = state.nickname || entry.username;
    const fail = (err) => {
      if (failPendingEdit(store, msgId, content, refusalReason(err))) render();
    };
    outgoing
      .publish({ name: 'editedMsg', data: { username, content, msgIdToEdit: msgId } })
      .then(() => {
        saved();
        // Committed: if neither its event nor the latest page (an older message) shows it, it is still the text now.
        awaitRow(`edit:${msgId}`, () => { if (confirmPendingEdit(store, msgId, content)) render(); });
      })
      .catch(fail);
    return true;
  }

  /** Deletes one's own message: the row keeps its place with the text erased; everyone sees it deleted. */
  function remove(msgId) {
    const entry = store.byId.get(msgId);
    if (!entry || entry.pending || entry.deleted || entry.pendingDelete || !outgoing) return false;
    setPendingDelete(store, msgId, true);
    render();
    outgoing
      .publish({ name: 'deletedMsg', data: { msgIdToDelete: msgId } })
      .then(() => {
        saved();
        awaitRow(`delete:${msgId}`, () => { if (confirmPendingDelete(store, msgId)) render(); });
      })
      .catch((err) => {
        if (setPendingDelete(store, msgId, false, refusalReason(err) || 'no answer from the server, try again')) render();
      });
    return true;
  }

  return { state, start, stop, reconnect, setNickname, send, typing, retry, edit, remove, loadEarlier, loadLatest };
}
