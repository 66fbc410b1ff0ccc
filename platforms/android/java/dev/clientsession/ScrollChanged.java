package dev.clientsession;

/**
 * A scroll view's change, as Snowplow's {@code ScrollChanged}: its offsets and sizes in pixels,
 * each optional, set by the builder methods: {@code new
 * ScrollChanged().yOffset(120).viewHeight(800).contentHeight(9000)}. With screen engagement on
 * (the default, see {@link TrackerConfiguration#screenEngagementAutotracking}) it is not sent:
 * it updates the current screen's {@code screen_summary} (the largest and smallest offsets
 * reached, the content size), and reaches the {@link EventListener} as nothing. With it off it
 * is sent as a {@code scroll_changed} event. The library checks the values when tracked: offsets
 * within ±2147483647, sizes from 0 to 2147483647, else an {@link IllegalArgumentException}.
 */
public final class ScrollChanged extends Event {
    private Integer xOffset;
    private Integer yOffset;
    private Integer viewWidth;
    private Integer viewHeight;
    private Integer contentWidth;
    private Integer contentHeight;

    /** A scroll change with nothing set yet. */
    public ScrollChanged() {}

    /**
     * @param xOffset the horizontal offset of the view's content, or null for none
     * @return this event
     */
    public ScrollChanged xOffset(Integer xOffset) {
        this.xOffset = xOffset;
        return this;
    }

    /**
     * @param yOffset the vertical offset of the view's content, or null for none
     * @return this event
     */
    public ScrollChanged yOffset(Integer yOffset) {
        this.yOffset = yOffset;
        return this;
    }

    /**
     * @param viewWidth the scroll view's width, or null for none
     * @return this event
     */
    public ScrollChanged viewWidth(Integer viewWidth) {
        this.viewWidth = viewWidth;
        return this;
    }

    /**
     * @param viewHeight the scroll view's height, or null for none
     * @return this event
     */
    public ScrollChanged viewHeight(Integer viewHeight) {
        this.viewHeight = viewHeight;
        return this;
    }

    /**
     * @param contentWidth the width of the content it scrolls, or null for none
     * @return this event
     */
    public ScrollChanged contentWidth(Integer contentWidth) {
        this.contentWidth = contentWidth;
        return this;
    }

    /**
     * @param contentHeight the height of the content it scrolls, or null for none
     * @return this event
     */
    public ScrollChanged contentHeight(Integer contentHeight) {
        this.contentHeight = contentHeight;
        return this;
    }

    /** @return the horizontal offset, or null */
    public Integer getXOffset() {
        return xOffset;
    }

    /** @return the vertical offset, or null */
    public Integer getYOffset() {
        return yOffset;
    }

    /** @return the view's width, or null */
    public Integer getViewWidth() {
        return viewWidth;
    }

    /** @return the view's height, or null */
    public Integer getViewHeight() {
        return viewHeight;
    }

    /** @return the content's width, or null */
    public Integer getContentWidth() {
        return contentWidth;
    }

    /** @return the content's height, or null */
    public Integer getContentHeight() {
        return contentHeight;
    }

    @Override
    String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"scroll_changed\"");
        Json.optional(json, "xOffset", xOffset);
        Json.optional(json, "yOffset", yOffset);
        Json.optional(json, "viewWidth", viewWidth);
        Json.optional(json, "viewHeight", viewHeight);
        Json.optional(json, "contentWidth", contentWidth);
        Json.optional(json, "contentHeight", contentHeight);
        return json.append('}').toString();
    }
}
