package dev.clientsession;

/**
 * A failure that is neither bad input nor a closed tracker: a timeout of {@link Tracker#flush}
 * or {@link Tracker#awaitClosed}, a thread the library could not start, or a bug in the library
 * (a panic, which never crashes the app).
 */
public class TrackerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the library's message */
    public TrackerException(String message) {
        super(message);
    }
}
