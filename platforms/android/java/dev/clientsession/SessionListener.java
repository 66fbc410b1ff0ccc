package dev.clientsession;

/**
 * Gets each new session, on the library's thread, just before the event that started it reaches
 * the {@link EventListener}. An exception it throws is logged; the tracker goes on.
 */
@FunctionalInterface
public interface SessionListener {
    /** @param session the session that just started */
    void onSessionChange(Session session);
}
