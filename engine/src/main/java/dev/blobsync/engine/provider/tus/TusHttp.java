package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.config.RetryStrategy;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.upload.Backoff;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP side of the tus provider: one {@link HttpClient} (HTTP/1.1, its own daemon
 * threads), requests carrying the configured headers, and the words for refusals. Header values
 * are secrets: they are sent, never put in a message.
 *
 * <p>A request the server refuses because another upload of the same object holds its lock
 * (409 whose body speaks of a lock, or 423: Supabase's advisory lock) is sent again after a
 * backoff with full jitter ({@link #LOCK_RETRY}); the sleeps go through the injected
 * {@link Sleeper}.
 */
final class TusHttp implements AutoCloseable {
    static final String TUS_VERSION = "1.0.0";
    /** Up to 8 tries over about 10 s: another client's PATCH of the same object takes that long at most. */
    static final RetryStrategy LOCK_RETRY = new RetryStrategy(8, dev.blobsync.engine.config.Backoff.EXPONENTIAL,
            Duration.ofMillis(100), Duration.ofSeconds(3));
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    /** Waits between tries; tests pass one that does not sleep. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final TusSettings settings;
    private final Sleeper sleeper;
    private final ExecutorService executor;
    private final HttpClient http;
    private volatile boolean closed;

    TusHttp(TusSettings settings, Sleeper sleeper) {
        this.settings = settings;
        this.sleeper = sleeper;
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

    /** A request to {@code uri} with the configured headers. */
    HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout());
        settings.headers().forEach(b::header);
        return b;
    }

    /** A tus request: {@code Tus-Resumable}, and Supabase's {@code x-upsert: false}. */
    HttpRequest.Builder tus(URI uri) {
        HttpRequest.Builder b = request(uri).setHeader("Tus-Resumable", TUS_VERSION);
        if (settings.supabase() != null) {
            // Keys are content hashes: an object already there holds these very bytes.
            b.setHeader("x-upsert", "false");
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest request, String what) throws ProviderException {
        return send(request, BodyHandlers.ofString(), what);
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body, String what)
            throws ProviderException {
        if (closed) {
            throw new ProviderException("Cannot " + what + ": the client of " + settings.describe() + " is closed",
                    false);
        }
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new ProviderException("Could not " + what + " at " + settings.describe() + ": " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("Stopped while trying to " + what, true, e);
        }
    }

    /**
     * Sends a fresh request from {@code request} until no other upload of the object holds its
     * lock, at most {@link #LOCK_RETRY}'s attempts; then the last answer is returned.
     */
    HttpResponse<String> sendPastLocks(Supplier<HttpRequest> request, String what) throws ProviderException {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r = send(request.get(), what);
            if (!locked(r) || attempt >= LOCK_RETRY.maxAttempts()) {
                return r;
            }
            try {
                sleeper.sleep(Backoff.delay(LOCK_RETRY, attempt, ThreadLocalRandom.current()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException("Stopped while waiting to " + what, true, e);
            }
        }
    }

    /** Another upload of the same object holds its lock (Supabase: 409 "Resource already locked"). */
    static boolean locked(HttpResponse<String> r) {
        return locked(r.statusCode(), r.body());
    }

    private static boolean locked(int status, String body) {
        return status == 423 || (status == 409 && lower(body).contains("lock"));
    }

    /** The object is stored already (Supabase with {@code x-upsert: false}: 409 "The resource already exists"). */
    static boolean exists(HttpResponse<String> r) {
        return r.statusCode() == 409 && lower(r.body()).contains("already exists");
    }

    private static String lower(String body) {
        return body == null ? "" : body.toLowerCase(Locale.ROOT);
    }

    /** The server said no to {@code what}; see {@link #refused(String, int, String)}. */
    ProviderException refused(String what, HttpResponse<String> r) {
        return refused(what, r.statusCode(), r.body());
    }

    /** The server said no: retryable for 5xx, 408, 409, 423 and 429; 401/403 name the keys to check. */
    ProviderException refused(String what, int status, String body) {
        boolean retryable = status >= 500 || status == 408 || status == 409 || status == 423 || status == 429;
        boolean auth = status == 401 || status == 403;
        String hint = auth ? ": the server does not accept the credentials; check " + settings.authKeys()
                : locked(status, body) ? ": another upload of the same object holds it; retried later" : "";
        String reason = body != null && !body.isBlank() && !auth ? " (" + shorten(body) + ")" : "";
        return new ProviderException(settings.describe() + " answered " + status + reason + " when asked to " + what
                + hint, retryable);
    }

    private static String shorten(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 160 ? line.substring(0, 160) + "…" : line;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }
}
