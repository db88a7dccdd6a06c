package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.config.ProviderConfig;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Assumptions;

/**
 * One S3Proxy for all S3 tests of a JVM, on 127.0.0.1 at a free port, checking AWS SigV4
 * signatures (a wrong secret or a tampered URL gets 403). Its storage is in memory (jclouds
 * {@code transient}; S3Proxy's {@code transient-nio2} leaves an interrupted part behind that breaks
 * ListParts) and counted by {@link CountingBlobStore}. Each test takes fresh buckets from
 * {@link #newBucket}.
 *
 * <p>When the server cannot start the tests are skipped, except under {@code CI=true}, where
 * they fail: CI must not pass by skipping.
 */
public final class S3TestServer {
    static final String ACCESS_KEY = "blobsync-test-key";
    public static final String SECRET_KEY = "blobsync-test-secret-0123456789";

    private static S3TestServer shared;
    private static Throwable startFailure;

    private final S3Proxy proxy;
    private final CountingBlobStore store;
    private final URI endpoint;
    private final AtomicInteger buckets = new AtomicInteger();

    private S3TestServer(S3Proxy proxy, CountingBlobStore store, URI endpoint) {
        this.proxy = proxy;
        this.store = store;
        this.endpoint = endpoint;
    }

    /** The running server; skips (or, under CI, fails) the calling test when it cannot start. */
    public static synchronized S3TestServer get() {
        if (shared == null && startFailure == null) {
            try {
                shared = start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        shared.proxy.stop();
                    } catch (Exception ignored) {
                        // The JVM is ending anyway.
                    }
                }));
            } catch (Exception | LinkageError e) {
                startFailure = e;
            }
        }
        if (shared == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("The S3 test server (S3Proxy) did not start; under CI=true that fails"
                        + " the build instead of skipping the S3 tests", startFailure);
            }
            Assumptions.abort("The S3 test server (S3Proxy) did not start: " + startFailure);
        }
        return shared;
    }

    private static S3TestServer start() throws Exception {
        Properties props = new Properties();
        BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials("x", "x")
                .overrides(props).build(BlobStoreContext.class);
        CountingBlobStore store = new CountingBlobStore(context.getBlobStore());
        S3Proxy proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                .v4MaxNonChunkedRequestSize(128L << 20)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy is still " + proxy.getState() + " after 30 s");
            }
            Thread.sleep(10);
        }
        return new S3TestServer(proxy, store, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    URI endpoint() {
        return endpoint;
    }

    CountingBlobStore store() {
        return store;
    }

    /** A new, empty bucket named {@code <stem>-<n>}. */
    public String newBucket(String stem) {
        String name = stem + "-" + buckets.incrementAndGet();
        store.createContainerInLocation(null, name);
        return name;
    }

    /** A bucket name that does not exist. */
    String missingBucket(String stem) {
        return stem + "-missing-" + buckets.incrementAndGet();
    }

    void createBucket(String name) {
        store.createContainerInLocation(null, name);
    }

    /** {@code blobs.config} for this server (preset minio) plus {@code extra}. */
    Map<String, Object> config(String bucket, Map<String, Object> extra) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("preset", "minio");
        c.put("endpoint", endpoint.toString());
        c.put("bucket", bucket);
        c.put("accessKeyId", ACCESS_KEY);
        c.put("secretAccessKey", SECRET_KEY);
        c.putAll(extra);
        return c;
    }

    /** A provider on {@code bucket}, configured as a user would with {@code extra} keys. */
    S3BlobProvider provider(String bucket, Map<String, Object> extra) {
        return S3BlobProvider.open(new ProviderConfig("s3", config(bucket, extra), "blobs", null));
    }

    /** The config YAML lines of a {@code blobs:} section for this server. */
    public String blobsYaml(String bucket, String secret, Map<String, Object> extra) {
        StringBuilder y = new StringBuilder("blobs:\n  provider: s3\n  config:\n");
        Map<String, Object> c = config(bucket, extra);
        c.put("secretAccessKey", secret);
        c.forEach((k, v) -> y.append("    ").append(k).append(": ").append(v).append('\n'));
        return y.toString();
    }
}
