package dev.blobsync.stress;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * The S3 server of {@code bench/s3-bench.sh}: S3Proxy on 127.0.0.1 with SigV4 checking and
 * on-disk storage (jclouds {@code filesystem}) under a folder, so both clients measured talk to
 * the same server. Prints {@code port=N} once it listens; runs until killed.
 *
 * <p>Usage: {@code S3BenchServer DIR ACCESS_KEY SECRET_KEY [PORT]}
 */
public final class S3BenchServer {
    private S3BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", dir.toString());
        BlobStoreContext context = ContextBuilder.newBuilder("filesystem").credentials("x", "x").overrides(props)
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + (args.length > 3 ? args[3] : "0")))
                .awsAuthentication(AuthenticationType.AWS_V4, args[1], args[2])
                .v4MaxNonChunkedRequestSize(128L << 20)
                .jettyMaxThreads(32)
                .build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        System.out.println("port=" + proxy.getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
