package dev.blobsync.engine;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * File extension ↔ MIME type for the media a library holds. One table, used by the engine for
 * blobs given as files and by front ends to name blob files.
 */
public final class MimeTypes {
    /** The default type of bytes nothing more is known about. */
    public static final String OCTET_STREAM = "application/octet-stream";

    private static final Map<String, String> BY_EXT = new LinkedHashMap<>();
    private static final Map<String, String> EXT_BY_TYPE = new LinkedHashMap<>();

    static {
        // The first extension listed for a type is the one a blob file of that type is named with.
        add("image/jpeg", "jpg", "jpeg", "jpe", "jfif");
        add("image/png", "png");
        add("image/gif", "gif");
        add("image/webp", "webp");
        add("image/heic", "heic");
        add("image/heif", "heif");
        add("image/avif", "avif");
        add("image/tiff", "tif", "tiff");
        add("image/bmp", "bmp");
        add("image/svg+xml", "svg");
        add("image/x-adobe-dng", "dng");
        add("image/x-canon-cr2", "cr2");
        add("image/x-nikon-nef", "nef");
        add("audio/mp4", "m4a");
        add("audio/mpeg", "mp3");
        add("audio/aac", "aac");
        add("audio/ogg", "ogg", "oga");
        add("audio/opus", "opus");
        add("audio/flac", "flac");
        add("audio/wav", "wav");
        add("audio/aiff", "aiff", "aif");
        add("video/mp4", "mp4", "m4v");
        add("video/quicktime", "mov");
        add("video/webm", "webm");
        add("video/x-matroska", "mkv");
        add("video/x-msvideo", "avi");
        add("application/pdf", "pdf");
        add("text/plain", "txt");
        add("text/markdown", "md");
        add("text/html", "html", "htm");
        add("text/csv", "csv");
        add("application/json", "json");
        add("application/zip", "zip");
        add("application/msword", "doc");
        add("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx");
        add("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx");
        add("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx");
        add("application/vnd.oasis.opendocument.text", "odt");
        add("application/vnd.oasis.opendocument.spreadsheet", "ods");
        add(OCTET_STREAM, "bin");
    }

    private MimeTypes() {
    }

    private static void add(String type, String... exts) {
        EXT_BY_TYPE.putIfAbsent(type, exts[0]);
        for (String e : exts) {
            BY_EXT.putIfAbsent(e, type);
        }
    }

    /** The MIME type for a file name's extension, or {@link #OCTET_STREAM}. */
    public static String forFileName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return OCTET_STREAM;
        }
        return BY_EXT.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), OCTET_STREAM);
    }

    /** True when the extension of {@code fileName} is one this table knows. */
    public static boolean isKnownExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot >= 0 && BY_EXT.containsKey(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The extension (without dot) a file of {@code type} is named with, or {@code null}. */
    public static String extensionFor(String type) {
        if (type == null) {
            return null;
        }
        int semi = type.indexOf(';');
        String bare = (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return EXT_BY_TYPE.get(bare);
    }
}
