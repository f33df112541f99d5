// ably-js 2.28 (Node) against three Switchboard nodes sharing one Redis, with haproxy in front. Started by
// AblyJsClusterIT, which passes the nodes' ports, the balancer's port and a control endpoint it serves:
// POST /node-of?connection=<id> (the index of the node holding that connection, or "none"),
// POST /stop?node=<i> (answers once the node is closed), POST /start?node=<i> (the same port again).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ably, PROTOCOLS, ROOT_KEY, baseOptions, connected, subscribe, uniqueChannel, until } from './helpers.mjs';
import { connectionEvents } from './resilience.mjs';

// Without AblyJsClusterIT's variables (e.g. `npm test` against one server) these tests are skipped; the IT
// checks that all eight ran and passed.
const CLUSTER = process.env.SWITCHBOARD_CLUSTER_PORTS;
const SKIP = CLUSTER ? false : 'SWITCHBOARD_CLUSTER_PORTS is not set: started by AblyJsClusterIT (mvn verify)';
const NODE_PORTS = (CLUSTER || '').split(',').map(Number);
const BALANCER_PORT = Number(process.env.SWITCHBOARD_BALANCER_PORT || 0);
const CONTROL_URL = process.env.SWITCHBOARD_CONTROL_URL;

const range = (n) => Array.from({ length: n }, (_, i) => i);
const names = (messages) => messages.map((m) => m.name);

async function control(path) {
  const response = await fetch(`${CONTROL_URL}${path}`, { method: 'POST' });
  const body = await response.text();
  if (!response.ok) throw new Error(`control ${path} answered ${response.status}: ${body}`);
  return body;
}

/** The index of the node holding the client's current connection (a number), or 'none'. */
async function nodeOf(client) {
  const answer = await control(`/node-of?connection=${encodeURIComponent(client.connection.id)}`);
  return answer === 'none' ? answer : Number(answer);
}

/** Records a channel's state changes with the event name ('attached', 'update', ...). */
function channelChanges(channel) {
  const changes = [];
  channel.on(function record(change) {
    changes.push({ event: this.event, current: change.current, previous: change.previous, resumed: change.resumed,
      reason: change.reason ? `${change.reason.code} ${change.reason.message}` : undefined });
  });
  return changes;
}

for (const protocol of PROTOCOLS) {
  describe(`ably-js across three nodes (${protocol.name})`, { skip: SKIP }, () => {
    const onNode = (i, extra = {}) => ({ ...baseOptions(protocol), port: NODE_PORTS[i], key: ROOT_KEY, ...extra });

    test('1,000 messages published on node B reach a subscriber on node A once, in order', async (t) => {
      const name = uniqueChannel('js-cluster-order');
      const subscriber = await connected(t, onNode(0));
      const publisher = await connected(t, onNode(1));
      assert.deepEqual([await nodeOf(subscriber), await nodeOf(publisher)], [0, 1], 'clients on nodes A and B');
      const received = await subscribe(subscriber.channels.get(name));
      const channel = publisher.channels.get(name);
      await channel.attach();

      for (let batch = 0; batch < 1000; batch += 100) {
        await Promise.all(range(100).map((j) => channel.publish('n', String(batch + j))));
      }
      await channel.publish('end', 'end');
      await until(() => received.some((m) => m.name === 'end'), `the end marker (have ${received.length})`, 20_000);
      assert.deepEqual(received.map((m) => m.data), [...range(1000).map(String), 'end'], 'all, once, in order');
    });

    test('presence entered through all three nodes is one member set for a late joiner on node C', async (t) => {
      const name = uniqueChannel('js-cluster-presence');
      const perNode = 100;
      const expected = [];
      for (let n = 0; n < 3; n += 1) {
        const client = await connected(t, onNode(n));
        const presence = client.channels.get(name).presence;
        await Promise.all(range(perNode).map((i) => presence.enterClient(`member-${n}-${i}`, { node: n, i })));
        for (const i of range(perNode)) expected.push(`member-${n}-${i}@${client.connection.id}`);
      }

      const late = await connected(t, onNode(2));
      const members = await late.channels.get(name).presence.get();
      assert.equal(members.length, 3 * perNode, 'member count');
      assert.deepEqual(members.map((m) => `${m.clientId}@${m.connectionId}`).sort(), expected.sort());
      const one = members.find((m) => m.clientId === 'member-1-42');
      assert.deepEqual(one.data, { node: 1, i: 42 });
      assert.equal(one.action, 'present');
    });

    test('a message updated and appended to through node B, by two clients at once, is one version history on every node', async (t) => {
      const name = uniqueChannel('mutable:js-cluster');
      const subscriber = await connected(t, onNode(0));
      const received = await subscribe(subscriber.channels.get(name));
      const editors = [await connected(t, onNode(1)), await connected(t, onNode(1))];
      const channels = editors.map((e) => e.channels.get(name));
      await Promise.all(channels.map((c) => c.attach()));
      const { serials: [serial] } = await channels[0].publish('doc', '');
      // 20 appends from two clients at once: each one completed against the message as the one before left it.
      await Promise.all(range(20).map((i) => channels[i % 2].appendMessage({ serial, data: String.fromCharCode(97 + i) })));
      await until(() => received.filter((m) => m.action === 'message.append').length === 20, 'twenty appends on node A', 15_000);

      const reader = new Ably.Rest(onNode(2));
      const latest = await reader.channels.get(name).getMessage(serial);
      assert.equal([...latest.data].sort().join(''), 'abcdefghijklmnopqrst', 'every append is in the message read on node C');
      assert.equal(latest.data.length, 20);
      const versions = await reader.channels.get(name).getMessageVersions(serial, { direction: 'forwards', limit: 100 });
      assert.equal(versions.items.length, 21);
      const live = received.filter((m) => m.action === 'message.append').map((m) => m.data).join('');
      assert.equal(live, latest.data, 'node A saw the appends in the order that built the message');
    });

    test('history, rewind and untilAttach read the shared log on nodes that did not publish', async (t) => {
      const name = uniqueChannel('js-cluster-history');
      const publisher = await connected(t, onNode(0));
      const pub = publisher.channels.get(name);
      for (let i = 0; i < 30; i += 1) await pub.publish(`h${i}`, String(i));
      const h = (from, to) => (from <= to ? range(to - from + 1).map((i) => `h${from + i}`) : range(from - to + 1).map((i) => `h${from - i}`));

      // REST history, paged backwards, through node C, which never saw the channel.
      const rest = new Ably.Rest(onNode(2));
      let page = await rest.channels.get(name).history({ limit: 10 });
      assert.deepEqual(names(page.items), h(29, 20));
      page = await page.next();
      assert.deepEqual(names(page.items), h(19, 10));
      page = await page.next();
      assert.deepEqual(names(page.items), h(9, 0));
      assert.equal(page.hasNext(), false, 'no page after the first message');

      // Realtime history forwards through node B.
      const b = await connected(t, onNode(1));
      const forwards = await b.channels.get(name).history({ direction: 'forwards', limit: 100 });
      assert.deepEqual(names(forwards.items), h(0, 29));

      // Rewind on node C, then live messages after it, each once.
      const c = await connected(t, onNode(2));
      const rewound = await subscribe(c.channels.get(name, { params: { rewind: '5' } }));
      await until(() => rewound.length >= 5, `5 rewound messages (have ${rewound.length})`);

      // untilAttach on node B: the log up to B's attach, not what was published after it.
      const attachedOnB = b.channels.get(name);
      const live = await subscribe(attachedOnB);
      for (let i = 0; i < 3; i += 1) await pub.publish(`after${i}`, String(i));
      await until(() => live.length >= 3 && rewound.length >= 8, `live messages (B ${live.length}, C ${rewound.length})`);
      assert.deepEqual(names(rewound), [...h(25, 29), 'after0', 'after1', 'after2'], 'rewind 5, then live');
      assert.deepEqual(names(live), ['after0', 'after1', 'after2'], 'no rewind without the param');

      const untilAttach = await attachedOnB.history({ untilAttach: true, limit: 3 });
      assert.deepEqual(names(untilAttach.items), h(29, 27));
      const older = await untilAttach.next();
      assert.deepEqual(names(older.items), h(26, 24));
      const all = await attachedOnB.history({ limit: 3 });
      assert.deepEqual(names(all.items), ['after2', 'after1', 'after0'], 'without untilAttach, the newest');
    });

    test('a subscriber behind haproxy whose node stops is back through the balancer with every message once, in order, resumed', async (t) => {
      const name = uniqueChannel('js-cluster-failover');
      const subscriber = await connected(t, {
        ...baseOptions(protocol), port: BALANCER_PORT, key: ROOT_KEY, disconnectedRetryTimeout: 200, suspendedRetryTimeout: 200,
      });
      const firstId = subscriber.connection.id;
      const serving = await nodeOf(subscriber);
      assert.notEqual(serving, 'none', 'the balancer sent the subscriber to one of the nodes');
      const channel = subscriber.channels.get(name);
      const received = await subscribe(channel);
      const changes = channelChanges(channel);
      const connection = connectionEvents(subscriber);
      const publisherNode = (serving + 1) % NODE_PORTS.length;
      const publisher = await connected(t, onNode(publisherNode));
      const pub = publisher.channels.get(name);
      await pub.attach();

      // How many messages were published when the transport went and when the channel was attached again: some must
      // fall in between, or the test would not show the gap being filled.
      let published = 0;
      let publishedAtLoss = -1;
      let publishedAtReattach = -1;
      subscriber.connection.once('disconnected', () => { publishedAtLoss = published; });
      channel.on('attached', () => { if (publishedAtLoss >= 0 && publishedAtReattach < 0) publishedAtReattach = published; });

      let stopping;
      t.after(async () => {
        // Three nodes again for the next test (the balancer's health check brings it back in).
        if (stopping) {
          await stopping;
          await control(`/start?node=${serving}`);
        }
      });
      const acks = [];
      const start = Date.now();
      let receivedAtStop = -1;
      let publishedAtStop = -1;
      for (let i = 0; i < 1000; i += 1) {
        acks.push(pub.publish('n', String(i)));
        published = i + 1;
        if (!stopping && received.length >= 200) {
          receivedAtStop = received.length;
          publishedAtStop = i;
          stopping = control(`/stop?node=${serving}`);
        }
        const due = start + (i + 1) * 4;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      assert.ok(stopping, `the node was asked to stop (received ${received.length} while publishing)`);
      await stopping;
      await Promise.all(acks);
      await until(() => received.length >= 1000, `1,000 messages after the failover (have ${received.length})`, 30_000);
      await until(() => subscriber.connection.state === 'connected' && channel.state === 'attached', 'connected and attached');
      await pub.publish('end', 'end');
      await until(() => received.some((m) => m.name === 'end'), 'the end marker');

      const data = received.filter((m) => m.name === 'n').map((m) => Number(m.data));
      const duplicates = data.filter((d, i) => data.indexOf(d) !== i);
      const missing = range(1000).filter((i) => !data.includes(i));
      assert.deepEqual({ duplicates, missing }, { duplicates: [], missing: [] }, 'every message once');
      assert.deepEqual(data, range(1000), 'in order');
      assert.equal(received.at(-1).name, 'end');

      const now = await nodeOf(subscriber);
      assert.ok(now !== 'none' && now !== serving, `now on another running node (was ${serving}, now ${now})`);
      assert.ok(connection.some((c) => c.current === 'disconnected' || c.current === 'connecting'), `the transport was lost ${JSON.stringify(connection)}`);
      // The nodes share the connection's resume state: the node behind the balancer resumes the same connection
      // (no 80008), and the channel continues from its serial.
      const errors = connection.filter((c) => c.current === 'connected' && c.reason);
      assert.equal(subscriber.connection.id, firstId, `the same connection, resumed on another node: ${JSON.stringify(connection)}`);
      const reattached = changes.filter((c) => c.event === 'attached');
      const discontinuities = changes.filter((c) => (c.event === 'update' && !c.resumed) || (c.event === 'attached' && !c.resumed));
      const detail = `channel ${JSON.stringify(changes)}, connection ${JSON.stringify(connection)}, stopped node ${serving} after ${receivedAtStop} received / ${publishedAtStop} published, transport lost at ${publishedAtLoss} published, re-attached at ${publishedAtReattach}`;
      assert.ok(publishedAtLoss >= 0 && publishedAtReattach > publishedAtLoss, `messages were published while the subscriber was away: ${detail}`);
      assert.ok(reattached.length >= 1, `the channel re-attached: ${detail}`);
      assert.deepEqual(discontinuities, [], `the channel resumed: ${detail}`);
      assert.deepEqual(errors, [], `no other error on reconnect: ${detail}`);
      console.log(`${protocol.name}: node ${serving} stopped; connection ${firstId} -> ${subscriber.connection.id} on node ${now}; ${detail}`);
    });
  });
}
