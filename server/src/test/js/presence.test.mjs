// ably-js 2.28 (Node) presence: enter/update/leave, get, subscribe, sync of thousands of members, leave
// after the grace period on transport loss and none on a resume, capability and clientId rules, REST.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Ably, PORT, PROTOCOLS, ROOT_KEY, RESTRICTED_KEY, baseOptions, connected, uniqueChannel, until, rejection, realtime, awaitState,
} from './helpers.mjs';
import { SHORT_PORT, SHORT_GRACE_MS, FAST_RETRIES, startProxy, pastTime } from './resilience.mjs';

const members = (list) => list.map((m) => `${m.clientId}@${m.connectionId}`).sort();

for (const protocol of PROTOCOLS) {
  describe(`ably-js presence (${protocol.name})`, () => {
    const opts = (extra = {}) => ({ ...baseOptions(protocol), ...extra });
    const client = (t, clientId, extra = {}) => connected(t, opts({ key: ROOT_KEY, clientId, ...extra }));

    test('enter with {username} data is seen by presence.get() of another client', async (t) => {
      const name = uniqueChannel('js-pres-get');
      const alice = await client(t, 'alice');
      const observer = await client(t, 'observer');
      await alice.channels.get(name).presence.enter({ username: 'Alice A.' });
      const list = await observer.channels.get(name).presence.get();
      assert.equal(list.length, 1);
      assert.equal(list[0].clientId, 'alice');
      assert.equal(list[0].connectionId, alice.connection.id);
      assert.deepEqual(list[0].data, { username: 'Alice A.' });
      assert.equal(list[0].action, 'present');
    });

    test("subscribe('enter' | 'update' | 'leave') gets each kind of event", async (t) => {
      const name = uniqueChannel('js-pres-sub');
      const observer = await client(t, 'observer');
      const presence = observer.channels.get(name).presence;
      const seen = { enter: [], update: [], leave: [], all: [] };
      await presence.subscribe('enter', (m) => seen.enter.push(m));
      await presence.subscribe('update', (m) => seen.update.push(m));
      await presence.subscribe('leave', (m) => seen.leave.push(m));
      await presence.subscribe((m) => seen.all.push(m.action));
      const bob = await client(t, 'bob');
      const bobPresence = bob.channels.get(name).presence;
      await bobPresence.enter({ username: 'bob' });
      await bobPresence.update({ username: 'bobby' });
      await bobPresence.leave();
      await until(() => seen.leave.length === 1, 'leave event');
      assert.deepEqual(seen.all, ['enter', 'update', 'leave']);
      assert.deepEqual(seen.enter.map((m) => m.data), [{ username: 'bob' }]);
      assert.deepEqual(seen.update.map((m) => m.data), [{ username: 'bobby' }]);
      assert.equal(seen.leave[0].clientId, 'bob');
      assert.equal(seen.leave[0].connectionId, bob.connection.id);
      assert.deepEqual(await presence.get(), []);
    });

    test('50 clients entering and leaving in random order: the observer ends with the true set', async (t) => {
      const name = uniqueChannel('js-pres-50');
      const observer = await client(t, 'observer');
      const observed = observer.channels.get(name).presence;
      await observed.subscribe(() => {});
      const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => client(t, `user-${i}`)));
      const present = new Set();
      const random = (n) => Math.floor(Math.random() * n);
      await Promise.all(clients.map(async (c, i) => {
        const p = c.channels.get(name).presence;
        const steps = 1 + random(4);
        let inside = false;
        for (let s = 0; s < steps; s += 1) {
          await new Promise((r) => setTimeout(r, random(30)));
          if (inside) await p.leave(); else await p.enter({ username: `user ${i}`, step: s });
          inside = !inside;
        }
        if (inside) present.add(`user-${i}@${c.connection.id}`);
      }));
      const expected = [...present].sort();
      const deadline = Date.now() + 10_000;
      let got;
      for (;;) {
        got = members(await observed.get());
        if (JSON.stringify(got) === JSON.stringify(expected) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(got, expected);
      const late = await client(t, 'late');
      assert.deepEqual(members(await late.channels.get(name).presence.get()), expected, 'a late joiner syncs the same set');
    });

    test('2,000 members entered with enterClient sync to a late joiner', async (t) => {
      const name = uniqueChannel('js-pres-2000');
      const enterers = await Promise.all(Array.from({ length: 5 }, () => connected(t, opts({ key: ROOT_KEY }))));
      await Promise.all(enterers.map(async (c, k) => {
        const p = c.channels.get(name).presence;
        for (let batch = 0; batch < 400; batch += 100) {
          await Promise.all(Array.from({ length: 100 }, (_, j) => p.enterClient(`m-${k}-${batch + j}`, { n: batch + j })));
        }
      }));
      const late = await connected(t, opts({ key: ROOT_KEY }));
      const list = await late.channels.get(name).presence.get();
      assert.equal(list.length, 2000);
      assert.equal(new Set(list.map((m) => m.clientId)).size, 2000);
      const one = list.find((m) => m.clientId === 'm-3-123');
      assert.deepEqual(one.data, { n: 123 });
      assert.equal(one.connectionId, enterers[3].connection.id);
    });

    test('the same clientId on two connections is two members', async (t) => {
      const name = uniqueChannel('js-pres-twice');
      const phone = await client(t, 'carol');
      const laptop = await client(t, 'carol');
      await phone.channels.get(name).presence.enter('phone');
      await laptop.channels.get(name).presence.enter('laptop');
      const observer = await client(t, 'observer');
      const observed = observer.channels.get(name).presence;
      const list = await observed.get();
      assert.deepEqual(members(list), [`carol@${laptop.connection.id}`, `carol@${phone.connection.id}`].sort());
      assert.deepEqual(list.map((m) => m.data).sort(), ['laptop', 'phone']);
      await phone.channels.get(name).presence.leave();
      const deadline = Date.now() + 5_000;
      while ((await observed.get()).length !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(members(await observed.get()), [`carol@${laptop.connection.id}`]);
    });

    test('entering without the presence capability is refused with 40160', async (t) => {
      const c = await connected(t, opts({ key: RESTRICTED_KEY, clientId: 'dave' }));
      const channel = c.channels.get(`allowed:${uniqueChannel('nopres')}`);
      await channel.attach();
      const error = await rejection(channel.presence.enter('x'));
      assert.equal(error.code, 40160);
      assert.equal(c.connection.state, 'connected');
    });

    test('entering without a clientId is refused by the server with 91000', async (t) => {
      // ably-js refuses this itself (40012) once connected, so send the ENTER before CONNECTED arrives.
      const c = realtime(t, opts({ key: ROOT_KEY, autoConnect: false }));
      const channel = c.channels.get(uniqueChannel('noclient'));
      const entering = channel.presence.enter('x');
      c.connect();
      const error = await rejection(entering);
      assert.equal(error.code, 91000);
      await awaitState(c, 'connected');
    });

    test('REST presence.get() matches realtime presence.get()', async (t) => {
      const name = uniqueChannel('js-pres-rest');
      const a = await client(t, 'erin');
      const b = await connected(t, opts({ key: ROOT_KEY }));
      await a.channels.get(name).presence.enter({ username: 'Erin' });
      await Promise.all(['f1', 'f2', 'f3'].map((id) => b.channels.get(name).presence.enterClient(id, { username: id })));
      const observer = await client(t, 'observer');
      const realtimeList = await observer.channels.get(name).presence.get();
      const rest = new Ably.Rest(opts({ key: ROOT_KEY }));
      const page = await rest.channels.get(name).presence.get({ limit: 100 });
      const shape = (list) => list.map((m) => JSON.stringify([m.clientId, m.connectionId, m.data])).sort();
      assert.equal(realtimeList.length, 4);
      assert.deepEqual(shape(page.items), shape(realtimeList));
      const paged = await rest.channels.get(name).presence.get({ limit: 3 });
      assert.equal(paged.items.length, 3);
      assert.ok(paged.hasNext());
      assert.equal((await paged.next()).items.length, 1);
      const byClient = await rest.channels.get(name).presence.get({ clientId: 'f2' });
      assert.deepEqual(byClient.items.map((m) => m.clientId), ['f2']);
    });

    test('batchPresence reads several channels at once; a channel the key may not see is that result\'s error', async (t) => {
      const allowed = `allowed:${uniqueChannel('js-batch')}`;
      const denied = uniqueChannel('js-batch-denied');
      const alice = await client(t, 'alice');
      await alice.channels.get(allowed).presence.enter('a');
      await alice.channels.get(denied).presence.enter('b');
      const rest = new Ably.Rest(opts({ key: RESTRICTED_KEY }));

      const batch = await rest.batchPresence([denied, allowed]);
      assert.equal(batch.successCount, 1);
      assert.equal(batch.failureCount, 1);
      assert.equal(batch.results[0].channel, denied);
      assert.ok(!('presence' in batch.results[0]));
      assert.equal(batch.results[0].error.code, 40160);
      assert.equal(batch.results[0].error.statusCode, 401);
      assert.equal(batch.results[1].channel, allowed);
      assert.deepEqual(batch.results[1].presence.map((p) => [p.clientId, p.data]), [['alice', 'a']]);
      assert.ok(!('error' in batch.results[1]));
    });

    test('presence history keeps the enter and leave after the member left and the channel was detached', async (t) => {
      const name = uniqueChannel('js-pres-history');
      const alice = await client(t, 'alice');
      const channel = alice.channels.get(name);
      await channel.attach();
      await channel.presence.enter('was here');
      await channel.presence.leave();
      await channel.detach();

      const page = await channel.presence.history();
      assert.deepEqual(page.items.map((p) => p.action).sort(), ['enter', 'leave']);
      assert.equal(page.items.find((p) => p.action === 'enter').data, 'was here');
      const viaRest = await new Ably.Rest(opts({ key: ROOT_KEY })).channels.get(name).presence.history({ direction: 'forwards' });
      assert.deepEqual(viaRest.items.map((p) => `${p.action}:${p.clientId}`), ['enter:alice', 'leave:alice']);
    });

    test('an abruptly lost member leaves after the grace period', { skip: !SHORT_PORT }, async (t) => {
      const name = uniqueChannel('js-pres-grace');
      const proxy = await startProxy(t, SHORT_PORT);
      const member = await connected(t, { ...opts({ key: ROOT_KEY, clientId: 'gone' }), port: proxy.port, ...FAST_RETRIES });
      await member.channels.get(name).presence.enter('here');
      const observer = await connected(t, { ...opts({ key: ROOT_KEY, clientId: 'observer' }), port: SHORT_PORT });
      const leaves = [];
      await observer.channels.get(name).presence.subscribe('leave', (m) => leaves.push({ m, at: Date.now() }));
      assert.equal((await observer.channels.get(name).presence.get()).length, 1);

      const cutAt = Date.now();
      proxy.cut();
      await until(() => leaves.length === 1, 'leave after grace', SHORT_GRACE_MS + 10_000);
      const after = leaves[0].at - cutAt;
      assert.ok(after >= SHORT_GRACE_MS - 200, `left after ${after} ms, grace ${SHORT_GRACE_MS} ms`);
      assert.equal(leaves[0].m.clientId, 'gone');
      assert.deepEqual(await observer.channels.get(name).presence.get(), []);
    });

    test('a member whose connection resumes within the grace period does not leave', { skip: !SHORT_PORT }, async (t) => {
      const name = uniqueChannel('js-pres-resume');
      const proxy = await startProxy(t, SHORT_PORT);
      const member = await connected(t, { ...opts({ key: ROOT_KEY, clientId: 'flaky' }), port: proxy.port, ...FAST_RETRIES });
      const id = member.connection.id;
      await member.channels.get(name).presence.enter('here');
      const observer = await connected(t, { ...opts({ key: ROOT_KEY, clientId: 'observer' }), port: SHORT_PORT });
      const events = [];
      await observer.channels.get(name).presence.subscribe((m) => events.push(m.action));

      const cutAt = Date.now();
      proxy.cut();
      await awaitState(member, 'disconnected');
      proxy.restore();
      await awaitState(member, 'connected');
      assert.equal(member.connection.id, id, 'resumed');
      assert.ok(Date.now() - cutAt < SHORT_GRACE_MS, 'resumed within the grace period');
      await pastTime(cutAt, SHORT_GRACE_MS + 1_000);
      assert.deepEqual(events.filter((a) => a !== 'present' && a !== 'update'), [], `no leave/enter flicker: ${events}`);
      const list = await observer.channels.get(name).presence.get();
      assert.deepEqual(members(list), [`flaky@${id}`]);
    });
  });
}
