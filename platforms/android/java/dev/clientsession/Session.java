package dev.clientsession;

import java.util.Map;

/**
 * A session: the data of the {@code client_session} entity at the session's start, as the
 * library gave it ({@link #toJson}), with a getter per field.
 */
public final class Session {
    private final String json;
    private final Map<String, Object> fields;

    /**
     * @param json the session JSON the library gave
     * @throws IllegalArgumentException when it is not a flat JSON object
     */
    Session(String json) {
        this.json = json;
        this.fields = Json.flatObject(json);
    }

    /** @return the user id (a UUID, or the nil UUID under anonymisation) */
    public String getUserId() {
        return text("userId");
    }

    /** @return the session id (a UUID) */
    public String getSessionId() {
        return text("sessionId");
    }

    /** @return the session's index: 1 for the user's first session, then one more per session */
    public long getSessionIndex() {
        return number("sessionIndex");
    }

    /** @return the previous session's id, or null (the first session, or anonymisation) */
    public String getPreviousSessionId() {
        return text("previousSessionId");
    }

    /** @return where the session is kept, as the entity says ({@code LOCAL_STORAGE}) */
    public String getStorageMechanism() {
        return text("storageMechanism");
    }

    /** @return the id of the session's first event */
    public String getFirstEventId() {
        return text("firstEventId");
    }

    /** @return the time of the session's first event (RFC 3339 with milliseconds, UTC) */
    public String getFirstEventTimestamp() {
        return text("firstEventTimestamp");
    }

    /** @return the event index as of the session's start (1: its first event) */
    public long getEventIndex() {
        return number("eventIndex");
    }

    /** @return the session as the library's JSON */
    public String toJson() {
        return json;
    }

    @Override
    public String toString() {
        return json;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Session && ((Session) other).json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    private String text(String key) {
        Object value = fields.get(key);
        return value instanceof String ? (String) value : null;
    }

    private long number(String key) {
        Object value = fields.get(key);
        return value instanceof Long ? (Long) value : 0L;
    }
}
