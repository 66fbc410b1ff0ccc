package dev.clientsession;

import java.util.Objects;

/**
 * A structured event, as Snowplow's {@code Structured(category, action)}, with an optional
 * label, property and value set by the builder methods: {@code new Structured("shop",
 * "add").label("sku-1").value(2.5)}.
 */
public final class Structured extends Event {
    private final String category;
    private final String action;
    private String label;
    private String property;
    private Double value;

    /**
     * @param category the event's category
     * @param action the event's action
     */
    public Structured(String category, String action) {
        this.category = Objects.requireNonNull(category, "category");
        this.action = Objects.requireNonNull(action, "action");
    }

    /**
     * @param label the label, or null for none
     * @return this event
     */
    public Structured label(String label) {
        this.label = label;
        return this;
    }

    /**
     * @param property the property, or null for none
     * @return this event
     */
    public Structured property(String property) {
        this.property = property;
        return this;
    }

    /**
     * @param value the value, or null for none
     * @return this event
     * @throws IllegalArgumentException for NaN or an infinity, which JSON cannot hold
     */
    public Structured value(Double value) {
        if (value != null && (value.isNaN() || value.isInfinite())) {
            throw new IllegalArgumentException("value must be a finite number: " + value);
        }
        this.value = value;
        return this;
    }

    /** @return the category */
    public String getCategory() {
        return category;
    }

    /** @return the action */
    public String getAction() {
        return action;
    }

    /** @return the label, or null */
    public String getLabel() {
        return label;
    }

    /** @return the property, or null */
    public String getProperty() {
        return property;
    }

    /** @return the value, or null */
    public Double getValue() {
        return value;
    }

    @Override
    String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"structured\",\"category\":");
        Json.string(json, category);
        json.append(",\"action\":");
        Json.string(json, action);
        if (label != null) {
            json.append(",\"label\":");
            Json.string(json, label);
        }
        if (property != null) {
            json.append(",\"property\":");
            Json.string(json, property);
        }
        if (value != null) {
            // Double.toString of a finite double is a JSON number ("2.5", "1.0E10").
            json.append(",\"value\":").append(value);
        }
        return json.append('}').toString();
    }
}
