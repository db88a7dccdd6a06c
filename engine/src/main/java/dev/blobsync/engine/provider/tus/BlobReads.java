package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The read side of the tus provider: where completed blobs are looked up (HEAD), read (GET with
 * one {@code Range}) and deleted. For a plain server that is {@code readUrl}; for Supabase the
 * authenticated object URL, and {@code DELETE /object/<bucket>/<name>}.
 */
final class BlobReads {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");

    private final TusSettings settings;
    private final TusHttp http;

    BlobReads(TusSettings settings, TusHttp http) {
        this.settings = settings;
        this.http = http;
    }

    /** The served size of blob {@code key}, empty when it is not served. */
    OptionalLong size(String key) throws ProviderException {
        String what = "look up blob " + key;
        HttpResponse<String> r = http.send(http.request(settings.blobUrl(key)).method("HEAD",
                BodyPublishers.noBody()).build(), what);
        int s = r.statusCode();
        if (absent(r)) {
            return OptionalLong.empty();
        }
        if (s != 200) {
            throw http.refused(what, r);
        }
        String length = r.headers().firstValue("Content-Length").map(String::strip).orElse("");
        if (!length.matches("\\d{1,18}")) {
            throw new ProviderException(settings.describe() + " answered the lookup of blob " + key
                    + " without a valid Content-Length (" + length + ")", true);
        }
        return OptionalLong.of(Long.parseLong(length));
    }

    /** Bytes {@code [offset, offset + length)} of blob {@code key} ({@code length < 0}: to the end). */
    InputStream read(String key, long offset, long length) throws ProviderException {
        String what = "read blob " + key + " from byte " + offset;
        long last = length < 0 || length > Long.MAX_VALUE - offset ? -1 : offset + length - 1;
        HttpRequest.Builder b = http.request(settings.blobUrl(key)).GET();
        if (offset > 0 || last >= 0) {
            b.header("Range", "bytes=" + offset + "-" + (last < 0 ? "" : String.valueOf(last)));
        }
        HttpResponse<InputStream> r = http.send(b.build(), BodyHandlers.ofInputStream(), what);
        InputStream body = r.body();
        try {
            int s = r.statusCode();
            if (s == 200 && offset == 0) {
                return last < 0 ? body : LimitedInputStream.atMost(body, length);
            }
            if (s == 206) {
                checkRange(r, key, offset, last);
                return body;
            }
            if (s == 416) {
                closeQuietly(body);
                Matcher m = UNSATISFIED_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
                if (m.matches() && Long.parseLong(m.group(1)) == offset) {
                    return InputStream.nullInputStream(); // reading at the very end
                }
                throw new ProviderException("Blob " + key + " at " + settings.describe() + " ends before byte "
                        + offset, false);
            }
            String text = readSmall(body);
            if (s == 404 || s == 410 || (s == 400 && notFound(text))) {
                throw new ProviderException("Blob " + key + " is not at " + settings.blobUrl(key), false);
            }
            if (s == 200) {
                throw new ProviderException(settings.blobUrl(key) + " ignores Range requests; the read side must "
                        + "serve byte ranges", false);
            }
            throw http.refused(what, s, text);
        } catch (ProviderException | RuntimeException e) {
            closeQuietly(body);
            throw e;
        }
    }

    /** Deletes blob {@code key}; deleting a missing blob is not an error. */
    void delete(String key) throws ProviderException {
        String what = "delete blob " + key;
        URI url = settings.supabase() != null ? settings.supabase().deleteUrl(key) : settings.blobUrl(key);
        HttpResponse<String> r = http.send(http.request(url).DELETE().build(), what);
        if (r.statusCode() / 100 != 2 && !absent(r)) {
            throw http.refused(what, r);
        }
    }

    /** 404, 410, or Supabase's 400 whose body says the object was not found. */
    private static boolean absent(HttpResponse<String> r) {
        int s = r.statusCode();
        return s == 404 || s == 410 || (s == 400 && notFound(r.body()));
    }

    private static boolean notFound(String body) {
        String b = body == null ? "" : body.toLowerCase(Locale.ROOT);
        return b.contains("not_found") || b.contains("not found");
    }

    /** Checks a 206's Content-Range: from {@code offset} to {@code wanted} (or the end when -1). */
    private void checkRange(HttpResponse<?> r, String key, long offset, long wanted) throws ProviderException {
        String header = r.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(header);
        boolean ok = m.matches() && Long.parseLong(m.group(1)) == offset;
        if (ok) {
            long last = Long.parseLong(m.group(2));
            boolean endsAtBlobEnd = !m.group(3).equals("*") && last == Long.parseLong(m.group(3)) - 1;
            // The server may stop short of what was asked at the blob's end, never anywhere else.
            ok = wanted >= 0 ? last == wanted || (last < wanted && endsAtBlobEnd)
                    : m.group(3).equals("*") || endsAtBlobEnd;
        }
        if (!ok) {
            throw new ProviderException(settings.describe() + " answered the read of blob " + key + " from byte "
                    + offset + " with Content-Range '" + header + "'", true);
        }
    }

    private static String readSmall(InputStream body) {
        try (InputStream in = body) {
            return new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // The response is abandoned anyway.
        }
    }
}
