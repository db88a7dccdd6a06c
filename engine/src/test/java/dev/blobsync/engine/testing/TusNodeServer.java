package dev.blobsync.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.blobsync.engine.provider.tus.TusSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * @tus/server 2.x from npm (the Node reference server, which Supabase Storage builds on), run
 * as a separate Node process on 127.0.0.1 with a random port: {@code
 * engine/src/test/node/tus-server/server.mjs}. Its packages come from the lockfile beside it:
 * {@link #start} runs {@code npm ci} there when they are missing (so does {@code .ci/run}). Two modes:
 * <ul>
 *   <li>{@link Mode#PLAIN}: a self-hoster's server, uploads named by their {@code objectName}
 *       metadata, the file store's folder served at {@code /blobs/<name>};
 *   <li>{@link Mode#SUPABASE}: Supabase Storage's resumable endpoint and object API, bucket
 *       {@link #BUCKET}, key {@link #KEY} as bearer token and {@code apikey}.
 * </ul>
 *
 * <p>Without Node or the installed packages the calling test is skipped, except under
 * {@code CI=true}, where it fails: CI must not pass by skipping.
 *
 * <p>{@link #stats()} is what the server received: {@code received} (bytes its store took),
 * {@code writes} (one per PATCH body: upload id, offset, bytes), {@code answers} (method,
 * upload id, status), {@code heads} (offsets answered to HEAD), {@code finished} (uploads
 * finished per object), {@code exists} and {@code locked} (409s of each kind), {@code objects}.
 */
public final class TusNodeServer implements AutoCloseable {
    /** The Supabase-mode bucket. */
    public static final String BUCKET = "photos";
    /** The Supabase-mode key (service key, sent as bearer token and apikey). */
    public static final String KEY = "test-service-key-for-blobsync";
    /** The object-name prefix the Supabase-mode settings use. */
    public static final String PREFIX = "blobs/";
    private static final Pattern PORT = Pattern.compile("\\{\"port\":(\\d+)}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the server is set up. */
    public enum Mode { PLAIN, SUPABASE }

    private final Path dir;
    private final Mode mode;
    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private TusNodeServer(Path dir, Mode mode, Process process, int port) {
        this.dir = dir;
        this.mode = mode;
        this.process = process;
        this.port = port;
    }

    /** The folder holding {@code server.mjs} and its {@code package-lock.json}. */
    public static Path serverFolder() {
        Path p = Path.of("").toAbsolutePath();
        for (Path d = p; d != null; d = d.getParent()) {
            Path folder = d.resolve("engine/src/test/node/tus-server");
            if (Files.isRegularFile(folder.resolve("server.mjs"))) {
                return folder;
            }
        }
        throw new IllegalStateException("engine/src/test/node/tus-server/server.mjs not found above " + p);
    }

    /** Starts a server keeping its files under {@code dir}; skips (fails under CI) when it cannot. */
    public static TusNodeServer start(Path dir, Mode mode) throws Exception {
        Path folder = serverFolder();
        installPackages(folder);
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("node", folder.resolve("server.mjs").toString(), "--mode",
                mode.name().toLowerCase(), "--dir", dir.toString(), "--port", "0"));
        if (mode == Mode.SUPABASE) {
            cmd.addAll(List.of("--bucket", BUCKET, "--key", KEY));
        }
        Path out = dir.resolve("server.out");
        Process process;
        try {
            process = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start();
        } catch (IOException e) {
            unavailable("Node.js could not be started ('node' on the PATH): " + e.getMessage());
            throw e;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = PORT.matcher(Files.exists(out) ? Files.readString(out) : "");
            if (m.find()) {
                return new TusNodeServer(dir, mode, process, Integer.parseInt(m.group(1)));
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("@tus/server did not start; its log:\n" + log(dir));
    }

    /**
     * Runs {@code npm ci} in {@code folder} when its packages are missing, so the README's one
     * test command works on a fresh checkout. Test JVMs of several modules may start at once: a
     * file lock lets one install while the others wait.
     */
    private static void installPackages(Path folder) throws IOException, InterruptedException {
        Path marker = folder.resolve("node_modules/@tus/server/package.json");
        if (Files.isRegularFile(marker)) {
            return;
        }
        try (FileChannel lockFile = FileChannel.open(folder.resolve(".npm-install.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            if (Files.isRegularFile(marker)) {
                return;
            }
            Path log = Files.createTempFile("blobsync-npm-ci", ".log");
            Process npm;
            try {
                npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                        .directory(folder.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                unavailable("npm could not be started to install the server's packages in " + folder
                        + " ('npm' on the PATH): " + e.getMessage());
                throw e;
            }
            if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                unavailable("'npm ci' in " + folder + " failed:\n" + Files.readString(log));
            }
            Files.deleteIfExists(log);
        }
    }

    private static void unavailable(String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("@tus/server cannot run: " + why + ". Under CI=true that fails the build.");
        }
        Assumptions.abort("@tus/server cannot run: " + why);
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public int port() {
        return port;
    }

    public Mode mode() {
        return mode;
    }

    /** The server's base URL, like {@code http://127.0.0.1:41234}. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Provider settings for this server. */
    public TusSettings settings() {
        return mode == Mode.PLAIN
                ? TusSettings.of(URI.create(base() + "/files/"), base() + "/blobs/" + TusSettings.KEY)
                : TusSettings.supabase(base(), BUCKET, PREFIX, KEY);
    }

    /** The {@code blobs.config} lines (YAML, indented 4) of an engine config for this server. */
    public String blobsConfigYaml(String keyReference) {
        return mode == Mode.PLAIN
                ? "    endpoint: " + base() + "/files/\n    readUrl: \"" + base() + "/blobs/{sha256}\"\n"
                : "    preset: supabase-storage\n    endpoint: " + base() + "\n    bucket: " + BUCKET + "\n"
                        + "    prefix: " + PREFIX + "\n    accessToken: \"" + keyReference + "\"\n";
    }

    /** The object name blob {@code key} is stored under. */
    public String objectName(String key) {
        return mode == Mode.PLAIN ? key : BUCKET + "/" + PREFIX + key;
    }

    /** What the server received so far; see the class comment. */
    public JsonNode stats() throws IOException, InterruptedException {
        return JSON.readTree(get("/_test/stats"));
    }

    /** Bytes the server's store has taken, over all uploads. */
    public long bytesReceived() throws IOException, InterruptedException {
        return stats().path("received").asLong();
    }

    /** How many uploads of blob {@code key}'s object finished (were stored). */
    public int finished(String key) throws IOException, InterruptedException {
        return stats().path("finished").path(objectName(key)).asInt(0);
    }

    /** The file holding the stored bytes of blob {@code key}, or null when it is not stored. */
    public Path storedFile(String key) throws IOException, InterruptedException {
        if (mode == Mode.PLAIN) {
            Path p = dir.resolve("store").resolve(key);
            return Files.exists(p) ? p : null;
        }
        JsonNode object = stats().path("objects").path(objectName(key));
        return object.isMissingNode() ? null : dir.resolve("store").resolve(object.path("id").asText());
    }

    /** From now on the store stops taking bytes when {@link #bytesReceived()} reaches {@code total}. */
    public void holdAt(long total) throws IOException, InterruptedException {
        get("/_test/hold?at=" + total);
    }

    public void release() throws IOException, InterruptedException {
        get("/_test/release");
    }

    /** Fails the writes held at the hold point, as when their connection dies, and lifts the hold. */
    public void cut() throws IOException, InterruptedException {
        get("/_test/cut");
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The server's log (stderr). */
    public String log() {
        return log(dir);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
