// Minimal Socket.IO 4.8 broadcast server for the fan-out comparison: every "pub" event from one client
// is broadcast as "msg" to all other clients, as the Switchboard channel does with echo=false.
// Usage: node server.js <port> [redis://host:port]   — prints "listening <port>" once ready.
// With a Redis URL (or REDIS_URL) the official Redis adapter joins this process to the others on that Redis,
// so a broadcast on one process reaches the clients of all of them (one PUBLISH per broadcast).
const { createServer } = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 3000);
const redisUrl = process.argv[3] || process.env.REDIS_URL;
const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('pub', (data) => socket.broadcast.emit('msg', data));
});

async function start() {
  if (redisUrl) {
    // Loaded only when clustered, so the single-process peer runs without these packages.
    const { createClient } = require('redis');
    const { createAdapter } = require('@socket.io/redis-adapter');
    const pubClient = createClient({ url: redisUrl });
    const subClient = pubClient.duplicate();
    for (const c of [pubClient, subClient]) c.on('error', (e) => console.error('redis: ' + e.message));
    await Promise.all([pubClient.connect(), subClient.connect()]);
    io.adapter(createAdapter(pubClient, subClient));
  }
  httpServer.listen(port, '127.0.0.1', () => console.log('listening ' + port + (redisUrl ? ' (redis adapter ' + redisUrl + ')' : '')));
}

start().catch((e) => {
  console.error('peer failed to start: ' + (e && e.stack || e));
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
