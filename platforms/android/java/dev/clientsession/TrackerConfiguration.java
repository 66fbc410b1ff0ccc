package dev.clientsession;

/**
 * What the tracker emits, in the names of Snowplow's {@code TrackerConfiguration}. What is not
 * set keeps the library's default.
 */
public final class TrackerConfiguration {
    private Boolean lifecycleAutotracking;
    private Boolean userAnonymisation;
    private Boolean screenContext;
    private Boolean screenEngagementAutotracking;

    /**
     * The defaults: lifecycle autotracking on, no user anonymisation, the screen entity on every
     * event, screen engagement tracked.
     */
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

    /**
     * @param screenContext attach the {@code screen} entity (the current screen) to every event
     *     while there is a current screen (default true)
     * @return this configuration
     */
    public TrackerConfiguration screenContext(boolean screenContext) {
        this.screenContext = screenContext;
        return this;
    }

    /**
     * @param screenEngagementAutotracking track screen engagement (default true): a
     *     {@code screen_end} event, with the {@code screen_summary} entity, before each screen
     *     view that replaces a current screen, and {@link ListItemView} and {@link ScrollChanged}
     *     events folded into that summary instead of being sent. When false, no
     *     {@code screen_end} is made and list item and scroll events are sent as they are.
     * @return this configuration
     */
    public TrackerConfiguration screenEngagementAutotracking(boolean screenEngagementAutotracking) {
        this.screenEngagementAutotracking = screenEngagementAutotracking;
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

    /** @return the value set, or null for the default */
    public Boolean getScreenContext() {
        return screenContext;
    }

    /** @return the value set, or null for the default */
    public Boolean getScreenEngagementAutotracking() {
        return screenEngagementAutotracking;
    }
}
