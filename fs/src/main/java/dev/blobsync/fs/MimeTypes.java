package dev.blobsync.fs;

/**
 * The filesystem's view of the engine's one extension ↔ MIME type table
 * ({@link dev.blobsync.engine.MimeTypes}): a blob file's extension comes from its type, and a
 * written file's type from its extension.
 */
final class MimeTypes {
    private MimeTypes() {
    }

    /** The MIME type for a lower-case extension, or null when unknown. */
    static String forExtension(String ext) {
        return ext == null || ext.isEmpty() ? null : forName("x." + ext);
    }

    /** The type of a file name, from its extension, or null when the extension is unknown. */
    static String forName(String name) {
        return dev.blobsync.engine.MimeTypes.isKnownExtension(name)
                ? dev.blobsync.engine.MimeTypes.forFileName(name) : null;
    }

    /**
     * The extension a blob of {@code type} is shown with: from the table, else the extension of
     * the blob's original name when it looks like one, else "bin".
     */
    static String extensionFor(String type, String originalName) {
        String ext = dev.blobsync.engine.MimeTypes.extensionFor(type);
        if (ext != null) {
            return ext;
        }
        String fromName = originalName == null ? "" : Names.extension(originalName);
        return fromName.matches("[a-z0-9]{1,10}") ? fromName : "bin";
    }
}
