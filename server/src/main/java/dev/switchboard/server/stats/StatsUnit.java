package dev.switchboard.server.stats;

import dev.switchboard.server.protocol.ErrorCode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The granularities stats come in, with their interval ids ({@code 2026-02-03:15:04} a minute, {@code 2026-02-03:15}
 * an hour, {@code 2026-02-03} a day, {@code 2026-02} a month; UTC).
 */
public enum StatsUnit {
    MINUTE("yyyy-MM-dd:HH:mm"), HOUR("yyyy-MM-dd:HH"), DAY("yyyy-MM-dd"), MONTH("yyyy-MM");

    private final DateTimeFormatter format;

    StatsUnit(String pattern) { this.format = DateTimeFormatter.ofPattern(pattern, Locale.ROOT).withZone(ZoneOffset.UTC); }

    public static StatsUnit parse(String s) {
        if (s == null) return MINUTE;
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("unit must be minute, hour, day or month, not " + s);
        }
    }

    /** The start of the interval holding {@code epochMs}. */
    public long floor(long epochMs) {
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
        LocalDateTime start = switch (this) {
            case MINUTE -> t.truncatedTo(ChronoUnit.MINUTES);
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
            case DAY -> t.truncatedTo(ChronoUnit.DAYS);
            case MONTH -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        };
        return start.toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** The start of the interval after the one starting at {@code start}. */
    public long next(long start) {
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(start), ZoneOffset.UTC);
        LocalDateTime n = switch (this) {
            case MINUTE -> t.plusMinutes(1);
            case HOUR -> t.plusHours(1);
            case DAY -> t.plusDays(1);
            case MONTH -> t.plusMonths(1);
        };
        return n.toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    public String intervalId(long start) { return format.format(Instant.ofEpochMilli(start)); }

    /** The unit an interval id is written in, by its shape. */
    static StatsUnit ofIntervalId(String id) {
        return switch (id.length()) {
            case 16 -> MINUTE;
            case 13 -> HOUR;
            case 10 -> DAY;
            case 7 -> MONTH;
            default -> throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Not an interval id: " + id);
        };
    }

    /** The start of the interval {@code id} names. */
    static long startOf(String id) {
        String iso = switch (ofIntervalId(id)) {
            case MINUTE -> id.substring(0, 10) + "T" + id.substring(11) + ":00Z";
            case HOUR -> id.substring(0, 10) + "T" + id.substring(11) + ":00:00Z";
            case DAY -> id + "T00:00:00Z";
            case MONTH -> id + "-01T00:00:00Z";
        };
        try {
            return Instant.parse(iso).toEpochMilli();
        } catch (RuntimeException e) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Not an interval id: " + id);
        }
    }

    /**
     * A {@code start} or {@code end} query value as epoch milliseconds: a number, or an interval id (its first
     * millisecond for a start, its last for an end).
     */
    public static long bound(String value, boolean end) {
        if (value.chars().allMatch(Character::isDigit)) return Long.parseLong(value);
        long start = startOf(value);
        return end ? ofIntervalId(value).next(start) - 1 : start;
    }
}
