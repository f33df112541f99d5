package dev.switchboard.server.protocol;

/**
 * The error catalogue shared by the realtime protocol and the REST API. Codes and HTTP statuses follow
 * the hosted service's published catalogue so that the official SDKs react to them as they do there.
 */
public enum ErrorCode {
    BAD_REQUEST(40000, 400, "Bad request"),
    INVALID_REQUEST_BODY(40001, 400, "Invalid request body"),
    INVALID_PARAMETER_NAME(40002, 400, "Invalid parameter name"),
    INVALID_PARAMETER_VALUE(40003, 400, "Invalid parameter value"),
    INVALID_HEADER(40004, 400, "Invalid header"),
    INVALID_CREDENTIAL(40005, 400, "Invalid credential"),
    INVALID_CONNECTION_ID(40006, 400, "Invalid connection id"),
    INVALID_MESSAGE_ID(40007, 400, "Invalid message id"),
    MAX_MESSAGE_LENGTH_EXCEEDED(40009, 400, "Maximum message length exceeded"),
    INVALID_CHANNEL_NAME(40010, 400, "Invalid channel name"),
    INVALID_CLIENT_ID(40012, 400, "Invalid clientId for credentials"),
    INVALID_MESSAGE_DATA(40013, 400, "Invalid message data or encoding"),
    UNSUPPORTED_PROTOCOL_VERSION(40017, 400, "Unsupported protocol version"),
    /** A batch publish answered in the protocol-2 shape whose channels did not all succeed. */
    BATCH_PARTIAL_FAILURE(40020, 400, "Batch error"),
    UNAUTHORIZED(40100, 401, "Unauthorized"),
    INVALID_CREDENTIALS(40101, 401, "Invalid credentials"),
    INCOMPATIBLE_CREDENTIALS(40102, 401, "Incompatible credentials"),
    INVALID_USE_OF_BASIC_AUTH(40103, 401, "Invalid use of Basic auth over non-TLS transport"),
    TOKEN_REQUEST_TIMESTAMP_OUTSIDE_WINDOW(40104, 401, "Timestamp not current"),
    NONCE_REUSED(40105, 401, "Nonce value replayed"),
    NO_AUTH(40106, 401, "Unable to obtain credentials from given parameters"),
    KEY_REVOKED(40131, 401, "Key revoked"),
    TOKEN_ERROR(40140, 401, "Token error"),
    TOKEN_REVOKED(40141, 401, "Token revoked"),
    TOKEN_EXPIRED(40142, 401, "Token expired"),
    TOKEN_UNRECOGNISED(40143, 401, "Token unrecognised"),
    INVALID_JWT(40144, 401, "Invalid JWT format"),
    OPERATION_NOT_PERMITTED(40160, 401, "Action not permitted"),
    BASIC_AUTH_REQUIRED(40162, 401, "Operation requires Basic authentication"),
    AUTH_CALLBACK_FAILED(40170, 401, "Error from client token callback"),
    FORBIDDEN(40300, 403, "Forbidden"),
    NOT_FOUND(40400, 404, "Not found"),
    METHOD_NOT_ALLOWED(40500, 405, "Method not allowed"),
    RATE_LIMIT(42910, 429, "Rate limit exceeded"),
    INBOUND_RATE_LIMIT(42911, 429, "Maximum inbound message rate exceeded"),
    INTERNAL_ERROR(50000, 500, "Internal error"),
    TIMEOUT(50003, 500, "Timeout error"),
    DISCONNECTED(80003, 503, "Connection disconnected"),
    CONNECTION_SUSPENDED(80002, 503, "Connection suspended"),
    RESUME_FAILED(80008, 400, "Unable to recover connection"),
    CONNECTION_CLOSED(80017, 400, "Connection closed"),
    INVALID_CONNECTION_KEY(80018, 400, "Invalid connection id (invalid format)"),
    CONNECTION_FAILED(80000, 503, "Connection failed"),
    CHANNEL_OPERATION_FAILED(90000, 400, "Channel operation failed"),
    CHANNEL_DETACHED(90001, 400, "Channel operation failed: channel is detached"),
    TOO_MANY_CHANNELS(90010, 400, "Maximum number of channels per connection exceeded"),
    UNABLE_TO_RECOVER_CHANNEL_HISTORY(80016, 400, "Unable to recover channel (history expired)"),
    MESSAGE_UPDATES_NOT_ENABLED(93002, 400, "Message annotations, updates, appends and deletes are not enabled on this channel"),
    PRESENCE_NO_CLIENT_ID(91000, 400, "Unable to enter presence channel (no clientId)"),
    PRESENCE_INVALID_STATE(91001, 400, "Unable to enter presence channel (invalid channel state)");

    private final int code;
    private final int httpStatus;
    private final String message;

    ErrorCode(int code, int httpStatus, String message) {
        this.code = code;
        this.httpStatus = httpStatus;
        this.message = message;
    }

    public int code() { return code; }

    public int httpStatus() { return httpStatus; }

    public String message() { return message; }

    /**
     * True when the same request may succeed later unchanged (server-side trouble, rate limits); false when the
     * request itself must change (bad input, missing rights).
     */
    public boolean retriable() { return ErrorInfo.retriableStatus(httpStatus); }

    /** This code's error with its catalogue message. */
    public ErrorInfo info() { return new ErrorInfo(code, httpStatus, message); }

    /** This code's error with a message that says what exactly went wrong. */
    public ErrorInfo info(String detail) { return new ErrorInfo(code, httpStatus, detail); }

    /** An exception carrying this code, for code paths that unwind to a protocol or HTTP boundary. */
    public SwitchboardException exception(String detail) { return new SwitchboardException(info(detail)); }
}
