package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

/**
 * {@link ObjectStore} through the AWS SDK v2 with the engine's own credentials.
 *
 * <p>Retries: the SDK's standard strategy retries 5xx, throttling and I/O errors with backoff
 * (5 attempts); a download that breaks mid-stream is continued by {@link ResumingInputStream}.
 * Checksums: only what {@link S3BlobProvider} sets (Content-MD5), see {@link S3Preset}; the
 * payload is signed whole, never as an {@code aws-chunked} stream.
 */
final class SdkObjectStore implements ObjectStore {
    private static final String OCTETS = "application/octet-stream";

    private final S3Settings settings;
    private final S3Errors errors;
    private final S3Client client;
    private final S3Presigner presigner;

    SdkObjectStore(S3Settings settings, S3Errors errors) {
        this.settings = settings;
        this.errors = errors;
        AwsCredentialsProvider credentials = credentials(settings);
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // Bodies are in memory: sign them whole (x-amz-content-sha256 of the body), not as
                // aws-chunked streams, which GCS's XML API and some S3 servers do not understand.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .maxConnections(Math.max(16, settings.partConcurrency() * 4)))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(5)));
        S3Presigner.Builder presign = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
            presign.endpointOverride(settings.endpoint());
        }
        this.client = builder.build();
        this.presigner = presign.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings s) {
        if (s.accessKeyId() == null) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(s.sessionToken() == null
                ? AwsBasicCredentials.create(s.accessKeyId(), s.secretAccessKey())
                : AwsSessionCredentials.create(s.accessKeyId(), s.secretAccessKey(), s.sessionToken()));
    }

    private String name(String key) {
        return settings.prefix() + key;
    }

    private static String shortKey(String key) {
        return key.length() > 12 ? key.substring(0, 12) + "…" : key;
    }

    private static boolean notFound(SdkException e) {
        return e instanceof AwsServiceException s && s.statusCode() == 404
                && (s.awsErrorDetails() == null || !"NoSuchBucket".equals(s.awsErrorDetails().errorCode()));
    }

    @Override
    public Optional<StoredBlob> head(String key) throws ProviderException {
        try {
            HeadObjectResponse r = client.headObject(b -> b.bucket(settings.bucket()).key(name(key)));
            return Optional.of(new StoredBlob(key, r.contentLength(), r.lastModified()));
        } catch (SdkException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            if (e instanceof AwsServiceException s && s.statusCode() == 403) {
                throw whyForbidden(key, e);
            }
            throw errors.of("look up blob " + shortKey(key), e);
        }
    }

    /** Largest object a single CopyObject may rewrite; larger ones are only checked. */
    private static final long MAX_COPY = 5L << 30;

    @Override
    public boolean touch(String key) throws ProviderException {
        Optional<StoredBlob> present = head(key);
        if (present.isEmpty() || present.get().size() > MAX_COPY) {
            return present.isPresent();
        }
        try {
            // Copying an object onto itself with new metadata rewrites it with a new
            // last-modified time; the bytes (and so the content address) stay the same.
            client.copyObject(b -> b.sourceBucket(settings.bucket()).sourceKey(name(key))
                    .destinationBucket(settings.bucket()).destinationKey(name(key))
                    .metadataDirective(software.amazon.awssdk.services.s3.model.MetadataDirective.REPLACE)
                    .contentType(OCTETS)
                    .metadata(java.util.Map.of("blobsync-touched", java.time.Instant.now().toString())));
            return true;
        } catch (SdkException e) {
            if (notFound(e)) {
                return false;
            }
            throw errors.of("refresh blob " + shortKey(key), e);
        }
    }

    /**
     * A HEAD answer has no body, so a 403 does not say whether the signature (the secret) or
     * the permissions are wrong; a one-byte GET of the same object says it in its error code.
     */
    private ProviderException whyForbidden(String key, SdkException head) {
        try {
            client.getObject(b -> b.bucket(settings.bucket()).key(name(key)).range("bytes=0-0")).close();
        } catch (SdkException e) {
            if (!notFound(e)) {
                return errors.of("look up blob " + shortKey(key), e);
            }
        } catch (IOException | RuntimeException e) {
            // Fall back to what the HEAD said.
        }
        return errors.of("look up blob " + shortKey(key), head);
    }

    @Override
    public InputStream get(String key, long offset, long length) throws ProviderException {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        // Always a range, also for whole reads: the answer then says how long it is (Content-Range),
        // which servers that stream chunked (S3Proxy) do not say otherwise, so a cut is noticed.
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(settings.bucket()).key(name(key))
                .range("bytes=" + offset + "-" + (length > 0 ? String.valueOf(offset + length - 1) : ""));
        try {
            return new AbortOnEarlyClose(client.getObject(request.build()));
        } catch (SdkException e) {
            if (e instanceof AwsServiceException s && s.statusCode() == 416) {
                return InputStream.nullInputStream(); // the range starts at or after the end
            }
            if (notFound(e)) {
                throw new ProviderException("Blob " + key + " is not in " + errors.where(), false, e);
            }
            throw errors.of("read blob " + shortKey(key), e);
        }
    }

    @Override
    public void put(String key, byte[] data, int length, String md5) throws ProviderException {
        try {
            client.putObject(b -> b.bucket(settings.bucket()).key(name(key)).contentLength((long) length)
                            .contentType(OCTETS).contentMD5(md5),
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, OCTETS));
        } catch (SdkException e) {
            throw errors.of("upload blob " + shortKey(key), e);
        }
    }

    @Override
    public String createMultipart(String key) throws ProviderException {
        try {
            return client.createMultipartUpload(b -> b.bucket(settings.bucket()).key(name(key)).contentType(OCTETS))
                    .uploadId();
        } catch (SdkException e) {
            throw errors.of("start uploading blob " + shortKey(key), e);
        }
    }

    @Override
    public String uploadPart(String key, String uploadId, int number, byte[] data, int length, String md5)
            throws ProviderException {
        try {
            return client.uploadPart(b -> b.bucket(settings.bucket()).key(name(key)).uploadId(uploadId)
                            .partNumber(number).contentLength((long) length).contentMD5(md5),
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, OCTETS))
                    .eTag();
        } catch (SdkException e) {
            throw errors.of("upload part " + number + " of blob " + shortKey(key), e);
        }
    }

    @Override
    public Optional<List<Part>> listParts(String key, String uploadId) throws ProviderException {
        List<Part> parts = new ArrayList<>();
        Integer marker = null;
        try {
            while (true) {
                Integer from = marker;
                ListPartsResponse page = client.listParts(b -> b.bucket(settings.bucket()).key(name(key))
                        .uploadId(uploadId).partNumberMarker(from));
                page.parts().forEach(p -> parts.add(new Part(p.partNumber(), p.size(), p.eTag())));
                if (!Boolean.TRUE.equals(page.isTruncated()) || page.nextPartNumberMarker() == null) {
                    return Optional.of(parts);
                }
                marker = page.nextPartNumberMarker();
            }
        } catch (SdkException e) {
            if (e instanceof AwsServiceException s && s.statusCode() == 404 && !"NoSuchBucket".equals(
                    s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode())) {
                return Optional.empty();
            }
            throw errors.of("ask which parts of blob " + shortKey(key) + " arrived", e);
        }
    }

    @Override
    public boolean uploadExists(String key, String uploadId) throws ProviderException {
        try {
            for (MultipartUpload u : client.listMultipartUploadsPaginator(
                    b -> b.bucket(settings.bucket()).prefix(name(key))).uploads()) {
                if (u.uploadId().equals(uploadId) && u.key().equals(name(key))) {
                    return true;
                }
            }
            return false;
        } catch (SdkException e) {
            throw errors.of("ask whether the upload of blob " + shortKey(key) + " is still open", e);
        }
    }

    @Override
    public void completeMultipart(String key, String uploadId, List<Part> parts) throws ProviderException {
        List<CompletedPart> completed = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build()).toList();
        try {
            client.completeMultipartUpload(b -> b.bucket(settings.bucket()).key(name(key)).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(completed)));
        } catch (SdkException e) {
            throw errors.of("finish uploading blob " + shortKey(key), e);
        }
    }

    @Override
    public void abortMultipart(String key, String uploadId) throws ProviderException {
        try {
            client.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(name(key)).uploadId(uploadId));
        } catch (SdkException e) {
            if (!notFound(e)) {
                throw errors.of("abort the upload of blob " + shortKey(key), e);
            }
        }
    }

    @Override
    public void delete(String key) throws ProviderException {
        try {
            client.deleteObject(b -> b.bucket(settings.bucket()).key(name(key)));
        } catch (SdkException e) {
            if (!notFound(e)) {
                throw errors.of("delete blob " + shortKey(key), e);
            }
        }
    }

    @Override
    public void list(Consumer<StoredBlob> each) throws ProviderException {
        String prefix = settings.prefix();
        try {
            for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents()) {
                String key = o.key().substring(prefix.length());
                if (BlobRef.isSha256(key)) {
                    each.accept(new StoredBlob(key, o.size(), o.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw errors.of("list the blobs", e);
        }
    }

    @Override
    public void listUploads(Consumer<PendingUpload> each) throws ProviderException {
        String prefix = settings.prefix();
        try {
            for (MultipartUpload u : client.listMultipartUploadsPaginator(
                    b -> b.bucket(settings.bucket()).prefix(prefix)).uploads()) {
                String key = u.key().substring(prefix.length());
                if (BlobRef.isSha256(key)) {
                    each.accept(new PendingUpload(key, u.uploadId(), u.initiated()));
                }
            }
        } catch (SdkException e) {
            throw errors.of("list the unfinished uploads", e);
        }
    }

    @Override
    public PresignedUrl presignGet(String key, Duration ttl) throws ProviderException {
        try {
            PresignedGetObjectRequest p = presigner.presignGetObject(b -> b.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(settings.bucket()).key(name(key))));
            return new PresignedUrl(p.url().toURI(), p.expiration());
        } catch (SdkException e) {
            throw errors.of("sign a URL for blob " + shortKey(key), e);
        } catch (URISyntaxException e) {
            throw new ProviderException("The presigned URL for blob " + key + " is malformed: " + e.getMessage(),
                    false, e);
        }
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() {
        presigner.close();
        client.close();
    }

    /**
     * A response body that notices when it ends before its announced length (an IOException,
     * which {@link ResumingInputStream} answers by asking for the rest), and that closes early
     * by aborting the connection instead of letting the HTTP client drain a possibly huge rest;
     * a small rest is drained, which keeps the connection for the next ranged read.
     */
    private static final class AbortOnEarlyClose extends FilterInputStream {
        private static final long DRAIN_AT_MOST = 256 << 10;
        private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/.*");
        private final ResponseInputStream<GetObjectResponse> response;
        private final boolean known;
        private long remaining;

        AbortOnEarlyClose(ResponseInputStream<GetObjectResponse> response) {
            super(response);
            this.response = response;
            GetObjectResponse r = response.response();
            Matcher range = r.contentRange() == null ? null : CONTENT_RANGE.matcher(r.contentRange());
            // Content-Range names the bytes this answer is about; trust it over Content-Length.
            if (range != null && range.matches()) {
                remaining = Long.parseLong(range.group(2)) - Long.parseLong(range.group(1)) + 1;
            } else if (r.contentLength() != null) {
                remaining = r.contentLength();
            } else {
                remaining = Long.MAX_VALUE;
            }
            this.known = remaining != Long.MAX_VALUE;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                if (known && remaining > 0) {
                    throw new IOException("the response ended " + remaining + " bytes early");
                }
                remaining = 0;
            } else {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            if (remaining > DRAIN_AT_MOST) {
                response.abort();
            }
            super.close();
        }
    }
}
