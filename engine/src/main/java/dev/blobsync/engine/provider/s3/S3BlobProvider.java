package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.config.ProviderConfig;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs in an S3-compatible bucket (AWS S3, Cloudflare R2, GCS, Supabase Storage, MinIO),
 * named {@code <prefix><sha256>}, so the same bytes are stored once.
 *
 * <p>Uploads below {@code multipartThreshold} are one PUT at {@link #complete}, after the bytes
 * were checked against the key; the bytes wait in memory, so such a session does not survive a
 * restart ({@link #uploadedBytes} answers -1 and the engine starts again). Larger uploads are
 * multipart: the token holds the upload id and part size, parts are uploaded while the engine
 * appends, and after a restart {@link #uploadedBytes} asks the server (ListParts) for the parts
 * it holds, so only the missing ones are sent. Every PUT carries Content-MD5, which the server
 * checks. The whole blob's SHA-256 is checked before CompleteMultipartUpload when this process
 * saw every byte; after a resume it is checked by reading the object back, and a mismatch
 * deletes it.
 *
 * <p>Downloads are ranged GETs, continued after a broken connection; the SDK retries 5xx,
 * throttling and timeouts. AWS types stay inside this package.
 */
public final class S3BlobProvider implements BlobProvider {
    private static final Logger LOG = LoggerFactory.getLogger(S3BlobProvider.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final S3Settings settings;
    private final ObjectStore store;
    private final ExecutorService parts;
    /**
     * Upload id (or a single PUT's nonce) → {@link MultipartSession} or {@link SingleSession}, for
     * sessions of this process. Keyed by id, as tokens from {@link #listUploads} differ in form.
     */
    private final ConcurrentMap<String, Object> sessions = new ConcurrentHashMap<>();

    S3BlobProvider(S3Settings settings, ObjectStore store) {
        this.settings = settings;
        this.store = store;
        int pool = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "blobsync-s3-" + pool + "-part-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.parts = Executors.newCachedThreadPool(factory);
    }

    /**
     * Opens the provider {@code pc} describes. Does not contact the server: an engine starts
     * offline as well, and every call reports what went wrong.
     *
     * @throws dev.blobsync.engine.config.ConfigException naming the key at fault
     */
    public static S3BlobProvider open(ProviderConfig pc) {
        S3Settings settings = S3Settings.from(pc);
        String file = pc.source() == null ? "the configuration" : pc.source().toString();
        S3Errors errors = new S3Errors(settings.describe(),
                settings.accessKeyId() == null ? "the credentials of the AWS default chain (AWS_ACCESS_KEY_ID,"
                        + " AWS_SECRET_ACCESS_KEY, ~/.aws/credentials), or set '" + pc.optionPath("accessKeyId")
                        + "' and '" + pc.optionPath("secretAccessKey") + "' in " + file
                        : "'" + pc.optionPath("accessKeyId") + "' and '" + pc.optionPath("secretAccessKey")
                        + "' in " + file,
                "'" + pc.optionPath("bucket") + "' in " + file);
        return open(settings, errors);
    }

    static S3BlobProvider open(S3Settings settings, S3Errors errors) {
        ObjectStore store = settings.direct() ? new SdkObjectStore(settings, errors)
                : new PresignEndpointStore(settings);
        return new S3BlobProvider(settings, store);
    }

    private static void checkKey(String key) throws ProviderException {
        if (!BlobRef.isSha256(key)) {
            throw new ProviderException("not a blob key: " + key, false);
        }
    }

    @Override
    public OptionalLong size(String key) throws ProviderException {
        checkKey(key);
        return store.head(key).map(b -> OptionalLong.of(b.size())).orElse(OptionalLong.empty());
    }

    @Override
    public InputStream read(String key, long offset, long length) throws ProviderException {
        checkKey(key);
        InputStream first = store.get(key, offset, length);
        return new ResumingInputStream((from, len) -> store.get(key, from, len), first, offset, length);
    }

    @Override
    public String beginUpload(String key, long size) throws ProviderException {
        checkKey(key);
        if (size < settings.multipartThreshold() || size == 0) {
            UploadToken token = UploadToken.single(size);
            sessions.put(token.id(), new SingleSession(key, size));
            return token.format();
        }
        long partSize = Math.max(settings.partSize(), ceilToMiB((size + S3Settings.MAX_PARTS - 1) / S3Settings.MAX_PARTS));
        if (partSize > S3Settings.MAX_BUFFER) {
            throw new ProviderException("Blob " + key + " has " + size + " bytes; S3's 10,000 parts of at most 512MiB"
                    + " (what blobsync holds in memory) do not fit it", false);
        }
        UploadToken token = UploadToken.multipart(size, (int) partSize, store.createMultipart(key));
        sessions.put(token.id(), newSession(key, token, 0));
        return token.format();
    }

    private static long ceilToMiB(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20 << 20;
    }

    private MultipartSession newSession(String key, UploadToken token, long start) {
        return new MultipartSession(key, token, store, parts, settings.sendMd5(), settings.partConcurrency(), start);
    }

    @Override
    public long uploadedBytes(String key, String token) throws ProviderException {
        checkKey(key);
        UploadToken t = UploadToken.parse(key, token);
        Object session = sessions.get(t.id());
        if (!t.multipart()) {
            if (session instanceof SingleSession single) {
                single.reset();
                return 0;
            }
            return -1;
        }
        if (session instanceof MultipartSession mp) {
            mp.rewind(mp.accepted()); // lets the parts in flight land first
        }
        Optional<List<ObjectStore.Part>> listed = store.listParts(key, t.id());
        if (listed.isPresent() && listed.get().isEmpty() && !store.uploadExists(key, t.id())) {
            listed = Optional.empty();
        }
        if (listed.isEmpty()) {
            sessions.remove(t.id());
            return -1;
        }
        long held = contiguousBytes(listed.get(), t);
        if (session instanceof MultipartSession mp) {
            mp.rewind(held);
        } else {
            sessions.put(t.id(), newSession(key, t, held));
        }
        return held;
    }

    /** The bytes held in parts 1, 2, … without a gap, each of the part size but the last. */
    static long contiguousBytes(List<ObjectStore.Part> parts, UploadToken t) {
        List<ObjectStore.Part> sorted = parts.stream().sorted((a, b) -> Integer.compare(a.number(), b.number())).toList();
        long held = 0;
        int expected = 1;
        for (ObjectStore.Part p : sorted) {
            if (p.number() != expected || !(p.size() == t.partSize() || held + p.size() == t.size())) {
                break;
            }
            held += p.size();
            expected++;
        }
        return Math.min(held, t.size());
    }

    @Override
    public void append(String key, String token, long offset, InputStream data, long length)
            throws ProviderException {
        checkKey(key);
        UploadToken t = UploadToken.parse(key, token);
        Object session = sessions.get(t.id());
        if (!t.multipart()) {
            if (!(session instanceof SingleSession single)) {
                throw new ProviderException("Upload session " + token + " of blob " + key + " is gone (the process"
                        + " restarted); begin a new one", true);
            }
            single.append(offset, data, length);
            return;
        }
        if (!(session instanceof MultipartSession)) {
            // First call in this process without asking for the offset: ask now.
            long held = uploadedBytes(key, token);
            if (held < 0) {
                throw new ProviderException("Upload session of blob " + key + " is gone; begin a new one", true);
            }
            session = sessions.get(t.id());
        }
        ((MultipartSession) session).append(offset, data, length);
    }

    @Override
    public void complete(String key, String token) throws ProviderException {
        checkKey(key);
        UploadToken t = UploadToken.parse(key, token);
        Object session = sessions.get(t.id());
        if (!t.multipart()) {
            if (!(session instanceof SingleSession single)) {
                if (store.head(key).filter(b -> b.size() == t.size()).isPresent()) {
                    return; // completed before: a retried completion is harmless
                }
                throw new ProviderException("Upload session " + token + " of blob " + key + " is gone; upload again",
                        true);
            }
            try {
                single.complete();
            } finally {
                sessions.remove(t.id()); // a retry begins a new session and sends the bytes again
            }
            return;
        }
        completeMultipart(key, t, (MultipartSession) session);
        sessions.remove(t.id());
    }

    private void completeMultipart(String key, UploadToken t, MultipartSession session) throws ProviderException {
        Optional<Boolean> matches = Optional.empty();
        if (session != null) {
            session.awaitParts();
            matches = session.hashMatchesKey();
            if (matches.isPresent() && !matches.get()) {
                store.abortMultipart(key, t.id());
                throw new ProviderException("Upload of blob " + key + " arrived with another SHA-256; it was"
                        + " discarded", true);
            }
        }
        if (store.head(key).filter(b -> b.size() == t.size()).isPresent()) {
            // Stored already, by this session's earlier completion or by another client with the same bytes.
            store.abortMultipart(key, t.id());
            return;
        }
        List<ObjectStore.Part> listed = store.listParts(key, t.id()).orElseThrow(() -> new ProviderException(
                "Upload session of blob " + key + " is gone; begin a new one", true));
        long held = contiguousBytes(listed, t);
        if (held != t.size()) {
            throw new ProviderException("The server holds " + held + " of the " + t.size() + " bytes of blob " + key
                    + "; resume the upload", true);
        }
        int count = t.partAt(t.size() - 1);
        store.completeMultipart(key, t.id(), listed.stream().filter(p -> p.number() <= count)
                .sorted((a, b) -> Integer.compare(a.number(), b.number())).toList());
        if (matches.isEmpty()) {
            verifyByReading(key);
        }
    }

    /** For resumed uploads, whose first bytes this process never saw: hash what the server stores. */
    private void verifyByReading(String key) throws ProviderException {
        String actual;
        try (InputStream in = read(key, 0, -1)) {
            actual = Hashing.sha256(in);
        } catch (IOException e) {
            throw new ProviderException("Could not read blob " + key + " back to check it: " + e.getMessage(), true, e);
        }
        if (!actual.equals(key)) {
            store.delete(key);
            throw new ProviderException("Upload of blob " + key + " arrived with SHA-256 " + actual
                    + "; it was deleted", true);
        }
    }

    @Override
    public void abort(String key, String token) throws ProviderException {
        checkKey(key);
        UploadToken t = UploadToken.parse(key, token);
        Object session = sessions.remove(t.id());
        if (session instanceof MultipartSession mp) {
            mp.rewind(0);
        }
        if (t.multipart()) {
            store.abortMultipart(key, t.id());
        }
    }

    @Override
    public void delete(String key) throws ProviderException {
        checkKey(key);
        store.delete(key);
    }

    @Override
    public Optional<PresignedUrl> presignGet(String key, Duration maxTtl) throws ProviderException {
        checkKey(key);
        Duration ttl = maxTtl.compareTo(settings.urlExpiry()) < 0 ? maxTtl : settings.urlExpiry();
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            ttl = Duration.ofSeconds(1);
        }
        return Optional.of(store.presignGet(key, ttl));
    }

    /**
     * A presigned GET URL valid for {@code urlExpiry}, for the engine's UploadComplete event.
     * Only when signing is local; in presign-endpoint mode it would cost a request per upload.
     */
    @Override
    public Optional<String> urlOf(String key) {
        if (!settings.direct() || !BlobRef.isSha256(key)) {
            return Optional.empty();
        }
        try {
            return Optional.of(store.presignGet(key, settings.urlExpiry()).uri().toString());
        } catch (ProviderException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<StoredBlob> stat(String key) throws ProviderException {
        checkKey(key);
        return store.head(key);
    }

    @Override
    public boolean touch(String key) throws ProviderException {
        checkKey(key);
        return store.touch(key);
    }

    @Override
    public void listBlobs(Consumer<StoredBlob> each) throws ProviderException {
        store.list(each);
    }

    @Override
    public void listUploads(Consumer<PendingUpload> each) throws ProviderException {
        store.listUploads(u -> each.accept(new PendingUpload(u.key(),
                UploadToken.multipart(0, 0, u.token()).format(), u.lastActive())));
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    /**
     * Lets the parts in flight land for up to 10 seconds (a clean stop loses no part; a later
     * resume asks the server anyway), then closes the client.
     */
    @Override
    public void close() {
        sessions.clear();
        parts.shutdown();
        try {
            if (!parts.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.info("Parts still uploading after 10 s were stopped; the upload resumes from the server's parts");
                parts.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            parts.shutdownNow();
        }
        store.close();
    }

    /** A single-PUT upload: the bytes wait in memory until {@link #complete()} checks and sends them. */
    private final class SingleSession {
        private final String key;
        private final byte[] data;
        private int filled;

        SingleSession(String key, long size) {
            this.key = key;
            this.data = new byte[(int) size];
        }

        synchronized void reset() {
            filled = 0;
        }

        synchronized void append(long offset, InputStream in, long length) throws ProviderException {
            if (offset != filled) {
                throw new ProviderException("Upload of blob " + key + " is at byte " + filled + ", not " + offset
                        + "; ask for the offset again", true);
            }
            if (length < 0 || offset + length > data.length) {
                throw new ProviderException("Upload of blob " + key + " is " + data.length + " bytes; " + length
                        + " more at byte " + offset + " do not fit", false);
            }
            try {
                int n = in.readNBytes(data, filled, (int) length);
                if (n < length) {
                    throw new ProviderException("Upload of blob " + key + " got " + n + " of " + length + " bytes",
                            true);
                }
                filled += n;
            } catch (IOException e) {
                throw new ProviderException("Could not read the bytes of blob " + key + " to upload: "
                        + e.getMessage(), true, e);
            }
        }

        synchronized void complete() throws ProviderException {
            if (filled != data.length) {
                throw new ProviderException("Upload of blob " + key + " has " + filled + " of " + data.length
                        + " bytes; append the rest first", true);
            }
            MessageDigest sha = Hashing.sha256();
            sha.update(data, 0, filled);
            String actual = Hashing.hex(sha);
            if (!actual.equals(key)) {
                throw new ProviderException("Upload of blob " + key + " arrived with SHA-256 " + actual
                        + "; it was discarded", true);
            }
            store.put(key, data, filled, settings.sendMd5() ? MultipartSession.md5(data, filled) : null);
        }
    }
}
