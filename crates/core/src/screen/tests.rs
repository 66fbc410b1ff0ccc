use serde_json::json;

use super::*;

const ON: ScreenConfig = ScreenConfig {
    context: true,
    engagement: true,
};

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn view(name: &str) -> ScreenView {
    ScreenView::new(name).unwrap()
}

/// Tracks `view` at `now` in the foreground, the new screen getting id `n` when it has none.
fn show(state: &mut ScreenState, view: &mut ScreenView, now: i64, n: u128) -> Option<ScreenEnd> {
    state.view(view, false, now, || id(n))
}

fn summary_json(summary: &ScreenSummary) -> serde_json::Value {
    serde_json::to_value(summary).unwrap()
}

#[test]
fn the_first_screen_view_gets_an_id_and_no_previous_fields() {
    let mut state = ScreenState::new(ON);
    let mut first = view("home");
    assert_eq!(show(&mut state, &mut first, 0, 1), None);
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        json!({"name": "home", "id": id(1)})
    );
    let screen = state.entity().unwrap();
    assert_eq!(
        serde_json::to_value(&screen).unwrap(),
        json!({"name": "home", "id": id(1)})
    );
}

#[test]
fn previous_fields_are_filled_key_by_key_where_the_app_gave_none() {
    let mut state = ScreenState::new(ON);
    show(&mut state, &mut view("a").with_type("feed"), 0, 1);
    let mut b = view("b").with_previous_name("chosen");
    show(&mut state, &mut b, 10, 2);
    assert_eq!(
        serde_json::to_value(&b).unwrap(),
        json!({"name": "b", "id": id(2), "previousName": "chosen", "previousId": id(1),
               "previousType": "feed"})
    );
    // `b` has no type: the next view gets no previousType.
    let mut c = view("c").with_transition_type("push");
    show(&mut state, &mut c, 20, 3);
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        json!({"name": "c", "id": id(3), "previousName": "b", "previousId": id(2),
               "transitionType": "push"})
    );
}

#[test]
fn a_given_id_is_kept_and_no_id_is_made() {
    let mut state = ScreenState::new(ON);
    let mut given = view("a").with_id(id(7));
    state.view(&mut given, false, 0, || panic!("no id needed"));
    assert_eq!(given.id(), Some(id(7)));
}

#[test]
fn a_screen_end_carries_the_ending_screen_and_its_time_in_each_state() {
    let mut state = ScreenState::new(ON);
    show(&mut state, &mut view("a"), 1_000, 1);
    state.app_state_changed(false, 3_500); // 2.5 s in the foreground, then background
    state.app_state_changed(true, 4_623); // 1.123 s in the background
    let end = state.view(&mut view("b"), false, 5_000, || id(2)).unwrap();
    assert_eq!(end.screen.unwrap().id, id(1));
    assert_eq!(end.summary.foreground_ms(), 2_877);
    assert_eq!(end.summary.background_ms(), 1_123);
    assert_eq!(
        summary_json(&end.summary),
        json!({"foreground_sec": 2.877, "background_sec": 1.123})
    );
    // The new screen starts from zero.
    assert_eq!(
        summary_json(&state.summary().unwrap()),
        json!({"foreground_sec": 0, "background_sec": 0})
    );
}

#[test]
fn whole_seconds_are_integers_and_the_rest_at_most_three_decimals() {
    for (ms, text) in [
        (0, "0"),
        (2_000, "2"),
        (1_500, "1.5"),
        (123, "0.123"),
        (100_001, "100.001"),
    ] {
        assert_eq!(serde_json::to_string(&Seconds(ms)).unwrap(), text, "{ms}");
    }
    assert_eq!(
        serde_json::to_string(&Seconds(u64::MAX)).unwrap(),
        "2147483647"
    );
}

#[test]
fn a_clock_going_back_adds_nothing() {
    let mut state = ScreenState::new(ON);
    show(&mut state, &mut view("a"), 10_000, 1);
    let end = state.view(&mut view("b"), false, 4_000, || id(2)).unwrap();
    assert_eq!(end.summary.foreground_ms(), 0);
    // and the next interval counts from the earlier time
    let end = state.view(&mut view("c"), false, 5_000, || id(3)).unwrap();
    assert_eq!(end.summary.foreground_ms(), 1_000);
}

#[test]
fn list_items_keep_the_largest_index_and_count_and_are_not_sent() {
    let mut state = ScreenState::new(ON);
    show(&mut state, &mut view("a"), 0, 1);
    assert!(!state.list_item(ListItemView::new(5, Some(10)).unwrap()));
    assert!(!state.list_item(ListItemView::new(2, None).unwrap()));
    assert!(!state.list_item(ListItemView::new(3, Some(40)).unwrap()));
    assert_eq!(
        summary_json(&state.summary().unwrap()),
        json!({"foreground_sec": 0, "background_sec": 0, "last_item_index": 5, "items_count": 40})
    );
}

#[test]
fn scrolls_keep_extremes_with_negative_offsets_and_missing_sizes() {
    let mut state = ScreenState::new(ON);
    show(&mut state, &mut view("a"), 0, 1);
    let scroll = ScrollChanged::default();
    // An offset without its view size counts the size as 0.
    state.scroll(scroll.with_y_offset(-40).unwrap());
    // A view size without its offset is ignored.
    state.scroll(scroll.with_view_height(5_000).unwrap());
    state.scroll(
        scroll
            .with_y_offset(100)
            .unwrap()
            .with_view_height(800)
            .unwrap()
            .with_content_height(3_000)
            .unwrap()
            .with_x_offset(7)
            .unwrap(),
    );
    state.scroll(scroll.with_content_height(2_000).unwrap());
    assert_eq!(
        summary_json(&state.summary().unwrap()),
        json!({"foreground_sec": 0, "background_sec": 0, "min_x_offset": 7, "max_x_offset": 7,
               "min_y_offset": -40, "max_y_offset": 900, "content_height": 3000})
    );
}

#[test]
fn the_maximum_offset_is_held_at_the_schema_limit() {
    let mut state = ScreenState::new(ON);
    show(&mut state, &mut view("a"), 0, 1);
    let scroll = ScrollChanged::default()
        .with_y_offset(2_147_483_000)
        .unwrap()
        .with_view_height(2_147_483_647)
        .unwrap();
    state.scroll(scroll);
    assert_eq!(
        state.summary().unwrap().y_offsets(),
        (Some(2_147_483_000), Some(2_147_483_647))
    );
}

#[test]
fn list_and_scroll_before_any_screen_change_nothing_and_are_not_sent() {
    let mut state = ScreenState::new(ON);
    assert!(!state.list_item(ListItemView::new(1, None).unwrap()));
    assert!(!state.scroll(ScrollChanged::default().with_y_offset(1).unwrap()));
    assert_eq!(state, ScreenState::new(ON));
}

#[test]
fn with_engagement_off_there_is_no_screen_end_no_summary_and_list_events_are_sent() {
    let mut state = ScreenState::new(ScreenConfig {
        context: true,
        engagement: false,
    });
    show(&mut state, &mut view("a"), 0, 1);
    assert!(state.list_item(ListItemView::new(1, None).unwrap()));
    assert!(state.scroll(ScrollChanged::default()));
    assert_eq!(show(&mut state, &mut view("b"), 10, 2), None);
    assert_eq!(state.summary(), None);
    assert_eq!(state.entity().unwrap().id, id(2));
}

#[test]
fn with_the_screen_entity_off_no_event_carries_it_but_previous_fields_are_filled() {
    let mut state = ScreenState::new(ScreenConfig {
        context: false,
        engagement: true,
    });
    show(&mut state, &mut view("a"), 0, 1);
    assert_eq!(state.entity(), None);
    let mut b = view("b");
    let end = show(&mut state, &mut b, 10, 2).unwrap();
    assert_eq!(end.screen, None);
    assert_eq!(end.summary.foreground_ms(), 10);
    assert_eq!(b.previous_id(), Some(id(1)));
}

#[test]
fn out_of_range_and_malformed_inputs_are_typed_errors() {
    assert_eq!(ScreenView::new(""), Err(ScreenError::EmptyName));
    assert!(matches!(
        view("a").with_id_str("not-a-uuid"),
        Err(ScreenError::InvalidId { field: "id", .. })
    ));
    assert!(matches!(
        view("a").with_previous_id_str("6f9619ff8b86d011b42d00c04fc964ff"),
        Err(ScreenError::InvalidId {
            field: "previousId",
            ..
        })
    ));
    assert_eq!(
        view("a")
            .with_id_str("6F9619FF-8B86-D011-B42D-00C04FC964FF")
            .unwrap()
            .id()
            .unwrap()
            .to_string(),
        "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    );
    assert!(ListItemView::new(-1, None).is_err());
    assert!(ListItemView::new(0, Some(65_536)).is_err());
    assert!(ListItemView::new(65_535, Some(65_535)).is_ok());
    let scroll = ScrollChanged::default();
    assert!(scroll.with_x_offset(-2_147_483_648).is_err());
    assert!(scroll.with_x_offset(-2_147_483_647).is_ok());
    assert!(scroll.with_y_offset(2_147_483_648).is_err());
    assert!(scroll.with_content_width(-1).is_err());
    assert!(scroll.with_content_height(i64::MAX).is_err());
    assert_eq!(
        scroll.with_view_height(-5).unwrap_err().to_string(),
        "`view_height` must be from 0 to 2147483647, not -5"
    );
}

#[test]
fn event_data_uses_the_schemas_key_names() {
    let item = ListItemView::new(3, Some(9)).unwrap();
    assert_eq!(
        serde_json::to_value(item).unwrap(),
        json!({"index": 3, "items_count": 9})
    );
    assert_eq!(
        serde_json::to_value(ListItemView::new(3, None).unwrap()).unwrap(),
        json!({"index": 3})
    );
    let scroll = ScrollChanged::default()
        .with_x_offset(1)
        .unwrap()
        .with_y_offset(2)
        .unwrap()
        .with_view_width(3)
        .unwrap()
        .with_view_height(4)
        .unwrap()
        .with_content_width(5)
        .unwrap()
        .with_content_height(6)
        .unwrap();
    assert_eq!(
        serde_json::to_string(&scroll).unwrap(),
        r#"{"x_offset":1,"y_offset":2,"view_width":3,"view_height":4,"content_width":5,"content_height":6}"#
    );
    assert_eq!(
        serde_json::to_string(&view("a").with_type("t").with_id(id(1))).unwrap(),
        r#"{"name":"a","id":"00000000-0000-0000-0000-000000000001","type":"t"}"#
    );
}
