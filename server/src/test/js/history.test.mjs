// ably-js 2.28 (Node): rewind (qualifier and params, count and duration), history pagination in both
// directions, untilAttach, idempotent REST publishing, sandbox apps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Ably, PORT, PROTOCOLS, ROOT_KEY, baseOptions, connected, subscribe, uniqueChannel, until, rejection, awaitState, realtime,
} from './helpers.mjs';
import { SHORT_PORT, pastTime } from './resilience.mjs';

async function allPages(page) {
  const pages = [page.items];
  while (page.hasNext()) {
    page = await page.next();
    pages.push(page.items);
  }
  return pages;
}

for (const protocol of PROTOCOLS) {
  describe(`ably-js history and rewind (${protocol.name})`, () => {
    const opts = (extra = {}) => ({ ...baseOptions(protocol), ...extra });

    async function seed(t, name, n, prefix = 'm') {
      const publisher = await connected(t, opts({ key: ROOT_KEY }));
      const channel = publisher.channels.get(name);
      for (let i = 0; i < n; i += 1) await channel.publish(`${prefix}${i}`, String(i));
      return { publisher, channel };
    }

    test('rewind by count, as a qualifier and as params; the qualifier is not part of the channel name', async (t) => {
      const name = uniqueChannel('js-rewind-count');
      const { channel: pub } = await seed(t, name, 10);
      const viaQualifier = await connected(t, opts({ key: ROOT_KEY }));
      const qualified = viaQualifier.channels.get(`[?rewind=3]${name}`);
      const gotQ = await subscribe(qualified);
      const viaParams = await connected(t, opts({ key: ROOT_KEY }));
      const withParams = viaParams.channels.get(name, { params: { rewind: '4' } });
      const gotP = await subscribe(withParams);
      assert.equal(withParams.params.rewind, '4', 'params echoed in ATTACHED');

      await until(() => gotQ.length >= 3 && gotP.length >= 4, 'rewound messages');
      await pub.publish('live', 'x');
      await until(() => gotQ.some((m) => m.name === 'live') && gotP.some((m) => m.name === 'live'), 'live message on both');
      assert.deepEqual(gotQ.map((m) => m.name), ['m7', 'm8', 'm9', 'live']);
      assert.deepEqual(gotP.map((m) => m.name), ['m6', 'm7', 'm8', 'm9', 'live']);
    });

    test('rewind by duration, as a qualifier and as params', async (t) => {
      const name = uniqueChannel('js-rewind-time');
      const { channel: pub } = await seed(t, name, 2, 'old');
      const oldAt = Date.now();
      await pastTime(oldAt, 1_500);
      for (let i = 0; i < 3; i += 1) await pub.publish(`new${i}`, String(i));

      const a = await connected(t, opts({ key: ROOT_KEY }));
      const gotWide = await subscribe(a.channels.get(`[?rewind=1m]${name}`));
      const b = await connected(t, opts({ key: ROOT_KEY }));
      const gotNarrow = await subscribe(b.channels.get(name, { params: { rewind: '1s' } }));
      await until(() => gotWide.length >= 5 && gotNarrow.length >= 3, 'rewound messages');
      await pub.publish('live', 'x');
      await until(() => gotWide.some((m) => m.name === 'live') && gotNarrow.some((m) => m.name === 'live'), 'live');
      assert.deepEqual(gotWide.map((m) => m.name), ['old0', 'old1', 'new0', 'new1', 'new2', 'live']);
      assert.deepEqual(gotNarrow.map((m) => m.name), ['new0', 'new1', 'new2', 'live']);
    });

    test('an invalid rewind value fails the attach with an error', async (t) => {
      const client = await connected(t, opts({ key: ROOT_KEY }));
      const channel = client.channels.get(`[?rewind=lots]${uniqueChannel('js-rewind-bad')}`);
      const error = await rejection(channel.attach());
      assert.ok(error.code >= 40000 && error.code < 50000, `error ${error.code} ${error.message}`);
      assert.equal(client.connection.state, 'connected');
    });

    test('history pages backwards and forwards, realtime and REST, with start/end', async (t) => {
      const name = uniqueChannel('js-history');
      const { publisher, channel } = await seed(t, name, 25);
      const rest = new Ably.Rest(opts({ key: ROOT_KEY }));
      for (const [who, target] of [['realtime', channel], ['rest', rest.channels.get(name)]]) {
        const backwards = await allPages(await target.history({ limit: 10 }));
        assert.deepEqual(backwards.map((p) => p.length), [10, 10, 5], `${who} backwards page sizes`);
        assert.deepEqual(backwards.flat().map((m) => Number(m.data)), Array.from({ length: 25 }, (_, i) => 24 - i), `${who} backwards`);
        const forwards = await allPages(await target.history({ limit: 10, direction: 'forwards' }));
        assert.deepEqual(forwards.map((p) => p.length), [10, 10, 5], `${who} forwards page sizes`);
        assert.deepEqual(forwards.flat().map((m) => Number(m.data)), Array.from({ length: 25 }, (_, i) => i), `${who} forwards`);
        assert.ok(forwards.flat().every((m) => m.id && m.timestamp > 0 && m.connectionId === publisher.connection.id));
      }
      const all = (await channel.history({ limit: 100, direction: 'forwards' })).items;
      const start = all[8].timestamp;
      const end = all[16].timestamp;
      const expected = all.filter((m) => m.timestamp >= start && m.timestamp <= end).map((m) => m.data);
      const ranged = await allPages(await rest.channels.get(name).history({ start, end, limit: 4, direction: 'forwards' }));
      assert.deepEqual(ranged.flat().map((m) => m.data), expected, 'start/end inclusive, paged');
    });

    test('history with untilAttach stops at the attach point', async (t) => {
      const name = uniqueChannel('js-until');
      const { channel: pub } = await seed(t, name, 5, 'before');
      const client = await connected(t, opts({ key: ROOT_KEY }));
      const channel = client.channels.get(name);
      const received = await subscribe(channel);
      for (let i = 0; i < 3; i += 1) await pub.publish(`after${i}`, String(i));
      await until(() => received.length >= 3, 'live messages');

      const page = await channel.history({ untilAttach: true, limit: 2 });
      const pages = await allPages(page);
      assert.deepEqual(pages.flat().map((m) => m.name), ['before4', 'before3', 'before2', 'before1', 'before0']);
      const plain = await channel.history({ limit: 100 });
      assert.equal(plain.items.length, 8);
      const detached = client.channels.get(uniqueChannel('js-until-detached'));
      const error = await rejection(detached.history({ untilAttach: true }));
      assert.equal(error.code, 40000);
    });

    test('idempotent REST publishing: explicit ids and SDK-generated ids are published once', async (t) => {
      const name = uniqueChannel('js-idem');
      const subscriber = await connected(t, opts({ key: ROOT_KEY }));
      const received = await subscribe(subscriber.channels.get(name));
      const rest = new Ably.Rest(opts({ key: ROOT_KEY, idempotentRestPublishing: true }));
      const channel = rest.channels.get(name);

      await channel.publish({ id: 'explicit-1', name: 'e', data: '1' });
      await channel.publish({ id: 'explicit-1', name: 'e', data: '1' });
      await channel.publish([{ id: 'batch:0', name: 'b', data: '0' }, { id: 'batch:1', name: 'b', data: '1' }]);
      await channel.publish([{ id: 'batch:0', name: 'b', data: '0' }, { id: 'batch:1', name: 'b', data: '1' }]);
      // ably-js gives messages without ids a random base plus index (RSL1k1): the ids a retry would repeat.
      await channel.publish([{ name: 'g', data: '0' }, { name: 'g', data: '1' }]);
      await channel.publish('end', 'x');
      await until(() => received.some((m) => m.name === 'end'), 'end marker');

      assert.deepEqual(received.map((m) => `${m.name}${m.data}`), ['e1', 'b0', 'b1', 'g0', 'g1', 'endx']);
      const generated = received.filter((m) => m.name === 'g').map((m) => m.id);
      assert.match(generated[0], /^[A-Za-z0-9_+/=-]+:0$/, 'SDK-generated idempotent id');
      assert.equal(generated[1], generated[0].replace(/:0$/, ':1'));
      const history = await channel.history({ limit: 100 });
      assert.equal(history.items.length, 6);
    });

    test('a sandbox app created with POST /apps is usable by an SDK client and removed by DELETE', { skip: !SHORT_PORT }, async (t) => {
      const base = `http://localhost:${SHORT_PORT}`;
      const spec = {
        keys: [{}, { capability: JSON.stringify({ 'sub:*': ['subscribe'] }) }],
        namespaces: [{ id: 'persisted', persisted: true }],
        channels: [{ name: 'fixtures', presence: [{ clientId: 'client_a', data: 'A' }, { clientId: 'client_b', data: '{"b":1}', encoding: 'json' }] }],
      };
      const created = await fetch(`${base}/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
      assert.equal(created.status, 201, await created.clone().text());
      const app = await created.json();
      assert.ok(app.appId);
      assert.equal(app.keys.length, 2);
      for (const k of app.keys) assert.equal(k.keyStr, `${k.keyName}:${k.keySecret}`);
      assert.deepEqual(app.namespaces.map((n) => n.id), ['persisted']);

      const sopts = (extra) => ({ ...baseOptions(protocol), port: SHORT_PORT, ...extra });
      const client = await connected(t, sopts({ key: app.keys[0].keyStr }));
      const channel = client.channels.get(uniqueChannel('sandbox'));
      const received = await subscribe(channel);
      await channel.publish('hello', 'sandbox');
      await until(() => received.some((m) => m.name === 'hello'), 'hello');
      // The spec's presence fixtures are members of the new app's channel, data decoded as their encoding says.
      const fixtures = await new Ably.Rest(sopts({ key: app.keys[0].keyStr })).channels.get('fixtures').presence.get();
      assert.deepEqual(fixtures.items.map((p) => [p.clientId, p.data]).sort(), [['client_a', 'A'], ['client_b', { b: 1 }]]);
      const limited = await connected(t, sopts({ key: app.keys[1].keyStr }));
      assert.equal((await rejection(limited.channels.get('other').attach())).code, 40160);
      // Apps do not share channels with the default app.
      const rootRest = new Ably.Rest(sopts({ key: ROOT_KEY }));
      assert.equal((await rootRest.channels.get(channel.name).history()).items.length, 0);

      const deleted = await fetch(`${base}/apps/${app.appId}`, { method: 'DELETE' });
      assert.ok(deleted.status >= 200 && deleted.status < 300, `DELETE status ${deleted.status}`);
      const after = realtime(t, sopts({ key: app.keys[0].keyStr }));
      await awaitState(after, 'failed');
      assert.equal(after.connection.errorReason.code, 40101);
    });
  });
}
