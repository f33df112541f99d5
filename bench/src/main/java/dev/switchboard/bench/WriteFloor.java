package dev.switchboard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The floor under the fan-out's CPU per delivery on this machine: the CPU one thread spends writing a frame-sized
 * buffer to each of many loopback TCP sockets (one {@code write(2)} per socket, as a server without coalescing
 * does), read by another process. On loopback the receiving side's TCP work runs inside the sender's system call,
 * so this is what the kernel charges a server per delivery before any server code runs.
 * <pre>java -cp bench/target/classes dev.switchboard.bench.WriteFloor [sockets=1000] [rounds/s=25,100,300] [seconds=10] [bytes=150]</pre>
 */
public final class WriteFloor {
    private WriteFloor() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--reader")) {
            read(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int sockets = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String[] rates = (args.length > 1 ? args[1] : "25,100,300").split(",");
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int bytes = args.length > 3 ? Integer.parseInt(args[3]) : 150;

        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), sockets);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        Process reader = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), WriteFloor.class.getName(), "--reader", String.valueOf(port), String.valueOf(sockets))
                .inheritIO().start();
        List<SocketChannel> out = new ArrayList<>();
        for (int i = 0; i < sockets; i++) {
            SocketChannel s = server.accept();
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            s.configureBlocking(false);
            out.add(s);
        }
        ByteBuffer frame = ByteBuffer.allocateDirect(bytes);
        for (int i = 0; i < bytes; i++) frame.put((byte) 'x');
        frame.flip();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%d loopback sockets, %d-byte writes, %d s per rate; CPU of the writing thread (user + system)%n", sockets, bytes, seconds);
        for (String r : rates) {
            int rate = Integer.parseInt(r.trim());
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long writes = 0, cpu0 = threads.getCurrentThreadCpuTime(), user0 = threads.getCurrentThreadUserTime();
            long start = System.nanoTime(), next = start;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds)) {
                for (SocketChannel s : out) {
                    s.write(frame.duplicate());
                    writes++;
                }
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            }
            double cpuUs = (threads.getCurrentThreadCpuTime() - cpu0) / 1000.0 / writes;
            double userUs = (threads.getCurrentThreadUserTime() - user0) / 1000.0 / writes;
            System.out.printf(Locale.ROOT, "  %4d rounds/s: %,d writes, %.2f µs CPU per write (%.2f user, %.2f system)%n",
                    rate, writes, cpuUs, userUs, cpuUs - userUs);
        }
        for (SocketChannel s : out) s.close();
        reader.waitFor(10, TimeUnit.SECONDS);
        reader.destroy();
    }

    private static void read(int port, int sockets) throws IOException {
        Selector selector = Selector.open();
        for (int i = 0; i < sockets; i++) {
            SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            s.configureBlocking(false);
            s.register(selector, SelectionKey.OP_READ);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        int open = sockets;
        while (open > 0) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                buf.clear();
                if (((SocketChannel) key.channel()).read(buf) < 0) {
                    key.cancel();
                    key.channel().close();
                    open--;
                }
            }
            selector.selectedKeys().clear();
        }
    }
}
