package dev.clientsession;

/**
 * What the library calls on its thread: the JSON it gives, handed to the app's listeners. An
 * exception thrown here is caught, logged and cleared by the library, which goes on.
 * Kept by name from the library (see the R8 rules in java-android/).
 */
final class Callbacks {
    private final EventListener events;
    private final SessionListener sessions;

    Callbacks(EventListener events, SessionListener sessions) {
        this.events = events;
        this.sessions = sessions;
    }

    /** Called by the library with a tracked event's JSON. */
    void onEvent(String eventJson) {
        if (events != null) {
            events.onEvent(eventJson);
        }
    }

    /** Called by the library with a new session's JSON. */
    void onSession(String sessionJson) {
        if (sessions != null) {
            sessions.onSessionChange(new Session(sessionJson));
        }
    }
}
