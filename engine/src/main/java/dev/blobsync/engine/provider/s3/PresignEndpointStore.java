package dev.blobsync.engine.provider.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@link ObjectStore} for apps whose clients hold no S3 credentials: every request first asks
 * the app's presign endpoint ({@code blobs.config.presignEndpoint}) for a URL, or lets the
 * endpoint do the step itself, then talks to S3 with plain HTTP. The endpoint's contract is in
 * the README ("presignEndpoint: request and response").
 *
 * <p>Requests to the endpoint are {@code POST} with a JSON body {@code {"action": …, "key":
 * "<sha256>", …}} and, when {@code presignToken} is set, {@code Authorization: Bearer <token>}.
 * 5xx answers and I/O errors are retried three times with backoff, here and towards S3.
 * Listing is not part of the contract: garbage collection needs credentials.
 */
final class PresignEndpointStore implements ObjectStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect",
            "upgrade", "date", "via", "warning");
    private static final int ATTEMPTS = 4;

    private final S3Settings settings;
    private final HttpClient http;

    PresignEndpointStore(S3Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** What the endpoint answered for a URL action. */
    private record Signed(URI url, Map<String, String> headers, Instant expiresAt) {
    }

    private ObjectNode request(String action, String key) {
        return JSON.createObjectNode().put("action", action).put("key", key);
    }

    /** POSTs {@code body} to the endpoint; empty for HTTP 404. */
    private Optional<JsonNode> ask(ObjectNode body) throws ProviderException {
        String action = body.path("action").asText();
        HttpRequest.Builder req = HttpRequest.newBuilder(settings.presignEndpoint())
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (settings.presignToken() != null) {
            req.header("Authorization", "Bearer " + settings.presignToken());
        }
        HttpResponse<String> r = send(req.build(), HttpResponse.BodyHandlers.ofString(), "ask the presign endpoint "
                + settings.presignEndpoint() + " to " + action);
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() / 100 != 2) {
            boolean denied = r.statusCode() == 401 || r.statusCode() == 403;
            throw new ProviderException("The presign endpoint " + settings.presignEndpoint() + " answered HTTP "
                    + r.statusCode() + " to '" + action + "'" + snippet(r.body())
                    + (denied ? ". Check 'presignToken' in the blobs config." : ""), !denied && r.statusCode() != 400);
        }
        try {
            String text = r.body();
            return Optional.of(text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text));
        } catch (IOException e) {
            throw new ProviderException("The presign endpoint answered '" + action + "' with no JSON"
                    + snippet(r.body()), false, e);
        }
    }

    private Signed sign(ObjectNode body) throws ProviderException {
        JsonNode answer = ask(body).orElseThrow(() -> new ProviderException("The presign endpoint answered HTTP 404"
                + " to '" + body.path("action").asText() + "'", false));
        String url = answer.path("url").asText(null);
        if (url == null) {
            throw new ProviderException("The presign endpoint's answer to '" + body.path("action").asText()
                    + "' has no \"url\"", false);
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        answer.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
        Instant expires = Instant.MAX;
        if (answer.hasNonNull("expiresAt")) {
            try {
                expires = Instant.parse(answer.get("expiresAt").asText());
            } catch (DateTimeParseException e) {
                throw new ProviderException("The presign endpoint's \"expiresAt\" is not an ISO-8601 instant: "
                        + answer.get("expiresAt").asText(), false, e);
            }
        }
        return new Signed(URI.create(url), headers, expires);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what)
            throws ProviderException {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<T> r = http.send(request, handler);
                if (r.statusCode() < 500 || attempt == ATTEMPTS) {
                    return r;
                }
                if (r.body() instanceof InputStream in) {
                    in.close();
                }
            } catch (IOException e) {
                if (attempt == ATTEMPTS) {
                    throw new ProviderException("Could not " + what + ": " + e, true, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException("Interrupted while trying to " + what, true, e);
            }
            pause(attempt);
        }
    }

    private static void pause(int attempt) throws ProviderException {
        try {
            Thread.sleep(200L << (attempt - 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("Interrupted while waiting to retry", true, e);
        }
    }

    private static HttpRequest.Builder to(Signed s) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.url()).timeout(Duration.ofMinutes(5));
        s.headers().forEach((name, value) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                b.header(name, value);
            }
        });
        return b;
    }

    private static ProviderException s3Failure(String what, HttpResponse<?> r, String body) {
        int status = r.statusCode();
        return new ProviderException("S3 answered HTTP " + status + " when asked to " + what + snippet(body),
                status >= 500 || status == 429 || status == 403, null);
    }

    private static String snippet(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String one = body.strip().replaceAll("\\s+", " ");
        return ": " + (one.length() > 300 ? one.substring(0, 300) + "…" : one);
    }

    @Override
    public Optional<StoredBlob> head(String key) throws ProviderException {
        Signed s = sign(request("head", key));
        HttpResponse<Void> r = send(to(s).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding(), "look up blob " + key);
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() / 100 != 2) {
            throw s3Failure("look up blob " + key, r, null);
        }
        long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        Instant modified = r.headers().firstValue("Last-Modified").map(PresignEndpointStore::httpDate)
                .orElse(Instant.now());
        return Optional.of(new StoredBlob(key, size, modified));
    }

    private static Instant httpDate(String text) {
        try {
            return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }

    @Override
    public InputStream get(String key, long offset, long length) throws ProviderException {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        Signed s = sign(request("get", key).put("expiresIn", 300));
        HttpRequest.Builder b = to(s).GET();
        if (offset > 0 || length > 0) {
            b.header("Range", "bytes=" + offset + "-" + (length > 0 ? String.valueOf(offset + length - 1) : ""));
        }
        HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream(), "read blob " + key);
        if (r.statusCode() == 200 || r.statusCode() == 206) {
            return r.body();
        }
        String body = drain(r.body());
        if (r.statusCode() == 416) {
            return InputStream.nullInputStream();
        }
        if (r.statusCode() == 404) {
            throw new ProviderException("Blob " + key + " is not in " + settings.describe() + snippet(body), false);
        }
        throw s3Failure("read blob " + key, r, body);
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void put(String key, byte[] data, int length, String md5) throws ProviderException {
        ObjectNode req = request("put", key).put("size", length);
        if (md5 != null) {
            req.put("contentMd5", md5);
        }
        putTo(sign(req), data, length, "upload blob " + key);
    }

    private HttpResponse<String> putTo(Signed s, byte[] data, int length, String what) throws ProviderException {
        HttpResponse<String> r = send(to(s).PUT(HttpRequest.BodyPublishers.ofByteArray(data, 0, length)).build(),
                HttpResponse.BodyHandlers.ofString(), what);
        if (r.statusCode() / 100 != 2) {
            throw s3Failure(what, r, r.body());
        }
        return r;
    }

    @Override
    public String createMultipart(String key) throws ProviderException {
        JsonNode answer = ask(request("createMultipart", key)).orElseThrow(() -> new ProviderException(
                "The presign endpoint answered HTTP 404 to 'createMultipart'", false));
        String id = answer.path("uploadId").asText(null);
        if (id == null || id.isEmpty()) {
            throw new ProviderException("The presign endpoint's answer to 'createMultipart' has no \"uploadId\"", false);
        }
        return id;
    }

    @Override
    public String uploadPart(String key, String uploadId, int number, byte[] data, int length, String md5)
            throws ProviderException {
        ObjectNode req = request("uploadPart", key).put("uploadId", uploadId).put("partNumber", number)
                .put("size", length);
        if (md5 != null) {
            req.put("contentMd5", md5);
        }
        HttpResponse<String> r = putTo(sign(req), data, length, "upload part " + number + " of blob " + key);
        return r.headers().firstValue("ETag").orElseThrow(() -> new ProviderException("S3 answered part " + number
                + " of blob " + key + " without an ETag", true));
    }

    @Override
    public Optional<List<Part>> listParts(String key, String uploadId) throws ProviderException {
        Optional<JsonNode> answer = ask(request("listParts", key).put("uploadId", uploadId));
        if (answer.isEmpty()) {
            return Optional.empty();
        }
        List<Part> parts = new ArrayList<>();
        for (Iterator<JsonNode> it = answer.get().path("parts").elements(); it.hasNext(); ) {
            JsonNode p = it.next();
            parts.add(new Part(p.path("partNumber").asInt(), p.path("size").asLong(), p.path("etag").asText()));
        }
        return Optional.of(parts);
    }

    /** The endpoint's listParts answers 404 for an unknown upload, so an empty list means none yet. */
    @Override
    public boolean uploadExists(String key, String uploadId) {
        return true;
    }

    @Override
    public void completeMultipart(String key, String uploadId, List<Part> parts) throws ProviderException {
        ObjectNode req = request("completeMultipart", key).put("uploadId", uploadId);
        ArrayNode list = req.putArray("parts");
        parts.forEach(p -> list.addObject().put("partNumber", p.number()).put("etag", p.etag()));
        ask(req).orElseThrow(() -> new ProviderException("The presign endpoint answered HTTP 404 to"
                + " 'completeMultipart' for blob " + key + "; begin a new upload", true));
    }

    @Override
    public void abortMultipart(String key, String uploadId) throws ProviderException {
        ask(request("abortMultipart", key).put("uploadId", uploadId));
    }

    @Override
    public void delete(String key) throws ProviderException {
        ask(request("delete", key));
    }

    @Override
    public void list(Consumer<StoredBlob> each) throws ProviderException {
        throw new ProviderException(describe() + " cannot list blobs; run garbage collection with S3 credentials"
                + " (bucket and keys instead of presignEndpoint)", false);
    }

    @Override
    public void listUploads(Consumer<PendingUpload> each) throws ProviderException {
        throw new ProviderException(describe() + " cannot list unfinished uploads; clean up with S3 credentials"
                + " (bucket and keys instead of presignEndpoint)", false);
    }

    @Override
    public PresignedUrl presignGet(String key, Duration ttl) throws ProviderException {
        Signed s = sign(request("get", key).put("expiresIn", ttl.toSeconds()));
        return new PresignedUrl(s.url(), s.expiresAt());
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() on Java 17; its threads end when it is unreachable.
    }
}
