package dev.blobsync.engine.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of an HTTP/1.1 server on 127.0.0.1 that fails a share of the requests
 * passing through it, for fault-injection tests. Each request is failed with probability
 * {@code faultRate}, in one of four ways ({@link Fault}).
 *
 * <p>It reads just enough HTTP to find where each request and response ends (heads,
 * {@code Content-Length}, chunked bodies), so a fault hits one request even on a kept-alive
 * connection. Randomness is seeded per connection (from the seed and the connection's number),
 * so the failures of a connection are reproducible; which request lands on which connection
 * depends on the client's timing.
 *
 * <p>Bounded: at most {@code 64} connections at once (more are refused), 30 s of silence ends a
 * connection, and after {@code lifetime} the proxy closes itself.
 */
public final class FaultyProxy implements AutoCloseable {
    private static final int MAX_CONNECTIONS = 64;
    private static final int MAX_HEAD = 64 << 10;
    private static final int IDLE_MILLIS = 30_000;

    /** How a request fails. */
    public enum Fault {
        /** The connection is closed at once: at accept for a connection's first request. */
        REFUSE,
        /** The request's head is read, not forwarded, and answered with bytes that are not HTTP. */
        GARBAGE,
        /** Part of the request (head and body) is forwarded, then both directions are cut. */
        CUT_REQUEST,
        /** The request is forwarded, part of its response comes back, then both are cut. */
        CUT_RESPONSE
    }

    private final int target;
    private final double faultRate;
    private final long seed;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Thread reaper;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<Fault, AtomicInteger> faults = new EnumMap<>(Fault.class);
    private final AtomicLong bytesUp = new AtomicLong();
    private volatile boolean closed;

    private FaultyProxy(int target, double faultRate, long seed, Duration lifetime) throws IOException {
        this.target = target;
        this.faultRate = faultRate;
        this.seed = seed;
        for (Fault f : Fault.values()) {
            faults.put(f, new AtomicInteger());
        }
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.acceptor = daemon("faulty-proxy-accept", this::acceptLoop);
        this.reaper = daemon("faulty-proxy-lifetime", () -> {
            try {
                Thread.sleep(lifetime.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            close();
        });
    }

    /**
     * Starts a proxy to {@code 127.0.0.1:targetPort} that fails each request with probability
     * {@code faultRate} and closes itself after {@code lifetime}.
     */
    public static FaultyProxy start(int targetPort, double faultRate, long seed, Duration lifetime)
            throws IOException {
        FaultyProxy proxy = new FaultyProxy(targetPort, faultRate, seed, lifetime);
        proxy.acceptor.start();
        proxy.reaper.start();
        return proxy;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** Requests seen (including those failed). */
    public int requests() {
        return requests.get();
    }

    public int faults(Fault fault) {
        return faults.get(fault).get();
    }

    public int faults() {
        return faults.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Request bytes forwarded to the server. */
    public long bytesUp() {
        return bytesUp.get();
    }

    /** Cuts every open connection now, as when the client process dies. */
    public void cutAll() {
        for (Connection c : open) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        cutAll();
        reaper.interrupt();
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            int n = connections.incrementAndGet();
            if (!slots.tryAcquire()) {
                closeQuietly(client);
                continue;
            }
            Connection c = new Connection(client, new Random(seed * 1_000_003L + n));
            open.add(c);
            daemon("faulty-proxy-" + n, c::run).start();
        }
    }

    /** A fault for the next request, or null; drawn from the connection's own random source. */
    private Fault draw(Random random) {
        if (random.nextDouble() >= faultRate) {
            return null;
        }
        Fault f = Fault.values()[random.nextInt(Fault.values().length)];
        faults.get(f).incrementAndGet();
        return f;
    }

    /** What the response side needs to know about a forwarded request. */
    private record Plan(String method, double cutAt) {
    }

    /** Signals that a cut was reached. */
    private static final class Cut extends IOException {
        Cut() {
            super("cut");
        }
    }

    /** Writes through until the budget is spent, then throws {@link Cut}. */
    private static final class Budget extends OutputStream {
        private final OutputStream out;
        private final AtomicLong counter;
        private long left;

        Budget(OutputStream out, long budget, AtomicLong counter) {
            this.out = out;
            this.left = budget;
            this.counter = counter;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int n = (int) Math.min(len, left);
            out.write(b, off, n);
            left -= n;
            if (counter != null) {
                counter.addAndGet(n);
            }
            if (n < len) {
                out.flush();
                throw new Cut();
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    /** A message head: its raw bytes, first line and headers (names in lower case). */
    private record Head(byte[] raw, String firstLine, Map<String, String> headers) {
        long contentLength() {
            String v = headers.get("content-length");
            return v == null ? -1 : Long.parseLong(v.strip());
        }

        boolean chunked() {
            return headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
        }
    }

    /** Reads a head; null on a clean end of stream before its first byte. */
    private static Head readHead(InputStream in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(512);
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (raw.size() == 0) {
                    return null;
                }
                throw new IOException("the stream ended inside a message head");
            }
            raw.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (raw.size() > MAX_HEAD) {
                throw new IOException("message head too long");
            }
        }
        String text = raw.toString(StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n");
        Map<String, String> headers = new ConcurrentHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        return new Head(raw.toByteArray(), lines[0], headers);
    }

    /** Copies a body framed as {@code head} says: fixed length, chunked, or (-2) to the end. */
    private static void copyBody(InputStream in, OutputStream out, Head head, long length) throws IOException {
        if (head.chunked()) {
            copyChunked(in, out);
        } else if (length >= 0) {
            copy(in, out, length);
        } else if (length == -2) {
            in.transferTo(out);
        }
        out.flush();
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 << 10];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("the stream ended inside a body");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String line = copyLine(in, out);
            int semi = line.indexOf(';');
            long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).strip(), 16);
            if (size == 0) {
                while (!copyLine(in, out).isEmpty()) {
                    // trailer fields
                }
                return;
            }
            copy(in, out, size);
            copyLine(in, out);
        }
    }

    private static String copyLine(InputStream in, OutputStream out) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the stream ended inside a chunk line");
            }
            out.write(b);
            if (b == '\n') {
                return line.toString().strip();
            }
            line.append((char) b);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** One client connection and its connection to the server, pumped by two threads. */
    private final class Connection {
        private final Socket client;
        private final Random random;
        private final BlockingQueue<Plan> plans = new LinkedBlockingQueue<>();
        private final AtomicInteger ended = new AtomicInteger();
        private volatile Socket server;

        Connection(Socket client, Random random) {
            this.client = client;
            this.random = random;
        }

        void run() {
            try {
                Fault first = draw(random);
                if (first == Fault.REFUSE) {
                    requests.incrementAndGet();
                    close();
                    return;
                }
                client.setSoTimeout(IDLE_MILLIS);
                client.setTcpNoDelay(true);
                Socket s = new Socket();
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5_000);
                s.setSoTimeout(IDLE_MILLIS);
                server = s;
                if (closed) {
                    close();
                    return;
                }
                daemon("faulty-proxy-down", this::down).start();
                up(first);
            } catch (IOException e) {
                close();
            }
        }

        /** Client to server, request by request. */
        private void up(Fault first) {
            try {
                InputStream in = new BufferedInputStream(client.getInputStream(), 64 << 10);
                OutputStream toServer = server.getOutputStream();
                Fault fault = first;
                boolean isFirst = true;
                while (true) {
                    Head head = readHead(in);
                    if (head == null) {
                        break;
                    }
                    requests.incrementAndGet();
                    if (!isFirst) {
                        fault = draw(random);
                    }
                    isFirst = false;
                    String method = head.firstLine().split(" ", 2)[0];
                    long length = head.chunked() ? -1 : Math.max(0, head.contentLength());
                    if (fault == Fault.REFUSE) {
                        break;
                    }
                    if (fault == Fault.GARBAGE) {
                        byte[] junk = new byte[16 + random.nextInt(200)];
                        random.nextBytes(junk);
                        junk[0] = '~';
                        client.getOutputStream().write(junk);
                        client.getOutputStream().flush();
                        break;
                    }
                    long budget = Long.MAX_VALUE;
                    if (fault == Fault.CUT_REQUEST) {
                        long total = head.raw().length + (length >= 0 ? length : 64 << 10);
                        budget = 1 + (long) (random.nextDouble() * (total - 1));
                    }
                    plans.add(new Plan(method, fault == Fault.CUT_RESPONSE ? random.nextDouble() : -1));
                    OutputStream out = new Budget(toServer, budget, bytesUp);
                    out.write(head.raw());
                    copyBody(in, out, head, length);
                }
            } catch (IOException e) {
                // a cut, or either side went away
            } finally {
                close();
            }
        }

        /** Server to client, response by response, in the order of the requests. */
        private void down() {
            try {
                InputStream in = new BufferedInputStream(server.getInputStream(), 64 << 10);
                OutputStream toClient = client.getOutputStream();
                while (true) {
                    Head head = readHead(in);
                    if (head == null) {
                        break;
                    }
                    int status = Integer.parseInt(head.firstLine().split(" ", 3)[1]);
                    if (status / 100 == 1) {
                        toClient.write(head.raw());
                        toClient.flush();
                        continue;
                    }
                    Plan plan = plans.poll(IDLE_MILLIS, TimeUnit.MILLISECONDS);
                    boolean bodyless = (plan != null && plan.method().equals("HEAD")) || status == 204 || status == 304;
                    long length = bodyless ? 0 : head.chunked() ? -1
                            : head.contentLength() >= 0 ? head.contentLength() : -2;
                    long budget = Long.MAX_VALUE;
                    if (plan != null && plan.cutAt() >= 0) {
                        long total = head.raw().length + (length >= 0 ? length : 64 << 10);
                        budget = 1 + (long) (plan.cutAt() * (total - 1));
                    }
                    OutputStream out = new Budget(toClient, budget, null);
                    out.write(head.raw());
                    copyBody(in, out, head, length);
                    if (length == -2) {
                        break;
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // a cut, or either side went away
            } finally {
                close();
            }
        }

        void close() {
            closeQuietly(client);
            Socket s = server;
            if (s != null) {
                closeQuietly(s);
            }
            if (ended.getAndIncrement() == 0) {
                open.remove(this);
                slots.release();
            }
        }
    }
}
