// Minimal Socket.IO 4.8 broadcast server for the fan-out comparison: every "pub" event from one client
// is broadcast as "msg" to all other clients, as the Switchboard channel does with echo=false.
// Usage: node server.js <port>   — prints "listening <port>" once ready.
const { createServer } = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 3000);
const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('pub', (data) => socket.broadcast.emit('msg', data));
});
httpServer.listen(port, '127.0.0.1', () => console.log('listening ' + port));
process.on('SIGTERM', () => process.exit(0));
