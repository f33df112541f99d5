package dev.switchboard.server.config;

/** A setting is missing, malformed or out of range; the message names the setting and the problem. */
public class SettingsException extends RuntimeException {
    public SettingsException(String message) { super(message); }

    public SettingsException(String message, Throwable cause) { super(message, cause); }
}
