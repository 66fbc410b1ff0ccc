package dev.clientsession;

/**
 * A list item view, as Snowplow's {@code ListItemView(index, itemsCount)}: the app showed item
 * {@code index} of a list of {@code itemsCount}. With screen engagement on (the default, see
 * {@link TrackerConfiguration#screenEngagementAutotracking}) it is not sent: it updates the
 * current screen's {@code screen_summary} ({@code last_item_index}, {@code items_count}), and
 * reaches the {@link EventListener} as nothing. With it off it is sent as a
 * {@code list_item_view} event. The library checks the values when tracked: each from 0 to
 * 65535, else an {@link IllegalArgumentException}.
 */
public final class ListItemView extends Event {
    private final int index;
    private final Integer itemsCount;

    /** @param index the item's index in its list (0 to 65535) */
    public ListItemView(int index) {
        this(index, null);
    }

    /**
     * @param index the item's index in its list (0 to 65535)
     * @param itemsCount how many items the list has (0 to 65535), or null when unknown
     */
    public ListItemView(int index, Integer itemsCount) {
        this.index = index;
        this.itemsCount = itemsCount;
    }

    /** @return the item's index */
    public int getIndex() {
        return index;
    }

    /** @return how many items the list has, or null */
    public Integer getItemsCount() {
        return itemsCount;
    }

    @Override
    String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"list_item_view\",\"index\":");
        json.append(index);
        Json.optional(json, "itemsCount", itemsCount);
        return json.append('}').toString();
    }
}
