package dev.blobsync.engine.provider.tus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs on a tus 1.0 server (resumable uploads over HTTP, <a href="https://tus.io">tus.io</a>):
 * a plain tus server (tusd, @tus/server) with a read side at {@code readUrl}, or Supabase
 * Storage's resumable endpoint with its object API.
 *
 * <p>Uploads use tus core and creation: {@link #beginUpload} POSTs with {@code Upload-Length}
 * and {@code Upload-Metadata} naming the object (the key under each of {@code nameMetadata};
 * for Supabase {@code bucketName}, {@code objectName} = prefix + key, {@code contentType},
 * {@code cacheControl}) and the session token is the upload URL it answers with;
 * {@link #uploadedBytes} is the server's {@code Upload-Offset} (HEAD); {@link #append} PATCHes
 * at the offset it is given through an {@link UploadSession}. Nothing is ever resent from zero.
 *
 * <p>"Already exists" (409 with that text, to the creation or to a PATCH: Supabase with
 * {@code x-upsert: false}, or a plain server's naming hook that refuses a stored name) means the
 * blob is stored, since keys are content hashes: the session becomes {@code stored:<size>} and
 * sends nothing more. A request refused because another upload of the object holds its lock is
 * sent again with backoff ({@link TusHttp#sendPastLocks}).
 *
 * <p>Neither server checks that the bytes hash to the key, so {@link #complete} does: with the
 * SHA-256 of what this process sent, or, for an upload resumed from another process, by
 * reading the stored object back. Bytes that do not match are deleted and never reported
 * uploaded.
 *
 * <p>The empty blob is never sent: its bytes are known without asking. It is always present,
 * reads as no bytes and has no URL.
 */
public final class TusBlobProvider implements BlobProvider {
    private static final Logger LOG = LoggerFactory.getLogger(TusBlobProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The SHA-256 of no bytes. */
    static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String EMPTY_SESSION = "empty-blob";
    private static final String STORED_SESSION = "stored:";

    private final TusSettings settings;
    private final TusHttp http;
    private final BlobReads reads;
    private final Clock clock;
    private final Map<String, UploadSession> sessions = new ConcurrentHashMap<>();

    private TusBlobProvider(TusSettings settings, TusHttp.Sleeper sleeper, Clock clock) {
        this.settings = settings;
        this.http = new TusHttp(settings, sleeper);
        this.reads = new BlobReads(settings, http);
        this.clock = clock;
    }

    /** A client of the server {@code settings} names; nothing is contacted yet. */
    public static TusBlobProvider open(TusSettings settings) {
        return open(settings, d -> Thread.sleep(d.toMillis()), Clock.systemUTC());
    }

    static TusBlobProvider open(TusSettings settings, TusHttp.Sleeper sleeper, Clock clock) {
        return new TusBlobProvider(settings, sleeper, clock);
    }

    @Override
    public OptionalLong size(String key) throws ProviderException {
        checkKey(key);
        return key.equals(EMPTY) ? OptionalLong.of(0) : reads.size(key);
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
        return reads.read(key, offset, length);
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
        String metadata = metadata(key);
        HttpResponse<String> r = http.sendPastLocks(() -> http.tus(settings.endpoint())
                .header("Upload-Length", String.valueOf(size))
                .header("Upload-Metadata", metadata)
                .POST(BodyPublishers.noBody()).build(), what);
        if (r.statusCode() == 409 && !TusHttp.locked(r)) {
            boolean stored = storedWithSize(key, size);
            if (stored) {
                LOG.info("Blob {} is stored at {} already; nothing to send", key, describe());
                return STORED_SESSION + size;
            }
            if (TusHttp.exists(r)) {
                throw new ProviderException(describe() + " holds an object named for blob " + key + " that is not "
                        + size + " bytes long; delete it so that the blob can be uploaded", false);
            }
        }
        if (r.statusCode() / 100 != 2) {
            throw http.refused(what, r);
        }
        String location = r.headers().firstValue("Location").orElseThrow(() -> new ProviderException(
                describe() + " created an upload for blob " + key + " without saying where (no Location)", false));
        String token;
        try {
            token = settings.endpoint().resolve(new URI(location)).toString();
        } catch (URISyntaxException e) {
            throw new ProviderException(describe() + " created an upload for blob " + key + " at '" + location
                    + "', which is not a URL", false, e);
        }
        sessions.put(token, newSession(key, size, 0));
        return token;
    }

    private UploadSession newSession(String key, long size, long start) {
        return new UploadSession(key, size, start, settings.requestPayloadSize(), settings.exactPayloads());
    }

    private String metadata(String key) {
        List<String> pairs = new ArrayList<>();
        TusSettings.Supabase s = settings.supabase();
        if (s != null) {
            pairs.add("bucketName " + base64(s.bucket()));
            pairs.add("objectName " + base64(s.objectName(key)));
            pairs.add("contentType " + base64("application/octet-stream"));
            pairs.add("cacheControl " + base64(s.cacheControl()));
        } else {
            settings.nameMetadata().forEach(name -> pairs.add(name + " " + base64(key)));
        }
        return String.join(",", pairs);
    }

    private boolean storedWithSize(String key, long size) throws ProviderException {
        OptionalLong stored = reads.size(key);
        return stored.isPresent() && stored.getAsLong() == size;
    }

    @Override
    public long uploadedBytes(String key, String token) throws ProviderException {
        if (isEmptySession(key, token)) {
            return 0;
        }
        if (token.startsWith(STORED_SESSION)) {
            long size = storedSize(key, token);
            return storedWithSize(key, size) ? size : -1;
        }
        URI upload = session(key, token);
        if (!sameOrigin(upload)) {
            LOG.info("Upload session {} of blob {} is not on {}; the upload starts again there", token, key,
                    settings.endpoint());
            return -1;
        }
        String what = "ask for the offset of the upload of blob " + key;
        HttpResponse<String> r = http.sendPastLocks(() -> http.tus(upload).method("HEAD",
                BodyPublishers.noBody()).build(), what);
        int s = r.statusCode();
        if (s == 404 || s == 410) {
            sessions.remove(token);
            return -1;
        }
        if (s != 200 && s != 204) {
            throw http.refused(what, r);
        }
        long offset = longHeader(r, "Upload-Offset", what);
        UploadSession session = sessions.get(token);
        if (session != null) {
            session.rewind(offset);
        } else {
            long length = r.headers().firstValue("Upload-Length").map(String::strip).filter(v -> v.matches("\\d+"))
                    .map(Long::parseLong).orElseThrow(() -> new ProviderException(describe() + " did not say the "
                            + "length of the upload of blob " + key + " (no Upload-Length)", false));
            sessions.put(token, newSession(key, length, offset));
        }
        return offset;
    }

    @Override
    public void append(String key, String token, long offset, InputStream data, long length)
            throws ProviderException {
        if (isEmptySession(key, token) && length == 0) {
            return;
        }
        if (token.startsWith(STORED_SESSION)) {
            storedSize(key, token);
            return; // stored already: nothing to send
        }
        URI upload = session(key, token);
        UploadSession session = sessions.get(token);
        if (session == null) {
            // First call in this process without asking for the offset: ask now.
            if (uploadedBytes(key, token) < 0) {
                throw new ProviderException("Upload session " + token + " of blob " + key + " is gone", true);
            }
            session = sessions.get(token);
        }
        session.append(offset, data, length, (at, bytes, n) -> patch(key, upload, at, bytes, n));
    }

    private long patch(String key, URI upload, long at, byte[] bytes, int n) throws ProviderException {
        String what = "upload blob " + key + " at byte " + at;
        HttpResponse<String> r = http.sendPastLocks(() -> http.tus(upload)
                .header("Upload-Offset", String.valueOf(at))
                .header("Content-Type", "application/offset+octet-stream")
                .method("PATCH", BodyPublishers.ofByteArray(bytes, 0, n)).build(), what);
        int s = r.statusCode();
        if (TusHttp.exists(r)) {
            LOG.info("Blob {} was stored at {} by another upload first; this one stops", key, describe());
            return UploadSession.STORED;
        }
        if (s == 404 || s == 410) {
            throw new ProviderException("Upload session " + upload + " of blob " + key + " is gone", true);
        }
        if (s == 409 && !TusHttp.locked(r)) {
            throw new ProviderException(describe() + " is not at byte " + at + " of the upload of blob " + key
                    + "; ask it for its offset again", true);
        }
        if (s / 100 != 2) {
            throw http.refused(what, r);
        }
        long now = longHeader(r, "Upload-Offset", what);
        if (now != at + n) {
            throw new ProviderException(describe() + " holds " + now + " bytes of blob " + key + " after bytes "
                    + at + " to " + (at + n) + " were sent; ask it for its offset again", true);
        }
        return now;
    }

    @Override
    public void complete(String key, String token) throws ProviderException {
        if (isEmptySession(key, token)) {
            return;
        }
        boolean storedBefore = token.startsWith(STORED_SESSION);
        UploadSession session = storedBefore ? null : sessions.get(token);
        long expected = storedBefore ? storedSize(key, token) : session != null ? session.size() : -1;
        if (!storedBefore) {
            session(key, token);
        }
        boolean storedElsewhere = storedBefore || (session != null && session.storedElsewhere());
        OptionalLong served = reads.size(key);
        if (served.isPresent()) {
            if (expected >= 0 && served.getAsLong() != expected) {
                throw new ProviderException(settings.blobUrl(key) + " serves " + served.getAsLong() + " bytes, but "
                        + "the upload of blob " + key + " had " + expected, false);
            }
            // Another upload stored these bytes: keys are content hashes.
            if (!storedElsewhere && !hashMatches(key, session)) {
                discard(key, token);
                throw new ProviderException("The upload of blob " + key + " to " + describe() + " arrived with "
                        + "another SHA-256; it was deleted and the blob is uploaded again", false);
            }
            sessions.remove(token);
            return;
        }
        if (storedElsewhere) {
            throw new ProviderException(describe() + " said blob " + key + " was stored, but does not serve it",
                    true);
        }
        long offset = uploadedBytes(key, token);
        UploadSession now = sessions.get(token);
        if (offset >= 0 && now != null && offset < now.size()) {
            throw new ProviderException("The upload of blob " + key + " is at byte " + offset + " of " + now.size()
                    + "; it is not finished", true);
        }
        // The server took all the bytes and does not serve them (a server that checks hashes
        // refused them, or the read side is elsewhere): the next attempt uploads them again.
        abort(key, token);
        throw new ProviderException(describe() + " did not publish blob " + key + " after its upload finished: the "
                + "bytes it received do not hash to the key, or it does not serve " + settings.readUrl(), false);
    }

    /** The hash this process took of the upload, or, when it did not see every byte, the stored object's. */
    private boolean hashMatches(String key, UploadSession session) throws ProviderException {
        Optional<Boolean> seen = session == null ? Optional.empty() : session.hashMatches();
        return seen.isPresent() ? seen.get() : readBackMatches(key);
    }

    /** Reads the stored blob back and hashes it. */
    private boolean readBackMatches(String key) throws ProviderException {
        MessageDigest md = Hashing.sha256();
        try (InputStream in = new DigestInputStream(reads.read(key, 0, -1), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ProviderException("Could not read blob " + key + " back from " + describe() + " to check it: "
                    + e, true, e);
        }
        return Hashing.hex(md).equals(key);
    }

    /** Removes bytes that do not hash to their key: the finished upload, and the object. */
    private void discard(String key, String token) throws ProviderException {
        sessions.remove(token);
        try {
            abort(key, token);
        } catch (ProviderException e) {
            LOG.info("Could not terminate the upload of blob {} ({}); deleting the object", key, e.getMessage());
        }
        delete(key);
    }

    @Override
    public void abort(String key, String token) throws ProviderException {
        if (isEmptySession(key, token) || token.startsWith(STORED_SESSION)) {
            return;
        }
        URI upload = session(key, token);
        sessions.remove(token);
        if (!sameOrigin(upload)) {
            return;
        }
        String what = "abort the upload of blob " + key;
        HttpResponse<String> r = http.send(http.tus(upload).DELETE().build(), what);
        int s = r.statusCode();
        boolean finished = s == 400 && r.body() != null && r.body().toLowerCase(Locale.ROOT).contains("completed");
        if (s / 100 != 2 && s != 404 && s != 410 && !finished) {
            throw http.refused(what, r);
        }
    }

    @Override
    public void delete(String key) throws ProviderException {
        checkKey(key);
        if (!key.equals(EMPTY)) {
            reads.delete(key);
        }
    }

    /** Asks the endpoint for its tus capabilities (OPTIONS). */
    @Override
    public void ping() throws ProviderException {
        String what = "reach the tus endpoint";
        HttpResponse<String> r = http.send(http.tus(settings.endpoint()).method("OPTIONS",
                BodyPublishers.noBody()).build(), what);
        if (r.statusCode() / 100 != 2) {
            throw http.refused(what, r);
        }
        String versions = r.headers().firstValue("Tus-Version").orElse("");
        if (!versions.contains(TusHttp.TUS_VERSION)) {
            throw new ProviderException(describe() + " does not speak tus " + TusHttp.TUS_VERSION + " (Tus-Version: '"
                    + versions + "')", false);
        }
    }

    /** Supabase: a signed URL from {@code /object/sign/...}; a plain server's readUrl needs none. */
    @Override
    public Optional<PresignedUrl> presignGet(String key, Duration maxTtl) throws ProviderException {
        checkKey(key);
        TusSettings.Supabase s = settings.supabase();
        if (s == null || key.equals(EMPTY)) {
            return Optional.empty();
        }
        long seconds = Math.max(1, maxTtl.toSeconds());
        String what = "sign a URL for blob " + key;
        HttpResponse<String> r = http.send(http.request(s.signUrl(key)).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"expiresIn\":" + seconds + "}")).build(), what);
        if (r.statusCode() != 200) {
            throw http.refused(what, r);
        }
        try {
            JsonNode answer = JSON.readTree(r.body());
            String signed = answer.path("signedURL").asText(answer.path("signedUrl").asText(""));
            if (signed.isEmpty()) {
                throw new IOException("no signedURL in the answer");
            }
            URI uri = signed.startsWith("http") ? URI.create(signed) : URI.create(s.storageUrl() + signed);
            return Optional.of(new PresignedUrl(uri, clock.instant().plusSeconds(seconds)));
        } catch (IOException | IllegalArgumentException e) {
            throw new ProviderException(describe() + " answered the signing of blob " + key + " with something that"
                    + " is not a signed URL", true, e);
        }
    }

    /** A plain server's readUrl; Supabase's object URL needs credentials, so none. */
    @Override
    public Optional<String> urlOf(String key) {
        return settings.supabase() == null && BlobRef.isSha256(key) && !key.equals(EMPTY)
                ? Optional.of(settings.blobUrl(key).toString()) : Optional.empty();
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() {
        http.close();
    }

    /** A numeric header of a 2xx answer; missing or bad is retryable (a busy server answers so). */
    private long longHeader(HttpResponse<?> r, String name, String what) throws ProviderException {
        Optional<String> value = r.headers().firstValue(name).map(String::strip);
        if (value.isPresent() && value.get().matches("\\d{1,18}")) {
            return Long.parseLong(value.get());
        }
        throw new ProviderException(describe() + " answered " + r.statusCode() + " without a valid " + name
                + " header (" + value.orElse("none") + ") when asked to " + what, true);
    }

    private static boolean isEmptySession(String key, String token) {
        return EMPTY.equals(key) && EMPTY_SESSION.equals(token);
    }

    private static long storedSize(String key, String token) throws ProviderException {
        String size = token.substring(STORED_SESSION.length());
        if (!size.matches("\\d{1,18}")) {
            throw new ProviderException("not an upload session of blob " + key + ": " + token, false);
        }
        return Long.parseLong(size);
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
}
