package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.BlobProviderContract;
import dev.blobsync.engine.testing.TusNodeServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob provider contract against @tus/server 2.x as a self-hoster runs it: uploads named by
 * their {@code objectName} metadata ({@code namingFunction}), read from the file store's folder
 * over HTTP. The server checks no hashes; the provider does.
 */
class TusNodePlainContractTest extends BlobProviderContract {
    @TempDir
    static Path dir;
    static TusNodeServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TusNodeServer.start(dir, TusNodeServer.Mode.PLAIN);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** A tus server lists neither blobs nor sessions. */
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
