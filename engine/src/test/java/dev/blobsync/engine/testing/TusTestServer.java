package dev.blobsync.engine.testing;

import dev.blobsync.engine.provider.tus.TusSettings;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import me.desair.tus.server.TusFileUploadService;
import me.desair.tus.server.exception.TusException;
import me.desair.tus.server.upload.UploadInfo;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A tus server that checks hashes itself, for the few tests that need one (the tus provider's
 * tests run against @tus/server, {@link TusNodeServer}): Jetty 12 with tus-java-server,
 * in-process on 127.0.0.1 at {@code /files/},
 * and the content-addressed read side the {@code tus} provider expects at
 * {@code /blobs/{sha256}}.
 *
 * <p>When an upload finishes, its bytes are hashed: if they match its {@code sha256} metadata
 * they are published under that key (one stored copy per key, however often it is uploaded)
 * and the tus upload is removed; if not, the upload is removed and counted as rejected, and
 * nothing is served. It counts what it receives, so tests can prove that uploads resume
 * instead of starting over: {@link #uploadBytesReceived()} is every request body byte the tus
 * side read, {@link #patches()} each PATCH with the offset it asked for.
 *
 * <p>{@link #holdUploadsAt} makes the server stop reading upload bytes at an exact total, so a
 * test can stop a client in the middle of a request.
 */
public final class TusTestServer implements AutoCloseable {
    private static final Pattern KEY = Pattern.compile("/([0-9a-f]{64})");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /**
     * One PATCH as the server saw it: the offset the client named, the bytes it announced
     * ({@code Content-Length}, -1 when chunked), the bytes read, the answer.
     */
    public record Patch(String upload, long offset, long announced, long bytes, int status) {
    }

    /** An answer to a client asking for an upload's offset (HEAD) that was not 0. */
    public record Resume(String upload, long offset) {
    }

    /** An upload that exists on the server and is not finished. */
    public record OpenUpload(String upload, String sha256, long offset, long length) {
    }

    private final Path blobs;
    private final Server jetty;
    private final TusFileUploadService tus;
    private final AtomicLong uploadBytes = new AtomicLong();
    private final AtomicLong servedBytes = new AtomicLong();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> completions = new ConcurrentHashMap<>();
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    private final List<Patch> patches = new CopyOnWriteArrayList<>();
    private final List<Resume> resumes = new CopyOnWriteArrayList<>();
    private final Set<String> created = ConcurrentHashMap.newKeySet();
    private final Set<String> authorizations = ConcurrentHashMap.newKeySet();
    private final Object publishing = new Object();
    private final Object gate = new Object();
    private long holdAt = Long.MAX_VALUE; // guarded by gate
    private int cuts; // guarded by gate

    private TusTestServer(Path dir) throws IOException {
        this.blobs = Files.createDirectories(dir.resolve("blobs"));
        this.tus = new TusFileUploadService()
                .withStoragePath(Files.createDirectories(dir.resolve("tus")).toString())
                .withUploadUri("/files/")
                .withMaxUploadSize(1L << 30);
        this.jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new UploadServlet()), "/files/*");
        context.addServlet(new ServletHolder(new BlobServlet()), "/blobs/*");
        jetty.setHandler(context);
    }

    /** Starts a server keeping its files under {@code dir}; fails (never skips) when it cannot. */
    public static TusTestServer start(Path dir) throws Exception {
        TusTestServer server = new TusTestServer(dir);
        try {
            server.jetty.start();
        } catch (Exception e) {
            server.jetty.stop();
            throw new IllegalStateException("The tus test server did not start: " + e, e);
        }
        return server;
    }

    public int port() {
        return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    }

    /** The tus creation URL. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port() + "/files/");
    }

    /** Where completed blobs are served, with {@code {sha256}} for the key. */
    public String readUrl() {
        return "http://127.0.0.1:" + port() + "/blobs/" + TusSettings.KEY;
    }

    /** Provider settings for this server, or for a proxy in front of it on {@code port}. */
    public TusSettings settings(int port) {
        return TusSettings.of(URI.create("http://127.0.0.1:" + port + "/files/"),
                "http://127.0.0.1:" + port + "/blobs/" + TusSettings.KEY);
    }

    /** Request body bytes the tus side has read, over all uploads. */
    public long uploadBytesReceived() {
        return uploadBytes.get();
    }

    /** Blob bytes sent by GET on the read side. */
    public long bytesServed() {
        return servedBytes.get();
    }

    /** Requests seen with {@code method} on either side. */
    public int requests(String method) {
        AtomicInteger n = requests.get(method);
        return n == null ? 0 : n.get();
    }

    public List<Patch> patches() {
        return List.copyOf(patches);
    }

    /**
     * Every HEAD on an upload answered with a non-zero offset, in order: each is a point where a
     * client resumed (or could have); one that restarts from zero would resend that many bytes.
     */
    public List<Resume> resumes() {
        return List.copyOf(resumes);
    }

    /** The keys the read side serves. */
    public Set<String> storedKeys() throws IOException {
        try (Stream<Path> s = Files.list(blobs)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> KEY.matcher("/" + n).matches())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    public Path storedFile(String key) {
        return blobs.resolve(key);
    }

    /** How many finished uploads had bytes hashing to each key. */
    public Map<String, Integer> completions() {
        Map<String, Integer> out = new TreeMap<>();
        completions.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The {@code sha256} metadata of finished uploads whose bytes did not match it. */
    public List<String> rejected() {
        return List.copyOf(rejected);
    }

    /** Uploads created and not finished (nor aborted), with their offsets. */
    public List<OpenUpload> openUploads() throws IOException {
        List<OpenUpload> out = new ArrayList<>();
        for (String upload : created) {
            UploadInfo info = infoWhenFree(upload);
            if (info != null && info.isUploadInProgress()) {
                out.add(new OpenUpload(upload, info.getMetadata().get("sha256"), info.getOffset(),
                        info.getLength() == null ? -1 : info.getLength()));
            }
        }
        return out;
    }

    /** The server's offset of upload {@code url} (a token), empty when it does not exist. */
    public OptionalLong offsetOf(String url) throws IOException {
        UploadInfo info = infoWhenFree(URI.create(url).getPath());
        return info == null ? OptionalLong.empty() : OptionalLong.of(info.getOffset());
    }

    /**
     * From now on, reading upload bytes stops when {@link #uploadBytesReceived()} reaches
     * {@code total}, until {@link #releaseUploads()}.
     */
    public void holdUploadsAt(long total) {
        synchronized (gate) {
            holdAt = total;
            gate.notifyAll();
        }
    }

    public void releaseUploads() {
        holdUploadsAt(Long.MAX_VALUE);
    }

    /**
     * Fails the reads held at the hold point, as when the server finds their connection gone
     * (tus keeps the bytes read so far), and lifts the hold for later requests.
     */
    public void cutHeldUploads() {
        synchronized (gate) {
            cuts++;
            holdAt = Long.MAX_VALUE;
            gate.notifyAll();
        }
    }

    @Override
    public void close() throws Exception {
        releaseUploads();
        jetty.stop();
    }

    /** How many of {@code wanted} bytes may be read now; waits at the hold point. */
    private int allowed(int wanted) throws IOException {
        synchronized (gate) {
            int cutsBefore = cuts;
            while (uploadBytes.get() >= holdAt) {
                try {
                    gate.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while held", e);
                }
            }
            if (cuts != cutsBefore) {
                throw new IOException("the connection of this upload was cut while it was held");
            }
            return (int) Math.min(wanted, holdAt - uploadBytes.get());
        }
    }

    /** The {@code Authorization} header values requests came with. */
    public Set<String> authorizations() {
        return Set.copyOf(authorizations);
    }

    private void count(HttpServletRequest req, String method) {
        requests.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
        String auth = req.getHeader("Authorization");
        if (auth != null) {
            authorizations.add(auth);
        }
    }

    /** The upload's info once no request holds its lock; null when it does not exist. */
    private UploadInfo infoWhenFree(String upload) throws IOException {
        for (int i = 0; ; i++) {
            try {
                return tus.getUploadInfo(upload);
            } catch (TusException locked) {
                if (i > 200) {
                    throw new IOException("upload " + upload + " stays locked", locked);
                }
                sleep(10);
            }
        }
    }

    /** Publishes a finished upload under its key, or rejects it; then removes the upload. */
    private void publishIfFinished(String upload) throws IOException {
        synchronized (publishing) {
            UploadInfo info = infoWhenFree(upload);
            if (info == null || info.isUploadInProgress()) {
                return;
            }
            String expected = info.getMetadata().get("sha256");
            Path part = blobs.resolve(".part-" + UUID.randomUUID());
            String actual;
            try (InputStream in = new DigestInputStream(tus.getUploadedBytes(upload), sha256());
                 OutputStream out = Files.newOutputStream(part)) {
                in.transferTo(out);
                actual = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
            } catch (TusException e) {
                throw new IOException(e);
            }
            if (actual.equals(expected)) {
                if (Files.exists(blobs.resolve(actual))) {
                    Files.delete(part);
                } else {
                    Files.move(part, blobs.resolve(actual), StandardCopyOption.ATOMIC_MOVE);
                }
                completions.computeIfAbsent(actual, k -> new AtomicInteger()).incrementAndGet();
            } else {
                Files.delete(part);
                rejected.add(String.valueOf(expected));
            }
            try {
                tus.deleteUpload(upload);
            } catch (TusException e) {
                throw new IOException(e);
            }
            created.remove(upload);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** tus on {@code /files/}, counting the body bytes it reads. */
    private final class UploadServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String method = req.getHeader("X-HTTP-Method-Override") != null
                    ? req.getHeader("X-HTTP-Method-Override") : req.getMethod();
            count(req, method);
            CountingRequest counted = new CountingRequest(req, TusTestServer.this::allowed, uploadBytes);
            try {
                tus.process(counted, resp);
            } finally {
                String upload = "POST".equals(method) ? resp.getHeader("Location") : req.getRequestURI();
                if ("POST".equals(method) && upload != null && resp.getStatus() == 201) {
                    created.add(upload);
                }
                if ("PATCH".equals(method)) {
                    long offset = -1;
                    try {
                        offset = Long.parseLong(req.getHeader("Upload-Offset"));
                    } catch (NumberFormatException ignored) {
                        // recorded as -1
                    }
                    patches.add(new Patch(upload, offset, req.getContentLengthLong(), counted.bytesRead(),
                            resp.getStatus()));
                }
                String answered = resp.getHeader("Upload-Offset");
                if ("HEAD".equals(method) && answered != null && !answered.equals("0")) {
                    resumes.add(new Resume(upload, Long.parseLong(answered)));
                }
                if (upload != null && !"DELETE".equals(method) && !"OPTIONS".equals(method)) {
                    publishIfFinished(upload);
                }
            }
        }
    }

    /** Completed blobs by key: HEAD, GET with one {@code Range}, DELETE. */
    private final class BlobServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            count(req, req.getMethod());
            Matcher m = KEY.matcher(String.valueOf(req.getPathInfo()));
            if (!m.matches()) {
                resp.sendError(404);
                return;
            }
            Path file = blobs.resolve(m.group(1));
            switch (req.getMethod()) {
                case "DELETE" -> {
                    Files.deleteIfExists(file);
                    resp.setStatus(204);
                }
                case "HEAD", "GET" -> serve(req, resp, file);
                default -> resp.sendError(405);
            }
        }

        private void serve(HttpServletRequest req, HttpServletResponse resp, Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                resp.sendError(404);
                return;
            }
            long size = Files.size(file);
            long from = 0;
            long to = size - 1;
            resp.setHeader("Accept-Ranges", "bytes");
            String range = req.getHeader("Range");
            if (range != null) {
                Matcher r = RANGE.matcher(range);
                if (!r.matches()) {
                    resp.sendError(400, "only single byte ranges: bytes=a-b or bytes=a-");
                    return;
                }
                from = Long.parseLong(r.group(1));
                if (!r.group(2).isEmpty()) {
                    to = Math.min(to, Long.parseLong(r.group(2)));
                }
                if (from >= size || to < from) {
                    resp.setHeader("Content-Range", "bytes */" + size);
                    resp.setStatus(416);
                    return;
                }
                resp.setStatus(206);
                resp.setHeader("Content-Range", "bytes " + from + "-" + to + "/" + size);
            } else {
                resp.setStatus(200);
            }
            long length = size == 0 ? 0 : to - from + 1;
            resp.setContentType("application/octet-stream");
            resp.setContentLengthLong(length);
            if ("HEAD".equals(req.getMethod()) || length == 0) {
                return;
            }
            try (InputStream in = Files.newInputStream(file); OutputStream out = resp.getOutputStream()) {
                in.skipNBytes(from);
                byte[] buf = new byte[64 << 10];
                long left = length;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                    left -= n;
                    servedBytes.addAndGet(n);
                }
            }
        }
    }
}
