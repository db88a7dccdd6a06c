package dev.blobsync.fs;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The small table between file extensions and MIME types: a blob file's extension comes from
 * its type, and a written file's type from its extension.
 */
final class MimeTypes {
    private static final Map<String, String> BY_EXTENSION = new HashMap<>();
    private static final Map<String, String> EXTENSION_OF = new HashMap<>();

    static {
        // The first extension given for a type is the one shown for it.
        add("image/jpeg", "jpg", "jpeg", "jpe");
        add("image/png", "png");
        add("image/gif", "gif");
        add("image/webp", "webp");
        add("image/heic", "heic");
        add("image/heif", "heif");
        add("image/avif", "avif");
        add("image/tiff", "tif", "tiff");
        add("image/bmp", "bmp");
        add("image/svg+xml", "svg");
        add("audio/mp4", "m4a");
        add("audio/mpeg", "mp3");
        add("audio/wav", "wav");
        add("audio/flac", "flac");
        add("audio/ogg", "ogg", "oga");
        add("audio/opus", "opus");
        add("audio/aac", "aac");
        add("video/mp4", "mp4", "m4v");
        add("video/quicktime", "mov");
        add("video/webm", "webm");
        add("video/x-matroska", "mkv");
        add("application/pdf", "pdf");
        add("application/zip", "zip");
        add("application/json", "json");
        add("text/plain", "txt");
        add("text/markdown", "md");
        add("text/csv", "csv");
    }

    private MimeTypes() {
    }

    private static void add(String type, String... extensions) {
        EXTENSION_OF.put(type, extensions[0]);
        for (String ext : extensions) {
            BY_EXTENSION.put(ext, type);
        }
    }

    /** The MIME type for a lower-case extension, or null when unknown. */
    static String forExtension(String ext) {
        return BY_EXTENSION.get(ext);
    }

    /** The type of a file name, from its extension, or null. */
    static String forName(String name) {
        return forExtension(Names.extension(name));
    }

    /**
     * The extension a blob of {@code type} is shown with: from the table, else the extension of
     * the blob's original name when it looks like one, else "bin".
     */
    static String extensionFor(String type, String originalName) {
        String ext = type == null ? null : EXTENSION_OF.get(type.toLowerCase(Locale.ROOT));
        if (ext != null) {
            return ext;
        }
        String fromName = originalName == null ? "" : Names.extension(originalName);
        return fromName.matches("[a-z0-9]{1,10}") ? fromName : "bin";
    }
}
