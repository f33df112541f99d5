package dev.switchboard.server.protocol;

/** A failure that maps to one catalogue error; thrown inside the server and answered at the edge. */
public class SwitchboardException extends RuntimeException {
    private final ErrorInfo error;

    public SwitchboardException(ErrorInfo error) {
        super(error.message() + " (" + error.code() + ")");
        this.error = error;
    }

    public ErrorInfo error() { return error; }
}
