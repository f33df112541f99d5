// ably-js 2.28 (Node) over the comet transport (HTTP streaming, and long-poll as its browser xhr_polling does):
// messages and presence with WebSocket clients on the same channel, lossless resume after the transport is cut,
// recover, refused credentials, and a close that takes the client's members at once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PORT, ROOT_KEY, baseOptions, connected, realtime, subscribe, uniqueChannel, until, awaitState } from './helpers.mjs';
import { FAST_RETRIES, startProxy, connectionEvents } from './resilience.mjs';

const JSON_P = { name: 'json', useBinaryProtocol: false };
const MODES = [
  { name: 'streaming', transportParams: {} },
  { name: 'long-poll', transportParams: { stream: false } },
];
const comet = (mode, extra = {}) => ({
  ...baseOptions(JSON_P), ...FAST_RETRIES, key: ROOT_KEY, transports: ['comet'], transportParams: mode.transportParams, ...extra,
});
const webSocket = (extra = {}) => ({ ...baseOptions(JSON_P), key: ROOT_KEY, transports: ['web_socket'], ...extra });
const transportOf = (client) => client.connection.connectionManager.activeProtocol.getTransport().shortName;
const range = (n) => Array.from({ length: n }, (_, i) => i);

function assertExactlyOnceInOrder(received, n, who) {
  assert.deepEqual(received.map((m) => Number(m.data)), range(n), `${who}: every message once, in order`);
}

for (const mode of MODES) {
  describe(`ably-js over comet (${mode.name})`, () => {
    test('a comet publisher and a comet subscriber, with a WebSocket subscriber beside: every ACKed message arrives once, in order', async (t) => {
      const name = uniqueChannel('comet');
      const publisher = await connected(t, comet(mode));
      const cometSubscriber = await connected(t, comet(mode));
      const wsSubscriber = await connected(t, webSocket());
      assert.equal(transportOf(publisher), 'comet');
      assert.equal(transportOf(cometSubscriber), 'comet');
      const viaComet = await subscribe(cometSubscriber.channels.get(name));
      const viaWs = await subscribe(wsSubscriber.channels.get(name));

      const channel = publisher.channels.get(name);
      await Promise.all(range(200).map((i) => channel.publish('n', String(i))));

      await until(() => viaComet.length >= 200 && viaWs.length >= 200, 'both subscribers to receive 200');
      assertExactlyOnceInOrder(viaComet, 200, 'comet subscriber');
      assertExactlyOnceInOrder(viaWs, 200, 'WebSocket subscriber');
      const page = await channel.history({ limit: 5 });
      assert.deepEqual(page.items.map((m) => m.data), ['199', '198', '197', '196', '195']);
    });

    test('presence: a comet member is seen by a WebSocket client, and its close takes it out at once', async (t) => {
      const name = uniqueChannel('comet-presence');
      const member = await connected(t, comet(mode, { clientId: 'carol' }));
      const watcher = await connected(t, webSocket());
      const watched = watcher.channels.get(name);
      const events = [];
      await watched.presence.subscribe((p) => events.push(`${p.action}:${p.clientId}:${p.data}`));

      await member.channels.get(name).presence.enter('here');
      await until(() => events.includes('enter:carol:here'), 'the enter');
      assert.deepEqual((await watched.presence.get()).map((p) => p.clientId), ['carol']);
      const present = await member.channels.get(name).presence.get();
      assert.deepEqual(present.map((p) => p.clientId), ['carol'], 'the comet client gets the SYNC too');

      member.close();
      await awaitState(member, 'closed');
      // A closed connection leaves at once; a vanished one would only after the presence grace period (15 s here).
      await until(() => events.includes('leave:carol:here'), 'the leave', 5_000);
    });

    test('a comet transport cut mid-stream (a proxy resets it) resumes the same connection and loses nothing', async (t) => {
      const name = uniqueChannel('comet-resume');
      const proxy = await startProxy(t, PORT);
      const subscriber = await connected(t, comet(mode, { port: proxy.port }));
      const id = subscriber.connection.id;
      const changes = connectionEvents(subscriber);
      const received = await subscribe(subscriber.channels.get(name));
      const publisher = await connected(t, webSocket());
      const channel = publisher.channels.get(name);

      const acks = [];
      for (let i = 0; i < 300; i += 1) {
        acks.push(channel.publish('n', String(i)));
        if (i === 100) proxy.cut();
        if (i === 200) proxy.restore();
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(acks);

      await until(() => received.length >= 300, `300 messages (has ${received.length})`, 20_000);
      assertExactlyOnceInOrder(received, 300, 'resumed comet subscriber');
      assert.ok(changes.some((c) => c.current === 'disconnected'), 'the cut was noticed');
      assert.equal(subscriber.connection.id, id, 'the connection was resumed, not replaced');
    });
  });
}

describe('ably-js over comet: connecting', () => {
  test('recover: a new client with the recovery key continues the connection and gets what was published meanwhile', async (t) => {
    const name = uniqueChannel('comet-recover');
    const first = await connected(t, comet(MODES[0]));
    await first.channels.get(name).attach();
    const recoveryKey = first.connection.createRecoveryKey();
    const id = first.connection.id;
    first.connection.connectionManager.activeProtocol.getTransport().dispose(); // gone without a CLOSE
    const publisher = await connected(t, webSocket());
    await publisher.channels.get(name).publish('n', 'while away');

    const second = realtime(t, comet(MODES[1], { recover: recoveryKey }));
    const received = [];
    second.channels.get(name).subscribe((m) => received.push(m.data));
    await awaitState(second, 'connected');
    assert.equal(second.connection.id, id);
    await until(() => received.includes('while away'), 'the message published while away');
  });

  test('a key that is refused over WebSocket is refused over comet with the same code', async (t) => {
    const badKey = `${ROOT_KEY.split(':')[0]}:wrong-secret`;
    const overWs = realtime(t, webSocket({ key: badKey }));
    const overComet = realtime(t, comet(MODES[0], { key: badKey }));
    await Promise.all([awaitState(overWs, 'failed'), awaitState(overComet, 'failed')]);
    assert.ok(overComet.connection.errorReason.code >= 40100 && overComet.connection.errorReason.code < 40200,
      `a 401-class code (got ${overComet.connection.errorReason.code})`);
    assert.equal(overComet.connection.errorReason.code, overWs.connection.errorReason.code);
  });
});
