package dev.clientsession;

import java.util.Objects;
import java.util.UUID;

/**
 * A screen view, as Snowplow's {@code ScreenView(name)}: the screen's name, optionally its id (a
 * random one when not given), and the optional fields set by the builder methods: {@code new
 * ScreenView("checkout").type("form").transitionType("push")}.
 *
 * <p>The previous-screen fields left unset are filled by the library from the screen that was
 * current (its name, id and type); set one only to override it. With screen engagement on (see
 * {@link TrackerConfiguration#screenEngagementAutotracking}), a screen view that replaces a
 * current screen reaches the {@link EventListener} as two events: the old screen's
 * {@code screen_end}, then the {@code screen_view}. The library checks the fields when the view
 * is tracked: an empty name, or a previous id that is not a UUID, is refused then with an
 * {@link IllegalArgumentException}.
 */
public final class ScreenView extends Event {
    private final String name;
    private final UUID id;
    private String type;
    private String previousName;
    private String previousId;
    private String previousType;
    private String transitionType;

    /** @param name the screen's name (not empty) */
    public ScreenView(String name) {
        this(name, null);
    }

    /**
     * @param name the screen's name (not empty)
     * @param id the screen's id, or null for a random one
     */
    public ScreenView(String name, UUID id) {
        this.name = Objects.requireNonNull(name, "name");
        this.id = id;
    }

    /**
     * @param type the screen's type ({@code feed}, {@code carousel}…), or null for none
     * @return this event
     */
    public ScreenView type(String type) {
        this.type = type;
        return this;
    }

    /**
     * @param previousName the previous screen's name, or null for the current screen's
     * @return this event
     */
    public ScreenView previousName(String previousName) {
        this.previousName = previousName;
        return this;
    }

    /**
     * @param previousId the previous screen's id (a UUID, checked when tracked), or null for the
     *     current screen's; a String, as in Snowplow's Android tracker
     * @return this event
     */
    public ScreenView previousId(String previousId) {
        this.previousId = previousId;
        return this;
    }

    /**
     * @param previousId the previous screen's id, or null for the current screen's
     * @return this event
     */
    public ScreenView previousId(UUID previousId) {
        this.previousId = previousId == null ? null : previousId.toString();
        return this;
    }

    /**
     * @param previousType the previous screen's type, or null for the current screen's
     * @return this event
     */
    public ScreenView previousType(String previousType) {
        this.previousType = previousType;
        return this;
    }

    /**
     * @param transitionType how the app moved to this screen ({@code push}…), or null for none
     * @return this event
     */
    public ScreenView transitionType(String transitionType) {
        this.transitionType = transitionType;
        return this;
    }

    /** @return the screen's name */
    public String getName() {
        return name;
    }

    /** @return the screen's id, or null when the library gives it a random one */
    public UUID getId() {
        return id;
    }

    /** @return the screen's type, or null */
    public String getType() {
        return type;
    }

    /** @return the previous screen's name as set, or null */
    public String getPreviousName() {
        return previousName;
    }

    /** @return the previous screen's id as set, or null */
    public String getPreviousId() {
        return previousId;
    }

    /** @return the previous screen's type as set, or null */
    public String getPreviousType() {
        return previousType;
    }

    /** @return the transition type, or null */
    public String getTransitionType() {
        return transitionType;
    }

    @Override
    String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"screen_view\",\"name\":");
        Json.string(json, name);
        if (id != null) {
            json.append(",\"id\":");
            Json.string(json, id.toString());
        }
        // "type" names the event in the library's JSON, so the screen's own type is "screenType".
        Json.optional(json, "screenType", type);
        Json.optional(json, "previousName", previousName);
        Json.optional(json, "previousId", previousId);
        Json.optional(json, "previousType", previousType);
        Json.optional(json, "transitionType", transitionType);
        return json.append('}').toString();
    }
}
