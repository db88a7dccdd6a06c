package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.spi.ProviderException;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The session token the {@code s3} provider hands to the engine, which persists it:
 * {@code s3:put:<size>:<nonce>} for a single PUT (the bytes wait in memory, so the session does
 * not survive a restart) or {@code s3:mpu:<size>:<partSize>:<uploadId>} for a multipart upload
 * (the server holds the parts; a restart asks it with ListParts). The upload id comes last as
 * it may contain any character.
 */
record UploadToken(boolean multipart, long size, int partSize, String id) {
    private static final Pattern SINGLE = Pattern.compile("s3:put:(\\d+):([0-9a-f-]{36})");
    private static final Pattern MULTIPART = Pattern.compile("s3:mpu:(\\d+):(\\d+):(.+)", Pattern.DOTALL);

    static UploadToken single(long size) {
        return new UploadToken(false, size, 0, UUID.randomUUID().toString());
    }

    static UploadToken multipart(long size, int partSize, String uploadId) {
        return new UploadToken(true, size, partSize, uploadId);
    }

    static UploadToken parse(String key, String token) throws ProviderException {
        if (token != null) {
            Matcher m = MULTIPART.matcher(token);
            if (m.matches()) {
                return multipart(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)), m.group(3));
            }
            m = SINGLE.matcher(token);
            if (m.matches()) {
                return new UploadToken(false, Long.parseLong(m.group(1)), 0, m.group(2));
            }
        }
        throw new ProviderException("not an upload session of the s3 provider for blob " + key + ": " + token, false);
    }

    /** The part number (from 1) that starts at {@code offset}, a multiple of the part size. */
    int partAt(long offset) {
        return (int) (offset / partSize) + 1;
    }

    String format() {
        return multipart ? "s3:mpu:" + size + ":" + partSize + ":" + id : "s3:put:" + size + ":" + id;
    }
}
