// ably-js 2.28 (Node): message updates, deletes and appends on a namespace with the mutableMessages rule
// ("mutable", set by AblyJsIT), over realtime and REST, in both wire formats; refused (93002) elsewhere.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PORT, PROTOCOLS, ROOT_KEY, Ably, baseOptions, connected, subscribe, uniqueChannel, until, rejection,
} from './helpers.mjs';

for (const protocol of PROTOCOLS) {
  describe(`ably-js message updates, deletes and appends (${protocol.name})`, () => {
    const opts = (extra = {}) => ({ ...baseOptions(protocol), ...extra });
    const rest = (extra = {}) => new Ably.Rest(opts({ key: ROOT_KEY, ...extra }));

    test('realtime update, delete and append reach subscribers with the version; the ACK gives the version serial', async (t) => {
      const name = uniqueChannel('mutable:rt');
      const writer = await connected(t, opts({ key: ROOT_KEY, clientId: 'writer' }));
      const reader = await connected(t, opts({ key: ROOT_KEY }));
      const got = await subscribe(reader.channels.get(name));
      const channel = writer.channels.get(name);
      await channel.attach();

      const { serials: [serial] } = await channel.publish('greeting', 'Hello');
      const original = await until(() => got.find((m) => m.serial === serial), 'the original');
      assert.equal(original.action, 'message.create');

      const updated = await channel.updateMessage({ serial, data: 'Hello, edited' }, { description: 'typo', metadata: { why: 'x' } });
      const liveUpdate = await until(() => got.find((m) => m.action === 'message.update'), 'the update');
      assert.equal(liveUpdate.serial, serial);
      assert.equal(liveUpdate.version.serial, updated.versionSerial);
      assert.ok(liveUpdate.version.serial > serial, 'a version serial sorts after the message serial');
      assert.equal(liveUpdate.version.clientId, 'writer');
      assert.equal(liveUpdate.version.description, 'typo');
      assert.deepEqual(liveUpdate.version.metadata, { why: 'x' });
      assert.equal(liveUpdate.name, 'greeting', 'what the update leaves out keeps its value');
      assert.equal(liveUpdate.clientId, 'writer');
      assert.equal(liveUpdate.data, 'Hello, edited');

      const appended = await channel.appendMessage({ serial, data: ' and more' });
      const liveAppend = await until(() => got.find((m) => m.action === 'message.append'), 'the append');
      assert.equal(liveAppend.data, ' and more', 'live subscribers get what was appended');
      assert.equal(liveAppend.version.serial, appended.versionSerial);

      const latest = await channel.getMessage(serial);
      assert.equal(latest.data, 'Hello, edited and more');
      assert.equal(latest.action, 'message.update');
      assert.equal(latest.version.serial, appended.versionSerial);

      const deleted = await channel.deleteMessage({ serial }, { description: 'gone' });
      const liveDelete = await until(() => got.find((m) => m.action === 'message.delete'), 'the delete');
      assert.equal(liveDelete.version.serial, deleted.versionSerial);
      assert.equal(liveDelete.version.description, 'gone');

      const versions = await channel.getMessageVersions(serial, { direction: 'forwards' });
      assert.deepEqual(versions.items.map((m) => m.action), ['message.create', 'message.update', 'message.update', 'message.delete']);
      assert.deepEqual(versions.items.map((m) => m.data), ['Hello', 'Hello, edited', 'Hello, edited and more', 'Hello, edited and more']);

      // A rewind shows each change as the message it left: the append as an update with the whole text.
      const late = await connected(t, opts({ key: ROOT_KEY }));
      const rewound = late.channels.get(name, { params: { rewind: '2' } });
      const past = await subscribe(rewound);
      await until(() => past.length === 2, 'two rewound messages');
      assert.deepEqual(past.map((m) => [m.action, m.serial, m.data]),
        [['message.update', serial, 'Hello, edited and more'], ['message.delete', serial, 'Hello, edited and more']]);
    });

    test('REST: getMessage, updateMessage, appendMessage, deleteMessage, getMessageVersions and history', async () => {
      const channel = rest().channels.get(uniqueChannel('mutable:rest'));
      const { serials: [serial] } = await channel.publish('doc', { v: 1 });
      const original = await channel.getMessage(serial);
      assert.deepEqual(original.data, { v: 1 });

      const { versionSerial } = await channel.updateMessage({ serial, data: { v: 2 } }, { clientId: 'editor', description: 'bump' });
      assert.equal(typeof versionSerial, 'string');
      const latest = await channel.getMessage({ serial });
      assert.equal(latest.action, 'message.update');
      assert.deepEqual(latest.data, { v: 2 });
      assert.equal(latest.name, 'doc');
      assert.equal(latest.version.serial, versionSerial);
      assert.equal(latest.version.clientId, 'editor');
      assert.ok(latest.version.timestamp >= original.timestamp);

      const history = await channel.history();
      assert.deepEqual(history.items.map((m) => m.action), ['message.update', 'message.create']);

      const text = rest().channels.get(uniqueChannel('mutable:text'));
      const { serials: [t1] } = await text.publish('stream', 'to');
      await text.appendMessage({ serial: t1, data: 'ken' });
      await text.appendMessage({ serial: t1, data: 's' });
      assert.equal((await text.getMessage(t1)).data, 'tokens');
      const page = await text.getMessageVersions(t1, { limit: 2 });
      assert.equal(page.items.length, 2);
      assert.equal(page.items[0].data, 'tokens', 'newest first by default');
      assert.ok(page.hasNext());
      const rest2 = await page.next();
      assert.deepEqual(rest2.items.map((m) => m.data), ['to']);

      await channel.deleteMessage({ serial, data: {} });
      assert.equal((await channel.getMessage(serial)).action, 'message.delete');
    });

    test('capabilities: message-update-own lets a client change its own messages only; -any anyone\'s; deletes need their own', async (t) => {
      const name = uniqueChannel('mutable:caps');
      const admin = rest();
      const tokenFor = (clientId, ops) => admin.auth.requestToken({ clientId, capability: { 'mutable:*': ['publish', 'subscribe', 'history', ...ops] } });
      const ownOnly = await connected(t, opts({ token: (await tokenFor('olive', ['message-update-own'])).token }));
      const anyEditor = await connected(t, opts({ token: (await tokenFor('mod', ['message-update-any', 'message-delete-any'])).token }));
      const plain = await connected(t, opts({ token: (await tokenFor('pat', [])).token }));
      const [o, m, p] = [ownOnly, anyEditor, plain].map((c) => c.channels.get(name));
      await Promise.all([o, m, p].map((c) => c.attach()));
      const { serials: [mine] } = await o.publish('post', 'by olive');
      const { serials: [theirs] } = await p.publish('post', 'by pat');

      await o.updateMessage({ serial: mine, data: 'edited by olive' });
      assert.equal((await rejection(o.updateMessage({ serial: theirs, data: 'x' }))).code, 40160);
      assert.equal((await rejection(o.deleteMessage({ serial: mine }))).code, 40160, 'update-own is not delete-own');
      assert.equal((await rejection(p.updateMessage({ serial: theirs, data: 'x' }))).code, 40160, 'publish alone changes nothing');
      await m.updateMessage({ serial: theirs, data: 'moderated' });
      await m.deleteMessage({ serial: mine });
      const latest = await admin.channels.get(name).getMessage(theirs);
      assert.equal(latest.clientId, 'pat', 'the author stays');
      assert.equal(latest.version.clientId, 'mod', 'the version names who changed it');
      assert.equal((await rejection(p.annotations.publish(theirs, { type: 'r:distinct.v1', name: 'x' }))).code, 40160);
    });

    test('refusals: no mutableMessages rule (93002), no serial (40003), an unknown serial (40400), append to JSON data (40013)', async (t) => {
      const plain = rest().channels.get(uniqueChannel('plain'));
      const { serials: [s] } = await plain.publish('x', 'y');
      assert.equal((await rejection(plain.updateMessage({ serial: s, data: 'z' }))).code, 93002);

      const client = await connected(t, opts({ key: ROOT_KEY }));
      const rt = client.channels.get(plain.name);
      await rt.attach();
      assert.equal((await rejection(rt.updateMessage({ serial: s, data: 'z' }))).code, 93002);
      assert.equal(client.connection.state, 'connected');

      const mutable = rest().channels.get(uniqueChannel('mutable:refusals'));
      assert.equal((await rejection(mutable.updateMessage({ data: 'z' }))).code, 40003);
      const { serials: [m] } = await mutable.publish('x', 'y');
      const unknown = m.replace(/:\d+$/, (d) => `:${'9'.repeat(d.length - 1)}`);
      assert.equal((await rejection(mutable.getMessage(unknown))).code, 40400);
      assert.equal((await rejection(mutable.updateMessage({ serial: unknown, data: 'z' }))).code, 40400);
      const { serials: [j] } = await mutable.publish('obj', { a: 1 });
      assert.equal((await rejection(mutable.appendMessage({ serial: j, data: 'more' }))).code, 40013);
    });
  });
}
