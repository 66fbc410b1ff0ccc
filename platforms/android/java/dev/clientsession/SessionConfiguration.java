package dev.clientsession;

/**
 * When a session ends, in the names of Snowplow's {@code SessionConfiguration}: after
 * {@code foregroundTimeout} seconds without events in the foreground, {@code backgroundTimeout}
 * in the background. What is not set keeps the library's default (1800 s each, no continuing
 * after a restart).
 */
public final class SessionConfiguration {
    private final Long foregroundTimeout;
    private final Long backgroundTimeout;
    private Boolean continueSessionOnRestart;

    /** The default timeouts, 1800 seconds each. */
    public SessionConfiguration() {
        this.foregroundTimeout = null;
        this.backgroundTimeout = null;
    }

    /**
     * @param foregroundTimeout seconds without events in the foreground that end a session,
     *     from 0 to 4294967295 (the library refuses others)
     * @param backgroundTimeout the same in the background
     */
    public SessionConfiguration(long foregroundTimeout, long backgroundTimeout) {
        this.foregroundTimeout = foregroundTimeout;
        this.backgroundTimeout = backgroundTimeout;
    }

    /**
     * @param continueSessionOnRestart continue the last session after a restart (when the last
     *     run ended cleanly and its timeout has not passed) instead of starting a new one
     *     (default false)
     * @return this configuration
     */
    public SessionConfiguration continueSessionOnRestart(boolean continueSessionOnRestart) {
        this.continueSessionOnRestart = continueSessionOnRestart;
        return this;
    }

    /** @return the foreground timeout in seconds, or null for the default */
    public Long getForegroundTimeout() {
        return foregroundTimeout;
    }

    /** @return the background timeout in seconds, or null for the default */
    public Long getBackgroundTimeout() {
        return backgroundTimeout;
    }

    /** @return the value set, or null for the default */
    public Boolean getContinueSessionOnRestart() {
        return continueSessionOnRestart;
    }
}
