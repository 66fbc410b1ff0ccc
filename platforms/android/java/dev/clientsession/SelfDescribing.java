package dev.clientsession;

import java.util.Objects;

/**
 * A self-describing event, as Snowplow's {@code SelfDescribing(schema, data)}: an Iglu schema URI
 * and the event's data as JSON, checked by the library when tracked.
 */
public final class SelfDescribing extends Event {
    private final String schema;
    private final String dataJson;

    /**
     * @param schema the Iglu schema URI ({@code iglu:com.acme/like/jsonschema/1-0-0})
     * @param dataJson the data, one JSON value ({@code {"id": 1}})
     */
    public SelfDescribing(String schema, String dataJson) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.dataJson = Objects.requireNonNull(dataJson, "dataJson");
    }

    /** @return the schema URI */
    public String getSchema() {
        return schema;
    }

    /** @return the data JSON */
    public String getDataJson() {
        return dataJson;
    }

    @Override
    String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"self_describing\",\"schema\":");
        Json.string(json, schema);
        // The data goes in as given: the library's JSON parser is what checks it.
        return json.append(",\"data\":").append(dataJson).append('}').toString();
    }
}
