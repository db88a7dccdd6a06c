package dev.blobsync.stress;

import dev.blobsync.engine.config.ProviderConfig;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.provider.s3.S3BlobProvider;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Times the S3 provider alone: uploads a file through {@link S3BlobProvider} with 8 MiB
 * appends, as the engine's uploader does, once per option set, each under its own prefix.
 *
 * <p>Usage: {@code S3UploadProbe ENDPOINT BUCKET ACCESS_KEY SECRET_KEY FILE [key=value,...]...},
 * e.g. {@code partConcurrency=8,partSize=16MiB} or {@code checksum=none}.
 */
public final class S3UploadProbe {
    private S3UploadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[4]);
        long t0 = System.nanoTime();
        String sha = Hashing.sha256(file);
        System.out.printf("SHA-256 of the file: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        for (int i = 5; i < Math.max(args.length, 6); i++) {
            String options = i < args.length ? args[i] : "";
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("preset", "minio");
            c.put("endpoint", args[0]);
            c.put("bucket", args[1]);
            c.put("accessKeyId", args[2]);
            c.put("secretAccessKey", args[3]);
            c.put("prefix", "probe-" + System.nanoTime() + "/");
            for (String kv : options.split(",")) {
                if (!kv.isBlank()) {
                    String[] p = kv.split("=", 2);
                    c.put(p[0], p[1].matches("\\d+") ? (Object) Integer.valueOf(p[1]) : p[1]);
                }
            }
            try (S3BlobProvider provider = S3BlobProvider.open(new ProviderConfig("s3", c, "blobs", null));
                 FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                long start = System.nanoTime();
                String token = provider.beginUpload(sha, size);
                for (long off = 0; off < size; off += 8L << 20) {
                    long len = Math.min(8L << 20, size - off);
                    ch.position(off);
                    InputStream in = Channels.newInputStream(ch);
                    provider.append(sha, token, off, in, len);
                }
                long appended = System.nanoTime();
                provider.complete(sha, token);
                long end = System.nanoTime();
                System.out.printf("[%s] appends %.2f s, complete %.2f s, total %.2f s (%.0f MB/s)%n", options,
                        (appended - start) / 1e9, (end - appended) / 1e9, (end - start) / 1e9,
                        size / 1e6 / ((end - start) / 1e9));
            }
        }
    }
}
