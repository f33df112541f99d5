// @ably/chat 1.4.0, unchanged, against Switchboard (ChatSdkIT starts the server with an embedded PostgreSQL and a
// control endpoint that restarts it): two clients in a room, in both wire formats.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient } from '@ably/chat';
import {
  Ably, PROTOCOLS, ROOT_KEY, baseOptions, uniqueChannel, until, rejection, awaitState,
} from './helpers.mjs';
import { killTransportClientSide } from './resilience.mjs';

const CONTROL_URL = process.env.SWITCHBOARD_CONTROL_URL;
const SKIP = CONTROL_URL ? false : 'SWITCHBOARD_CONTROL_URL is not set: started by ChatSdkIT (mvn verify)';
const range = (n) => Array.from({ length: n }, (_, i) => i);

/** What an ordinary chat user may do in a room: everything but changing other people's messages. */
const userCapability = (room) => ({
  [`${room}::$chat`]: ['publish', 'subscribe', 'presence', 'history', 'annotation-publish', 'annotation-subscribe',
    'message-update-own', 'message-delete-own', 'channel-metadata'],
});

for (const protocol of PROTOCOLS) {
  describe(`@ably/chat 1.4.0 (${protocol.name})`, { skip: SKIP }, () => {
    const admin = new Ably.Rest({ ...baseOptions(protocol), key: ROOT_KEY });

    /** A chat client for `clientId` with the room capability of an ordinary user (tokens from the root key). */
    async function chatClient(t, clientId, capability) {
      const realtime = new Ably.Realtime({
        ...baseOptions(protocol),
        clientId,
        authCallback: (params, cb) => admin.auth.requestToken({ clientId, capability }).then((token) => cb(null, token), cb),
        disconnectedRetryTimeout: 300,
        suspendedRetryTimeout: 300,
      });
      t.after(() => realtime.close());
      await awaitState(realtime, 'connected');
      return { realtime, chat: new ChatClient(realtime) };
    }

    async function twoInARoom(t, roomOptions = {}) {
      const name = uniqueChannel(`room-${protocol.name}`);
      const alice = await chatClient(t, 'alice', userCapability(name));
      const bob = await chatClient(t, 'bob', userCapability(name));
      const a = await alice.chat.rooms.get(name, roomOptions);
      const b = await bob.chat.rooms.get(name, roomOptions);
      await a.attach();
      await b.attach();
      return { name, alice, bob, a, b };
    }

    test('send and receive; update and delete own messages, not the other\'s; versions; history across a server restart', async (t) => {
      const { name, alice, a, b } = await twoInARoom(t);
      const atBob = [];
      b.messages.subscribe((event) => atBob.push(event));

      const hello = await a.messages.send({ text: 'hello', metadata: { mood: 'happy' }, headers: { lang: 'en' } });
      assert.equal(hello.clientId, 'alice');
      assert.equal(hello.text, 'hello');
      await until(() => atBob.find((e) => e.message.serial === hello.serial), 'bob receives hello');
      const received = atBob[0].message;
      assert.equal(atBob[0].type, 'message.created');
      assert.deepEqual([received.text, received.metadata, received.headers], ['hello', { mood: 'happy' }, { lang: 'en' }]);

      const reply = await b.messages.send({ text: 'hi alice' });
      assert.ok(reply.serial > hello.serial, 'serials sort in the order sent');

      const edited = await a.messages.update(hello.serial, { text: 'hello, edited' }, { description: 'typo' });
      assert.equal(edited.text, 'hello, edited');
      assert.equal(edited.action, 'message.update');
      assert.equal(edited.version.clientId, 'alice');
      assert.equal(edited.version.description, 'typo');
      assert.ok(edited.version.serial > hello.serial);
      await until(() => atBob.find((e) => e.type === 'message.updated'), 'bob sees the edit');
      assert.equal(atBob.find((e) => e.type === 'message.updated').message.text, 'hello, edited');

      const refused = await rejection(a.messages.update(reply.serial, { text: 'not yours' }));
      assert.equal(refused.code, 40160, 'editing the other\'s message is refused');
      assert.equal((await rejection(a.messages.delete(reply.serial))).code, 40160, 'so is deleting it');

      const deleted = await b.messages.delete(reply.serial, { description: 'oops' });
      assert.equal(deleted.action, 'message.delete');
      await until(() => atBob.find((e) => e.type === 'message.deleted'), 'the delete arrives');

      const versions = await a.messages.getVersions(hello.serial);
      assert.deepEqual(versions.items.map((m) => m.text), ['hello', 'hello, edited']);

      const before = await a.messages.history({ limit: 10 });
      assert.deepEqual(before.items.map((m) => [m.text, m.action]), [['', 'message.delete'], ['hello, edited', 'message.update']]);

      const restarted = await fetch(`${CONTROL_URL}/restart`);
      assert.equal(restarted.status, 200, await restarted.text());

      const later = await chatClient(t, 'carol', userCapability(name));
      const c = await later.chat.rooms.get(name);
      const after = await c.messages.history({ limit: 10 });
      assert.deepEqual(after.items.map((m) => [m.serial, m.text, m.action]), before.items.map((m) => [m.serial, m.text, m.action]),
        'the same history after the restart');
      assert.equal((await c.messages.get(hello.serial)).version.description, 'typo');

      // The clients reconnect to the restarted server, their room attaches again, and the conversation goes on.
      await awaitState(alice.realtime, 'connected', 15_000);
      await until(() => a.status === 'attached' && b.status === 'attached', `rooms attached again (${a.status}, ${b.status})`, 15_000);
      const resumed = await a.messages.send({ text: 'after the restart' });
      assert.ok(resumed.serial > hello.serial, 'serials go on after the restart');
      await until(() => atBob.find((e) => e.message.text === 'after the restart'), 'bob receives after the restart', 15_000);
    });

    test('a send repeated with the same idempotencyKey is one message; a room\'s REST errors are Ably errors', async (t) => {
      const { name, alice } = await twoInARoom(t);
      const path = `/chat/v4/rooms/${encodeURIComponent(name)}/messages`;
      const first = await alice.realtime.request('post', path, 4, { idempotencyKey: 'key-1' }, { text: 'once' });
      const again = await alice.realtime.request('post', path, 4, { idempotencyKey: 'key-1' }, { text: 'once' });
      assert.equal(first.statusCode, 201);
      assert.equal(again.items[0].serial, first.items[0].serial);
      const history = await alice.realtime.request('get', path, 4, { limit: 10 }, null);
      assert.equal(history.items.length, 1);

      const missing = await alice.realtime.request('get', `${path}/${encodeURIComponent('nope:0000000000000001')}`, 4, null, null);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.errorCode, 40400);
      const bad = await alice.realtime.request('post', path, 4, null, { text: 42 });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.errorCode, 40001);
    });

    test('history before subscribe and in pages', async (t) => {
      const { a, b } = await twoInARoom(t);
      for (const i of range(7)) await a.messages.send({ text: `m${i}` });
      const sub = b.messages.subscribe(() => {});
      await a.messages.send({ text: 'after' });
      const page1 = await sub.historyBeforeSubscribe({ limit: 3 });
      assert.deepEqual(page1.items.map((m) => m.text), ['m6', 'm5', 'm4']);
      assert.ok(page1.hasNext());
      const page2 = await page1.next();
      assert.deepEqual(page2.items.map((m) => m.text), ['m3', 'm2', 'm1']);
      const oldest = await a.messages.history({ orderBy: 'oldestFirst', limit: 2 });
      assert.deepEqual(oldest.items.map((m) => m.text), ['m0', 'm1']);
    });

    test('message reactions of the three kinds, with summaries', async (t) => {
      const { a, b } = await twoInARoom(t);
      const summaries = [];
      a.messages.reactions.subscribe((event) => summaries.push(event));
      const msg = await a.messages.send({ text: 'react to me' });

      await a.messages.reactions.send(msg.serial, { type: 'distinct', name: '👍' });
      await b.messages.reactions.send(msg.serial, { type: 'distinct', name: '👍' });
      await b.messages.reactions.send(msg.serial, { type: 'unique', name: '❤️' });
      await b.messages.reactions.send(msg.serial, { type: 'unique', name: '🎉' });
      await a.messages.reactions.send(msg.serial, { type: 'multiple', name: '⭐', count: 3 });
      await b.messages.reactions.send(msg.serial, { type: 'multiple', name: '⭐' });

      const last = await until(() => {
        const s = summaries.at(-1)?.reactions;
        return s && s.multiple['⭐']?.total === 4 && s.unique['🎉'] ? s : null;
      }, 'the summary with every reaction');
      assert.deepEqual(last.distinct['👍'].clientIds.sort(), ['alice', 'bob']);
      assert.equal(last.distinct['👍'].total, 2);
      assert.deepEqual(Object.keys(last.unique), ['🎉'], 'a unique reaction replaces the client\'s earlier one');
      assert.deepEqual(last.multiple['⭐'].clientIds, { alice: 3, bob: 1 });

      await b.messages.reactions.delete(msg.serial, { type: 'distinct', name: '👍' });
      await until(() => summaries.at(-1)?.reactions.distinct['👍']?.total === 1, 'the summary after a delete');
      const mine = await a.messages.reactions.clientReactions(msg.serial);
      assert.deepEqual(Object.keys(mine.distinct), ['👍']);
      assert.deepEqual(mine.multiple['⭐'].clientIds, { alice: 3 });

      const fetched = await a.messages.get(msg.serial);
      assert.equal(fetched.reactions.multiple['⭐'].total, 4, 'a fetched message carries its reactions');
    });

    test('room reactions and typing are ephemeral; typing stops on stop() and by the SDK\'s timeout', async (t) => {
      const { a, b } = await twoInARoom(t, { typing: { heartbeatThrottleMs: 1000 } });
      const reactions = [];
      b.reactions.subscribe((event) => reactions.push(event.reaction));
      await a.reactions.send({ name: 'like', metadata: { big: true } });
      await until(() => reactions.length === 1, 'a room reaction');
      assert.equal(reactions[0].name, 'like');
      assert.equal(reactions[0].clientId, 'alice');

      const typing = [];
      b.typing.subscribe((event) => typing.push(event));
      await a.typing.keystroke();
      await until(() => typing.at(-1)?.currentlyTyping.has('alice'), 'alice is typing');
      await a.typing.stop();
      await until(() => typing.at(-1)?.currentlyTyping.size === 0, 'alice stopped');

      const started = Date.now();
      await a.typing.keystroke();
      await until(() => typing.at(-1)?.currentlyTyping.has('alice'), 'alice typing again');
      await until(() => typing.at(-1)?.currentlyTyping.size === 0, 'the typing timeout', 8000);
      assert.ok(Date.now() - started >= 2500, 'not before the heartbeat and grace period');

      const history = await b.messages.history({ limit: 10 });
      assert.equal(history.items.length, 0, 'neither is a chat message');
      const log = await admin.channels.get(`${b.name}::$chat`).history();
      assert.equal(log.items.length, 0, 'nor in the channel\'s history');
    });

    test('presence enter and leave, occupancy events and occupancy.get()', async (t) => {
      const { a, b } = await twoInARoom(t, { occupancy: { enableEvents: true } });
      const occupancy = [];
      a.occupancy.subscribe((event) => occupancy.push(event.occupancy));
      const presence = [];
      a.presence.subscribe((event) => presence.push([event.type, event.member.clientId]));
      await b.presence.enter({ status: 'here' });
      await until(() => presence.some(([type, who]) => type === 'enter' && who === 'bob'), 'bob enters');
      assert.deepEqual((await a.presence.get()).map((m) => m.clientId), ['bob']);
      await until(() => occupancy.at(-1)?.presenceMembers === 1 && occupancy.at(-1)?.connections === 2, 'occupancy with bob present');
      assert.deepEqual(await a.occupancy.get(), { connections: 2, presenceMembers: 1 });
      await b.presence.leave();
      await until(() => presence.some(([type, who]) => type === 'leave' && who === 'bob'), 'bob leaves');
      await until(() => occupancy.at(-1)?.presenceMembers === 0, 'occupancy after the leave');
    });

    test('a receiver whose connection drops gets every message once, in order, when it is back', async (t) => {
      const { a, b, bob } = await twoInARoom(t);
      const atBob = [];
      b.messages.subscribe((event) => atBob.push(event.message.text));
      await a.messages.send({ text: 'before' });
      await until(() => atBob.length === 1, 'the first message');
      killTransportClientSide(bob.realtime);
      for (const i of range(20)) await a.messages.send({ text: `during ${i}` });
      await a.messages.send({ text: 'end' });
      await until(() => atBob.includes('end'), 'the end marker after the reconnect', 15_000);
      assert.deepEqual(atBob, ['before', ...range(20).map((i) => `during ${i}`), 'end']);
    });
  });
}
