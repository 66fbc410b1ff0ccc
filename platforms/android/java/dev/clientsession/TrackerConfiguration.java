package dev.clientsession;

/**
 * What the tracker emits, in the names of Snowplow's {@code TrackerConfiguration}. What is not
 * set keeps the library's default.
 */
public final class TrackerConfiguration {
    private Boolean lifecycleAutotracking;
    private Boolean userAnonymisation;

    /** The defaults: lifecycle autotracking on, no user anonymisation. */
    public TrackerConfiguration() {}

    /**
     * @param lifecycleAutotracking emit {@code application_foreground} and
     *     {@code application_background} events and the lifecycle entity (default true)
     * @return this configuration
     */
    public TrackerConfiguration lifecycleAutotracking(boolean lifecycleAutotracking) {
        this.lifecycleAutotracking = lifecycleAutotracking;
        return this;
    }

    /**
     * @param userAnonymisation mask the user and previous session ids (default false); see
     *     {@link Tracker#setUserAnonymisation}
     * @return this configuration
     */
    public TrackerConfiguration userAnonymisation(boolean userAnonymisation) {
        this.userAnonymisation = userAnonymisation;
        return this;
    }

    /** @return the value set, or null for the default */
    public Boolean getLifecycleAutotracking() {
        return lifecycleAutotracking;
    }

    /** @return the value set, or null for the default */
    public Boolean getUserAnonymisation() {
        return userAnonymisation;
    }
}
