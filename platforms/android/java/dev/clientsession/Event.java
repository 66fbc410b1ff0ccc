package dev.clientsession;

import java.util.Objects;

/**
 * An event to track: a {@link ScreenView}, {@link ListItemView}, {@link ScrollChanged},
 * {@link Structured} or {@link SelfDescribing} event, or, with {@link #fromJson}, the library's
 * event JSON itself.
 */
public abstract class Event {
    // Only this package's classes: each one writes the JSON the library reads.
    Event() {}

    /** @return the event as the library's event JSON */
    abstract String toJson();

    /**
     * An event given as the library's event JSON, passed on as it is and checked when tracked:
     * {@code {"type": "screen_view", "name": "home"}}, {@code {"type": "structured", "category":
     * "c", "action": "a"}} (optional {@code label}, {@code property}, {@code value}),
     * {@code {"type": "self_describing", "schema": "iglu:...", "data": {...}}},
     * {@code {"type": "list_item_view", "index": 3}} (optional {@code itemsCount}),
     * {@code {"type": "scroll_changed", "yOffset": 120}} (each of {@code xOffset},
     * {@code yOffset}, {@code viewWidth}, {@code viewHeight}, {@code contentWidth},
     * {@code contentHeight} optional); a screen view takes optional {@code id},
     * {@code screenType}, {@code previousName}, {@code previousId}, {@code previousType},
     * {@code transitionType}; every event optional {@code eventId} (a UUID) and
     * {@code timestamp} (Unix ms).
     *
     * @param eventJson the event JSON
     * @return the event
     */
    public static Event fromJson(String eventJson) {
        Objects.requireNonNull(eventJson, "eventJson");
        return new Event() {
            @Override
            String toJson() {
                return eventJson;
            }
        };
    }

    @Override
    public String toString() {
        return toJson();
    }
}
