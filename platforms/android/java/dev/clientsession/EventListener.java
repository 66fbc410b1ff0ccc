package dev.clientsession;

/**
 * Gets every tracked event, in order, once persisted: the events the app tracked and those the
 * tracker emits ({@code application_foreground}, {@code application_background},
 * {@code screen_end}). Called on the
 * library's thread: keep it quick (hand the JSON to an emitter's queue), the tracker processes
 * nothing else meanwhile. An exception it throws is logged; the tracker goes on.
 */
@FunctionalInterface
public interface EventListener {
    /**
     * @param eventJson {@code {"event": "screen_view", "eventId": "...", "dtm": 1700000000000,
     *     "ue_pr": {...}, "co": {...}}}: the event's name, id, device timestamp (Unix ms),
     *     {@code ue_pr}, the self-describing event's {@code {"schema", "data"}} (absent for a
     *     structured event), and {@code co}, the contexts JSON of the tracker protocol (the
     *     {@code client_session} entity; the lifecycle entity when lifecycle autotracking is on;
     *     the {@code screen} entity while there is a current screen and screen context is on;
     *     the {@code screen_summary} entity on {@code screen_end} and lifecycle events when
     *     screen engagement is on)
     */
    void onEvent(String eventJson);
}
