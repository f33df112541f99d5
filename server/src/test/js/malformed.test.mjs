// Frames no SDK would send, over a raw WebSocket: each gets an ERROR frame with a code, and an ably-js
// client on the same server keeps publishing and receiving.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  Ably, PROTOCOLS, PORT, ROOT_KEY, baseOptions, awaitState, subscribe, awaitMessage, uniqueChannel, until,
} from './helpers.mjs';

function openRaw(t) {
  const ws = new WebSocket(`ws://localhost:${PORT}/?format=json&v=6&key=${encodeURIComponent(ROOT_KEY)}`);
  const frames = [];
  const state = { closeCode: null };
  ws.on('message', (data) => {
    try {
      frames.push(JSON.parse(data.toString()));
    } catch {
      frames.push({ unparseable: data.toString() });
    }
  });
  ws.on('close', (code) => { state.closeCode = code; });
  ws.on('error', () => {});
  t.after(() => ws.terminate());
  return { ws, frames, state };
}

for (const protocol of PROTOCOLS) {
  describe(`malformed frames next to an ably-js client (${protocol.name})`, () => {
    let bystander;
    let channel;
    let got;
    let n = 0;

    before(async () => {
      bystander = new Ably.Realtime({ ...baseOptions(protocol), key: ROOT_KEY });
      await awaitState(bystander, 'connected');
      channel = bystander.channels.get(uniqueChannel('js-bystander'));
      got = await subscribe(channel);
    });

    after(() => bystander.close());

    async function bystanderStillWorks() {
      assert.equal(bystander.connection.state, 'connected');
      const name = `still-here-${n++}`;
      await channel.publish(name, 'ok');
      await awaitMessage(got, name);
    }

    const cases = [
      ['garbage text', 'this is not json'],
      ['truncated JSON', '{"action":'],
      ['a JSON array', '[1,2,3]'],
      ['a JSON number', '42'],
      ['an object without action', '{"hello":"world"}'],
      ['an unknown action', '{"action":99}'],
    ];
    for (const [what, text] of cases) {
      test(`${what} gets an ERROR with a code`, async (t) => {
        const raw = openRaw(t);
        await until(() => raw.frames.find((f) => f.action === 4), 'CONNECTED on the raw socket');

        raw.ws.send(text);

        const error = await until(() => raw.frames.find((f) => f.action === 9 && !f.channel), 'an ERROR frame');
        assert.equal(typeof error.error.code, 'number');
        assert.equal(error.error.code, 40000);
        assert.ok(error.error.message);
        await bystanderStillWorks();
      });
    }

    test('a server-side NACK for an oversized raw publish leaves the raw connection open', async (t) => {
      const raw = openRaw(t);
      await until(() => raw.frames.find((f) => f.action === 4), 'CONNECTED on the raw socket');
      const name = uniqueChannel('js-raw-big');

      raw.ws.send(JSON.stringify({ action: 15, channel: name, msgSerial: 0, messages: [{ name: 'big', data: 'x'.repeat(65_537) }] }));
      const nack = await until(() => raw.frames.find((f) => f.action === 2), 'a NACK');
      assert.equal(nack.msgSerial, 0);
      assert.equal(nack.error.code, 40009);

      raw.ws.send(JSON.stringify({ action: 15, channel: name, msgSerial: 1, messages: [{ name: 'small', data: 'ok' }] }));
      const ack = await until(() => raw.frames.find((f) => f.action === 1), 'an ACK');
      assert.equal(ack.msgSerial, 1);
      assert.equal(raw.state.closeCode, null);
      await bystanderStillWorks();
    });
  });
}
