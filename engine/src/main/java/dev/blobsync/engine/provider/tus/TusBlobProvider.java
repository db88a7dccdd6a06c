package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs on a tus 1.0 server (resumable uploads over HTTP, <a href="https://tus.io">tus.io</a>).
 *
 * <p>Uploads use tus core and creation: {@link #beginUpload} POSTs to the endpoint with
 * {@code Upload-Length} and {@code Upload-Metadata} ({@code sha256} and {@code filename}, both
 * the key) and the session token is the upload URL it answers with; {@link #uploadedBytes} is
 * the server's {@code Upload-Offset} (HEAD); {@link #append} PATCHes at the offset it is given,
 * in requests of at most {@code requestPayloadSize} bytes, and checks the offset the server
 * answers. Nothing is ever resent from zero: after any failure the engine asks the server
 * for its offset again.
 *
 * <p>tus has no reads, so the server must also serve each completed upload whose bytes hash to
 * its {@code sha256} metadata at {@code readUrl} (HEAD with {@code Content-Length}, GET with
 * single {@code Range} requests, and DELETE), and never serve one that does not. That check is
 * the server's; {@link #complete} verifies that the blob is served with the uploaded size.
 *
 * <p>Failures of the network, timeouts, 5xx, 408, 423, 429 and 409 (the server is at another
 * offset) are retryable; other 4xx answers are not.
 *
 * <p>The empty blob is never sent: its bytes are known without asking, and tus-java-server
 * 1.0.0-3.0 cannot finish a zero-length upload (it takes {@code Upload-Length: 0} for "not
 * known yet"). It is always present, reads as no bytes and has no URL.
 */
public final class TusBlobProvider implements BlobProvider {
    private static final Logger LOG = LoggerFactory.getLogger(TusBlobProvider.class);
    private static final String TUS_VERSION = "1.0.0";
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    /** The SHA-256 of no bytes. */
    static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String EMPTY_SESSION = "empty-blob";

    private final TusSettings settings;
    private final ExecutorService executor;
    private final HttpClient http;
    /** Upload-Length of the sessions this client began or resumed, by token. */
    private final Map<String, Long> lengths = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private TusBlobProvider(TusSettings settings) {
        this.settings = settings;
        int id = CLIENTS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "blobsync-tus-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .executor(executor)
                .build();
    }

    /** A client of the tus server {@code settings} names; nothing is contacted yet. */
    public static TusBlobProvider open(TusSettings settings) {
        return new TusBlobProvider(settings);
    }

    @Override
    public OptionalLong size(String key) throws ProviderException {
        checkKey(key);
        if (key.equals(EMPTY)) {
            return OptionalLong.of(0);
        }
        HttpResponse<Void> r = send(request(settings.blobUrl(key)).method("HEAD", BodyPublishers.noBody()).build(),
                "look up blob " + key);
        int s = r.statusCode();
        if (s == 404 || s == 410) {
            return OptionalLong.empty();
        }
        if (s != 200) {
            throw refused("look up blob " + key, r);
        }
        return OptionalLong.of(longHeader(r, "Content-Length", "look up blob " + key, false));
    }

    @Override
    public InputStream read(String key, long offset, long length) throws ProviderException {
        checkKey(key);
        if (offset < 0) {
            throw new ProviderException("Cannot read blob " + key + " from byte " + offset, false);
        }
        if (length == 0 || (key.equals(EMPTY) && offset == 0)) {
            return InputStream.nullInputStream();
        }
        String what = "read blob " + key + " from byte " + offset;
        long last = length < 0 || length > Long.MAX_VALUE - offset ? -1 : offset + length - 1;
        HttpRequest.Builder b = request(settings.blobUrl(key)).GET();
        if (offset > 0 || last >= 0) {
            b.header("Range", "bytes=" + offset + "-" + (last < 0 ? "" : String.valueOf(last)));
        }
        HttpResponse<InputStream> r = send(b.build(), BodyHandlers.ofInputStream(), what);
        InputStream body = r.body();
        try {
            int s = r.statusCode();
            if (s == 200 && offset == 0) {
                return last < 0 ? body : LimitedInputStream.atMost(body, length);
            }
            if (s == 206) {
                checkRange(r, key, offset, last);
                return body;
            }
            closeQuietly(body);
            if (s == 416) {
                Matcher m = UNSATISFIED_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
                if (m.matches() && Long.parseLong(m.group(1)) == offset) {
                    return InputStream.nullInputStream(); // reading at the very end
                }
                throw new ProviderException("Blob " + key + " at " + describe() + " ends before byte " + offset, false);
            }
            if (s == 404 || s == 410) {
                throw new ProviderException("Blob " + key + " is not at " + settings.blobUrl(key), false);
            }
            if (s == 200) {
                throw new ProviderException(settings.blobUrl(key) + " ignores Range requests; readUrl must "
                        + "serve byte ranges", false);
            }
            throw refused(what, r);
        } catch (ProviderException | RuntimeException e) {
            closeQuietly(body);
            throw e;
        }
    }

    /** Checks a 206's Content-Range: from {@code offset} to {@code wanted} (or the end when -1). */
    private void checkRange(HttpResponse<?> r, String key, long offset, long wanted) throws ProviderException {
        String header = r.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(header);
        boolean ok = m.matches() && Long.parseLong(m.group(1)) == offset;
        if (ok) {
            long last = Long.parseLong(m.group(2));
            boolean endsAtBlobEnd = !m.group(3).equals("*") && last == Long.parseLong(m.group(3)) - 1;
            // The server may stop short of what was asked at the blob's end, never anywhere else.
            ok = wanted >= 0 ? last == wanted || (last < wanted && endsAtBlobEnd)
                    : m.group(3).equals("*") || endsAtBlobEnd;
        }
        if (!ok) {
            throw new ProviderException(describe() + " answered the read of blob " + key + " from byte " + offset
                    + " with Content-Range '" + header + "'", true);
        }
    }

    @Override
    public String beginUpload(String key, long size) throws ProviderException {
        checkKey(key);
        if (size < 0) {
            throw new ProviderException("Cannot upload blob " + key + " of " + size + " bytes", false);
        }
        if (key.equals(EMPTY)) {
            return EMPTY_SESSION;
        }
        String what = "start uploading blob " + key;
        String name = base64(key);
        HttpResponse<Void> r = send(tus(settings.endpoint())
                .header("Upload-Length", String.valueOf(size))
                .header("Upload-Metadata", "sha256 " + name + ",filename " + name)
                .POST(BodyPublishers.noBody()).build(), what);
        if (r.statusCode() / 100 != 2) {
            throw refused(what, r);
        }
        String location = r.headers().firstValue("Location").orElseThrow(() -> new ProviderException(
                describe() + " created an upload for blob " + key + " without saying where (no Location)", false));
        URI upload;
        try {
            upload = settings.endpoint().resolve(new URI(location));
        } catch (URISyntaxException e) {
            throw new ProviderException(describe() + " created an upload for blob " + key + " at '" + location
                    + "', which is not a URL", false, e);
        }
        String token = upload.toString();
        lengths.put(token, size);
        return token;
    }

    @Override
    public long uploadedBytes(String key, String token) throws ProviderException {
        if (isEmptySession(key, token)) {
            return 0;
        }
        URI upload = session(key, token);
        if (!sameOrigin(upload)) {
            LOG.info("Upload session {} of blob {} is not on {}; the upload starts again there", token, key,
                    settings.endpoint());
            return -1;
        }
        String what = "ask for the offset of the upload of blob " + key;
        HttpResponse<Void> r = send(tus(upload).method("HEAD", BodyPublishers.noBody()).build(), what);
        int s = r.statusCode();
        if (s == 404 || s == 410) {
            return -1;
        }
        if (s != 200 && s != 204) {
            throw refused(what, r);
        }
        long offset = longHeader(r, "Upload-Offset", what, true);
        r.headers().firstValue("Upload-Length").ifPresent(l -> {
            try {
                lengths.put(token, Long.parseLong(l.strip()));
            } catch (NumberFormatException ignored) {
                // Only used to check the size at completion; the blob's hash is checked anyway.
            }
        });
        return offset;
    }

    @Override
    public void append(String key, String token, long offset, InputStream data, long length)
            throws ProviderException {
        if (isEmptySession(key, token) && length == 0) {
            return;
        }
        URI upload = session(key, token);
        if (offset < 0 || length < 0) {
            throw new ProviderException("Cannot append " + length + " bytes at byte " + offset, false);
        }
        long sent = 0;
        while (sent < length) {
            long n = Math.min(settings.requestPayloadSize(), length - sent);
            long at = offset + sent;
            String what = "upload blob " + key + " at byte " + at;
            InputStream body = LimitedInputStream.exactly(data, n);
            HttpResponse<Void> r = send(tus(upload)
                    .header("Upload-Offset", String.valueOf(at))
                    .header("Content-Type", "application/offset+octet-stream")
                    .method("PATCH", BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> body), n))
                    .build(), what);
            int s = r.statusCode();
            if (s == 404 || s == 410) {
                throw new ProviderException("Upload session " + token + " of blob " + key + " is gone", true);
            }
            if (s == 409) {
                throw new ProviderException(describe() + " is not at byte " + at + " of the upload of blob " + key
                        + "; ask it for its offset again", true);
            }
            if (s / 100 != 2) {
                throw refused(what, r);
            }
            long now = longHeader(r, "Upload-Offset", what, true);
            if (now != at + n) {
                throw new ProviderException(describe() + " holds " + now + " bytes of blob " + key + " after bytes "
                        + at + " to " + (at + n) + " were sent; ask it for its offset again", true);
            }
            sent += n;
        }
    }

    @Override
    public void complete(String key, String token) throws ProviderException {
        if (isEmptySession(key, token)) {
            return;
        }
        session(key, token);
        OptionalLong served = size(key);
        Long expected = lengths.get(token);
        if (served.isPresent()) {
            if (expected != null && served.getAsLong() != expected) {
                throw new ProviderException(settings.blobUrl(key) + " serves " + served.getAsLong() + " bytes, but "
                        + "the upload of blob " + key + " had " + expected, false);
            }
            lengths.remove(token);
            return;
        }
        long offset = uploadedBytes(key, token);
        Long length = lengths.get(token);
        if (offset >= 0 && length != null && offset < length) {
            throw new ProviderException("The upload of blob " + key + " is at byte " + offset + " of " + length
                    + "; it is not finished", true);
        }
        // The server took all the bytes and does not serve them: they do not hash to the key.
        // Drop the session, so that the next attempt uploads the bytes again.
        abort(key, token);
        throw new ProviderException(describe() + " did not publish blob " + key + " after its upload finished: "
                + "the bytes it received do not hash to the key, or it does not serve " + settings.readUrl(), false);
    }

    @Override
    public void abort(String key, String token) throws ProviderException {
        if (isEmptySession(key, token)) {
            return;
        }
        URI upload = session(key, token);
        lengths.remove(token);
        if (!sameOrigin(upload)) {
            return;
        }
        String what = "abort the upload of blob " + key;
        HttpResponse<Void> r = send(tus(upload).DELETE().build(), what);
        int s = r.statusCode();
        if (s / 100 != 2 && s != 404 && s != 410) {
            throw refused(what, r);
        }
    }

    @Override
    public void delete(String key) throws ProviderException {
        checkKey(key);
        if (key.equals(EMPTY)) {
            return;
        }
        String what = "delete blob " + key;
        HttpResponse<Void> r = send(request(settings.blobUrl(key)).DELETE().build(), what);
        int s = r.statusCode();
        if (s / 100 != 2 && s != 404 && s != 410) {
            throw refused(what, r);
        }
    }

    /** Asks the endpoint for its tus capabilities (OPTIONS). */
    @Override
    public void ping() throws ProviderException {
        String what = "reach the tus endpoint";
        HttpResponse<Void> r = send(tus(settings.endpoint()).method("OPTIONS", BodyPublishers.noBody()).build(), what);
        if (r.statusCode() / 100 != 2) {
            throw refused(what, r);
        }
        String versions = r.headers().firstValue("Tus-Version").orElse("");
        if (!versions.contains(TUS_VERSION)) {
            throw new ProviderException(describe() + " does not speak tus " + TUS_VERSION + " (Tus-Version: '"
                    + versions + "')", false);
        }
    }

    @Override
    public Optional<String> urlOf(String key) {
        return BlobRef.isSha256(key) && !key.equals(EMPTY) ? Optional.of(settings.blobUrl(key).toString())
                : Optional.empty();
    }

    @Override
    public String describe() {
        return "tus server " + settings.endpoint();
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout());
        settings.headers().forEach(b::header);
        return b;
    }

    private HttpRequest.Builder tus(URI uri) {
        return request(uri).setHeader("Tus-Resumable", TUS_VERSION);
    }

    private HttpResponse<Void> send(HttpRequest request, String what) throws ProviderException {
        return send(request, BodyHandlers.discarding(), what);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body, String what)
            throws ProviderException {
        if (closed) {
            throw new ProviderException("Cannot " + what + ": the client of " + describe() + " is closed", false);
        }
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new ProviderException("Could not " + what + " at " + describe() + ": " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("Stopped while trying to " + what, true, e);
        }
    }

    private ProviderException refused(String what, HttpResponse<?> r) {
        int s = r.statusCode();
        boolean retryable = s >= 500 || s == 408 || s == 409 || s == 423 || s == 429;
        String hint = s == 401 || s == 403 ? " (check blobs.config.headers)" : "";
        return new ProviderException(describe() + " answered " + s + " when asked to " + what + hint, retryable);
    }

    /**
     * A numeric header; a missing one is retryable when {@code busy} (tus-java-server answers
     * without it while another request holds the upload's lock).
     */
    private long longHeader(HttpResponse<?> r, String name, String what, boolean busy) throws ProviderException {
        Optional<String> value = r.headers().firstValue(name);
        try {
            if (value.isPresent() && Long.parseLong(value.get().strip()) >= 0) {
                return Long.parseLong(value.get().strip());
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ProviderException(describe() + " answered " + r.statusCode() + " without a valid " + name
                + " header (" + value.orElse("none") + ") when asked to " + what, busy);
    }

    private static boolean isEmptySession(String key, String token) {
        return EMPTY.equals(key) && EMPTY_SESSION.equals(token);
    }

    private URI session(String key, String token) throws ProviderException {
        checkKey(key);
        try {
            URI uri = new URI(token);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException | NullPointerException e) {
            // reported below
        }
        throw new ProviderException("not an upload session of blob " + key + ": " + token, false);
    }

    /** Whether {@code upload} is on the configured server (a changed endpoint starts uploads anew). */
    private boolean sameOrigin(URI upload) {
        URI e = settings.endpoint();
        return e.getScheme().equalsIgnoreCase(upload.getScheme()) && e.getHost().equalsIgnoreCase(upload.getHost())
                && port(e) == port(upload);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static void checkKey(String key) throws ProviderException {
        if (!BlobRef.isSha256(key)) {
            throw new ProviderException("not a blob key: " + key, false);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // The response is abandoned anyway.
        }
    }
}
