package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.testing.TusTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, 6c: files blobsync writes belong to its user alone (0600 in 0700 folders): the hub's
 * {@code data.db} with its {@code -wal}/{@code -shm}, hub blobs and their folders, the cache's
 * {@code local.db}, cached blobs, scratch files and the config {@code init} writes. Another local
 * user ({@code nobody}) reads none of them. A hub configured as {@code shared} keeps group
 * access. A config holding a secret that others can read gets a warning at start.
 */
class FileModesIT {
    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() throws IOException {
        NewcomerMountIT.requireFuse();
        MountDaemon.requireJar();
        // Only what blobsync creates decides who can read: the test's own folder is open to all.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void whatBlobsyncWritesOnlyItsUserCanRead() throws Exception {
        Path hub = tmp.resolve("hub");
        Path cache = tmp.resolve("cache");
        Path config = tmp.resolve("blobsync.yaml");
        MountDaemon.Result init = MountDaemon.run(MountDaemon.command("init", "--hub", hub.toString(), "--cache",
                cache.toString(), config.toString()), Duration.ofMinutes(1));
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(mode(config)).as("init's config").isEqualTo("rw-------");

        try (MountDaemon daemon = new MountDaemon(config, tmp.resolve("mnt"), tmp.resolve("daemon.log"))) {
            daemon.start();
            String sha = copyAPhotoAndAScratchFile(daemon);
            HubView view = new HubView(hub);
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> {
                try {
                    return view.blobFiles().containsKey(sha);
                } catch (IOException e) {
                    return false;
                }
            })).isTrue();

            assertThat(mode(hub)).as("hub").isEqualTo("rwx------");
            for (String f : List.of("data.db", "data.db-wal", "data.db-shm")) {
                assertThat(mode(hub.resolve(f))).as(f).isEqualTo("rw-------");
            }
            assertThat(mode(view.blobs())).isEqualTo("rwx------");
            assertThat(mode(view.incoming())).isEqualTo("rwx------");
            assertThat(mode(view.blobFiles().get(sha).getParent())).isEqualTo("rwx------");
            assertThat(mode(view.blobFiles().get(sha))).as("hub blob").isEqualTo("rw-------");

            assertThat(mode(cache)).as("cache folder").isEqualTo("rwx------");
            for (String f : List.of("local.db", "local.db-wal", "local.db-shm")) {
                assertThat(mode(cache.resolve(f))).as(f).isEqualTo("rw-------");
            }
            for (String d : List.of("blobs", "staging", "downloads", "scratch")) {
                assertThat(mode(cache.resolve(d))).as(d).isEqualTo("rwx------");
            }
            Path cached = cache.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha);
            assertThat(mode(cached)).as("cached blob").isEqualTo("rw-------");
            assertThat(mode(cached.getParent())).isEqualTo("rwx------");

            Path scratch;
            try (Stream<Path> s = Files.walk(cache.resolve("scratch"))) {
                scratch = s.filter(p -> p.getFileName().toString().equals("notes.txt")).findFirst().orElseThrow();
            }
            for (Path secret : List.of(hub.resolve("data.db"), view.blobFiles().get(sha), cache.resolve("local.db"),
                    cached, scratch, config)) {
                MountDaemon.Result read = MountDaemon.run(List.of("runuser", "-u", "nobody", "--", "cat",
                        secret.toString()), Duration.ofSeconds(30));
                assertThat(read.exit()).as("another user reads " + secret).isNotZero();
                assertThat(read.err()).contains("Permission denied");
            }
            daemon.stop();
        }
    }

    @Test
    void aSharedHubKeepsGroupAccessAndItsFolderSetgid() throws Exception {
        Path hub = Files.createDirectories(tmp.resolve("hub"));
        // What an administrator does for a family hub: a group of its users, setgid on the folder.
        assertThat(MountDaemon.run(List.of("chgrp", "users", hub.toString()), Duration.ofSeconds(10)).exit()).isZero();
        assertThat(MountDaemon.run(List.of("chmod", "2770", hub.toString()), Duration.ofSeconds(10)).exit()).isZero();
        Path config = Files.writeString(tmp.resolve("shared.yaml"),
                "data: { provider: sqlite, config: { hub: " + hub + ", shared: true } }\n"
                + "blobs: { provider: filesystem, config: { hub: " + hub + ", shared: true } }\n"
                + "cache: { directory: " + tmp.resolve("cache") + " }\n"
                + "offline: { uploadDelay: 100ms }\n"
                + PHOTOS);
        try (MountDaemon daemon = new MountDaemon(config, tmp.resolve("mnt"), tmp.resolve("daemon.log"))) {
            daemon.start();
            String sha = copyAPhotoAndAScratchFile(daemon);
            HubView view = new HubView(hub);
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> {
                try {
                    return view.blobFiles().containsKey(sha);
                } catch (IOException e) {
                    return false;
                }
            })).isTrue();
            assertThat((Integer) Files.getAttribute(hub, "unix:mode") & 07777).as("hub folder keeps setgid")
                    .isEqualTo(02770);
            for (String f : List.of("data.db", "data.db-wal", "data.db-shm")) {
                assertThat(mode(hub.resolve(f))).as(f).isEqualTo("rw-rw----");
                assertThat(Files.getAttribute(hub.resolve(f), "unix:gid")).as(f + " group").isEqualTo(100);
            }
            assertThat(mode(view.blobs())).isEqualTo("rwxrwx---");
            assertThat(mode(view.blobFiles().get(sha).getParent())).isEqualTo("rwxrwx---");
            assertThat(mode(view.blobFiles().get(sha))).isEqualTo("rw-rw----");
            assertThat(mode(tmp.resolve("cache/local.db"))).as("the cache stays private").isEqualTo("rw-------");
            daemon.stop();
        }
    }

    @Test
    void aConfigWithASecretThatOthersCanReadGetsAWarningAtStart() throws Exception {
        try (TusTestServer server = TusTestServer.start(tmp.resolve("server"))) {
            Path config = Files.writeString(tmp.resolve("tus.yaml"),
                    "data: { provider: sqlite, config: { hub: " + tmp.resolve("hub") + " } }\n"
                    + "blobs:\n  provider: tus\n  config:\n"
                    + "    endpoint: http://127.0.0.1:" + server.port() + "/files/\n"
                    + "    readUrl: \"http://127.0.0.1:" + server.port() + "/blobs/{sha256}\"\n"
                    + "    headers: { Authorization: \"Bearer s3cr3t\" }\n"
                    + "cache: { directory: " + tmp.resolve("cache") + " }\n"
                    + PHOTOS);
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            try (MountDaemon daemon = new MountDaemon(config, tmp.resolve("mnt"), tmp.resolve("daemon.log"))) {
                daemon.start();
                daemon.stop();
                // Said to the user at start, not only in the developer log.
                List<String> warnings = daemon.log().lines().filter(l -> l.startsWith("blobsync: warning:")).toList();
                assertThat(warnings).as(daemon.log()).anySatisfy(w -> assertThat(w)
                        .contains(config.toString()).contains("blobs.config.headers")
                        .contains("other users").contains("chmod 600 " + config).doesNotContain("s3cr3t"));

                Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
                Files.delete(tmp.resolve("daemon.log"));
                daemon.start();
                daemon.stop();
                assertThat(daemon.log()).doesNotContain("chmod 600");
            }
        }
    }

    private static final String PHOTOS = "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n"
            + "    title: string\n    takenAt: { type: datetime, default: now }\n"
            + "    image: { type: blob, mimeTypes: ['image/*'] }\n";

    /** Copies a photo in and writes a scratch file next to it; returns the photo's SHA-256. */
    private String copyAPhotoAndAScratchFile(MountDaemon daemon) throws Exception {
        byte[] photo = new byte[300_000];
        new Random(8).nextBytes(photo);
        Path src = Files.write(tmp.resolve("beach.jpg"), photo);
        MountDaemon.Result cp = MountDaemon.cp(src, daemon.mnt().resolve("photos"));
        assertThat(cp.exit()).as(cp.err()).isZero();
        Path folder;
        try (Stream<Path> s = Files.list(daemon.mnt().resolve("photos"))) {
            folder = s.filter(p -> p.getFileName().toString().contains("beach")).findFirst().orElseThrow();
        }
        Files.writeString(folder.resolve("notes.txt"), "my own notes");
        return NewcomerMountIT.sha256(photo);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
