// The console's state and actions: sign-in with an operator key (kept in memory only, inside this closure and
// api.js's), the pollers of /metrics, /status, /channels, /health/ready and the dead letters, and the realtime
// watcher. Components read `state` and call the actions.
import { reactive, markRaw } from 'vue';
import { createApi, describeError } from './api.js';
import { createPoller } from './poll.js';
import { parsePrometheus } from './prometheus.js';
import { plotValues, numbers } from './metrics.js';
import { appendPoint } from './series.js';
import { prependBounded } from './format.js';

export const SCRAPE_MS = 1000;
export const CHANNELS_MS = 2000;
export const STATUS_MS = 2000;
export const READY_MS = 2000;
export const DEAD_LETTERS_MS = 2000;
export const WINDOW_MS = 5 * 60 * 1000;
export const MESSAGE_LIMIT = 200;
export const PRESENCE_EVENT_LIMIT = 50;
const STOPPED_CHANNEL_STATES = ['failed', 'detached', 'suspended'];

/** One plot's data: the points in the window, how many were ever added, and the last value as data-last shows it. */
function emptyPlot() {
  return { points: [], samples: 0, last: null };
}

function initialState() {
  return {
    signedIn: false,
    signingIn: false,
    signInError: '', // the server's message as it sent it
    signInErrorDetail: '', // its code and HTTP status
    plots: {
      messages: emptyPlot(), // points {t, in, out}; last = in + out
      connections: emptyPlot(), // points {t, value}
      fanoutP99: emptyPlot(), // points {t, value} in ms
      connectorLag: emptyPlot(), // points {t, value} in ms (null: no connector)
    },
    metricsError: '',
    metricsWarnings: 0, // lines of the last scrape the parser skipped
    numbers: null,
    status: null,
    statusError: '',
    ready: null, // {ok, problems: {name: text}}
    readyError: '',
    channels: [],
    channelsError: '',
    deadLetters: [],
    deadLettersError: '',
    deadLetterResult: '',
    deadLetterOk: false,
    deadLetterBusy: null, // the id acted on
    connection: { state: 'initialized', error: '' },
    watched: null, // {name, state, error}
    messages: [], // newest first: {key, id, name, clientId, connectionId, data, timestamp}
    members: [], // ably PresenceMessage-like plain objects
    presenceEvents: [], // newest first: {key, action, clientId, data, timestamp}
    publishing: false,
    publishResult: '',
    publishOk: false,
  };
}

export function createConsole({ createWatcher, fetchImpl } = {}) {
  const state = reactive(initialState());
  let api = null; // holds the key; null when signed out
  let watcher = null;
  let pollers = {}; // by name; empty when signed out
  let session = 0; // increases at every sign-in and sign-out: answers for an older session are dropped
  let previousScrape = null;
  let messageSeq = 0;

  function live(mySession) {
    return mySession === session && api !== null;
  }

  // ---- polling -------------------------------------------------------------------

  async function scrape(mySession) {
    let text;
    try {
      text = await api.text('/metrics');
    } catch (e) {
      if (live(mySession)) state.metricsError = `metrics: ${describeError(e)}`;
      return;
    }
    if (!live(mySession)) return;
    const current = { at: Date.now(), metrics: parsePrometheus(text) };
    state.metricsError = '';
    state.metricsWarnings = current.metrics.errors.length;
    addPlotPoints(previousScrape, current);
    state.numbers = numbers(previousScrape, current);
    previousScrape = current;
  }

  function addPoint(plot, point, last) {
    plot.points = appendPoint(plot.points, point, WINDOW_MS);
    plot.samples += 1;
    plot.last = last;
  }

  function addPlotPoints(previous, current) {
    const v = plotValues(previous, current);
    const t = current.at;
    const p = state.plots;
    if (v.messagesIn !== null && v.messagesOut !== null) {
      addPoint(p.messages, { t, in: v.messagesIn, out: v.messagesOut }, v.messagesIn + v.messagesOut);
    }
    addPoint(p.connections, { t, value: v.connections }, v.connections);
    if (v.fanoutP99Ms !== null) addPoint(p.fanoutP99, { t, value: v.fanoutP99Ms }, v.fanoutP99Ms);
    addPoint(p.connectorLag, { t, value: v.connectorLagMs }, v.connectorLagMs);
  }

  async function pollStatus(mySession) {
    try {
      const status = await api.json('/status');
      if (!live(mySession)) return;
      state.status = status;
      state.statusError = '';
    } catch (e) {
      if (live(mySession)) state.statusError = `status: ${describeError(e)}`;
    }
  }

  async function pollReady(mySession) {
    try {
      const { status, body } = await api.answer('/health/ready', [503]);
      if (!live(mySession)) return;
      const problems = body && typeof body.problems === 'object' && body.problems ? body.problems : {};
      state.ready = { ok: status === 200, problems };
      state.readyError = '';
    } catch (e) {
      if (!live(mySession)) return;
      state.ready = null;
      state.readyError = describeError(e);
    }
  }

  async function pollChannels(mySession) {
    try {
      const list = await api.json('/channels');
      if (!live(mySession)) return;
      if (!Array.isArray(list)) throw new Error('GET /channels did not answer a list');
      state.channels = list
        .filter((c) => c && typeof c.channelId === 'string')
        .sort((a, b) => a.channelId.localeCompare(b.channelId));
      state.channelsError = '';
    } catch (e) {
      if (live(mySession)) state.channelsError = `channels: ${describeError(e)}`;
    }
  }

  async function pollDeadLetters(mySession) {
    try {
      const list = await api.json('/rules/dead-letters');
      if (!live(mySession)) return;
      if (!Array.isArray(list)) throw new Error('GET /rules/dead-letters did not answer a list');
      state.deadLetters = list;
      state.deadLettersError = '';
    } catch (e) {
      if (live(mySession)) state.deadLettersError = `dead letters: ${describeError(e)}`;
    }
  }

  function startPolling(mySession) {
    const every = (task, ms) => createPoller(() => task(mySession), ms);
    pollers = {
      metrics: every(scrape, SCRAPE_MS),
      status: every(pollStatus, STATUS_MS),
      ready: every(pollReady, READY_MS),
      channels: every(pollChannels, CHANNELS_MS),
      deadLetters: every(pollDeadLetters, DEAD_LETTERS_MS),
    };
    for (const p of Object.values(pollers)) p.start();
  }

  // ---- realtime ------------------------------------------------------------------

  function startRealtime(key, mySession) {
    if (!createWatcher) return;
    const guard = (fn) => (...args) => {
      if (live(mySession)) fn(...args);
    };
    try {
      watcher = markRaw(createWatcher(key, {
        onConnection: guard((c) => {
          state.connection = c;
        }),
        onChannel: guard((c) => {
          state.watched = c;
        }),
        onMessage: guard((m) => {
          const entry = {
            key: ++messageSeq,
            id: m.id ?? null,
            name: m.name ?? '',
            clientId: m.clientId ?? '',
            connectionId: m.connectionId ?? '',
            data: m.data,
            timestamp: m.timestamp ?? Date.now(),
          };
          state.messages = prependBounded(state.messages, markRaw(entry), MESSAGE_LIMIT);
        }),
        onPresenceEvent: guard((p) => {
          const entry = { key: ++messageSeq, action: p.action, clientId: p.clientId ?? '', data: p.data, timestamp: p.timestamp ?? Date.now() };
          state.presenceEvents = prependBounded(state.presenceEvents, markRaw(entry), PRESENCE_EVENT_LIMIT);
        }),
        onMembers: guard((members) => {
          state.members = members.map((m) => ({ clientId: m.clientId, connectionId: m.connectionId, data: m.data, timestamp: m.timestamp }));
        }),
      }));
    } catch (e) {
      state.connection = { state: 'failed', error: describeError(e) };
    }
  }

  // ---- actions -------------------------------------------------------------------

  /** Checks the key against GET /status; signed in when it answers, else the error is shown and nothing kept. */
  async function signIn(rawKey) {
    const key = String(rawKey ?? '').trim();
    if (state.signedIn || state.signingIn) return false;
    state.signInErrorDetail = '';
    if (!key) {
      state.signInError = 'Enter an API key (appId.keyName:secret).';
      return false;
    }
    if (!key.includes(':')) {
      state.signInError = 'An API key looks like appId.keyName:secret.';
      return false;
    }
    const candidate = createApi(key, fetchImpl);
    const mySession = ++session;
    state.signingIn = true;
    state.signInError = '';
    state.signInErrorDetail = '';
    try {
      const status = await candidate.json('/status');
      if (mySession !== session) return false;
      api = candidate;
      state.status = status;
      state.signedIn = true;
    } catch (e) {
      if (mySession === session) {
        state.signInError = e.message || String(e);
        state.signInErrorDetail = [e.code ? `code ${e.code}` : '', e.status ? `HTTP ${e.status}` : ''].filter(Boolean).join(', ');
      }
      return false;
    } finally {
      if (mySession === session) state.signingIn = false;
    }
    startPolling(mySession);
    startRealtime(key, mySession);
    return true;
  }

  /** Stops every poller, closes the realtime connection and forgets the key and everything shown. */
  function signOut() {
    session++;
    for (const p of Object.values(pollers)) p.stop();
    pollers = {};
    if (watcher) {
      try {
        watcher.close();
      } catch {
        // closing a connection that failed
      }
    }
    watcher = null;
    api = null;
    previousScrape = null;
    Object.assign(state, initialState());
  }

  function watch(rawName) {
    const name = String(rawName ?? '').trim();
    if (!name || !watcher) return;
    // Watching it already: nothing to do, unless it failed or was detached (then it is attached again).
    if (state.watched?.name === name && !STOPPED_CHANNEL_STATES.includes(state.watched.state)) return;
    state.messages = [];
    state.members = [];
    state.presenceEvents = [];
    state.publishResult = '';
    watcher.watch(name);
  }

  function unwatch() {
    if (!watcher) return;
    watcher.unwatch();
    state.watched = null;
    state.messages = [];
    state.members = [];
    state.presenceEvents = [];
    state.publishResult = '';
  }

  async function publish(name, data) {
    if (!watcher || !state.watched) {
      state.publishOk = false;
      state.publishResult = 'watch a channel first';
      return;
    }
    const mySession = session;
    state.publishing = true;
    state.publishResult = '';
    try {
      await watcher.publish(String(name ?? '').trim(), String(data ?? ''));
      if (mySession !== session) return;
      state.publishOk = true;
      state.publishResult = 'published';
    } catch (e) {
      if (mySession !== session) return;
      state.publishOk = false;
      state.publishResult = describeError(e);
    } finally {
      if (mySession === session) state.publishing = false;
    }
  }

  async function actOnDeadLetter(id, action) {
    if (!api || state.deadLetterBusy !== null) return;
    const mySession = session;
    const path = `/rules/dead-letters/${encodeURIComponent(id)}`;
    state.deadLetterBusy = id;
    state.deadLetterResult = '';
    try {
      if (action === 'replay') await api.post(`${path}/replay`);
      else await api.del(path);
      if (mySession !== session) return;
      state.deadLetterOk = true;
      state.deadLetterResult = `${action === 'replay' ? 'replayed' : 'discarded'} ${id}`;
    } catch (e) {
      if (mySession !== session) return;
      state.deadLetterOk = false;
      state.deadLetterResult = `${action} ${id} failed: ${describeError(e)}`;
    } finally {
      if (mySession === session) {
        state.deadLetterBusy = null;
        pollers.deadLetters?.refresh();
        pollers.status?.refresh(); // the rules' dead-letter counts
      }
    }
  }

  return {
    state,
    signIn,
    signOut,
    watch,
    unwatch,
    publish,
    replay: (id) => actOnDeadLetter(id, 'replay'),
    discard: (id) => actOnDeadLetter(id, 'discard'),
  };
}
