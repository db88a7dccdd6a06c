package dev.blobsync.fs;

import java.util.Locale;

/** Rules for single path components: length, safety, and which names look temporary. */
final class Names {
    /** Longest name in bytes, as on ext4; FUSE lets longer ones through, so we check. */
    static final int NAME_MAX = 255;

    private static final String[] TEMP_SUFFIXES = {
        "~", ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".swx", ".swo",
        ".bak", ".lock"
    };

    private Names() {
    }

    /**
     * Checks one component of a path. The kernel already splits on '/' and resolves "." and
     * "..", so these checks are a second line against anything that would leave its folder
     * once joined to a real path under the scratch directory.
     */
    static void checkComponent(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw new FsException(Errnos.EINVAL, "not a usable file name: '" + name + "'");
        }
        if (utf8Length(name) > NAME_MAX) {
            throw new FsException(Errnos.ENAMETOOLONG, "a name may be at most " + NAME_MAX
                    + " bytes (UTF-8); this one has " + utf8Length(name));
        }
    }

    /** Byte length in UTF-8, without encoding the string. */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * True for names that tools use while a file is being written: hidden names (rsync's
     * {@code .x.jpg.AbC123}, vim's {@code .x.swp}), backups and partial downloads. Such files stay
     * scratch files until renamed to a final name.
     */
    static boolean isTemporary(String name) {
        if (name.startsWith(".") || (name.startsWith("#") && name.endsWith("#"))) {
            return true;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (String suffix : TEMP_SUFFIXES) {
            if (lower.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** Lower-case extension without the dot, or "" when there is none. */
    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 || dot == name.length() - 1 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The name without its extension. */
    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }
}
