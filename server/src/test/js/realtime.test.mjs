// ably-js 2.28 (Node) against Switchboard: connect, auth, publish/subscribe, capability and size rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import vcdiffDecoder from '@ably/vcdiff-decoder';
import {
  Ably, PORT, PROTOCOLS, ROOT_KEY, RESTRICTED_KEY, SUBSCRIBE_ONLY_KEY, baseOptions, connected, realtime, awaitState,
  subscribe, awaitMessage, uniqueChannel, rejection, until,
} from './helpers.mjs';

for (const protocol of PROTOCOLS) {
  describe(`ably-js realtime (${protocol.name})`, () => {
    const opts = (extra = {}) => ({ ...baseOptions(protocol), ...extra });

    test('connects with a key', async (t) => {
      const client = await connected(t, opts({ key: ROOT_KEY }));
      assert.ok(client.connection.id, 'connection.id');
      assert.ok(client.connection.key, 'connection.key');
      assert.equal(client.connection.errorReason, null);
    });

    test('connects with a token from authCallback', async (t) => {
      const signer = new Ably.Rest(opts({ key: ROOT_KEY }));
      let calls = 0;
      const client = await connected(t, opts({
        authCallback: (tokenParams, callback) => {
          calls += 1;
          signer.auth.createTokenRequest(tokenParams).then((tr) => callback(null, tr), (err) => callback(err, null));
        },
      }));
      assert.ok(calls > 0, 'authCallback was called');
      assert.match(client.auth.tokenDetails.token, /^sb1\./);
      assert.ok(client.connection.id);
    });

    test('connects with a token from authUrl', async (t) => {
      const signer = new Ably.Rest(opts({ key: ROOT_KEY }));
      let calls = 0;
      const authServer = http.createServer(async (req, res) => {
        calls += 1;
        try {
          const tokenRequest = await signer.auth.createTokenRequest();
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(tokenRequest));
        } catch (e) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(e));
        }
      });
      await new Promise((resolve) => authServer.listen(0, '127.0.0.1', resolve));
      t.after(() => new Promise((resolve) => authServer.close(resolve)));
      const client = await connected(t, opts({ authUrl: `http://127.0.0.1:${authServer.address().port}/auth` }));
      assert.ok(calls > 0, 'authUrl was requested');
      assert.match(client.auth.tokenDetails.token, /^sb1\./);
      assert.ok(client.connection.id);
    });

    test('a bad key fails the connection with 40101', async (t) => {
      const client = realtime(t, opts({ key: ROOT_KEY.replace(/:.*/, ':wrong-secret') }));
      await awaitState(client, 'failed');
      assert.equal(client.connection.errorReason.code, 40101);
    });

    test('two clients see each other\'s messages', async (t) => {
      const name = uniqueChannel('js-pubsub');
      const alice = await connected(t, opts({ key: ROOT_KEY, clientId: 'alice' }));
      const bob = await connected(t, opts({ key: ROOT_KEY, clientId: 'bob' }));
      const aliceGot = await subscribe(alice.channels.get(name));
      const bobGot = await subscribe(bob.channels.get(name));

      await alice.channels.get(name).publish('from-alice', { hello: 'bob' });
      await bob.channels.get(name).publish('from-bob', 'hello alice');

      const atBob = await awaitMessage(bobGot, 'from-alice');
      assert.deepEqual(atBob.data, { hello: 'bob' });
      assert.equal(atBob.clientId, 'alice');
      assert.equal(atBob.connectionId, alice.connection.id);
      assert.ok(atBob.id && !atBob.id.startsWith('undefined'), `id ${atBob.id}`);
      assert.ok(Math.abs(atBob.timestamp - Date.now()) < 60_000, `timestamp ${atBob.timestamp}`);

      const atAlice = await awaitMessage(aliceGot, 'from-bob');
      assert.equal(atAlice.data, 'hello alice');
      assert.equal(atAlice.clientId, 'bob');
      assert.equal(atAlice.connectionId, bob.connection.id);
      assert.ok(atAlice.id);
      assert.notEqual(atAlice.id, atBob.id);
      assert.equal((await awaitMessage(aliceGot, 'from-alice')).id, atBob.id);
    });

    test('binary data survives the trip', async (t) => {
      const name = uniqueChannel('js-binary');
      const sender = await connected(t, opts({ key: ROOT_KEY }));
      const receiver = await connected(t, opts({ key: ROOT_KEY }));
      const got = await subscribe(receiver.channels.get(name));
      await sender.channels.get(name).publish('bytes', Buffer.from([0, 1, 2, 254, 255]));
      const m = await awaitMessage(got, 'bytes');
      assert.deepEqual([...Buffer.from(m.data)], [0, 1, 2, 254, 255]);
    });

    test('echoMessages: false keeps a client\'s own messages away from it', async (t) => {
      const name = uniqueChannel('js-echo');
      const quiet = await connected(t, opts({ key: ROOT_KEY, echoMessages: false }));
      const other = await connected(t, opts({ key: ROOT_KEY }));
      const quietGot = await subscribe(quiet.channels.get(name));
      const otherGot = await subscribe(other.channels.get(name));

      await quiet.channels.get(name).publish('own', 'mine');
      await awaitMessage(otherGot, 'own');
      await other.channels.get(name).publish('theirs', 'yours');

      // One channel keeps order: once "theirs" arrived, "own" would have arrived before it.
      await awaitMessage(quietGot, 'theirs');
      assert.deepEqual(quietGot.map((m) => m.name), ['theirs']);
    });

    test('a REST publish reaches a realtime subscriber', async (t) => {
      const name = uniqueChannel('js-rest');
      const subscriber = await connected(t, opts({ key: ROOT_KEY }));
      const got = await subscribe(subscriber.channels.get(name));
      const rest = new Ably.Rest(opts({ key: ROOT_KEY, clientId: 'rest-publisher' }));

      await rest.channels.get(name).publish('via-rest', { n: 1 });

      const m = await awaitMessage(got, 'via-rest');
      assert.deepEqual(m.data, { n: 1 });
      assert.equal(m.clientId, 'rest-publisher');
      assert.ok(m.id);
      assert.ok(m.timestamp > 0);
    });

    test('a REST publish with a connectionKey is made for that connection: its id, and its echoMessages: false', async (t) => {
      const name = uniqueChannel('js-on-behalf');
      const quiet = await connected(t, opts({ key: ROOT_KEY, echoMessages: false }));
      const other = await connected(t, opts({ key: ROOT_KEY }));
      const quietGot = await subscribe(quiet.channels.get(name));
      const otherGot = await subscribe(other.channels.get(name));
      const rest = new Ably.Rest(opts({ key: ROOT_KEY }));

      await rest.channels.get(name).publish({ name: 'for-quiet', data: 'x', connectionKey: quiet.connection.key });
      const m = await awaitMessage(otherGot, 'for-quiet');
      assert.equal(m.connectionId, quiet.connection.id);
      await rest.channels.get(name).publish('plain', 'y');
      await awaitMessage(quietGot, 'plain');
      assert.deepEqual(quietGot.map((x) => x.name), ['plain'], 'not echoed to the connection it was made for');

      const refused = await rejection(rest.channels.get(name).publish({ name: 'n', connectionKey: 'AAAAAAAAAA!BBBBBBBBBBBBBBBB' }));
      assert.equal(refused.code, 80018);
    });

    test('a derived channel with a filter gets only the messages its JMESPath expression is true for', async (t) => {
      const name = uniqueChannel('js-filter');
      const client = await connected(t, opts({ key: ROOT_KEY }));
      const filtered = client.channels.getDerived(name, { filter: 'name == `"pick"` && headers.n > `1`' });
      const all = client.channels.get(name);
      const picked = await subscribe(filtered);
      const everything = await subscribe(all);
      const publisher = client.channels.get(name);
      await publisher.publish([
        { name: 'pick', data: 'a', extras: { headers: { n: 2 } } },
        { name: 'pick', data: 'b', extras: { headers: { n: 1 } } },
        { name: 'other', data: 'c', extras: { headers: { n: 5 } } },
        { name: 'pick', data: 'd' },
      ]);
      await publisher.publish({ name: 'pick', data: 'e', extras: { headers: { n: 3 } } });
      await until(() => everything.length === 5 && picked.length >= 2, 'all five, and the picked ones');
      assert.deepEqual(picked.map((m) => m.data), ['a', 'e']);

      const bad = client.channels.getDerived(uniqueChannel('js-filter-bad'), { filter: 'name ==' });
      const error = await rejection(bad.attach());
      assert.equal(error.code, 40010);
    });

    test('ATTACHED names back only the channel params the server acts on', async (t) => {
      const client = await connected(t, opts({ key: ROOT_KEY }));
      const channel = client.channels.get(uniqueChannel('js-params'), { params: { nonexistent: 'foo', rewind: '1' } });
      await channel.attach();
      assert.deepEqual(channel.params, { rewind: '1' });
    });

    test('revokeTokens ends the connections of the revoked clientId with 40141; its old tokens stop working, new ones work', async (t) => {
      const rest = new Ably.Rest(opts({ key: ROOT_KEY }));
      const clientId = uniqueChannel('revoked');
      const token = await rest.auth.requestToken({ clientId });
      const bystanderToken = await rest.auth.requestToken({ clientId: uniqueChannel('kept') });
      const revokedClient = await connected(t, opts({ token }));
      const bystander = await connected(t, opts({ token: bystanderToken }));
      const disconnected = revokedClient.connection.once('disconnected');

      const result = await rest.auth.revokeTokens([{ type: 'clientId', value: clientId }, { type: 'invalidType', value: 'abc' }]);
      assert.equal(result.successCount, 1);
      assert.equal(result.failureCount, 1);
      assert.equal(result.results[0].target, `clientId:${clientId}`);
      assert.equal(typeof result.results[0].appliesAt, 'number');
      assert.equal(result.results[1].error.statusCode, 400);

      assert.equal((await disconnected).reason.code, 40141);
      // The SDK reports its own 40171 when it cannot renew a refused token (ably-js#1409); the server's answer is 40141.
      const reusing = await fetch(`http://localhost:${PORT}/channels/revocation-check/messages?access_token=${encodeURIComponent(token.token)}`);
      assert.equal(reusing.status, 401);
      assert.equal(reusing.headers.get('x-ably-errorcode'), '40141');
      assert.equal(bystander.connection.state, 'connected');
      await connected(t, opts({ token: await rest.auth.requestToken({ clientId }) }));

      const withToken = new Ably.Rest(opts({ token: bystanderToken }));
      const refused = await rejection(withToken.request('post', `/keys/${ROOT_KEY.split(':')[0]}/revokeTokens`, 3, {}, { targets: ['clientId:x'] }, {})
        .then((r) => { if (!r.success) { const e = new Error(r.errorMessage); e.code = r.errorCode; throw e; } return r; }));
      assert.equal(refused.code, 40162);
    });

    test('params.delta=vcdiff: after the first message in full, the others come as vcdiff deltas the plugin decodes', async (t) => {
      const name = uniqueChannel('js-delta');
      let decoded = 0;
      const plugin = { decode: (delta, base) => { decoded += 1; return vcdiffDecoder.decode(delta, base); } };
      const subscriber = await connected(t, opts({ key: ROOT_KEY, plugins: { vcdiff: plugin } }));
      const plain = await connected(t, opts({ key: ROOT_KEY }));
      const viaDeltas = await subscribe(subscriber.channels.get(name, { params: { delta: 'vcdiff' } }));
      const inFull = await subscribe(plain.channels.get(name));
      const payloads = [
        { foo: 'bar', count: 1, status: 'active' }, { foo: 'bar', count: 2, status: 'active' }, 'plain text',
        'plain text, longer', Buffer.from([1, 2, 3, 4]), Buffer.from([1, 2, 9, 4, 5]), { foo: 'bar', count: 3, status: 'inactive' },
      ];
      const publisher = plain.channels.get(name);
      for (const [i, data] of payloads.entries()) await publisher.publish(String(i), data);

      await until(() => viaDeltas.length === payloads.length && inFull.length === payloads.length, 'every message on both');
      for (const [i, data] of payloads.entries()) {
        assert.deepEqual(viaDeltas[i].data, data, `message ${i} through deltas`);
        assert.deepEqual(inFull[i].data, data, `message ${i} in full`);
      }
      assert.equal(decoded, payloads.length - 1, 'every message after the first was a delta');

      // Without the plugin a delta fails the channel with 40019, as ably-js does for a delta it cannot read.
      const noPlugin = await connected(t, opts({ key: ROOT_KEY }));
      const failing = noPlugin.channels.get(name, { params: { delta: 'vcdiff' } });
      await failing.attach();
      const failed = failing.once('failed');
      await publisher.publish('a', 'first');
      await publisher.publish('b', 'second');
      assert.equal((await failed).reason.code, 40019);
    });

    test('attach outside the capability fails the channel with 40160', async (t) => {
      const client = await connected(t, opts({ key: RESTRICTED_KEY }));
      const denied = client.channels.get(uniqueChannel('js-denied'));

      const error = await rejection(denied.attach());

      assert.equal(error.code, 40160);
      assert.equal(error.statusCode, 401);
      assert.equal(denied.state, 'failed');
      assert.equal(client.connection.state, 'connected');
      const allowed = client.channels.get(`allowed:${uniqueChannel('ok')}`);
      const got = await subscribe(allowed);
      await allowed.publish('ok', 'fine');
      await awaitMessage(got, 'ok');
    });

    test('a subscribe-only key cannot publish (40160)', async (t) => {
      const client = await connected(t, opts({ key: SUBSCRIBE_ONLY_KEY }));
      const channel = client.channels.get(uniqueChannel('js-readonly'));
      await subscribe(channel);

      const error = await rejection(channel.publish('nope', 'x'));

      assert.equal(error.code, 40160);
      assert.equal(client.connection.state, 'connected');
      assert.equal(channel.state, 'attached');
    });

    test('an oversized message is refused with 40009 and the connection keeps working', async (t) => {
      const name = uniqueChannel('js-big');
      const client = await connected(t, opts({ key: ROOT_KEY }));
      const channel = client.channels.get(name);
      const got = await subscribe(channel);
      assert.equal(client.options.maxMessageSize, 65536, 'limit taken from connectionDetails.maxMessageSize');

      // ably-js checks the size itself first (realtimechannel.ts publish, RSL1i) ...
      const local = await rejection(channel.publish('too-big', 'x'.repeat(65_537)));
      assert.equal(local.code, 40009);

      // ... so lift the client-side limit to see the server's NACK on the wire.
      client.options.maxMessageSize = 10 * 65536;
      const nacked = await rejection(channel.publish('too-big', 'x'.repeat(65_537)));
      assert.equal(nacked.code, 40009);
      assert.equal(client.connection.state, 'connected');

      await channel.publish('small', 'fits');
      await awaitMessage(got, 'small');
      assert.ok(!got.some((m) => m.name === 'too-big'));
    });
  });
}
