// ably-js 2.28 (Node): message annotations on the "mutable" namespace (AblyJsIT gives it the mutableMessages rule):
// published over realtime and REST, delivered to annotation subscribers, summarised per type as message.summary,
// listed over REST; refused where the rule is missing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROTOCOLS, ROOT_KEY, Ably, baseOptions, connected, subscribe, uniqueChannel, until, rejection,
} from './helpers.mjs';

const ALL_MODES = ['publish', 'subscribe', 'annotation_publish', 'annotation_subscribe'];

for (const protocol of PROTOCOLS) {
  describe(`ably-js annotations (${protocol.name})`, () => {
    const opts = (extra = {}) => ({ ...baseOptions(protocol), ...extra });

    test('annotations reach annotation subscribers only; every change brings the message a new summary', async (t) => {
      const name = uniqueChannel('mutable:annotations');
      const alice = await connected(t, opts({ key: ROOT_KEY, clientId: 'alice' }));
      const bob = await connected(t, opts({ key: ROOT_KEY, clientId: 'bob' }));
      const plain = await connected(t, opts({ key: ROOT_KEY }));
      const a = alice.channels.get(name, { modes: ALL_MODES });
      const b = bob.channels.get(name, { modes: ALL_MODES });
      const p = plain.channels.get(name); // default modes: no annotation_subscribe
      const messages = await subscribe(a);
      const plainMessages = await subscribe(p);
      const annotations = [];
      await a.annotations.subscribe((x) => annotations.push(x));
      await b.attach();

      const { serials: [serial] } = await a.publish('post', 'hello');
      await until(() => messages.some((m) => m.serial === serial), 'the message');

      await a.annotations.publish(serial, { type: 'reaction:distinct.v1', name: '👍' });
      await b.annotations.publish(serial, { type: 'reaction:distinct.v1', name: '👍' });
      await b.annotations.publish(serial, { type: 'reaction:distinct.v1', name: '🎉' });
      await b.annotations.publish(serial, { type: 'vote:unique.v1', name: 'yes' });
      await b.annotations.publish(serial, { type: 'vote:unique.v1', name: 'no' });
      await a.annotations.publish(serial, { type: 'vote:unique.v1', name: 'no' });
      await a.annotations.publish(serial, { type: 'stars:multiple.v1', name: 'gold', count: 3 });
      await b.annotations.publish(serial, { type: 'stars:multiple.v1', name: 'gold' });
      await b.annotations.publish(serial, { type: 'spam:flag.v1' });
      await a.annotations.publish(serial, { type: 'views:total.v1' });
      await b.annotations.delete(serial, { type: 'reaction:distinct.v1', name: '🎉' });

      await until(() => annotations.length === 11, `eleven annotations (have ${annotations.length})`);
      const first = annotations[0];
      assert.equal(first.action, 'annotation.create');
      assert.equal(first.messageSerial, serial);
      assert.equal(first.type, 'reaction:distinct.v1');
      assert.equal(first.clientId, 'alice');
      assert.ok(first.serial > serial, 'annotation serials sort after the message');
      assert.equal(annotations[10].action, 'annotation.delete');

      const summaries = () => messages.filter((m) => m.action === 'message.summary');
      await until(() => summaries().length === 11, `eleven summaries (have ${summaries().length})`);
      const last = summaries()[10];
      assert.equal(last.serial, serial);
      assert.deepEqual(last.annotations.summary['reaction:distinct.v1'], { '👍': { total: 2, clientIds: ['alice', 'bob'], clipped: false } });
      assert.deepEqual(last.annotations.summary['vote:unique.v1'], { no: { total: 2, clientIds: ['bob', 'alice'], clipped: false } });
      assert.deepEqual(last.annotations.summary['stars:multiple.v1'], {
        gold: { total: 4, clientIds: { alice: 3, bob: 1 }, totalUnidentified: 0, clipped: false, totalClientIds: 2 },
      });
      assert.deepEqual(last.annotations.summary['spam:flag.v1'], { total: 1, clientIds: ['bob'], clipped: false });
      assert.deepEqual(last.annotations.summary['views:total.v1'], { total: 1 });

      await until(() => plainMessages.filter((m) => m.action === 'message.summary').length === 11, 'summaries for a plain subscriber');
      assert.equal(plainMessages.filter((m) => m.action === 'message.create').length, 1, 'annotations are never messages');

      // History lists the message, not its annotations or summaries; getMessage carries the summary.
      const rest = new Ably.Rest(opts({ key: ROOT_KEY }));
      const history = await rest.channels.get(name).history();
      assert.deepEqual(history.items.map((m) => m.action), ['message.create']);
      const got = await rest.channels.get(name).getMessage(serial);
      assert.deepEqual(got.annotations.summary['views:total.v1'], { total: 1 });
    });

    test('REST: publish annotations, then list them in pages, oldest first', async () => {
      const rest = new Ably.Rest(opts({ key: ROOT_KEY, clientId: 'carol' }));
      const channel = rest.channels.get(uniqueChannel('mutable:rest-annotations'));
      const { serials: [serial] } = await channel.publish('post', 'hi');
      for (const emoji of ['a', 'b', 'c', 'd', 'e']) await channel.annotations.publish(serial, { type: 'r:distinct.v1', name: emoji });
      const all = await channel.annotations.get(serial, {});
      assert.deepEqual(all.items.map((x) => x.name), ['a', 'b', 'c', 'd', 'e']);
      assert.ok(all.items.every((x) => x.clientId === 'carol' && x.messageSerial === serial));
      let page = await channel.annotations.get(serial, { limit: 2 });
      const names = [];
      for (;;) {
        names.push(...page.items.map((x) => x.name));
        if (!page.hasNext()) break;
        page = await page.next();
      }
      assert.deepEqual(names, ['a', 'b', 'c', 'd', 'e']);
    });

    test('refusals: no mutableMessages rule (93002), an unknown message (40400), an unknown type (40003), an anonymous distinct.v1 (40012)', async (t) => {
      const rest = new Ably.Rest(opts({ key: ROOT_KEY, clientId: 'dave' }));
      const plain = rest.channels.get(uniqueChannel('plain'));
      const { serials: [s] } = await plain.publish('x', 'y');
      assert.equal((await rejection(plain.annotations.publish(s, { type: 'r:distinct.v1', name: 'a' }))).code, 93002);

      const channel = rest.channels.get(uniqueChannel('mutable:annotation-refusals'));
      const { serials: [m] } = await channel.publish('x', 'y');
      const unknown = m.replace(/:\d+$/, (d) => `:${'9'.repeat(d.length - 1)}`);
      assert.equal((await rejection(channel.annotations.publish(unknown, { type: 'r:distinct.v1', name: 'a' }))).code, 40400);
      assert.equal((await rejection(channel.annotations.publish(m, { type: 'r:sum.v9', name: 'a' }))).code, 40003);

      const anonymous = await connected(t, opts({ key: ROOT_KEY }));
      const rt = anonymous.channels.get(channel.name, { modes: ALL_MODES });
      await rt.attach();
      assert.equal((await rejection(rt.annotations.publish(m, { type: 'r:distinct.v1', name: 'a' }))).code, 40012);
      assert.equal(anonymous.connection.state, 'connected');
    });
  });
}
