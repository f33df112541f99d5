// Helpers for the history, resume and presence tests: a TCP proxy a test can cut, a second server's
// address (short connection state TTL and presence grace, sandbox on), and transport kills.
import net from 'node:net';

export const SHORT_PORT = Number(process.env.SWITCHBOARD_TEST_SHORT_PORT || 0);
export const SHORT_TTL_MS = Number(process.env.SWITCHBOARD_TEST_SHORT_TTL_MS || 0);
export const SHORT_GRACE_MS = Number(process.env.SWITCHBOARD_TEST_SHORT_GRACE_MS || 0);

/** Fast retries so a test does not wait for the SDK's default 15 s / 30 s retry timers. */
export const FAST_RETRIES = { disconnectedRetryTimeout: 300, suspendedRetryTimeout: 300 };

/**
 * A TCP relay to the server on `targetPort`. `cut()` resets every relayed socket (an abrupt network
 * failure: RST, no WebSocket close) and refuses new ones until `restore()`.
 */
export async function startProxy(t, targetPort) {
  const sockets = new Set();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = net.connect(targetPort, 'localhost');
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      for (const s of [client, upstream]) {
        sockets.delete(s);
        if (!s.destroyed) s.resetAndDestroy();
      }
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    port: server.address().port,
    cut() {
      cut = true;
      for (const s of [...sockets]) if (!s.destroyed) s.resetAndDestroy();
      sockets.clear();
    },
    restore() { cut = false; },
    close() {
      proxy.cut();
      return new Promise((resolve) => server.close(resolve));
    },
  };
  t.after(() => proxy.close());
  return proxy;
}

/** Kills the client's WebSocket from the client side without any protocol goodbye (a TCP reset). */
export function killTransportClientSide(client) {
  const transport = client.connection.connectionManager.activeProtocol.getTransport();
  transport.wsConnection.terminate();
}

export const sleepUntil = async (predicate, what, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Waits until `ms` have passed since `since` (for tests where time itself is the condition: TTLs, grace). */
export const pastTime = (since, ms) => sleepUntil(() => Date.now() >= since + ms, `${ms} ms to pass`, ms + 5_000);

/** Records a channel's state changes. */
export function channelEvents(channel) {
  const events = [];
  channel.on((change) => events.push({ current: change.current, resumed: change.resumed, reason: change.reason }));
  return events;
}

export function connectionEvents(client) {
  const events = [];
  client.connection.on((change) => events.push({ current: change.current, reason: change.reason, id: client.connection.id }));
  return events;
}
