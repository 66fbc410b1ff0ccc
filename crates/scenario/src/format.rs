//! Parsing and validating scenarios (spec Part C). Errors name the step and the field.

use std::fmt;

use client_session_core::{
    Config, ListItemView, Payload, ScreenError, ScreenView, ScreenViewFields, ScrollChanged,
    ScrollFields, Timeout,
};
use client_session_store_cookie::jar::{MAX_ATTRIBUTE_VALUE_BYTES, MAX_NAME_VALUE_BYTES};
use serde_json::{Map, Value};

/// A parsed, valid scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// What the scenario checks.
    pub name: String,
    /// Which rule set it runs under.
    pub platform: Platform,
    /// Wall clock (Unix ms) at tracker start, before the first step.
    pub start_ms: i64,
    /// The configuration.
    pub config: ScenarioConfig,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// Which rule set a scenario runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Android, iOS, desktop (spec A2 + B).
    Mobile,
    /// The browser, with the JavaScript tracker's cookies (spec A3).
    Web,
}

/// A scenario's `config`: every key optional, reference defaults otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioConfig {
    /// The tracker's configuration (the web's `session_timeout_s` is its `session_timeout`).
    pub session: Config,
    /// Web: the cookie domain (default `example.test`).
    pub cookie_domain: String,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        Self {
            session: Config::default(),
            cookie_domain: "example.test".into(),
        }
    }
}

/// One step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Milliseconds since `start_ms`; never decreases from step to step.
    pub at_ms: i64,
    /// The wall clock for this step when it differs from `at_ms` (to move it backwards).
    pub clock_ms: Option<i64>,
    /// What happens.
    pub op: Op,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Track an event, built from the step's fields.
    Track(Payload),
    /// The app goes to the background.
    Background,
    /// The app comes to the foreground.
    Foreground,
    /// Ask for a new session.
    NewSession,
    /// Pause timeout checks.
    Pause,
    /// Resume timeout checks.
    Resume,
    /// Set anonymisation.
    Anonymous(bool),
    /// Forget the user (B mobile: a new user, whose first session starts at the next event;
    /// on the web it does nothing for now).
    ClearUserData,
    /// End the tracker cleanly and start a new one on the same store.
    Restart,
    /// Web: another tab or the JavaScript tracker writes a cookie (on mobile: nothing).
    SetCookie(SetCookie),
}

/// A `set_cookie` step: a cookie written by someone else than this tracker, at the step's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// The cookie's name, such as `_sp_ses.8e5d`.
    pub name: String,
    /// The cookie's value, as `document.cookie` would hold it.
    pub value: String,
    /// Lifetime in seconds from the step's time; `None` for a cookie without expiry, 0 or
    /// below deletes the cookie.
    pub max_age_s: Option<i64>,
}

/// Every key a step may have (Part C); any other is an error.
pub const STEP_KEYS: [&str; 21] = [
    "at_ms",
    "clock_ms",
    "op",
    "event",
    "value",
    "name",
    "max_age_s",
    "screen_id",
    "type",
    "previous_name",
    "previous_id",
    "previous_type",
    "transition_type",
    "index",
    "items_count",
    "x_offset",
    "y_offset",
    "view_width",
    "view_height",
    "content_width",
    "content_height",
];

/// The step keys of a `screen_view` beyond `name`.
const SCREEN_VIEW_KEYS: [&str; 6] = [
    "screen_id",
    "type",
    "previous_name",
    "previous_id",
    "previous_type",
    "transition_type",
];

/// The step keys of a `list_item_view`.
const LIST_ITEM_KEYS: [&str; 2] = ["index", "items_count"];

/// The step keys of a `scroll_changed`, in the schema's order.
const SCROLL_KEYS: [&str; 6] = [
    "x_offset",
    "y_offset",
    "view_width",
    "view_height",
    "content_width",
    "content_height",
];

/// The kinds of event a scenario tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    /// `screen_view`
    ScreenView,
    /// `structured`
    Structured,
    /// `self_describing`
    SelfDescribing,
    /// `page_view`
    PageView,
    /// `list_item_view`
    ListItemView,
    /// `scroll_changed`
    ScrollChanged,
}

impl EventName {
    /// Every kind, for reading a name back.
    pub const ALL: [Self; 6] = [
        Self::ScreenView,
        Self::Structured,
        Self::SelfDescribing,
        Self::PageView,
        Self::ListItemView,
        Self::ScrollChanged,
    ];

    /// The name a scenario and its output lines use.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ScreenView => "screen_view",
            Self::Structured => "structured",
            Self::SelfDescribing => "self_describing",
            Self::PageView => "page_view",
            Self::ListItemView => "list_item_view",
            Self::ScrollChanged => "scroll_changed",
        }
    }

    /// The payload of a step of this kind without optional fields (a `screen_view` named
    /// `screen`, a `list_item_view` of index 0, a `scroll_changed` with nothing set).
    #[must_use]
    pub fn payload(self) -> Payload {
        match self {
            Self::ScreenView => Payload::ScreenView(default_screen_view()),
            Self::Structured => Payload::structured("scenario", "step"),
            Self::SelfDescribing => Payload::SelfDescribing {
                schema: "iglu:com.example/scenario_step/jsonschema/1-0-0".into(),
                data: Value::Object(Map::new()),
            },
            Self::PageView => Payload::PageView {
                url: "https://example.test/".into(),
            },
            Self::ListItemView => Payload::ListItemView(ListItemView::default()),
            Self::ScrollChanged => Payload::ScrollChanged(ScrollChanged::default()),
        }
    }
}

/// The screen view a step names nothing for (Part C: `name` defaults to `screen`).
fn default_screen_view() -> ScreenView {
    match ScreenView::new(DEFAULT_SCREEN_NAME) {
        Ok(view) => view,
        // The constant is not empty; the arm only satisfies the type.
        Err(_) => unreachable!("the default screen name is not empty"),
    }
}

/// Part C: a `screen_view` step without `name`.
const DEFAULT_SCREEN_NAME: &str = "screen";

/// A problem with a scenario, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The 0-based step index, when the problem is in a step.
    pub step: Option<usize>,
    /// The field, as a path (`config.foreground_timeout_s`, `op`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(step) => write!(f, "step {step}, field `{}`: {}", self.field, self.message),
            None => write!(f, "field `{}`: {}", self.field, self.message),
        }
    }
}

/// How many characters of a rejected input a message keeps. A value can be megabytes long,
/// and an error message must stay small enough to read and to log.
const QUOTED_CHARS: usize = 32;

/// `text` whole when short; otherwise its first [`QUOTED_CHARS`] characters, `…` and its
/// length in bytes.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
    }
}

/// `text` quoted as Rust's `{:?}` does, cut like [`shortened`] with the marker outside the quotes.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
    }
}

fn error(step: Option<usize>, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        step,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Parses and validates a whole scenario.
///
/// # Errors
/// The first problem found: malformed JSON, an unknown or missing key, a value of the wrong
/// type or range, an unknown op or event, or `at_ms` decreasing.
///
/// ```
/// let s = client_session_scenario::parse(r#"{"name":"n","platform":"mobile","start_ms":0,
///     "steps":[{"at_ms":0,"op":"track","event":"screen_view"},{"at_ms":-1,"op":"pause"}]}"#);
/// assert_eq!(s.unwrap_err().to_string(), "step 1, field `at_ms`: decreases (from 0 to -1)");
/// ```
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| error(None, "", format!("malformed JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| error(None, "", "a scenario is a JSON object"))?;
    known_keys(
        object,
        &["name", "platform", "start_ms", "config", "steps"],
        None,
        "",
    )?;
    let name = string(object, "name", None)?.to_owned();
    let platform = match string(object, "platform", None)? {
        "mobile" => Platform::Mobile,
        "web" => Platform::Web,
        other => {
            return Err(error(
                None,
                "platform",
                format!("unknown platform {} (mobile or web)", quoted(other)),
            ))
        }
    };
    let start_ms = integer(object, "start_ms", None)?;
    let config = match object.get("config") {
        None => ScenarioConfig::default(),
        Some(config) => parse_config(config)?,
    };
    let steps = object
        .get("steps")
        .ok_or_else(|| error(None, "steps", "missing"))?
        .as_array()
        .ok_or_else(|| error(None, "steps", "must be an array"))?;
    let mut parsed = Vec::with_capacity(steps.len());
    let mut last_at = i64::MIN;
    for (index, step) in steps.iter().enumerate() {
        let step = parse_step(step, index, true)?;
        if step.at_ms < last_at {
            return Err(error(
                Some(index),
                "at_ms",
                format!("decreases (from {last_at} to {})", step.at_ms),
            ));
        }
        last_at = step.at_ms;
        parsed.push(step);
    }
    Ok(Scenario {
        name,
        platform,
        start_ms,
        config,
        steps: parsed,
    })
}

fn parse_config(value: &Value) -> Result<ScenarioConfig, ScenarioError> {
    let object = value
        .as_object()
        .ok_or_else(|| error(None, "config", "must be an object"))?;
    known_keys(
        object,
        &[
            "foreground_timeout_s",
            "background_timeout_s",
            "session_timeout_s",
            "lifecycle_events",
            "continue_session_on_restart",
            "anonymous",
            "cookie_domain",
            "screen_context",
            "screen_engagement",
        ],
        None,
        "config.",
    )?;
    let mut config = ScenarioConfig::default();
    let timeout = |key: &str| -> Result<Option<u32>, ScenarioError> {
        let field = format!("config.{key}");
        match object.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| error(None, &field, "must be whole seconds from 0 to 4294967295")),
        }
    };
    let flag = |key: &str| -> Result<Option<bool>, ScenarioError> {
        match object.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| error(None, &format!("config.{key}"), "must be true or false")),
        }
    };
    if let Some(s) = timeout("foreground_timeout_s")? {
        config.session.foreground_timeout = Timeout::from_secs(s);
    }
    if let Some(s) = timeout("background_timeout_s")? {
        config.session.background_timeout = Timeout::from_secs(s);
    }
    if let Some(s) = timeout("session_timeout_s")? {
        config.session.session_timeout = Timeout::from_secs(s);
    }
    if let Some(b) = flag("lifecycle_events")? {
        config.session.lifecycle_events = b;
    }
    if let Some(b) = flag("continue_session_on_restart")? {
        config.session.continue_session_on_restart = b;
    }
    if let Some(b) = flag("anonymous")? {
        config.session.anonymous = b;
    }
    if let Some(b) = flag("screen_context")? {
        config.session.screen_context = b;
    }
    if let Some(b) = flag("screen_engagement")? {
        config.session.screen_engagement = b;
    }
    if let Some(domain) = object.get("cookie_domain") {
        let domain = domain
            .as_str()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| error(None, "config.cookie_domain", "must be a non-empty string"))?;
        // Every cookie carries it as its `Domain`: longer, the jar refuses every write.
        if domain.len() > MAX_ATTRIBUTE_VALUE_BYTES {
            return Err(error(
                None,
                "config.cookie_domain",
                format!(
                    "{} bytes, above the {MAX_ATTRIBUTE_VALUE_BYTES} a browser takes in a Domain attribute",
                    domain.len()
                ),
            ));
        }
        config.cookie_domain = domain.to_owned();
    }
    Ok(config)
}

/// Parses one step object. With `timed` (replay), `at_ms` is required; without it (the live
/// `run` driver), `at_ms` and `clock_ms` may be given and are only type-checked.
///
/// # Errors
/// The first problem in the step, naming `index` and the field.
pub fn parse_step(value: &Value, index: usize, timed: bool) -> Result<Step, ScenarioError> {
    let step = Some(index);
    let object = value
        .as_object()
        .ok_or_else(|| error(step, "", "a step is a JSON object"))?;
    known_keys(object, &STEP_KEYS, step, "")?;
    let at_ms = match (object.contains_key("at_ms"), timed) {
        (true, _) | (false, true) => integer(object, "at_ms", step)?,
        (false, false) => 0,
    };
    let clock_ms = match object.get("clock_ms") {
        None => None,
        Some(_) => Some(integer(object, "clock_ms", step)?),
    };
    let op_name = string(object, "op", step)?;
    let op = match op_name {
        "track" => {
            let name = string(object, "event", step)?;
            let kind = EventName::ALL
                .into_iter()
                .find(|event| event.as_str() == name)
                .ok_or_else(|| error(step, "event", format!("unknown event {}", quoted(name))))?;
            Op::Track(parse_payload(object, kind, step)?)
        }
        "background" => Op::Background,
        "foreground" => Op::Foreground,
        "new_session" => Op::NewSession,
        "pause" => Op::Pause,
        "resume" => Op::Resume,
        "anonymous" => Op::Anonymous(
            object
                .get("value")
                .ok_or_else(|| error(step, "value", "missing (true or false)"))?
                .as_bool()
                .ok_or_else(|| error(step, "value", "must be true or false"))?,
        ),
        "clear_user_data" => Op::ClearUserData,
        "restart" => Op::Restart,
        "set_cookie" => Op::SetCookie(parse_set_cookie(object, step)?),
        other => return Err(error(step, "op", format!("unknown op {}", quoted(other)))),
    };
    if object.contains_key("event") && op_name != "track" {
        return Err(error(
            step,
            "event",
            format!("only `track` takes an event, not `{op_name}`"),
        ));
    }
    if object.contains_key("value") && op_name != "anonymous" && op_name != "set_cookie" {
        return Err(error(
            step,
            "value",
            format!("only `anonymous` and `set_cookie` take a value, not `{op_name}`"),
        ));
    }
    let event = object.get("event").and_then(Value::as_str);
    if object.contains_key("name") && op_name != "set_cookie" && event != Some("screen_view") {
        return Err(error(
            step,
            "name",
            format!("only `set_cookie` and a `screen_view` take `name`, not `{op_name}`"),
        ));
    }
    if object.contains_key("max_age_s") && op_name != "set_cookie" {
        return Err(error(
            step,
            "max_age_s",
            format!("only `set_cookie` takes `max_age_s`, not `{op_name}`"),
        ));
    }
    for (keys, owner) in [
        (&SCREEN_VIEW_KEYS[..], "screen_view"),
        (&LIST_ITEM_KEYS[..], "list_item_view"),
        (&SCROLL_KEYS[..], "scroll_changed"),
    ] {
        if let Some(key) = keys.iter().find(|key| object.contains_key(**key)) {
            if event != Some(owner) {
                return Err(error(step, key, format!("only a `{owner}` takes `{key}`")));
            }
        }
    }
    Ok(Step {
        at_ms,
        clock_ms,
        op,
    })
}

/// The payload of a `track` step of `kind`, from its optional fields (Part C), checked as the
/// schemas require: a typed error names the field.
fn parse_payload(
    object: &Map<String, Value>,
    kind: EventName,
    step: Option<usize>,
) -> Result<Payload, ScenarioError> {
    let screen_error = |e: ScreenError| match e {
        ScreenError::EmptyName => error(step, "name", "must not be empty"),
        ScreenError::InvalidId { field, .. } => {
            let key = if field == "id" {
                "screen_id"
            } else {
                "previous_id"
            };
            error(step, key, e.to_string())
        }
        ScreenError::OutOfRange { field, .. } => error(step, field, e.to_string()),
    };
    let optional_string = |key: &str| -> Result<Option<&str>, ScenarioError> {
        object
            .get(key)
            .map(|_| string(object, key, step))
            .transpose()
    };
    let optional_integer = |key: &str| -> Result<Option<i64>, ScenarioError> {
        object
            .get(key)
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| error(step, key, "must be a signed 64-bit integer"))
            })
            .transpose()
    };
    Ok(match kind {
        EventName::ScreenView => {
            let fields = ScreenViewFields {
                name: optional_string("name")?.unwrap_or(DEFAULT_SCREEN_NAME),
                id: optional_string("screen_id")?,
                screen_type: optional_string("type")?,
                previous_name: optional_string("previous_name")?,
                previous_id: optional_string("previous_id")?,
                previous_type: optional_string("previous_type")?,
                transition_type: optional_string("transition_type")?,
            };
            Payload::ScreenView(ScreenView::from_fields(fields).map_err(screen_error)?)
        }
        EventName::ListItemView => {
            let index = integer(object, "index", step)?;
            let items_count = optional_integer("items_count")?;
            Payload::ListItemView(ListItemView::new(index, items_count).map_err(screen_error)?)
        }
        EventName::ScrollChanged => {
            let fields = ScrollFields {
                x_offset: optional_integer("x_offset")?,
                y_offset: optional_integer("y_offset")?,
                view_width: optional_integer("view_width")?,
                view_height: optional_integer("view_height")?,
                content_width: optional_integer("content_width")?,
                content_height: optional_integer("content_height")?,
            };
            Payload::ScrollChanged(ScrollChanged::from_fields(fields).map_err(screen_error)?)
        }
        other => other.payload(),
    })
}

/// The fields of a `set_cookie` step. Name and value are held to what a page can write through
/// `document.cookie` in one cookie (RFC 6265 `cookie-name` and `cookie-value` without the
/// quotes), so a scenario cannot ask the jar for a cookie no browser would store.
fn parse_set_cookie(
    object: &Map<String, Value>,
    step: Option<usize>,
) -> Result<SetCookie, ScenarioError> {
    let name = string(object, "name", step)?;
    if name.is_empty() {
        return Err(error(step, "name", "must not be empty"));
    }
    if let Some(bad) = name.chars().find(|&c| !is_token_char(c)) {
        return Err(error(
            step,
            "name",
            format!(
                "{} holds {bad:?}, which a cookie name cannot hold",
                quoted(name)
            ),
        ));
    }
    let value = string(object, "value", step)?;
    if let Some(bad) = value.chars().find(|&c| !is_cookie_octet(c)) {
        return Err(error(
            step,
            "value",
            format!(
                "{} holds {bad:?}, which a cookie value cannot hold",
                quoted(value)
            ),
        ));
    }
    // A browser ignores a larger cookie and the jar refuses it; refused here, the scenario
    // fails validation before any step runs (spec D) instead of at this step.
    let bytes = name.len() + value.len();
    if bytes > MAX_NAME_VALUE_BYTES {
        return Err(error(
            step,
            "value",
            format!(
                "name and value are {bytes} bytes together, above the {MAX_NAME_VALUE_BYTES} a browser stores"
            ),
        ));
    }
    let max_age_s = match object.get("max_age_s") {
        None => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            error(
                step,
                "max_age_s",
                "must be a signed 64-bit integer (seconds)",
            )
        })?),
    };
    Ok(SetCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        max_age_s,
    })
}

/// RFC 2616 `token` characters (a cookie name): visible ASCII without separators.
fn is_token_char(c: char) -> bool {
    c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(c)
}

/// RFC 6265 `cookie-octet`: visible ASCII except `"`, `,`, `;` and `\`.
fn is_cookie_octet(c: char) -> bool {
    c.is_ascii_graphic() && !"\",;\\".contains(c)
}

fn known_keys(
    object: &Map<String, Value>,
    known: &[&str],
    step: Option<usize>,
    prefix: &str,
) -> Result<(), ScenarioError> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(error(
            step,
            &format!("{prefix}{}", shortened(unknown)),
            "unknown key",
        )),
        None => Ok(()),
    }
}

fn string<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    step: Option<usize>,
) -> Result<&'a str, ScenarioError> {
    object
        .get(key)
        .ok_or_else(|| error(step, key, "missing"))?
        .as_str()
        .ok_or_else(|| error(step, key, "must be a string"))
}

fn integer(
    object: &Map<String, Value>,
    key: &str,
    step: Option<usize>,
) -> Result<i64, ScenarioError> {
    object
        .get(key)
        .ok_or_else(|| error(step, key, "missing"))?
        .as_i64()
        .ok_or_else(|| error(step, key, "must be a signed 64-bit integer (milliseconds)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_steps(steps: &str) -> String {
        format!(r#"{{"name":"n","platform":"mobile","start_ms":1700000000000,"steps":{steps}}}"#)
    }

    #[test]
    fn parses_every_op_and_config_key() {
        let text = r#"{"name":"all","platform":"mobile","start_ms":5,
          "config":{"foreground_timeout_s":10,"background_timeout_s":0,"session_timeout_s":7,"lifecycle_events":false,
                    "continue_session_on_restart":true,"anonymous":true,"cookie_domain":"a.test"},
          "steps":[{"at_ms":0,"op":"track","event":"screen_view"},{"at_ms":0,"op":"track","event":"structured"},
                   {"at_ms":0,"op":"track","event":"self_describing"},{"at_ms":0,"op":"track","event":"page_view"},
                   {"at_ms":1,"op":"background"},{"at_ms":1,"op":"foreground"},{"at_ms":1,"op":"new_session"},
                   {"at_ms":1,"op":"pause"},{"at_ms":1,"op":"resume"},{"at_ms":1,"op":"anonymous","value":false},
                   {"at_ms":2,"clock_ms":-5,"op":"restart"},{"at_ms":2,"op":"clear_user_data"}]}"#;
        let s = parse(text).unwrap();
        assert_eq!(s.start_ms, 5);
        assert_eq!(s.config.session.foreground_timeout, Timeout::from_secs(10));
        assert_eq!(s.config.session.background_timeout, Timeout::from_secs(0));
        assert!(!s.config.session.lifecycle_events);
        assert!(s.config.session.continue_session_on_restart && s.config.session.anonymous);
        assert_eq!(s.config.cookie_domain, "a.test");
        assert_eq!(s.config.session.session_timeout, Timeout::from_secs(7));
        assert_eq!(s.steps.len(), 12);
        assert_eq!(s.steps[11].op, Op::ClearUserData);
        assert_eq!(s.steps[9].op, Op::Anonymous(false));
        assert_eq!(
            s.steps[10],
            Step {
                at_ms: 2,
                clock_ms: Some(-5),
                op: Op::Restart
            }
        );
    }

    #[test]
    fn errors_name_step_and_field() {
        let cases = [
            (with_steps(r#"[{"at_ms":0,"op":"jump"}]"#), "step 0, field `op`: unknown op \"jump\""),
            (with_steps(r#"[{"at_ms":0,"op":"track"}]"#), "step 0, field `event`: missing"),
            (with_steps(r#"[{"at_ms":0,"op":"track","event":"click"}]"#), "step 0, field `event`: unknown event \"click\""),
            (with_steps(r#"[{"op":"pause"}]"#), "step 0, field `at_ms`: missing"),
            (with_steps(r#"[{"at_ms":"0","op":"pause"}]"#), "step 0, field `at_ms`: must be a signed 64-bit integer (milliseconds)"),
            (with_steps(r#"[{"at_ms":5,"op":"pause"},{"at_ms":4,"op":"resume"}]"#), "step 1, field `at_ms`: decreases (from 5 to 4)"),
            (with_steps(r#"[{"at_ms":0,"op":"anonymous"}]"#), "step 0, field `value`: missing (true or false)"),
            (with_steps(r#"[{"at_ms":0,"op":"pause","value":true}]"#), "step 0, field `value`: only `anonymous` and `set_cookie` take a value, not `pause`"),
            (with_steps(r#"[{"at_ms":0,"op":"pause","extra":1}]"#), "step 0, field `extra`: unknown key"),
            (with_steps(r#"[3]"#), "step 0, field ``: a step is a JSON object"),
            (with_steps(r#"{}"#), "field `steps`: must be an array"),
            (r#"{"name":"n","platform":"tv","start_ms":0,"steps":[]}"#.into(), "field `platform`: unknown platform \"tv\" (mobile or web)"),
            (r#"{"name":"n","platform":"mobile","start_ms":0,"steps":[],"config":{"foreground_timeout_s":-1}}"#.into(),
             "field `config.foreground_timeout_s`: must be whole seconds from 0 to 4294967295"),
            (r#"{"name":"n","platform":"mobile","start_ms":0,"steps":[],"config":{"foreground_timeout_s":4294967296}}"#.into(),
             "field `config.foreground_timeout_s`: must be whole seconds from 0 to 4294967295"),
            (r#"{"name":"n","platform":"mobile","start_ms":0,"steps":[],"config":{"tz":1}}"#.into(), "field `config.tz`: unknown key"),
            (r#"{"platform":"mobile","start_ms":0,"steps":[]}"#.into(), "field `name`: missing"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(&text).unwrap_err().to_string(), expected, "{text}");
        }
        assert!(parse("{")
            .unwrap_err()
            .to_string()
            .starts_with("field ``: malformed JSON"));
    }

    fn set_cookie(step: &str) -> Result<Op, String> {
        parse(&with_steps(&format!("[{step}]")))
            .map(|s| s.steps[0].op.clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn set_cookie_parses_with_and_without_max_age() {
        assert_eq!(
            set_cookie(
                r#"{"at_ms":0,"op":"set_cookie","name":"_sp_ses.8e5d","value":"*","max_age_s":1800}"#
            ),
            Ok(Op::SetCookie(SetCookie {
                name: "_sp_ses.8e5d".into(),
                value: "*".into(),
                max_age_s: Some(1800)
            }))
        );
        let id =
            "0123456789abcdef.1699999000.3.1699999990..aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa...0";
        assert_eq!(
            set_cookie(&format!(
                r#"{{"at_ms":0,"op":"set_cookie","name":"_sp_id.8e5d","value":"{id}"}}"#
            )),
            Ok(Op::SetCookie(SetCookie {
                name: "_sp_id.8e5d".into(),
                value: id.into(),
                max_age_s: None
            }))
        );
        // 0 and below delete; an empty value is a value.
        assert_eq!(
            set_cookie(r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"","max_age_s":-5}"#),
            Ok(Op::SetCookie(SetCookie {
                name: "a".into(),
                value: String::new(),
                max_age_s: Some(-5)
            }))
        );
    }

    #[test]
    fn screen_fields_build_the_payload_and_bad_ones_name_step_and_field() {
        let step = parse_step(
            &serde_json::from_str(
                r#"{"at_ms":0,"op":"track","event":"screen_view","name":"a","type":"t",
                    "screen_id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","previous_name":"p",
                    "transition_type":"push"}"#,
            )
            .unwrap(),
            0,
            true,
        )
        .unwrap();
        let Op::Track(Payload::ScreenView(view)) = step.op else {
            panic!("{:?}", step.op)
        };
        assert_eq!(
            serde_json::to_string(&view).unwrap(),
            r#"{"name":"a","id":"6f9619ff-8b86-d011-b42d-00c04fc964ff","type":"t","previousName":"p","transitionType":"push"}"#
        );
        let default = parse_step(
            &serde_json::from_str(r#"{"at_ms":0,"op":"track","event":"screen_view"}"#).unwrap(),
            0,
            true,
        )
        .unwrap();
        assert_eq!(
            default.op,
            Op::Track(Payload::screen_view("screen").unwrap())
        );
        let cases = [
            (
                r#"{"at_ms":0,"op":"track","event":"screen_view","name":""}"#,
                "step 0, field `name`: must not be empty",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"screen_view","screen_id":"x"}"#,
                "step 0, field `screen_id`: `id` must be a UUID, not \"x\"",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"screen_view","previous_id":"7"}"#,
                "step 0, field `previous_id`: `previousId` must be a UUID, not \"7\"",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"list_item_view"}"#,
                "step 0, field `index`: missing",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"list_item_view","index":65536}"#,
                "step 0, field `index`: `index` must be from 0 to 65535, not 65536",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"scroll_changed","view_height":-1}"#,
                "step 0, field `view_height`: `view_height` must be from 0 to 2147483647, not -1",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"scroll_changed","y_offset":"1"}"#,
                "step 0, field `y_offset`: must be a signed 64-bit integer",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"structured","index":1}"#,
                "step 0, field `index`: only a `list_item_view` takes `index`",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"list_item_view","index":1,"type":"t"}"#,
                "step 0, field `type`: only a `screen_view` takes `type`",
            ),
            (
                r#"{"at_ms":0,"op":"pause","x_offset":1}"#,
                "step 0, field `x_offset`: only a `scroll_changed` takes `x_offset`",
            ),
        ];
        for (text, message) in cases {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                parse_step(&value, 0, true).unwrap_err().to_string(),
                message,
                "{text}"
            );
        }
    }

    #[test]
    fn set_cookie_errors_name_step_and_field() {
        let cases = [
            (
                r#"{"at_ms":0,"op":"set_cookie","value":"*"}"#,
                "step 0, field `name`: missing",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a"}"#,
                "step 0, field `value`: missing",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":7,"value":"*"}"#,
                "step 0, field `name`: must be a string",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":true}"#,
                "step 0, field `value`: must be a string",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"","value":"*"}"#,
                "step 0, field `name`: must not be empty",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a=b","value":"*"}"#,
                "step 0, field `name`: \"a=b\" holds '=', which a cookie name cannot hold",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a b","value":"*"}"#,
                "step 0, field `name`: \"a b\" holds ' ', which a cookie name cannot hold",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"x;y"}"#,
                "step 0, field `value`: \"x;y\" holds ';', which a cookie value cannot hold",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"é"}"#,
                "step 0, field `value`: \"é\" holds 'é', which a cookie value cannot hold",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"*","max_age_s":1.5}"#,
                "step 0, field `max_age_s`: must be a signed 64-bit integer (seconds)",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"*","max_age_s":"60"}"#,
                "step 0, field `max_age_s`: must be a signed 64-bit integer (seconds)",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"*","event":"page_view"}"#,
                "step 0, field `event`: only `track` takes an event, not `set_cookie`",
            ),
            (
                r#"{"at_ms":0,"op":"pause","name":"a"}"#,
                "step 0, field `name`: only `set_cookie` and a `screen_view` take `name`, not `pause`",
            ),
            (
                r#"{"at_ms":0,"op":"track","event":"page_view","max_age_s":1}"#,
                "step 0, field `max_age_s`: only `set_cookie` takes `max_age_s`, not `track`",
            ),
            (
                r#"{"at_ms":0,"op":"set_cookie","name":"a","value":"*","domain":"x"}"#,
                "step 0, field `domain`: unknown key",
            ),
        ];
        for (step, expected) in cases {
            assert_eq!(set_cookie(step).unwrap_err(), expected, "{step}");
        }
    }

    /// Spec D: a scenario is validated whole before anything runs, so a cookie the jar would
    /// refuse at its step (RFC 6265bis: name and value above 4096 bytes together) is bad
    /// input here, not a failure after earlier lines were printed.
    #[test]
    fn set_cookie_beyond_what_a_browser_stores_is_an_error() {
        let step = |value_bytes: usize| {
            format!(
                r#"{{"at_ms":0,"op":"set_cookie","name":"_sp_id.8e5d","value":"{}"}}"#,
                "1".repeat(value_bytes)
            )
        };
        // 11 bytes of name: 4085 of value is the most a browser keeps.
        assert!(set_cookie(&step(4085)).is_ok());
        assert_eq!(
            set_cookie(&step(4086)).unwrap_err(),
            "step 0, field `value`: name and value are 4097 bytes together, above the 4096 a browser stores"
        );
    }

    #[test]
    fn a_cookie_domain_no_cookie_can_carry_is_an_error() {
        let with_domain = |domain: &str| {
            parse(&format!(
                r#"{{"name":"n","platform":"web","start_ms":0,"config":{{"cookie_domain":"{domain}"}},"steps":[]}}"#
            ))
        };
        assert!(with_domain(&"a".repeat(1024)).is_ok());
        assert_eq!(
            with_domain(&"a".repeat(1025)).unwrap_err().to_string(),
            "field `config.cookie_domain`: 1025 bytes, above the 1024 a browser takes in a Domain attribute"
        );
    }

    #[test]
    fn long_inputs_are_cut_in_messages() {
        let long = "é".repeat(1000);
        let kept = "é".repeat(QUOTED_CHARS);
        let cases = [
            (
                with_steps(&format!(r#"[{{"at_ms":0,"op":"track","event":"{long}"}}]"#)),
                format!("step 0, field `event`: unknown event \"{kept}\"… (2000 bytes)"),
            ),
            (
                with_steps(&format!(r#"[{{"at_ms":0,"op":"{long}"}}]"#)),
                format!("step 0, field `op`: unknown op \"{kept}\"… (2000 bytes)"),
            ),
            (
                with_steps(&format!(r#"[{{"at_ms":0,"op":"pause","{long}":1}}]"#)),
                format!("step 0, field `{kept}… (2000 bytes)`: unknown key"),
            ),
            (
                format!(r#"{{"name":"n","platform":"{long}","start_ms":0,"steps":[]}}"#),
                format!(
                    "field `platform`: unknown platform \"{kept}\"… (2000 bytes) (mobile or web)"
                ),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(&text).unwrap_err().to_string(), expected);
        }
        // Exactly the limit is kept whole.
        assert_eq!(quoted(&kept), format!("{kept:?}"));
        assert_eq!(shortened(&kept), kept);
    }

    #[test]
    fn untimed_steps_need_no_at_ms() {
        let step = parse_step(
            &serde_json::json!({"op": "track", "event": "page_view"}),
            3,
            false,
        )
        .unwrap();
        assert_eq!(step.op, Op::Track(EventName::PageView.payload()));
        let err = parse_step(
            &serde_json::json!({"op": "track", "event": "page_view"}),
            3,
            true,
        )
        .unwrap_err();
        assert_eq!(err.step, Some(3));
        assert_eq!(err.field, "at_ms");
    }
}
