// An Ably Chat room against Switchboard: two users join a room, talk, react, edit, and read the history back.
// Usage: SWITCHBOARD_URL=http://localhost:8080 SWITCHBOARD_KEY=<appId.keyId:secret> node room.mjs [room]
import * as Ably from 'ably';
import { ChatClient } from '@ably/chat';

const url = new URL(process.env.SWITCHBOARD_URL ?? 'http://localhost:8080');
const key = process.env.SWITCHBOARD_KEY;
if (!key) {
  console.error('Set SWITCHBOARD_KEY to a key of the server (its root key is printed at start, or see the README).');
  process.exit(2);
}
const roomName = process.argv[2] ?? `example-${Date.now()}`;
const server = { endpoint: url.hostname, port: Number(url.port || 80), tls: url.protocol === 'https:' };

// Each user gets tokens from the key (in a real app, from your auth endpoint), for this room only.
const admin = new Ably.Rest({ ...server, key });
function user(clientId) {
  const capability = { [`${roomName}::$chat`]: ['publish', 'subscribe', 'presence', 'history', 'annotation-publish', 'message-update-own', 'message-delete-own'] };
  const realtime = new Ably.Realtime({ ...server, clientId,
    authCallback: (params, done) => admin.auth.requestToken({ clientId, capability }).then((t) => done(null, t), done) });
  return { realtime, chat: new ChatClient(realtime) };
}

const alice = user('alice');
const bob = user('bob');
try {
  const aliceRoom = await alice.chat.rooms.get(roomName);
  const bobRoom = await bob.chat.rooms.get(roomName);
  await aliceRoom.attach();
  await bobRoom.attach();

  const heard = new Promise((resolve) => bobRoom.messages.subscribe((event) => resolve(event.message)));
  const sent = await aliceRoom.messages.send({ text: 'Hello from Switchboard' });
  console.log(`bob received: ${(await heard).text}`);

  await bobRoom.messages.reactions.send(sent.serial, { type: 'distinct', name: '👍' });
  await aliceRoom.messages.update(sent.serial, { text: 'Hello from Switchboard (edited)' }, { description: 'typo' });

  const history = await bobRoom.messages.history({ limit: 10 });
  for (const m of history.items) console.log(`history: ${m.clientId}: ${m.text} [${m.action}]`);
  const message = await bobRoom.messages.get(sent.serial);
  console.log(`reactions: ${JSON.stringify(message.reactions.distinct)}`);
} finally {
  alice.realtime.close();
  bob.realtime.close();
}
