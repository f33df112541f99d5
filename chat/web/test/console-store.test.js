import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { createConsole, MESSAGE_LIMIT } from '../src/console/store.js';
import { basicAuthorization } from '../src/console/api.js';

const KEY = 'app.key:secret';

function json(status, body) {
  return { ok: status >= 200 && status < 300, status, statusText: '', text: async () => JSON.stringify(body) };
}

function text(status, body) {
  return { ok: status >= 200 && status < 300, status, statusText: '', text: async () => body };
}

/** A server answering the console's routes; `counter` grows at every /metrics scrape. */
function fakeServer() {
  const server = { calls: [], counter: 0, deadLetters: [{ id: 7, rule: 'r1', channel: 'ch', messages: [{ name: 'n', data: 'd' }] }] };
  server.fetchImpl = async (url, init) => {
    server.calls.push({ url, method: init.method, auth: init.headers.Authorization });
    if (init.headers.Authorization !== basicAuthorization(KEY)) {
      return json(401, { error: { message: 'Invalid credentials', code: 40101, statusCode: 401 } });
    }
    if (url === '/status') return json(200, { connections: 2, node: 'n1', rules: { r1: { queued: 0, deadLetters: 1 } } });
    if (url === '/metrics') {
      server.counter += 10;
      return text(200, [
        `switchboard_messages_in_total{source="realtime"} ${server.counter}`,
        `switchboard_messages_out_total ${server.counter * 2}`,
        'switchboard_connections{transport="websocket",format="json"} 2',
        'switchboard_fanout_seconds_bucket{le="0.01"} 0',
        'switchboard_fanout_seconds_bucket{le="+Inf"} 0',
      ].join('\n'));
    }
    if (url === '/health/ready') return json(503, { status: 'unavailable', problems: { database: 'connection refused' } });
    if (url === '/channels') return json(200, [{ channelId: 'room', status: { isActive: true, occupancy: { metrics: { connections: 1 } } } }]);
    if (url === '/rules/dead-letters') return json(200, server.deadLetters);
    if (url === '/rules/dead-letters/7/replay' && init.method === 'POST') {
      server.deadLetters = [];
      return json(200, { replayed: 7 });
    }
    if (url === '/rules/dead-letters/8' && init.method === 'DELETE') return json(404, { error: { message: 'No dead letter 8', code: 40400 } });
    return json(404, { error: { message: `no route ${url}`, code: 40400 } });
  };
  return server;
}

function fakeWatcher() {
  const w = { created: [], watched: [], closed: 0, unwatched: 0, callbacks: null, publishError: null };
  w.create = (key, callbacks) => {
    w.created.push(key);
    w.callbacks = callbacks;
    return {
      watch: (name) => {
        w.watched.push(name);
        callbacks.onChannel({ name, state: 'attaching', error: '' });
      },
      unwatch: () => w.unwatched++,
      publish: async () => {
        if (w.publishError) throw w.publishError;
      },
      close: () => w.closed++,
    };
  };
  return w;
}

let server;
let watcher;
let store;

beforeEach(() => {
  vi.useFakeTimers();
  server = fakeServer();
  watcher = fakeWatcher();
  store = createConsole({ createWatcher: watcher.create, fetchImpl: server.fetchImpl });
});

afterEach(() => {
  store.signOut();
  vi.useRealTimers();
});

describe('sign-in', () => {
  it("keeps the form and shows the server's message on a 401", async () => {
    expect(await store.signIn('app.key:wrong')).toBe(false);
    expect(store.state.signedIn).toBe(false);
    expect(store.state.signInError).toBe('Invalid credentials');
    expect(store.state.signInErrorDetail).toBe('code 40101, HTTP 401');
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.calls).toHaveLength(1); // nothing polls
    expect(watcher.created).toEqual([]);
  });

  it('refuses something that is not a key without asking the server', async () => {
    expect(await store.signIn('   ')).toBe(false);
    expect(await store.signIn('no-secret')).toBe(false);
    expect(store.state.signInError).toMatch(/appId\.keyName:secret/);
    expect(server.calls).toHaveLength(0);
  });

  it('polls every route with the key, plots, and connects the realtime side', async () => {
    expect(await store.signIn(` ${KEY} `)).toBe(true);
    expect(store.state.signedIn).toBe(true);
    expect(store.state.signInError).toBe('');
    expect(watcher.created).toEqual([KEY]);
    await vi.advanceTimersByTimeAsync(2100);
    const urls = new Set(server.calls.map((c) => c.url));
    for (const u of ['/status', '/metrics', '/health/ready', '/channels', '/rules/dead-letters']) expect(urls).toContain(u);
    expect(server.calls.every((c) => c.auth === basicAuthorization(KEY))).toBe(true);

    const s = store.state;
    expect(s.plots.connections.samples).toBe(3); // scrapes at 0, 1 and 2 s
    expect(s.plots.messages.samples).toBe(2); // a rate needs two scrapes
    expect(s.plots.messages.last).toBeGreaterThan(0);
    expect(s.plots.fanoutP99.last).toBe(0);
    expect(s.plots.connectorLag.last).toBeNull();
    expect(s.ready).toEqual({ ok: false, problems: { database: 'connection refused' } });
    expect(s.channels.map((c) => c.channelId)).toEqual(['room']);
    expect(s.deadLetters.map((d) => d.id)).toEqual([7]);
    expect(JSON.stringify(s)).not.toContain('secret'); // the key is not in the shown state
  });

  it('sign-out stops polling, closes the realtime connection and forgets everything', async () => {
    await store.signIn(KEY);
    await vi.advanceTimersByTimeAsync(1500);
    store.signOut();
    const calls = server.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.calls.length).toBe(calls);
    expect(watcher.closed).toBe(1);
    expect(store.state.signedIn).toBe(false);
    expect(store.state.plots.connections.samples).toBe(0);
    expect(store.state.channels).toEqual([]);
    // Signing in again needs the key again.
    expect(await store.signIn('app.key:wrong')).toBe(false);
  });

  it('shows a failing scrape as an error instead of dropping it', async () => {
    const original = server.fetchImpl;
    store = createConsole({
      createWatcher: watcher.create,
      fetchImpl: async (url, init) => (url === '/metrics' ? text(500, 'oops') : original(url, init)),
    });
    await store.signIn(KEY);
    await vi.advanceTimersByTimeAsync(100);
    expect(store.state.metricsError).toBe('metrics: HTTP 500: oops');
  });
});

describe('dead letters', () => {
  it('replays one, tells so and reads the list again', async () => {
    await store.signIn(KEY);
    await vi.advanceTimersByTimeAsync(100);
    await store.replay(7);
    expect(store.state.deadLetterResult).toBe('replayed 7');
    await vi.advanceTimersByTimeAsync(100);
    expect(store.state.deadLetters).toEqual([]);
  });

  it("shows the server's error when an action fails", async () => {
    await store.signIn(KEY);
    await store.discard(8);
    expect(store.state.deadLetterResult).toBe('discard 8 failed: No dead letter 8 (code 40400)');
    expect(store.state.deadLetterOk).toBe(false);
  });
});

describe('watching and publishing', () => {
  it('watches a channel, keeps the newest messages first up to the limit', async () => {
    await store.signIn(KEY);
    store.watch(' room ');
    expect(watcher.watched).toEqual(['room']);
    expect(store.state.watched).toEqual({ name: 'room', state: 'attaching', error: '' });
    for (let i = 0; i < MESSAGE_LIMIT + 5; i++) watcher.callbacks.onMessage({ id: `m${i}`, name: 'n', data: `d${i}`, timestamp: i });
    expect(store.state.messages).toHaveLength(MESSAGE_LIMIT);
    expect(store.state.messages[0].data).toBe(`d${MESSAGE_LIMIT + 4}`);
    store.watch('room'); // already watched
    expect(watcher.watched).toEqual(['room']);
    store.watch('other');
    expect(store.state.messages).toEqual([]);
  });

  it('publishes and shows "published", or the error with its code', async () => {
    await store.signIn(KEY);
    await store.publish('n', 'd');
    expect(store.state.publishResult).toBe('watch a channel first');
    store.watch('room');
    await store.publish('n', 'd');
    expect(store.state.publishResult).toBe('published');
    watcher.publishError = Object.assign(new Error('Operation not permitted'), { code: 40160 });
    await store.publish('n', 'd');
    expect(store.state.publishResult).toBe('Operation not permitted (code 40160)');
  });

  it('ignores realtime callbacks after sign-out', async () => {
    await store.signIn(KEY);
    const callbacks = watcher.callbacks;
    store.signOut();
    callbacks.onMessage({ name: 'late', data: 'x' });
    callbacks.onConnection({ state: 'closed', error: '' });
    expect(store.state.messages).toEqual([]);
    expect(store.state.connection.state).toBe('initialized');
  });
});

describe('watching again', () => {
  it('attaches a watched channel again once it failed', async () => {
    await store.signIn(KEY);
    store.watch('locked');
    watcher.callbacks.onChannel({ name: 'locked', state: 'failed', error: 'Operation not permitted (code 40160)' });
    expect(store.state.watched.error).toMatch(/40160/);
    store.watch('locked');
    expect(watcher.watched).toEqual(['locked', 'locked']);
  });
});
