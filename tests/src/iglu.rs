//! The official Iglu schemas of what the suite's trackers emit, validated in-process: the
//! `client_session` entity, the `screen` and `screen_summary` entities, and the data of the
//! `screen_view`, `screen_end`, `list_item_view` and `scroll_changed` events ([`Schema`]).
//!
//! The schemas are Snowplow's own files from Iglu Central, read from `../shared/iglu` beside the
//! workspace (they are not copied into the project); a `wasm32` build, which has no file system
//! at run time, carries their text from build time instead (`build.rs`). Each file is named by
//! the URI the core writes on the wire (`client_session_core::SCREEN_SCHEMA`…), so what is
//! validated is what is sent. Iglu schemas are JSON Schema Draft 4, and Snowplow's pipeline
//! checks their formats, so this validator is Draft 4 with format validation on. The suite runs
//! every output line of every backend through [`validate_line`], next to the project's own
//! schema facts (`client_session_scenario::schema`), so the two cannot drift apart unnoticed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use client_session_core::{
    CLIENT_SESSION_SCHEMA, CONTEXTS_SCHEMA, LIST_ITEM_VIEW_SCHEMA, SCREEN_END_SCHEMA,
    SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA, SCREEN_VIEW_SCHEMA, SCROLL_CHANGED_SCHEMA,
};
use jsonschema::{Draft, Validator};
use serde_json::Value;

/// One of the official schemas the suite validates against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// `client_session` 1-0-2, the session entity every event carries.
    ClientSession,
    /// `screen_view` 1-0-0, the data of a screen view.
    ScreenView,
    /// `screen` 1-0-0, the current screen's entity.
    Screen,
    /// `screen_end` 1-0-0, the data of a screen end (always `{}`).
    ScreenEnd,
    /// `screen_summary` 1-0-0, the engagement entity of screen ends and lifecycle events.
    ScreenSummary,
    /// `list_item_view` 1-0-0, the data of a list item view.
    ListItemView,
    /// `scroll_changed` 1-0-0, the data of a scroll.
    ScrollChanged,
}

impl Schema {
    /// Every schema, in `build.rs`'s order.
    pub const ALL: [Self; 7] = [
        Self::ClientSession,
        Self::ScreenView,
        Self::Screen,
        Self::ScreenEnd,
        Self::ScreenSummary,
        Self::ListItemView,
        Self::ScrollChanged,
    ];

    /// The schema's Iglu URI, as the core writes it (`iglu:vendor/name/jsonschema/version`).
    #[must_use]
    pub const fn uri(self) -> &'static str {
        match self {
            Self::ClientSession => CLIENT_SESSION_SCHEMA,
            Self::ScreenView => SCREEN_VIEW_SCHEMA,
            Self::Screen => SCREEN_SCHEMA,
            Self::ScreenEnd => SCREEN_END_SCHEMA,
            Self::ScreenSummary => SCREEN_SUMMARY_SCHEMA,
            Self::ListItemView => LIST_ITEM_VIEW_SCHEMA,
            Self::ScrollChanged => SCROLL_CHANGED_SCHEMA,
        }
    }

    /// Where the schema sits below an Iglu repository's `schemas/` folder: its URI without
    /// `iglu:`.
    #[must_use]
    pub fn place(self) -> &'static str {
        let uri = self.uri();
        uri.strip_prefix("iglu:").unwrap_or(uri)
    }

    /// The schema a self-describing object's `schema` URI names, when it is one of these.
    #[must_use]
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|schema| schema.uri() == uri)
    }

    /// The schema of a Part C line's `data` for its `event`: only `screen_view`, `screen_end`,
    /// `list_item_view` and `scroll_changed` lines carry data.
    #[must_use]
    pub fn of_event_data(event: &str) -> Option<Self> {
        match event {
            "screen_view" => Some(Self::ScreenView),
            "screen_end" => Some(Self::ScreenEnd),
            "list_item_view" => Some(Self::ListItemView),
            "scroll_changed" => Some(Self::ScrollChanged),
            _ => None,
        }
    }

    /// The official file: `../shared/iglu/schemas/<place>` relative to the workspace root, as
    /// `build.rs` found it (on `wasm32`, where it was embedded from).
    #[must_use]
    pub fn official_path(self) -> PathBuf {
        PathBuf::from(env!("IGLU_SCHEMAS_DIR")).join(self.place())
    }

    /// What the suite validates against the schema, for messages.
    fn what(self) -> &'static str {
        match self {
            Self::ClientSession => "client_session entity",
            Self::ScreenView => "screen_view event's data",
            Self::Screen => "screen entity",
            Self::ScreenEnd => "screen_end event's data",
            Self::ScreenSummary => "screen_summary entity",
            Self::ListItemView => "list_item_view event's data",
            Self::ScrollChanged => "scroll_changed event's data",
        }
    }
}

/// The schemas' texts as `build.rs` embedded them for `wasm32` (natively only their places, which
/// a unit test compares with [`Schema::ALL`]).
#[cfg(any(target_arch = "wasm32", test))]
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/iglu_schemas.rs"));
}

/// One official schema, compiled.
#[derive(Debug)]
pub struct IgluSchema {
    schema: Schema,
    validator: Validator,
    path: PathBuf,
}

impl IgluSchema {
    /// The official `schema` at [`Schema::official_path`], compiled once per process: read from
    /// the file natively, from the text embedded at build time on `wasm32`.
    ///
    /// # Errors
    /// A message naming the schema and its path when the file is (or, on `wasm32`, was at build
    /// time) missing, unreadable or not a usable schema.
    pub fn official(schema: Schema) -> Result<&'static Self, String> {
        static OFFICIAL: [OnceLock<Result<IgluSchema, String>>; Schema::ALL.len()] =
            [const { OnceLock::new() }; Schema::ALL.len()];
        OFFICIAL[schema as usize]
            .get_or_init(|| {
                let path = schema.official_path();
                #[cfg(not(target_arch = "wasm32"))]
                return Self::load(schema, &path);
                #[cfg(target_arch = "wasm32")]
                match embedded::OFFICIAL
                    .iter()
                    .find(|(place, _)| *place == schema.place())
                    .and_then(|(_, text)| *text)
                {
                    Some(text) => Self::from_text(schema, &path, text),
                    None => Err(missing(
                        schema,
                        &path,
                        "it was not there when the suite was built for wasm32",
                    )),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Every official schema, so that a run fails at once, before anything is played, when one
    /// cannot be had.
    ///
    /// # Errors
    /// Every schema's message (see [`official`](Self::official)), one per line.
    pub fn all_official() -> Result<(), String> {
        let problems: Vec<String> = Schema::ALL
            .into_iter()
            .filter_map(|schema| Self::official(schema).err())
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// Reads and compiles the file at `path` as `schema`.
    ///
    /// # Errors
    /// A message naming `path` when the file is missing, unreadable or not a usable schema.
    pub fn load(schema: Schema, path: &Path) -> Result<Self, String> {
        let text = fs::read_to_string(path).map_err(|e| missing(schema, path, &e.to_string()))?;
        Self::from_text(schema, path, &text)
    }

    /// Compiles `text`, read from `path` (named in messages), as `schema`.
    ///
    /// # Errors
    /// A message naming `path` when `text` is not a usable schema.
    pub fn from_text(schema: Schema, path: &Path, text: &str) -> Result<Self, String> {
        let json: Value =
            serde_json::from_str(text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let validator = jsonschema::options()
            // `$schema` names Iglu's self-describing meta-schema, not a draft: say which.
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            // A format this validator does not know would pass anything: refuse to compile.
            .should_ignore_unknown_formats(false)
            // Draft 4 has no `uuid` format, yet the schemas use it and Snowplow's validator
            // checks it (an empty `sessionId` fails enrichment), so it is checked here as well.
            .with_format("uuid", is_uuid)
            .build(&json)
            .map_err(|e| format!("{}: not a usable Draft 4 schema: {e}", path.display()))?;
        Ok(Self {
            schema,
            validator,
            path: path.to_owned(),
        })
    }

    /// Which schema this is.
    #[must_use]
    pub fn schema(&self) -> Schema {
        self.schema
    }

    /// Checks one object (an entity's or an event's `data`).
    ///
    /// # Errors
    /// Every violation, each with where in the object it is, and the schema's path.
    pub fn validate(&self, data: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(data)
            .map(|e| format!("{} at `{}`", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "rejected by {}: {}",
                self.path.display(),
                errors.join("; ")
            ))
        }
    }
}

/// Checks every self-describing object of one Part C output line against its official schema,
/// whenever present: `client_session`, `screen` and `screen_summary` (`null` means not attached),
/// and `data` against its `event`'s schema ([`Schema::of_event_data`]). Other keys are not
/// looked at.
///
/// # Errors
/// The first object rejected, named by its key, with the schema's report; `data` on a line
/// whose event carries none; a schema that cannot be had.
pub fn validate_line(line: &Value) -> Result<(), String> {
    for (key, schema) in [
        ("client_session", Schema::ClientSession),
        ("screen", Schema::Screen),
        ("screen_summary", Schema::ScreenSummary),
    ] {
        if let Some(value) = line.get(key).filter(|value| !value.is_null()) {
            check(key, schema, value)?;
        }
    }
    // Present means checked, `null` included: the output writes `null` for data that did not
    // serialise, and no data schema allows it.
    if let Some(data) = line.get("data") {
        let event = line
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let schema = Schema::of_event_data(event).ok_or_else(|| {
            format!(
                "`data` {data} on a `{event}` line: only screen_view, screen_end, \
                 list_item_view and scroll_changed lines carry data (Part C)"
            )
        })?;
        check("data", schema, data)?;
    }
    Ok(())
}

/// Checks one self-describing JSON (`{"schema": "iglu:…", "data": {…}}`, an event's `ue_pr` or
/// an entity of its contexts) when its schema is one of [`Schema::ALL`]; any other schema is
/// not the suite's to judge and passes.
///
/// # Errors
/// The object rejected, named by its URI, with the schema's report; a `schema` that is not a
/// string; a schema that cannot be had.
pub fn validate_self_describing(json: &Value) -> Result<(), String> {
    let uri = json
        .get("schema")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{json}: not self-describing (no `schema` string)"))?;
    match Schema::from_uri(uri) {
        Some(schema) => check(uri, schema, json.get("data").unwrap_or(&Value::Null)),
        None => Ok(()),
    }
}

/// Checks an event's contexts (the `co` of the mobile bindings' events: `contexts` 1-0-1 around
/// an array of self-describing entities), each entity by [`validate_self_describing`].
///
/// # Errors
/// A wrapper that is not `contexts` 1-0-1 around an array, or the first entity rejected.
pub fn validate_contexts(contexts: &Value) -> Result<(), String> {
    if contexts.get("schema").and_then(Value::as_str) != Some(CONTEXTS_SCHEMA) {
        return Err(format!("{contexts}: not a {CONTEXTS_SCHEMA} object"));
    }
    contexts
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{contexts}: its `data` is not an array"))?
        .iter()
        .try_for_each(validate_self_describing)
}

/// `value`, found under `key`, against the official `schema`.
fn check(key: &str, schema: Schema, value: &Value) -> Result<(), String> {
    IgluSchema::official(schema)?
        .validate(value)
        .map_err(|e| format!("`{key}` {value} {e}"))
}

/// Why `schema` cannot be had from `path`, and where it must be.
fn missing(schema: Schema, path: &Path, why: &str) -> String {
    format!(
        "the official Iglu schema {} cannot be read at {}: {why}; the suite validates every {} \
         against it, so Iglu Central's schemas must be at ../shared/iglu beside the workspace",
        schema.place(),
        path.display(),
        schema.what()
    )
}

/// The textual UUID form (`8-4-4-4-12` hex digits, either case), as JSON Schema's `uuid`
/// format and Snowplow's validator define it.
fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use client_session_core::{ListItemView, ScrollChanged};
    use serde_json::json;

    fn good() -> Value {
        json!({
            "userId": "0f8e2d6c-5a3b-4c1d-9e7f-123456789abc",
            "sessionId": "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e",
            "sessionIndex": 2,
            "previousSessionId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
            "storageMechanism": "LOCAL_STORAGE",
            "firstEventId": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            "firstEventTimestamp": "2023-11-14T22:13:20.000Z",
            "eventIndex": 1
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut entity = good();
        entity[key] = value;
        entity
    }

    fn official(schema: Schema) -> &'static IgluSchema {
        IgluSchema::official(schema).unwrap()
    }

    fn client_session() -> &'static IgluSchema {
        official(Schema::ClientSession)
    }

    /// `object` with `key` set to `value` (`None`: removed).
    fn set(object: &Value, key: &str, value: Option<Value>) -> Value {
        let mut object = object.clone();
        match value {
            Some(value) => object[key] = value,
            None => {
                object.as_object_mut().unwrap().remove(key);
            }
        }
        object
    }

    fn screen() -> Value {
        json!({"name": "home", "id": "6f9619ff-8b86-d011-b42d-00c04fc964ff", "type": "feed"})
    }

    fn summary() -> Value {
        json!({
            "foreground_sec": 2.5, "background_sec": 0, "last_item_index": 3, "items_count": 40,
            "min_x_offset": -2_147_483_647, "max_x_offset": 2_147_483_647, "min_y_offset": 0,
            "max_y_offset": 920, "content_width": 400, "content_height": 9000
        })
    }

    fn screen_view() -> Value {
        json!({
            "name": "home", "id": "6f9619ff-8b86-d011-b42d-00c04fc964ff", "type": "feed",
            "previousName": "a", "previousId": "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e",
            "previousType": "t", "transitionType": "push"
        })
    }

    fn scroll() -> Value {
        json!({
            "x_offset": -2_147_483_647, "y_offset": 120, "view_width": 400, "view_height": 800,
            "content_width": 400, "content_height": 9000
        })
    }

    #[test]
    fn a_good_entity_passes_and_nulls_are_allowed_where_the_schema_says() {
        client_session().validate(&good()).unwrap();
        let mut first = good();
        for key in [
            "previousSessionId",
            "firstEventId",
            "firstEventTimestamp",
            "eventIndex",
        ] {
            first[key] = Value::Null;
        }
        client_session().validate(&first).unwrap();
    }

    #[test]
    fn known_bad_entities_are_rejected() {
        let cases = [
            (
                "empty sessionId (uuid format)",
                with("sessionId", json!("")),
            ),
            (
                "sessionId not a uuid",
                with("sessionId", json!("session-1")),
            ),
            (
                "upper-case userId (pattern)",
                with("userId", json!("0F8E2D6C-5A3B-4C1D-9E7F-123456789ABC")),
            ),
            (
                "timestamp without a zone (date-time format)",
                with("firstEventTimestamp", json!("2023-11-14 22:13:20")),
            ),
            ("empty firstEventId", with("firstEventId", json!(""))),
            (
                "sessionIndex above int32",
                with("sessionIndex", json!(2_147_483_648_u64)),
            ),
            ("negative eventIndex", with("eventIndex", json!(-1))),
            ("unknown storage", with("storageMechanism", json!("SLED"))),
            ("an extra key", with("extra", json!(1))),
            ("missing sessionIndex", set(&good(), "sessionIndex", None)),
        ];
        for (what, entity) in cases {
            let result = client_session().validate(&entity);
            assert!(result.is_err(), "{what}: accepted {entity}");
        }
    }

    /// What the core builds and the reference examples pass, with every optional key there, and
    /// with only the required ones.
    #[test]
    fn good_screen_objects_pass() {
        let item = serde_json::to_value(ListItemView::new(65_535, Some(0)).unwrap()).unwrap();
        let core_scroll = serde_json::to_value(
            ScrollChanged::default()
                .with_x_offset(-2_147_483_647)
                .unwrap()
                .with_content_height(2_147_483_647)
                .unwrap(),
        )
        .unwrap();
        for (schema, object) in [
            (Schema::Screen, screen()),
            (Schema::Screen, set(&screen(), "type", None)),
            (Schema::ScreenSummary, summary()),
            (Schema::ScreenSummary, json!({"foreground_sec": 0})),
            (Schema::ScreenView, screen_view()),
            (
                Schema::ScreenView,
                json!({"name": "a", "id": "6f9619ff-8b86-d011-b42d-00c04fc964ff"}),
            ),
            (Schema::ScreenEnd, json!({})),
            (Schema::ListItemView, item),
            (
                Schema::ListItemView,
                json!({"index": 0, "items_count": null}),
            ),
            (Schema::ScrollChanged, scroll()),
            (Schema::ScrollChanged, core_scroll),
            (Schema::ScrollChanged, json!({})),
        ] {
            assert_eq!(official(schema).validate(&object), Ok(()), "{schema:?}");
        }
    }

    #[test]
    fn known_bad_screen_objects_are_rejected() {
        let uuid = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        let cases = [
            (
                "a summary with a negative foreground_sec",
                Schema::ScreenSummary,
                set(&summary(), "foreground_sec", Some(json!(-1))),
            ),
            (
                "a summary without foreground_sec",
                Schema::ScreenSummary,
                set(&summary(), "foreground_sec", None),
            ),
            (
                "a summary with a fractional item index",
                Schema::ScreenSummary,
                set(&summary(), "last_item_index", Some(json!(1.5))),
            ),
            (
                "a summary with an offset below -2147483647",
                Schema::ScreenSummary,
                set(&summary(), "min_y_offset", Some(json!(-2_147_483_648_i64))),
            ),
            (
                "a screen without id",
                Schema::Screen,
                set(&screen(), "id", None),
            ),
            (
                "a screen whose id is not a uuid",
                Schema::Screen,
                set(&screen(), "id", Some(json!("home-1"))),
            ),
            (
                "a screen with an extra key",
                Schema::Screen,
                set(&screen(), "previousName", Some(json!("a"))),
            ),
            (
                "a screen view without id",
                Schema::ScreenView,
                json!({"name": "home", "type": "feed"}),
            ),
            (
                "a screen view with a previousId that is not a uuid",
                Schema::ScreenView,
                set(&screen_view(), "previousId", Some(json!(""))),
            ),
            (
                "a screen view whose name is a number",
                Schema::ScreenView,
                json!({"name": 1, "id": uuid}),
            ),
            (
                "a screen end with data",
                Schema::ScreenEnd,
                json!({"name": "home"}),
            ),
            (
                "a list item without index",
                Schema::ListItemView,
                json!({"items_count": 4}),
            ),
            (
                "a list item index above 65535",
                Schema::ListItemView,
                json!({"index": 65_536}),
            ),
            (
                "scroll data with a string offset",
                Schema::ScrollChanged,
                set(&scroll(), "y_offset", Some(json!("120"))),
            ),
            (
                "scroll data with a negative width",
                Schema::ScrollChanged,
                set(&scroll(), "view_width", Some(json!(-1))),
            ),
            (
                "scroll data with an extra key",
                Schema::ScrollChanged,
                set(&scroll(), "offset", Some(json!(0))),
            ),
        ];
        for (what, schema, object) in cases {
            let result = official(schema).validate(&object);
            assert!(result.is_err(), "{what}: accepted {object}");
        }
    }

    #[test]
    fn a_rejection_says_where_and_by_which_schema() {
        let message = client_session()
            .validate(&with("sessionId", json!("")))
            .unwrap_err();
        assert!(message.contains("/sessionId"), "{message}");
        assert!(message.contains(Schema::ClientSession.place()), "{message}");
        let message = official(Schema::ScrollChanged)
            .validate(&set(&scroll(), "x_offset", Some(json!("0"))))
            .unwrap_err();
        assert!(message.contains("/x_offset"), "{message}");
        assert!(message.contains(Schema::ScrollChanged.place()), "{message}");
    }

    /// A mobile line as the scenario output writes it: a screen view with its entities.
    fn line() -> Value {
        json!({
            "step": 0, "at_ms": 0, "event": "screen_view",
            "event_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "dtm": 1_700_000_000_000_i64,
            "client_session": good(), "data": screen_view(), "screen": screen(),
            "screen_summary": summary()
        })
    }

    #[test]
    fn a_line_passes_when_every_object_in_it_does() {
        validate_line(&line()).unwrap();
        let mut plain = set(&line(), "data", None);
        plain["event"] = json!("structured");
        plain["screen"] = Value::Null;
        plain["screen_summary"] = Value::Null;
        validate_line(&plain).unwrap();
        let mut end = set(&line(), "data", Some(json!({})));
        end["event"] = json!("screen_end");
        validate_line(&end).unwrap();
    }

    /// Each object of a line is checked against its own schema, and the report names its key.
    #[test]
    fn a_line_with_one_bad_object_is_rejected_naming_it() {
        let cases = [
            ("client_session", with("eventIndex", json!(-1))),
            (
                "screen_summary",
                set(&summary(), "foreground_sec", Some(json!(-1))),
            ),
            ("screen", set(&screen(), "id", None)),
            ("data", set(&screen_view(), "id", None)),
            // Valid scroll data is not valid screen view data.
            ("data", scroll()),
            ("data", Value::Null),
        ];
        for (key, object) in cases {
            let broken = set(&line(), key, Some(object));
            let message = validate_line(&broken).unwrap_err();
            assert!(message.starts_with(&format!("`{key}` ")), "{message}");
        }
        let mut item = set(&line(), "data", Some(json!({"index": -1})));
        item["event"] = json!("list_item_view");
        let message = validate_line(&item).unwrap_err();
        assert!(message.contains(Schema::ListItemView.place()), "{message}");
    }

    #[test]
    fn data_on_a_line_of_another_event_is_rejected() {
        let mut structured = line();
        structured["event"] = json!("structured");
        let message = validate_line(&structured).unwrap_err();
        assert!(message.contains("on a `structured` line"), "{message}");
    }

    #[test]
    fn contexts_are_checked_entity_by_entity_and_other_schemas_pass() {
        let entity = |schema: Schema, data: Value| json!({"schema": schema.uri(), "data": data});
        let contexts = |entities: Vec<Value>| json!({"schema": CONTEXTS_SCHEMA, "data": entities});
        let other = json!({"schema": "iglu:com.acme/thing/jsonschema/1-0-0", "data": {"x": 1}});
        let good = vec![
            entity(Schema::ClientSession, good()),
            other.clone(),
            entity(Schema::Screen, screen()),
            entity(Schema::ScreenSummary, summary()),
        ];
        validate_contexts(&contexts(good.clone())).unwrap();
        validate_self_describing(&entity(Schema::ScrollChanged, scroll())).unwrap();
        validate_self_describing(&other).unwrap();

        let mut bad = good;
        bad[2] = entity(Schema::Screen, set(&screen(), "id", None));
        let message = validate_contexts(&contexts(bad)).unwrap_err();
        assert!(message.contains(SCREEN_SCHEMA), "{message}");
        assert!(validate_self_describing(&entity(
            Schema::ScrollChanged,
            set(&scroll(), "x_offset", Some(json!("1")))
        ))
        .is_err());
        assert!(validate_self_describing(&json!({"data": {}})).is_err());
        assert!(validate_contexts(&json!({"schema": CONTEXTS_SCHEMA, "data": {}})).is_err());
        assert!(validate_contexts(&json!({"schema": SCREEN_SCHEMA, "data": []})).is_err());
    }

    #[test]
    fn a_missing_schema_is_an_error_naming_it_and_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(Schema::ScreenSummary.place());
        let message = IgluSchema::load(Schema::ScreenSummary, &path).unwrap_err();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(
            message.contains("every screen_summary entity against it"),
            "{message}"
        );
        assert!(message.contains("../shared/iglu"), "{message}");
    }

    /// `build.rs` names and embeds the files from its own list of the schemas' places, and the
    /// core's URIs name files that exist.
    #[test]
    fn the_build_script_names_every_schema_file() {
        let listed: Vec<&str> = embedded::OFFICIAL.iter().map(|(place, _)| *place).collect();
        assert_eq!(listed, Schema::ALL.map(Schema::place));
        for schema in Schema::ALL {
            assert!(schema.official_path().is_file(), "{schema:?}");
            assert_eq!(Schema::from_uri(schema.uri()), Some(schema));
            assert_eq!(official(schema).schema(), schema);
        }
        IgluSchema::all_official().unwrap();
        assert_eq!(
            Schema::ClientSession.place(),
            "com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"
        );
    }

    #[test]
    fn uuid_format() {
        assert!(is_uuid("4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e"));
        assert!(is_uuid("4B3C2D1E-0F9A-4B8C-8D7E-6F5A4B3C2D1E"));
        for bad in [
            "",
            "4b3c2d1e0f9a4b8c8d7e6f5a4b3c2d1e",
            "{4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e}",
            "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1g",
            "4b3c2d1e-0f9a-4b8c-8d7e_6f5a4b3c2d1e",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
