package dev.blobsync.engine.provider.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.options.GetOptions;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;
import org.jclouds.io.MutableContentMetadata;
import org.jclouds.io.Payload;

/**
 * The test server's storage, wrapped to count what arrives (per bucket) and to inject faults:
 * 503 answers, downloads that break mid-body, and part uploads held until released.
 */
final class CountingBlobStore extends ForwardingBlobStore {

    /** What one bucket received. */
    static final class Counts {
        final List<Integer> parts = new CopyOnWriteArrayList<>();
        final AtomicLong partBytes = new AtomicLong();
        final AtomicInteger puts = new AtomicInteger();
        final AtomicInteger gets = new AtomicInteger();
        final List<String> contentMd5s = new CopyOnWriteArrayList<>();
        /** Part uploads that arrived while held by {@link #holdPartsAbove}. */
        final AtomicInteger held = new AtomicInteger();
        /** Part requests begun and ended (stored or failed) at the server. */
        final AtomicInteger partRequests = new AtomicInteger();
        final AtomicInteger partRequestsEnded = new AtomicInteger();

        void reset() {
            parts.clear();
            partBytes.set(0);
            puts.set(0);
            gets.set(0);
            contentMd5s.clear();
            held.set(0);
            partRequests.set(0);
            partRequestsEnded.set(0);
        }
    }

    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failParts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failGets = new ConcurrentHashMap<>();
    private final Map<String, Long> breakGetsAfter = new ConcurrentHashMap<>();
    private final Map<String, Integer> holdPartsAbove = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> releaseParts = new ConcurrentHashMap<>();

    CountingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    Counts counts(String bucket) {
        return counts.computeIfAbsent(bucket, b -> new Counts());
    }

    /** The next {@code n} part uploads to {@code bucket} answer 503. */
    void failNextParts(String bucket, int n) {
        failParts.put(bucket, new AtomicInteger(n));
    }

    /** The next {@code n} GETs from {@code bucket} answer 503. */
    void failNextGets(String bucket, int n) {
        failGets.put(bucket, new AtomicInteger(n));
    }

    /** The next GET from {@code bucket} breaks its connection after {@code bytes} bytes. */
    void breakNextGetAfter(String bucket, long bytes) {
        breakGetsAfter.put(bucket, bytes);
    }

    /** Part uploads numbered above {@code n} to {@code bucket} wait (before reading) until {@link #releaseParts}. */
    void holdPartsAbove(String bucket, int n) {
        releaseParts.put(bucket, new CountDownLatch(1));
        holdPartsAbove.put(bucket, n);
    }

    void releaseParts(String bucket) {
        holdPartsAbove.remove(bucket);
        CountDownLatch latch = releaseParts.remove(bucket);
        if (latch != null) {
            latch.countDown();
        }
    }

    private static HttpResponseException unavailable() {
        return new HttpResponseException("injected 503", null, HttpResponse.builder().statusCode(503).build());
    }

    private static boolean take(Map<String, AtomicInteger> budget, String bucket) {
        AtomicInteger left = budget.get(bucket);
        return left != null && left.getAndDecrement() > 0;
    }

    @Override
    public String putBlob(String container, Blob blob) {
        counts(container).puts.incrementAndGet();
        recordMd5(container, blob.getPayload());
        return super.putBlob(container, blob);
    }

    @Override
    public String putBlob(String container, Blob blob, PutOptions options) {
        counts(container).puts.incrementAndGet();
        recordMd5(container, blob.getPayload());
        return super.putBlob(container, blob, options);
    }

    private void recordMd5(String container, Payload payload) {
        byte[] md5 = payload.getContentMetadata().getContentMD5();
        if (md5 != null) {
            counts(container).contentMd5s.add(java.util.Base64.getEncoder().encodeToString(md5));
        }
    }

    @Override
    public MultipartPart uploadMultipartPart(MultipartUpload mpu, int partNumber, Payload payload) {
        String bucket = mpu.containerName();
        counts(bucket).partRequests.incrementAndGet();
        try {
            return countedPart(mpu, partNumber, payload);
        } finally {
            counts(bucket).partRequestsEnded.incrementAndGet();
        }
    }

    private MultipartPart countedPart(MultipartUpload mpu, int partNumber, Payload payload) {
        String bucket = mpu.containerName();
        Integer hold = holdPartsAbove.get(bucket);
        CountDownLatch latch = releaseParts.get(bucket);
        if (hold != null && latch != null && partNumber > hold) {
            counts(bucket).held.incrementAndGet();
            try {
                latch.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (take(failParts, bucket)) {
            throw unavailable();
        }
        recordMd5(bucket, payload);
        MultipartPart part = super.uploadMultipartPart(mpu, partNumber, payload);
        counts(bucket).parts.add(partNumber);
        counts(bucket).partBytes.addAndGet(part.partSize());
        return part;
    }

    @Override
    public Blob getBlob(String container, String name) {
        return getBlob(container, name, GetOptions.NONE);
    }

    @Override
    public Blob getBlob(String container, String name, GetOptions options) {
        if (take(failGets, container)) {
            throw unavailable();
        }
        counts(container).gets.incrementAndGet();
        Blob blob = super.getBlob(container, name, options);
        Long breakAfter = breakGetsAfter.remove(container);
        if (blob != null && breakAfter != null) {
            MutableContentMetadata metadata = blob.getPayload().getContentMetadata();
            try (InputStream in = blob.getPayload().openStream()) {
                byte[] all = in.readAllBytes();
                blob.setPayload(new BreakingStream(new java.io.ByteArrayInputStream(all), breakAfter));
                blob.getPayload().setContentMetadata(metadata);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return blob;
    }

    /** Fails after {@code limit} bytes, as a dropped connection would. */
    private static final class BreakingStream extends FilterInputStream {
        private long left;

        BreakingStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left-- <= 0) {
                throw new IOException("injected: connection dropped");
            }
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("injected: connection dropped");
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
