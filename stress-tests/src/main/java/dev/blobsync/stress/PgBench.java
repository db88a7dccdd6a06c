package dev.blobsync.stress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.Table;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.fs.BlobsyncFs;
import dev.blobsync.fs.FsOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The PostgreSQL sync benchmark of issue 10 ({@code bench/pg-bench.sh}), against a PostgreSQL 17
 * it starts on 127.0.0.1 ({@code synchronous_commit=on}, as a default server):
 * <ol>
 *   <li>change latency: an edit of {@code meta.json} written and closed in mount A, until
 *       {@code ls} of mount B shows the renamed folder; p50 and p99 of {@code latencyRuns}
 *       edits, with LISTEN/NOTIFY and with polling only (both with a 1 s poll interval);</li>
 *   <li>catch-up: a fresh cache pulling {@code catchUp} records (written into the database
 *       with SQL), until its first sync cycle has finished; records per second;</li>
 *   <li>push: {@code pushes} records written on one device while the database was
 *       unreachable, then the time from opening it on the database until its flush says all are
 *       pushed (and the database holds them); records per second.</li>
 * </ol>
 * Prints a table. Usage: {@code PgBench WORKDIR [latencyRuns] [catchUp] [pushes]}.
 */
public final class PgBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PgBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int catchUp = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        int pushes = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pgdata"))
                .setCleanDataDirectory(true).setServerConfig("synchronous_commit", "on").start()) {
            List<String> rows = new ArrayList<>();
            for (boolean listen : new boolean[] {true, false}) {
                double[] ms = latency(pg, work, listen, runs);
                rows.add(String.format(Locale.ROOT, "| change latency, %s (poll 1s), %d edits | p50 %.0f ms | p99 %.0f ms |",
                        listen ? "LISTEN/NOTIFY" : "polling only", runs, ms[0], ms[1]));
            }
            double[] c = catchUp(pg, work, catchUp);
            rows.add(String.format(Locale.ROOT, "| catch-up of %,d records, fresh cache | %.1f s | %,.0f records/s |",
                    catchUp, c[0], c[1]));
            double[] p = push(pg, work, pushes);
            rows.add(String.format(Locale.ROOT, "| push of %,d record changes written offline (the writes took %.1f s)"
                    + " | %.1f s | %,.0f records/s |", pushes, p[2], p[0], p[1]));
            System.out.println("| benchmark | time | rate |");
            System.out.println("|---|---|---|");
            rows.forEach(System.out::println);
        }
    }

    private static String url(EmbeddedPostgres pg, String db) {
        return "postgres://postgres@127.0.0.1:" + pg.getPort() + "/" + db;
    }

    private static String newDatabase(EmbeddedPostgres pg, String name) throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    private static Path config(Path work, String device, String pgUrl, boolean listen) throws IOException {
        String yaml = "data:\n  provider: postgres\n  config:\n    url: " + pgUrl + "\n    listen: " + listen + "\n"
                + "blobs:\n  provider: filesystem\n  config:\n    directory: " + work.resolve("blobs") + "\n"
                + "cache:\n  directory: " + work.resolve("cache-" + device) + "\n"
                + "sync:\n  pollInterval: 1s\n  device: " + device + "\n"
                + "offline:\n  uploadDelay: 0s\n"
                + "schema:\n  notes:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    body: { type: string, optional: true }\n";
        Path file = work.resolve(device + ".yaml");
        Files.createDirectories(work);
        Files.writeString(file, yaml);
        return file;
    }

    private static double[] latency(EmbeddedPostgres pg, Path work, boolean listen, int runs) throws Exception {
        String db = newDatabase(pg, listen ? "latency_listen" : "latency_poll");
        Path dir = work.resolve(db);
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(config(dir, "a", url(pg, db), listen)));
             SyncEngine b = SyncEngine.open(ConfigLoader.load(config(dir, "b", url(pg, db), listen)))) {
            BlobsyncFs fa = new BlobsyncFs(a, FsOptions.defaults());
            BlobsyncFs fb = new BlobsyncFs(b, FsOptions.defaults());
            Path ma = Files.createDirectories(dir.resolve("mnt-a"));
            Path mb = Files.createDirectories(dir.resolve("mnt-b"));
            fa.mount(ma);
            fb.mount(mb);
            try {
                a.table("notes").insert(Map.of("title", "note-0"));
                a.flush(Duration.ofSeconds(30));
                waitFor(mb.resolve("notes"), "note-0", 30_000);
                List<Double> samples = new ArrayList<>();
                String current = "note-0";
                for (int i = 1; i <= runs + 5; i++) {
                    String next = "note-" + i;
                    Path meta = ma.resolve("notes").resolve(current).resolve("meta.json");
                    ObjectNode o = (ObjectNode) JSON.readTree(Files.readAllBytes(meta));
                    o.put("title", next);
                    long start = System.nanoTime();
                    Files.writeString(meta, o.toPrettyString());
                    waitFor(mb.resolve("notes"), next, 30_000);
                    double took = (System.nanoTime() - start) / 1e6;
                    if (i > 5) {
                        samples.add(took);
                    }
                    current = next;
                    // Edits arrive at random points of the poll interval, as a user's would.
                    Thread.sleep((long) (Math.random() * 1000));
                    waitFor(ma.resolve("notes"), next, 30_000);
                }
                Collections.sort(samples);
                return new double[] {percentile(samples, 0.50), percentile(samples, 0.99)};
            } finally {
                fa.unmount();
                fb.unmount();
            }
        }
    }

    private static void waitFor(Path dir, String name, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.anyMatch(p -> p.getFileName().toString().equals(name))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not show in " + dir);
            }
            Thread.sleep(1);
        }
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static double[] catchUp(EmbeddedPostgres pg, Path work, int n) throws Exception {
        String db = newDatabase(pg, "catchup");
        Path dir = work.resolve(db);
        try (SyncEngine setup = SyncEngine.open(ConfigLoader.load(config(dir, "setup", url(pg, db), true)))) {
            setup.flush(Duration.ofSeconds(30));
        }
        try (Connection c = pg.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO blobsync.notes (id, _clocks, title, body) SELECT gen_random_uuid(),"
                    + " '{\"title\": \"0193a0000000.0000.setup\", \"body\": \"0193a0000000.0000.setup\"}',"
                    + " 'note ' || g, repeat('x', 200) FROM generate_series(1, " + n + ") g");
        }
        long start = System.nanoTime();
        try (SyncEngine fresh = SyncEngine.open(ConfigLoader.load(config(dir, "fresh", url(pg, db), true)))) {
            fresh.flush(Duration.ofMinutes(30));
            double seconds = (System.nanoTime() - start) / 1e9;
            int got = fresh.table("notes").list().size();
            if (got != n) {
                throw new IllegalStateException("caught up " + got + " of " + n + " records");
            }
            return new double[] {seconds, n / seconds};
        }
    }

    /**
     * {@code n} records written while the database is unreachable (a port nobody listens on),
     * then the engine opened on the database: the time until its flush says all are pushed.
     */
    private static double[] push(EmbeddedPostgres pg, Path work, int n) throws Exception {
        String db = newDatabase(pg, "push");
        Path dir = work.resolve(db);
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        long startLocal = System.nanoTime();
        try (SyncEngine e = SyncEngine.open(ConfigLoader.load(config(dir, "pusher",
                "postgres://postgres@127.0.0.1:" + closed + "/" + db, true)))) {
            Table notes = e.table("notes");
            for (int i = 0; i < n; i++) {
                notes.insert(Map.of("title", "pushed " + i, "body", "x".repeat(200)));
            }
        }
        double local = (System.nanoTime() - startLocal) / 1e9;
        long start = System.nanoTime();
        try (SyncEngine e = SyncEngine.open(ConfigLoader.load(config(dir, "pusher", url(pg, db), true)))) {
            if (!e.flush(Duration.ofMinutes(30))) {
                throw new IllegalStateException("flush did not finish");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            try (Connection c = pg.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM blobsync.notes")) {
                rs.next();
                if (rs.getInt(1) != n) {
                    throw new IllegalStateException("the database holds " + rs.getInt(1) + " of " + n + " records");
                }
            }
            return new double[] {seconds, n / seconds, local};
        }
    }
}
