package dev.switchboard.server.util;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Text fit for a log line: credentials taken out. */
public final class Redacted {
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)([^@/]*)@");

    private Redacted() {}

    /** A URL without its password: {@code redis://:pw@host} → {@code redis://:***@host}; a bare user-info part is all password. */
    public static String url(String url) {
        if (url == null) return null;
        Matcher m = USER_INFO.matcher(url);
        if (!m.find()) return url;
        String userInfo = m.group(2);
        int colon = userInfo.indexOf(':');
        String kept = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
        return m.group(1) + kept + "@" + url.substring(m.end());
    }
}
