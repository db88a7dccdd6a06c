package dev.blobsync.engine.provider.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.presigner.PresignedRequest;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * An app's presign endpoint, as the README describes it, for tests: it holds the S3 keys,
 * answers the engine's JSON requests with presigned URLs or does the step itself, and refuses
 * requests without its bearer token. It is also the reference for what such an endpoint does.
 */
final class TestPresignEndpoint implements AutoCloseable {
    static final String TOKEN = "app-session-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final String prefix;
    final AtomicInteger requests = new AtomicInteger();

    TestPresignEndpoint(S3TestServer server, String bucket, String prefix) throws IOException {
        this.bucket = bucket;
        this.prefix = prefix;
        var credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY));
        this.s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(credentials)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build();
        this.presigner = S3Presigner.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/api/presign", this::handle);
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/api/presign");
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, JSON.createObjectNode().put("error", "sign in first"));
                return;
            }
            JsonNode req = JSON.readTree(ex.getRequestBody());
            String key = prefix + req.path("key").asText();
            Duration ttl = Duration.ofSeconds(Math.max(1, Math.min(3600, req.path("expiresIn").asLong(900))));
            String md5 = req.hasNonNull("contentMd5") ? req.get("contentMd5").asText() : null;
            String uploadId = req.path("uploadId").asText(null);
            switch (req.path("action").asText()) {
                case "get" -> send(ex, 200, signed(presigner.presignGetObject(p -> p.signatureDuration(ttl)
                        .getObjectRequest(g -> g.bucket(bucket).key(key)))));
                case "head" -> send(ex, 200, signed(presigner.presignHeadObject(p -> p.signatureDuration(ttl)
                        .headObjectRequest(h -> h.bucket(bucket).key(key)))));
                case "put" -> send(ex, 200, signed(presigner.presignPutObject(p -> p.signatureDuration(ttl)
                        .putObjectRequest(o -> o.bucket(bucket).key(key).contentMD5(md5)))));
                case "createMultipart" -> send(ex, 200, JSON.createObjectNode().put("uploadId",
                        s3.createMultipartUpload(c -> c.bucket(bucket).key(key)).uploadId()));
                case "uploadPart" -> send(ex, 200, signed(presigner.presignUploadPart(p -> p.signatureDuration(ttl)
                        .uploadPartRequest(u -> u.bucket(bucket).key(key).uploadId(uploadId)
                                .partNumber(req.path("partNumber").asInt()).contentMD5(md5)))));
                case "listParts" -> {
                    if (!open(key, uploadId)) {
                        send(ex, 404, JSON.createObjectNode().put("error", "no such upload"));
                        return;
                    }
                    ObjectNode answer = JSON.createObjectNode();
                    ArrayNode parts = answer.putArray("parts");
                    s3.listParts(l -> l.bucket(bucket).key(key).uploadId(uploadId)).parts().forEach(p ->
                            parts.addObject().put("partNumber", p.partNumber()).put("size", p.size())
                                    .put("etag", p.eTag()));
                    send(ex, 200, answer);
                }
                case "completeMultipart" -> {
                    List<CompletedPart> parts = new java.util.ArrayList<>();
                    req.path("parts").forEach(p -> parts.add(CompletedPart.builder()
                            .partNumber(p.path("partNumber").asInt()).eTag(p.path("etag").asText()).build()));
                    s3.completeMultipartUpload(c -> c.bucket(bucket).key(key).uploadId(uploadId)
                            .multipartUpload(m -> m.parts(parts)));
                    send(ex, 200, JSON.createObjectNode());
                }
                case "abortMultipart" -> {
                    if (open(key, uploadId)) {
                        s3.abortMultipartUpload(a -> a.bucket(bucket).key(key).uploadId(uploadId));
                    }
                    send(ex, 200, JSON.createObjectNode());
                }
                case "delete" -> {
                    s3.deleteObject(d -> d.bucket(bucket).key(key));
                    send(ex, 200, JSON.createObjectNode());
                }
                default -> send(ex, 400, JSON.createObjectNode().put("error", "unknown action"));
            }
        } catch (S3Exception e) {
            send(ex, e.statusCode() >= 500 ? 502 : 400, JSON.createObjectNode().put("error", e.getMessage()));
        }
    }

    private boolean open(String key, String uploadId) {
        for (MultipartUpload u : s3.listMultipartUploads(l -> l.bucket(bucket).prefix(key)).uploads()) {
            if (u.uploadId().equals(uploadId)) {
                return true;
            }
        }
        return false;
    }

    private static ObjectNode signed(PresignedRequest p) {
        ObjectNode answer = JSON.createObjectNode().put("url", p.url().toString())
                .put("expiresAt", p.expiration().toString());
        ObjectNode headers = answer.putObject("headers");
        for (Map.Entry<String, List<String>> h : p.signedHeaders().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("host")) {
                headers.put(h.getKey(), String.join(",", h.getValue()));
            }
        }
        return answer;
    }

    private static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        http.stop(0);
        presigner.close();
        s3.close();
    }
}
