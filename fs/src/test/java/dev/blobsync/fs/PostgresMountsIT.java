package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.ConflictChoice;
import dev.blobsync.engine.ConflictVersion;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.RecordState;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.TestEngines;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.provider.postgres.PostgresMembers;
import dev.blobsync.engine.provider.postgres.PostgresSettings;
import dev.blobsync.engine.provider.s3.S3TestServer;
import dev.blobsync.engine.testing.ManualTime;
import dev.blobsync.engine.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two devices, each a mount with its own cache, on one PostgreSQL with blobs in S3 (S3Proxy):
 * what a family sharing photos from two laptops does, checked through the mounts.
 */
class PostgresMountsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAMILY_A = "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01";
    private static final String FAMILY_B = "0e6f5a43-2c11-4f0e-8f1e-3d1f5b9b2b02";
    private static final Instant TEN = Instant.parse("2026-07-04T10:00:00Z");

    private Path root;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** One device: an engine (its data cable can be pulled) and the drive mounted on it. */
    private record Device(SyncEngine engine, dev.blobsync.engine.testing.Unplugged cable, BlobsyncFs fs, Path mnt)
            implements AutoCloseable {
        Path photos() {
            return mnt.resolve("photos");
        }

        @Override
        public void close() {
            try {
                fs.unmount();
            } finally {
                engine.close();
            }
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        FuseRequirement.require();
        root = Files.createTempDirectory("blobsync-pg-it-");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        for (Path m : List.of(root.resolve("mnt-a"), root.resolve("mnt-b"))) {
            if (Mounts.isMounted(m)) {
                Mounts.fusermount(m, true);
            }
        }
        MountExtension.deleteTree(root);
    }

    private Path config(String device, String pgUrl, String password, String bucket, String policy, String family,
                        boolean scoped) throws IOException {
        String yaml = "data:\n  provider: postgres\n  config:\n    url: " + pgUrl + "\n"
                + (password == null ? "" : "    password: '" + password + "'\n")
                + S3TestServer.get().blobsYaml(bucket, S3TestServer.SECRET_KEY, Map.of())
                + "cache:\n  directory: " + root.resolve("cache-" + device) + "\n"
                + "sync:\n  pollInterval: 500ms\n  device: " + device + "\n"
                + "offline:\n  conflictResolution: " + policy + "\n  uploadDelay: 100ms\n"
                + "  retryStrategy: { initialDelay: 100ms, maxDelay: 500ms }\n"
                + "schema:\n  photos:\n    $folderName: \"{takenAt:yyyy-MM-dd} {title}\"\n"
                + (scoped ? "    $scope: familyId\n" : "")
                + "    id: uuid\n    title: string\n    takenAt: { type: datetime, default: now }\n"
                + "    familyId: { type: uuid, default: " + family + " }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        Path file = root.resolve(device + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private Device mount(Path config, ManualTime time, String name) throws IOException {
        TestEngines.Pluggable p = time == null ? TestEngines.openPluggable(ConfigLoader.load(config))
                : TestEngines.openPluggable(ConfigLoader.load(config), time);
        Path mnt = Files.createDirectories(root.resolve("mnt-" + name));
        BlobsyncFs fs = new BlobsyncFs(p.engine(), FsOptions.defaults());
        Device d = new Device(p.engine(), p.cable(), fs, mnt);
        open.add(d);
        fs.mount(mnt);
        return d;
    }

    private static boolean eventually(Duration timeout, java.util.function.BooleanSupplier condition) {
        return Sh.eventually(timeout, () -> {
            try {
                return condition.getAsBoolean();
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    private static List<String> ls(Path dir) {
        try {
            return RecordLifecycleIT.names(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void setTitle(Path recordFolder, String title) throws IOException {
        Path meta = recordFolder.resolve("meta.json");
        ObjectNode o = (ObjectNode) JSON.readTree(Files.readAllBytes(meta));
        o.put("title", title);
        Files.writeString(meta, o.toPrettyString());
    }

    private static String title(Path recordFolder) throws IOException {
        return JSON.readTree(Files.readAllBytes(recordFolder.resolve("meta.json"))).path("title").asText();
    }

    private static JsonNode status(Device d) throws IOException {
        return JSON.readTree(Files.readAllBytes(d.mnt().resolve(".blobsync/status.json")));
    }

    @Test
    void aPhotoCopiedIntoAIsReadableOnBAndMetaJsonEditsTravelBothWays() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        String bucket = S3TestServer.get().newBucket("pgmounts");
        Device a = mount(config("a", pg.url("postgres", db), null, bucket, "last-write-wins", FAMILY_A, false), null, "a");
        Device b = mount(config("b", pg.url("postgres", db), null, bucket, "last-write-wins", FAMILY_A, false), null, "b");

        Path src = root.resolve("Beach.jpg");
        Files.write(src, RecordLifecycleIT.randomBytes(3 << 20, 42));
        Sh.Result cp = Sh.run(root, "cp", src.toString(), a.photos().toString());
        assertThat(cp.exit()).as(cp.err()).isZero();
        assertThat(eventually(Duration.ofSeconds(60), () -> ls(b.photos()).size() == 1)).as("B lists the photo").isTrue();
        Path onB = b.photos().resolve(ls(b.photos()).get(0));
        assertThat(Files.readAllBytes(onB.resolve("image.jpg"))).as("bytes equal on B").isEqualTo(Files.readAllBytes(src));

        setTitle(onB, "Beach, named on B");
        assertThat(eventually(Duration.ofSeconds(30), () -> ls(a.photos()).size() == 1
                && ls(a.photos()).get(0).endsWith("Beach, named on B"))).as("B's edit on A").isTrue();
        Path onA = a.photos().resolve(ls(a.photos()).get(0));
        assertThat(title(onA)).isEqualTo("Beach, named on B");

        setTitle(onA, "Beach, named on A");
        assertThat(eventually(Duration.ofSeconds(30), () -> ls(b.photos()).get(0).endsWith("Beach, named on A")))
                .as("A's edit on B").isTrue();
        assertThat(status(a).path("state").asText()).isEqualTo("online");
    }

    /**
     * Both devices edit the title of one photo while their data cables are out, A at 10:00 and
     * B at 11:00 (their own clocks), then A reconnects first and B second.
     */
    private record Outcome(Device a, Device b, UUID id, Path folderA, Path folderB) {
    }

    private Outcome concurrentOfflineEdits(String policy) throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        String bucket = S3TestServer.get().newBucket("pgpolicy");
        ManualTime ta = new ManualTime(TEN.minus(Duration.ofHours(1)));
        ManualTime tb = new ManualTime(TEN.minus(Duration.ofHours(1)));
        Device a = mount(config("a", pg.url("postgres", db), null, bucket, policy, FAMILY_A, false), ta, "a");
        Device b = mount(config("b", pg.url("postgres", db), null, bucket, policy, FAMILY_A, false), tb, "b");
        Files.write(a.photos().resolve("Original.jpg"), RecordLifecycleIT.randomBytes(10_000, 1));
        assertThat(a.engine().flush(Duration.ofSeconds(30))).isTrue();
        assertThat(eventually(Duration.ofSeconds(30), () -> ls(b.photos()).size() == 1)).isTrue();
        UUID id = a.engine().table("photos").list().get(0).id();

        a.cable().unplug();
        b.cable().unplug();
        ta.advance(Duration.ofHours(1));
        setTitle(a.photos().resolve(ls(a.photos()).get(0)), "A at ten");
        tb.advance(Duration.ofHours(2));
        setTitle(b.photos().resolve(ls(b.photos()).get(0)), "B at eleven");
        assertThat(title(a.photos().resolve(ls(a.photos()).get(0)))).isEqualTo("A at ten");
        assertThat(title(b.photos().resolve(ls(b.photos()).get(0)))).isEqualTo("B at eleven");

        a.cable().plugIn();
        assertThat(a.engine().flush(Duration.ofSeconds(30))).isTrue();
        b.cable().plugIn();
        b.engine().flush(Duration.ofSeconds(30));
        a.engine().flush(Duration.ofSeconds(30));
        return new Outcome(a, b, id, null, null);
    }

    private static void bothShow(Outcome o, String title) {
        for (Device d : List.of(o.a(), o.b())) {
            assertThat(eventually(Duration.ofSeconds(30), () -> ls(d.photos()).size() == 1
                    && ls(d.photos()).get(0).endsWith(title)))
                    .as("%s shows %s, has %s", d.engine().device(), title, ls(d.photos())).isTrue();
        }
    }

    @Test
    void lastWriteWinsTakesTheLaterEditOnBothMountsAndKeepsTheOther() throws Exception {
        Outcome o = concurrentOfflineEdits("last-write-wins");
        bothShow(o, "B at eleven");
        ConflictVersion kept = o.b().engine().conflicts(10).get(0);
        assertThat(kept.winner()).isEqualTo("local");
        assertThat(kept.remote()).as("A's version is kept on B").containsEntry("title", "A at ten");
    }

    @Test
    void serverWinsKeepsWhatReachedTheDatabaseFirstAndKeepsTheOther() throws Exception {
        Outcome o = concurrentOfflineEdits("server-wins");
        bothShow(o, "A at ten");
        ConflictVersion kept = o.b().engine().conflicts(10).get(0);
        assertThat(kept.winner()).isEqualTo("remote");
        assertThat(kept.local()).as("B's version is kept on B").containsEntry("title", "B at eleven");
    }

    @Test
    void manualKeepsBothVersionsUntilChosenThroughTheApi() throws Exception {
        Outcome o = concurrentOfflineEdits("manual");
        Device b = o.b();
        Path folder = b.photos().resolve(ls(b.photos()).get(0));
        assertThat(title(folder)).as("B shows its own version meanwhile").isEqualTo("B at eleven");
        assertThat(b.engine().table("photos").get(o.id()).orElseThrow().state()).isEqualTo(RecordState.CONFLICT);
        assertThat(Sh.run(root, "getfattr", "--only-values", "-n", "user.blobsync.state", folder.toString()).out())
                .isEqualTo("conflict");
        ConflictVersion open = b.engine().openConflict("photos", o.id()).orElseThrow();
        assertThat(open.remoteDevice()).isEqualTo("a");
        assertThat(open.theirs().get("title")).isEqualTo("A at ten");
        assertThat(open.mine().get("title")).isEqualTo("B at eleven");
        assertThat(open.theirs().blob("image")).as("the other version's blobs come along").isNotNull();
        assertThat(ls(o.a().photos()).get(0)).as("nothing was pushed over A's").endsWith("A at ten");

        b.engine().resolveConflict("photos", o.id(), ConflictChoice.KEEP_MINE);
        assertThat(b.engine().flush(Duration.ofSeconds(30))).isTrue();
        bothShow(o, "B at eleven");
        assertThat(b.engine().openConflicts()).isEmpty();
        assertThat(b.engine().conflicts(10).get(0).theirs().get("title")).as("A's version stays retrievable")
                .isEqualTo("A at ten");
    }

    @Test
    void withPostgresStoppedBothMountsKeepWorkingAndConvergeWhenItIsBack() throws Exception {
        String bucket = S3TestServer.get().newBucket("pgdown");
        try (PostgresServer pg = PostgresServer.ownServer(root.resolve("pgdata"))) {
            String db = pg.newDatabase();
            Device a = mount(config("a", pg.url("postgres", db), null, bucket, "last-write-wins", FAMILY_A, false),
                    null, "a");
            Device b = mount(config("b", pg.url("postgres", db), null, bucket, "last-write-wins", FAMILY_A, false),
                    null, "b");
            Files.write(a.photos().resolve("Shared.jpg"), RecordLifecycleIT.randomBytes(20_000, 3));
            assertThat(eventually(Duration.ofSeconds(30), () -> ls(b.photos()).size() == 1)).isTrue();

            pg.stop();
            byte[] offlinePhoto = RecordLifecycleIT.randomBytes(50_000, 4);
            Files.write(a.photos().resolve("Made offline.jpg"), offlinePhoto);
            setTitle(b.photos().resolve(ls(b.photos()).get(0)), "Renamed offline");
            assertThat(eventually(Duration.ofSeconds(30), () -> {
                try {
                    return status(a).path("state").asText().equals("offline")
                            && status(b).path("state").asText().equals("offline");
                } catch (IOException e) {
                    return false;
                }
            })).as("status.json says offline on both").isTrue();
            assertThat(ls(a.photos())).hasSize(2);
            assertThat(ls(b.photos())).singleElement().satisfies(n -> assertThat(n).endsWith("Renamed offline"));

            pg.start();
            assertThat(eventually(Duration.ofSeconds(90), () -> ls(a.photos()).size() == 2 && ls(b.photos()).size() == 2
                    && ls(a.photos()).stream().anyMatch(n -> n.endsWith("Renamed offline"))))
                    .as("converged with no user action: A %s, B %s", ls(a.photos()), ls(b.photos())).isTrue();
            Path made = b.photos().resolve(ls(b.photos()).stream().filter(n -> n.endsWith("Made offline"))
                    .findFirst().orElseThrow());
            assertThat(Files.readAllBytes(made.resolve("image.jpg"))).isEqualTo(offlinePhoto);
            assertThat(eventually(Duration.ofSeconds(30), () -> {
                try {
                    return status(a).path("state").asText().equals("online");
                } catch (IOException e) {
                    return false;
                }
            })).isTrue();
        }
    }

    @Test
    void aMountOfFamilyASeesNothingOfFamilyBAndCannotWriteIntoIt() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        String bucket = S3TestServer.get().newBucket("pgrls");
        Path ownerConfig = config("owner", pg.url("postgres", db), null, bucket, "last-write-wins", FAMILY_A, true);
        var owner = ConfigLoader.load(ownerConfig);
        PostgresSettings settings = PostgresSettings.from(owner.data());
        PostgresMembers.Member alice = PostgresMembers.add(settings, owner.schema(), "alice", List.of(FAMILY_A), false);
        PostgresMembers.Member bob = PostgresMembers.add(settings, owner.schema(), "bob", List.of(FAMILY_B), false);
        Device a = mount(config("a", pg.url("alice", db), alice.password(), bucket, "last-write-wins", FAMILY_A, true),
                null, "a");
        Device b = mount(config("b", pg.url("bob", db), bob.password(), bucket, "last-write-wins", FAMILY_B, true),
                null, "b");

        Files.write(a.photos().resolve("Family A.jpg"), RecordLifecycleIT.randomBytes(5000, 5));
        Files.write(b.photos().resolve("Family B.jpg"), RecordLifecycleIT.randomBytes(5000, 6));
        assertThat(a.engine().flush(Duration.ofSeconds(30))).isTrue();
        assertThat(b.engine().flush(Duration.ofSeconds(30))).isTrue();
        // Bob moves his photo into family A by editing meta.json: the database refuses it.
        Path bobs = b.photos().resolve(ls(b.photos()).get(0));
        ObjectNode meta = (ObjectNode) JSON.readTree(Files.readAllBytes(bobs.resolve("meta.json")));
        meta.put("familyId", FAMILY_A);
        Files.writeString(bobs.resolve("meta.json"), meta.toPrettyString());
        assertThat(eventually(Duration.ofSeconds(30), () -> b.engine().table("photos").list().get(0).state()
                == RecordState.ERROR)).isTrue();
        assertThat(Sh.run(root, "getfattr", "--only-values", "-n", "user.blobsync.error", bobs.toString()).out())
                .contains("row-level security");

        a.engine().flush(Duration.ofSeconds(30));
        assertThat(ls(a.photos())).as("A sees only family A").singleElement()
                .satisfies(n -> assertThat(n).endsWith("Family A"));
        List<Record> aSees = a.engine().table("photos").list();
        assertThat(aSees).extracting(r -> r.get("familyId").toString()).containsOnly(FAMILY_A);
        assertThat(ls(b.photos())).as("B never sees family A's photo").singleElement()
                .satisfies(n -> assertThat(n).endsWith("Family B"));
    }
}
