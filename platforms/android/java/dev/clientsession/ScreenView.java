package dev.clientsession;

import java.util.Objects;

/** A screen view, as Snowplow's {@code ScreenView(name)}. */
public final class ScreenView extends Event {
    private final String name;

    /** @param name the screen's name */
    public ScreenView(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** @return the screen's name */
    public String getName() {
        return name;
    }

    @Override
    String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"screen_view\",\"name\":");
        Json.string(json, name);
        return json.append('}').toString();
    }
}
