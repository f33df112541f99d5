// ably-js 2.28 (Node): lossless resume after a transport loss (cut by a proxy = "server side", or killed
// in the client), publisher retries without duplicates, a gap past connectionStateTtl, token expiry.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Ably, PORT, ROOT_KEY, baseOptions, connected, subscribe, uniqueChannel, until, awaitState,
} from './helpers.mjs';
import {
  SHORT_PORT, SHORT_TTL_MS, FAST_RETRIES, startProxy, killTransportClientSide, sleepUntil, pastTime,
  channelEvents, connectionEvents,
} from './resilience.mjs';

const JSON_P = { name: 'json', useBinaryProtocol: false };
const MSGPACK_P = { name: 'msgpack', useBinaryProtocol: true };
const opts = (protocol, extra = {}) => ({ ...baseOptions(protocol), ...FAST_RETRIES, ...extra });
const range = (n) => Array.from({ length: n }, (_, i) => i);

function assertExactlyOnceInOrder(received, n, who) {
  const data = received.map((m) => Number(m.data));
  const dupes = data.filter((d, i) => data.indexOf(d) !== i);
  assert.deepEqual(dupes, [], `${who}: duplicates`);
  const missing = range(n).filter((i) => !data.includes(i));
  assert.deepEqual(missing, [], `${who}: missing`);
  assert.deepEqual(data, range(n), `${who}: order`);
}

describe('ably-js resume', () => {
  test('1,000 messages over 10 s: subscribers whose transport is cut (proxy) or killed (client) get all, once, in order, resumed', async (t) => {
    const name = uniqueChannel('js-resume');
    const proxy = await startProxy(t, PORT);
    const publisher = await connected(t, opts(JSON_P, { key: ROOT_KEY }));
    const subscribers = [];
    for (const [protocol, how] of [[JSON_P, 'proxy'], [MSGPACK_P, 'proxy'], [JSON_P, 'client'], [MSGPACK_P, 'client']]) {
      const port = how === 'proxy' ? proxy.port : PORT;
      const client = await connected(t, { ...opts(protocol, { key: ROOT_KEY }), port });
      const channel = client.channels.get(name);
      const received = await subscribe(channel);
      subscribers.push({ who: `${protocol.name}/${how}`, how, client, id: client.connection.id, channel, received,
        channelChanges: channelEvents(channel), connectionChanges: connectionEvents(client) });
    }

    const pubChannel = publisher.channels.get(name);
    const start = Date.now();
    const acks = [];
    for (let i = 0; i < 1000; i += 1) {
      acks.push(pubChannel.publish('n', String(i)));
      if (i === 250) proxy.cut();
      if (i === 450) proxy.restore();
      if (i === 600) for (const s of subscribers) if (s.how === 'client') killTransportClientSide(s.client);
      const due = start + (i + 1) * 10;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    await Promise.all(acks);

    for (const s of subscribers) {
      await until(() => s.received.length >= 1000, `${s.who} to receive 1000 (has ${s.received.length})`, 20_000);
      await until(() => s.client.connection.state === 'connected' && s.channel.state === 'attached', `${s.who} reattached`);
    }
    for (const s of subscribers) {
      assertExactlyOnceInOrder(s.received, 1000, s.who);
      assert.equal(s.client.connection.id, s.id, `${s.who}: same connection id after resume`);
      assert.ok(s.connectionChanges.some((c) => c.current === 'disconnected'), `${s.who}: the transport was lost`);
      const reattaches = s.channelChanges.filter((c) => c.current === 'attached');
      assert.ok(reattaches.length >= 1, `${s.who}: channel re-attached ${JSON.stringify(s.channelChanges)}`);
      assert.ok(reattaches.every((c) => c.resumed === true), `${s.who}: every re-attach resumed ${JSON.stringify(s.channelChanges)}`);
      const errors = s.connectionChanges.filter((c) => c.current === 'connected' && c.reason);
      assert.deepEqual(errors, [], `${s.who}: no error on reconnect`);
    }
  });

  test('a publisher whose transport is cut mid-stream: every message once at the subscriber, none lost', async (t) => {
    for (const protocol of [JSON_P, MSGPACK_P]) {
      const name = uniqueChannel('js-pubcut');
      const proxy = await startProxy(t, PORT);
      const publisher = await connected(t, { ...opts(protocol, { key: ROOT_KEY }), port: proxy.port });
      const publisherId = publisher.connection.id;
      const subscriber = await connected(t, opts(protocol, { key: ROOT_KEY }));
      const received = await subscribe(subscriber.channels.get(name));
      const pubChannel = publisher.channels.get(name);
      await pubChannel.attach();
      received.length = 0;
      const acks = [];
      for (let i = 0; i < 300; i += 1) {
        acks.push(pubChannel.publish('n', String(i)));
        if (i === 150) proxy.cut();
        if (i === 200) {
          await awaitState(publisher, 'disconnected');
          proxy.restore();
        }
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(acks);
      await until(() => received.length >= 300, `300 messages (have ${received.length})`);
      await subscriber.channels.get(name).publish('marker', '-1');
      await until(() => received.some((m) => m.name === 'marker'), 'marker');
      assertExactlyOnceInOrder(received.filter((m) => m.name === 'n'), 300, `publisher ${protocol.name}`);
      assert.equal(publisher.connection.id, publisherId, 'the publisher resumed');
      const history = await subscriber.channels.get(name).history({ limit: 1000, direction: 'forwards' });
      assert.equal(history.items.filter((m) => m.name === 'n').length, 300, 'history has each message once');
      received.length = 0;
      await subscriber.channels.get(name).detach();
      // Next protocol run: same channel, counted from a fresh subscription.
      await subscriber.close();
      await publisher.close();
    }
  });

  test('a gap longer than connectionStateTtl is reported: new connection id, resume failure', { skip: !SHORT_PORT }, async (t) => {
    const name = uniqueChannel('js-ttl');
    for (const protocol of [JSON_P, MSGPACK_P]) {
      const proxy = await startProxy(t, SHORT_PORT);
      const client = await connected(t, { ...opts(protocol, { key: ROOT_KEY }), port: proxy.port });
      assert.equal(client.connection.connectionManager.connectionStateTtl, SHORT_TTL_MS, 'TTL from connectionDetails');
      const firstId = client.connection.id;
      const channel = client.channels.get(name);
      const received = await subscribe(channel);
      const channelChanges = channelEvents(channel);
      const connectionChanges = connectionEvents(client);
      const publisher = await connected(t, { ...opts(protocol, { key: ROOT_KEY }), port: SHORT_PORT });

      const cutAt = Date.now();
      proxy.cut();
      await publisher.channels.get(name).publish('during-gap', '1');
      await awaitState(client, 'suspended', SHORT_TTL_MS + 15_000);
      await pastTime(cutAt, SHORT_TTL_MS + 500);
      proxy.restore();
      await awaitState(client, 'connected', 15_000);
      await until(() => channel.state === 'attached', 'channel re-attached');

      assert.notEqual(client.connection.id, firstId, 'a new connection after the TTL');
      const reconnect = connectionChanges.find((c) => c.current === 'connected');
      const suspended = connectionChanges.find((c) => c.current === 'suspended');
      assert.ok(suspended, 'the SDK reported suspended');
      assert.ok(channelChanges.some((c) => c.current === 'suspended'), `channel suspended ${JSON.stringify(channelChanges)}`);
      // ably-js keeps the key and asks to resume; the server's answer carries 80008.
      assert.equal(reconnect.reason?.code, 80008, `reconnect reason ${JSON.stringify(reconnect.reason)}`);
      await publisher.channels.get(name).publish('after-gap', '2');
      await until(() => received.some((m) => m.name === 'after-gap'), 'after-gap');
      await client.close();
      await publisher.close();
    }
  });

  test('a token expiring mid-connection is renewed through authCallback with no message lost', async (t) => {
    const name = uniqueChannel('js-token');
    const signer = new Ably.Rest({ ...baseOptions(JSON_P), key: ROOT_KEY });
    for (const protocol of [JSON_P, MSGPACK_P]) {
      let calls = 0;
      const authCallback = (tokenParams, callback) => {
        calls += 1;
        signer.auth.createTokenRequest({ ...tokenParams, ttl: 2_000 }).then((tr) => callback(null, tr), (err) => callback(err, null));
      };
      const subscriber = await connected(t, opts(protocol, { authCallback }));
      const subscriberId = subscriber.connection.id;
      const publisher = await connected(t, opts(protocol, { key: ROOT_KEY }));
      const channel = subscriber.channels.get(name);
      const received = await subscribe(channel);
      const connectionChanges = connectionEvents(subscriber);
      const pubChannel = publisher.channels.get(name);
      received.length = 0;
      const callsBefore = calls;
      for (let i = 0; i < 120; i += 1) {
        await pubChannel.publish('n', String(i));
        await new Promise((r) => setTimeout(r, 25));
      }
      await until(() => received.length >= 120, `120 messages (have ${received.length})`);
      assert.ok(calls > callsBefore, `the token was renewed (authCallback calls ${callsBefore} → ${calls})`);
      assertExactlyOnceInOrder(received, 120, `token ${protocol.name}`);
      assert.equal(subscriber.connection.id, subscriberId, 'same connection after renewal');
      assert.ok(connectionChanges.some((c) => c.reason?.code === 40142) || calls > callsBefore, 'renewal happened');

      // In-band renewal: authorize() on a live connection keeps it.
      await subscriber.auth.authorize();
      assert.equal(subscriber.connection.state, 'connected');
      assert.equal(subscriber.connection.id, subscriberId);
      await pubChannel.publish('after-authorize', 'x');
      await until(() => received.some((m) => m.name === 'after-authorize'), 'after-authorize');
      await subscriber.close();
      await publisher.close();
    }
  });
});
