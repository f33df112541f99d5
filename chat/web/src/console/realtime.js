// The console's realtime side: one ably-js connection with the operator's key, watching one channel at a time
// (its messages and presence) and publishing test messages on it. Reports through the callbacks given; ably-js
// objects stay out of Vue's reactivity.
import { BaseRealtime, WebSocketTransport, FetchRequest, RealtimePresence } from 'ably/modular';
import { realtimeOptions } from '../lib/realtime-options.js';

function devOverrides() {
  // `npm run dev`: the page is served by Vite, the realtime server runs elsewhere (as for the chat).
  const env = import.meta.env || {};
  if (!env.DEV || !env.VITE_SWITCHBOARD_PORT) return {};
  return { port: Number(env.VITE_SWITCHBOARD_PORT) };
}

/**
 * The chat's options for the page's own host and port, with key auth instead of its token URL, and without its
 * connection recovery (which keeps connection details in sessionStorage): the console keeps nothing.
 */
export function consoleRealtimeOptions(loc, key, overrides = {}) {
  const { authUrl, recover, ...options } = realtimeOptions(loc, overrides);
  return { ...options, key, closeOnUnload: true, echoMessages: true };
}

/**
 * callbacks: onConnection({state, error}), onChannel({name, state, error}), onMessage(message),
 * onPresenceEvent(presenceMessage), onMembers(members)
 */
export function createWatcher(key, callbacks) {
  const realtime = new BaseRealtime({
    ...consoleRealtimeOptions(window.location, key, devOverrides()),
    plugins: { WebSocketTransport, FetchRequest, RealtimePresence },
  });
  let channel = null;
  let channelListener = null; // the watched channel's state listener
  let membersSeq = 0;

  realtime.connection.on((change) => {
    callbacks.onConnection({ state: change.current, error: change.reason ? describe(change.reason) : '' });
  });
  callbacks.onConnection({ state: realtime.connection.state, error: '' });

  function describe(err) {
    return err.code ? `${err.message} (code ${err.code})` : err.message || String(err);
  }

  async function refreshMembers(ch) {
    const mine = ++membersSeq;
    try {
      const members = await ch.presence.get();
      if (ch === channel && mine === membersSeq) callbacks.onMembers(members);
    } catch (e) {
      if (ch === channel) callbacks.onChannel({ name: ch.name, state: ch.state, error: `presence: ${describe(e)}` });
    }
  }

  function stopWatching() {
    const ch = channel;
    channel = null;
    if (!ch) return;
    ch.unsubscribe();
    ch.presence.unsubscribe();
    ch.off(channelListener);
    channelListener = null;
    ch.detach()
      .then(() => {
        // Released (forgotten by the client) unless it is being watched again meanwhile: releasing a channel that
        // is not detached would detach it.
        if (channel?.name !== ch.name) realtime.channels.release(ch.name);
      })
      .catch(() => {}); // the connection may be closing; nothing is left to do for this channel
  }

  /** Stops watching the current channel (detaching it) and watches `name`. */
  function watch(name) {
    if (channel && channel.name === name && !['failed', 'detached', 'suspended'].includes(channel.state)) return;
    stopWatching();
    const ch = realtime.channels.get(name);
    channel = ch;
    channelListener = (change) => {
      if (ch !== channel) return;
      callbacks.onChannel({ name, state: change.current, error: change.reason ? describe(change.reason) : '' });
      if (change.current === 'attached') refreshMembers(ch);
      if (['detached', 'suspended', 'failed'].includes(change.current)) callbacks.onMembers([]);
    };
    ch.on(channelListener);
    callbacks.onChannel({ name, state: ch.state, error: '' });
    callbacks.onMembers([]);
    ch.subscribe((message) => {
      if (ch === channel) callbacks.onMessage(message);
    }).catch((e) => {
      if (ch === channel) callbacks.onChannel({ name, state: ch.state, error: describe(e) });
    });
    ch.presence.subscribe((event) => {
      if (ch !== channel) return;
      callbacks.onPresenceEvent(event);
      refreshMembers(ch);
    }).catch(() => {}); // the subscribe above reports the attach failure
  }

  /** Publishes on the watched channel; resolves when the server ACKed, rejects with its error. */
  async function publish(name, data) {
    if (!channel) throw new Error('watch a channel first');
    await channel.publish(name || undefined, data);
  }

  function close() {
    stopWatching();
    realtime.close();
  }

  return { watch, unwatch: stopWatching, publish, close, describe };
}
