// ably-js 2.28 (Node): occupancy events and metrics, and ephemeral messages (delivered live, never in history,
// rewind or resume), in both wire formats.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PORT, PROTOCOLS, ROOT_KEY, Ably, baseOptions, connected, subscribe, uniqueChannel, until, awaitState,
} from './helpers.mjs';
import { FAST_RETRIES, startProxy } from './resilience.mjs';

for (const protocol of PROTOCOLS) {
  describe(`ably-js occupancy and ephemeral messages (${protocol.name})`, () => {
    const opts = (extra = {}) => ({ ...baseOptions(protocol), ...extra });

    test('params.occupancy=metrics: a [meta]occupancy event after attaching, then one per change; REST status has the metrics', async (t) => {
      const name = uniqueChannel('js-occupancy');
      const watcher = await connected(t, opts({ key: ROOT_KEY }));
      const channel = watcher.channels.get(name, { params: { occupancy: 'metrics' } });
      const events = [];
      await channel.subscribe('[meta]occupancy', (m) => events.push(m.data.metrics));
      assert.equal(channel.params.occupancy, 'metrics', 'the param is echoed');
      await until(() => events.length >= 1, 'the first occupancy event');
      assert.equal(events[0].connections, 1);
      assert.equal(events[0].subscribers, 1);
      assert.equal(events[0].presenceMembers, 0);

      const member = await connected(t, opts({ key: ROOT_KEY, clientId: 'member' }));
      await member.channels.get(name).presence.enter('here');
      const joined = await until(() => events.find((e) => e.connections === 2 && e.presenceMembers === 1), 'a second connection and a member');
      assert.equal(joined.presenceConnections, 2);

      const status = await new Ably.Rest(opts({ key: ROOT_KEY })).channels.get(name).status();
      assert.equal(status.status.occupancy.metrics.connections, 2);
      assert.equal(status.status.occupancy.metrics.presenceMembers, 1);

      member.close();
      await until(() => events.at(-1).connections === 1 && events.at(-1).presenceMembers === 0, 'the member gone');
      const counted = events.length;
      const other = await connected(t, opts({ key: ROOT_KEY }));
      await other.channels.get(uniqueChannel('elsewhere')).attach();
      await other.channels.get(name).attach();
      await until(() => events.at(-1).connections === 2, 'another attach');
      assert.equal(events.length, counted + 1, 'one event per change, none for other channels');
    });

    test('ephemeral messages reach those attached, and are never in history, rewind or resume', async (t) => {
      const name = uniqueChannel('js-ephemeral');
      const proxy = await startProxy(t, PORT);
      const live = await connected(t, { ...opts({ key: ROOT_KEY }), ...FAST_RETRIES, port: proxy.port });
      const got = await subscribe(live.channels.get(name));
      const publisher = await connected(t, opts({ key: ROOT_KEY }));
      const pub = publisher.channels.get(name);
      await pub.publish({ name: 'typing', data: 'a', extras: { ephemeral: true } });
      await pub.publish('kept', '1');
      await until(() => got.length === 2, 'both live');
      assert.deepEqual(got.map((m) => m.name), ['typing', 'kept']);

      // While the subscriber's connection is cut, one of each: the resume brings only the kept one.
      const id = live.connection.id;
      proxy.cut();
      await awaitState(live, 'disconnected');
      await pub.publish({ name: 'typing', data: 'b', extras: { ephemeral: true } });
      await pub.publish('kept', '2');
      proxy.restore();
      await awaitState(live, 'connected');
      assert.equal(live.connection.id, id, 'resumed');
      await until(() => got.some((m) => m.data === '2'), 'the kept message after the resume');
      assert.deepEqual(got.map((m) => m.data), ['a', '1', '2']);

      const history = await new Ably.Rest(opts({ key: ROOT_KEY })).channels.get(name).history();
      assert.deepEqual(history.items.map((m) => m.data), ['2', '1']);
      const late = await connected(t, opts({ key: ROOT_KEY }));
      const rewound = await subscribe(late.channels.get(name, { params: { rewind: '10' } }));
      await until(() => rewound.length >= 2, 'the rewind');
      assert.deepEqual(rewound.map((m) => m.data), ['1', '2']);
    });
  });
}
