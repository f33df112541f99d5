// Shared set-up for the ably-js tests. AblyJsIT starts the server and passes its address and keys in
// the environment; run by hand with the same variables against any Switchboard server.
import Ably from 'ably';
import { randomUUID } from 'node:crypto';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: these tests are started by AblyJsIT (mvn verify), which sets it`);
  return value;
}

export const PORT = Number(required('SWITCHBOARD_TEST_PORT'));
export const ROOT_KEY = required('SWITCHBOARD_TEST_ROOT_KEY');
/** May publish and subscribe on allowed:* only. */
export const RESTRICTED_KEY = required('SWITCHBOARD_TEST_RESTRICTED_KEY');
/** May only subscribe. */
export const SUBSCRIBE_ONLY_KEY = required('SWITCHBOARD_TEST_SUBSCRIBE_ONLY_KEY');
export const TIMEOUT_MS = 10_000;

export const PROTOCOLS = [
  { name: 'json', useBinaryProtocol: false },
  { name: 'msgpack', useBinaryProtocol: true },
];

export const baseOptions = (protocol) => ({
  endpoint: 'localhost',
  port: PORT,
  tls: false,
  useBinaryProtocol: protocol.useBinaryProtocol,
  logLevel: 1,
});

export const uniqueChannel = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A realtime client closed when the test ends. */
export function realtime(t, options) {
  const client = new Ably.Realtime(options);
  t.after(() => client.close());
  return client;
}

/** Resolves when the connection reaches `state`, rejects on timeout with the state it is in instead. */
export function awaitState(client, state, ms = TIMEOUT_MS) {
  if (client.connection.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.connection.off(listener);
      reject(new Error(`connection is ${client.connection.state}, expected ${state}; reason ${JSON.stringify(client.connection.errorReason)}`));
    }, ms);
    const listener = (change) => {
      if (change.current === state) {
        clearTimeout(timer);
        client.connection.off(listener);
        resolve(change);
      }
    };
    client.connection.on(listener);
  });
}

export async function connected(t, options) {
  const client = realtime(t, options);
  await awaitState(client, 'connected');
  return client;
}

/** Subscribes (which attaches) and returns the live list of received messages. */
export async function subscribe(channel) {
  const received = [];
  await channel.subscribe((m) => received.push(m));
  return received;
}

/** Polls until `find()` returns something truthy; no fixed sleeps, a deadline instead. */
export async function until(find, what, ms = TIMEOUT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const awaitMessage = (received, name) => until(() => received.find((m) => m.name === name), `message "${name}"`);

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but it resolved');
}

export { Ably };
