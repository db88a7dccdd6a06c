package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.BlobProviderContract;
import dev.blobsync.engine.testing.TusNodeServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob provider contract against @tus/server 2.x set up as Supabase Storage's resumable
 * endpoint: naming from {@code bucketName}/{@code objectName}, every PATCH but the last exactly
 * 6 MiB, {@code x-upsert: false}, a per-object lock, bearer token and apikey, and the object API
 * (authenticated reads with ranges, delete, signed URLs).
 */
class TusNodeSupabaseContractTest extends BlobProviderContract {
    @TempDir
    static Path dir;
    static TusNodeServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TusNodeServer.start(dir, TusNodeServer.Mode.SUPABASE);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** Supabase holds whole 6 MiB chunks the client sent. */
    @Override
    protected int resumeUnit() {
        return (int) TusSettings.SUPABASE_CHUNK;
    }

    /** Listing is left to the s3 preset (Supabase's S3 protocol). */
    @Override
    protected boolean lists() {
        return false;
    }

    @Override
    protected BlobProvider openFirst() {
        return TusBlobProvider.open(server.settings());
    }

    @Override
    protected BlobProvider reopen() {
        return openFirst();
    }
}
