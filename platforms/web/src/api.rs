//! The JavaScript API's arguments and results as plain data: every check a call makes on what
//! the page passes, and the shape of what it resolves to.
//!
//! Arguments arrive as JSON (`JSON.stringify` of what the page passed; a missing argument is
//! `null`) and results leave as JSON, so all of this is plain Rust, tested natively; the
//! browser layer only converts. A bad argument is an [`ApiError`] naming the call and the field,
//! which the call's Promise rejects with; nothing here panics on any input.

use client_session_actor::{
    ListItemView, Payload, ScreenView, ScrollChanged, Snapshot, Tracked, TrackedEvent,
};
use client_session_core::{
    ClientSession, Config, ScreenError, ScreenViewFields, ScrollFields, Timeout,
};
use client_session_store_cookie::jar::MAX_ATTRIBUTE_VALUE_BYTES;
use client_session_store_cookie::{CookieOptions, DEFAULT_PREFIX};
use serde_json::{json, Map, Value};

/// `newTracker`.
pub const NEW_TRACKER: &str = "newTracker";
/// `trackPageView`.
pub const TRACK_PAGE_VIEW: &str = "trackPageView";
/// `trackSelfDescribingEvent`.
pub const TRACK_SELF_DESCRIBING_EVENT: &str = "trackSelfDescribingEvent";
/// `trackStructEvent`.
pub const TRACK_STRUCT_EVENT: &str = "trackStructEvent";
/// `trackScreenView`.
pub const TRACK_SCREEN_VIEW: &str = "trackScreenView";
/// `trackListItemView`.
pub const TRACK_LIST_ITEM_VIEW: &str = "trackListItemView";
/// `trackScrollChanged`.
pub const TRACK_SCROLL_CHANGED: &str = "trackScrollChanged";
/// `newSession`.
pub const NEW_SESSION: &str = "newSession";
/// `getSession`.
pub const GET_SESSION: &str = "getSession";
/// `onSessionChange`.
pub const ON_SESSION_CHANGE: &str = "onSessionChange";
/// `shutdown`.
pub const SHUTDOWN: &str = "shutdown";

/// The namespace when `newTracker` is given none (the name Snowplow's snippets use).
pub const DEFAULT_NAMESPACE: &str = "sp";
/// The JavaScript tracker's default `sessionCookieTimeout`, in seconds.
pub const DEFAULT_SESSION_COOKIE_TIMEOUT_S: u32 = 1800;

/// Why a call rejects: `<call>: <what is wrong>`, the message of the `Error` its Promise rejects
/// with (`trackStructEvent: category must be a non-empty string`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    call: &'static str,
    message: String,
}

impl ApiError {
    /// `call` failed for `message`.
    pub fn new(call: &'static str, message: impl Into<String>) -> Self {
        Self {
            call,
            message: message.into(),
        }
    }

    /// `call`'s `field` is wrong: `<call>: <field> <problem>`.
    pub fn field(call: &'static str, field: &str, problem: &str) -> Self {
        Self::new(call, format!("{field} {problem}"))
    }

    /// A number field that is NaN or infinite, which `JSON.stringify` would turn into `null` (read
    /// as unset) without this check.
    pub fn not_finite(call: &'static str, field: &str) -> Self {
        Self::field(call, field, "must be a finite number")
    }

    /// A screen input the core refuses (an empty name, a non-UUID id, a number outside its
    /// schema's range): `<call>: <the core's message>`.
    pub fn screen(call: &'static str, error: &ScreenError) -> Self {
        Self::new(call, error.to_string())
    }

    /// A call made while no tracker runs.
    pub fn no_tracker(call: &'static str) -> Self {
        Self::new(call, "no tracker is running: call newTracker first")
    }

    /// The call that failed.
    pub fn call(&self) -> &'static str {
        self.call
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.call, self.message)
    }
}

impl std::error::Error for ApiError {}

/// `newTracker`'s options after the checks, with the JavaScript tracker's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerOptions {
    /// `namespace`: the tracker's name (informational: one tracker runs per page).
    pub namespace: String,
    /// `cookieDomain`: hashed into the cookie names and written as their `Domain`.
    pub cookie_domain: String,
    /// `cookieName`: the cookie names' prefix.
    pub cookie_name: String,
    /// `sessionCookieTimeout`, in seconds (0: `_sp_ses` lasts the browser session).
    pub session_cookie_timeout: u32,
    /// `anonymousTracking: { withSessionTracking: true }`.
    pub anonymous_tracking: bool,
    /// `screenContext`: the `screen` entity on every event while a screen is current.
    pub screen_context: bool,
    /// `screenEngagementAutotracking`: a `screen_end` with the `screen_summary` before each
    /// later screen view, and list and scroll events folded into the summary.
    pub screen_engagement: bool,
    /// Options given that this tracker does not use (the JavaScript tracker's emitter and
    /// context options, or a misspelt name), for a console warning.
    pub ignored: Vec<String>,
}

impl TrackerOptions {
    /// The actor's configuration: the web reads the session timeout, anonymisation and the
    /// two screen switches (a page has no background, so the mobile timeouts and lifecycle
    /// events never apply).
    #[must_use]
    pub fn config(&self) -> Config {
        Config {
            session_timeout: Timeout::from_secs(self.session_cookie_timeout),
            anonymous: self.anonymous_tracking,
            screen_context: self.screen_context,
            screen_engagement: self.screen_engagement,
            ..Config::default()
        }
    }

    /// Where the cookies live: the domain, path `/` and the prefix.
    #[must_use]
    pub fn cookie_options(&self) -> CookieOptions {
        CookieOptions {
            prefix: self.cookie_name.clone(),
            ..CookieOptions::for_domain(&self.cookie_domain)
        }
    }

    /// What `newTracker` resolves to: the options in force and the two cookie names.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let names = self.cookie_options().names();
        json!({
            "namespace": self.namespace,
            "cookieDomain": self.cookie_domain,
            "cookieName": self.cookie_name,
            "sessionCookieTimeout": self.session_cookie_timeout,
            "anonymousTracking": if self.anonymous_tracking {
                json!({ "withSessionTracking": true })
            } else {
                json!(false)
            },
            "screenContext": self.screen_context,
            "screenEngagementAutotracking": self.screen_engagement,
            "cookieNames": { "id": names.id, "ses": names.ses },
        })
    }
}

/// The options `newTracker` reads; any other is ignored (and listed in
/// [`TrackerOptions::ignored`]).
const TRACKER_OPTIONS: &[&str] = &[
    "namespace",
    "cookieDomain",
    "cookieName",
    "sessionCookieTimeout",
    "anonymousTracking",
    "screenContext",
    "screenEngagementAutotracking",
];

/// Checks `newTracker`'s options (`null` for none) on a page whose `location.hostname` is
/// `page_host`.
///
/// Unset options take the JavaScript tracker's defaults: `cookieName` `_sp_`,
/// `sessionCookieTimeout` 1800, `anonymousTracking` false; `namespace` is `sp`;
/// `screenContext` and `screenEngagementAutotracking` are on, as in the JavaScript tracker's
/// screen tracking plugin and the mobile trackers. `cookieDomain` defaults to the page's host
/// name without a trailing dot, the name the JavaScript tracker hashes when it has no
/// `cookieDomain` and `discoverRootDomain` is off (it then writes host-only cookies, where
/// this tracker writes `Domain=<host>`: give both trackers the same `cookieDomain` to share
/// their cookies).
///
/// # Errors
/// An [`ApiError`] naming the first option that is wrong.
pub fn tracker_options(
    options: &Value,
    page_host: Option<&str>,
) -> Result<TrackerOptions, ApiError> {
    const CALL: &str = NEW_TRACKER;
    let empty = Map::new();
    let options =
        object_argument(CALL, options, "{ namespace, cookieDomain, … }")?.unwrap_or(&empty);

    let namespace = optional_non_empty(CALL, options, "namespace")?
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_owned();

    let cookie_domain = match optional_non_empty(CALL, options, "cookieDomain")? {
        Some(domain) => domain.to_owned(),
        None => {
            let host = page_host.unwrap_or_default();
            let host = host.strip_suffix('.').unwrap_or(host);
            if host.is_empty() {
                return Err(ApiError::field(
                    CALL,
                    "cookieDomain",
                    "must be given on a page without a host name (a file: URL)",
                ));
            }
            host.to_owned()
        }
    };
    if cookie_domain.len() > MAX_ATTRIBUTE_VALUE_BYTES
        || cookie_domain
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == ';' || c == ',')
    {
        return Err(ApiError::field(
            CALL,
            "cookieDomain",
            "must be a domain name (no spaces, ';' or ',', at most 1024 bytes)",
        ));
    }

    let cookie_name = optional_non_empty(CALL, options, "cookieName")?
        .unwrap_or(DEFAULT_PREFIX)
        .to_owned();
    if cookie_name
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, ';' | ',' | '='))
    {
        return Err(ApiError::field(
            CALL,
            "cookieName",
            "must be a cookie name prefix without spaces, ';', ',' or '='",
        ));
    }

    let session_cookie_timeout = match present(options, "sessionCookieTimeout") {
        None => DEFAULT_SESSION_COOKIE_TIMEOUT_S,
        Some(value) => value
            .as_u64()
            .and_then(|secs| u32::try_from(secs).ok())
            .ok_or_else(|| {
                ApiError::field(
                    CALL,
                    "sessionCookieTimeout",
                    "must be a whole number of seconds from 0 to 4294967295",
                )
            })?,
    };

    let anonymous_tracking =
        match present(options, "anonymousTracking") {
            None | Some(Value::Bool(false)) => false,
            Some(Value::Object(anonymous))
                if anonymous.get("withSessionTracking") == Some(&Value::Bool(true)) =>
            {
                true
            }
            Some(_) => return Err(ApiError::field(
                CALL,
                "anonymousTracking",
                "must be false or { withSessionTracking: true } (full anonymous tracking keeps \
                 no session, and sessions are all this tracker keeps)",
            )),
        };

    let screen_context = optional_bool(CALL, options, "screenContext")?.unwrap_or(true);
    let screen_engagement =
        optional_bool(CALL, options, "screenEngagementAutotracking")?.unwrap_or(true);

    let ignored = options
        .keys()
        .filter(|key| !TRACKER_OPTIONS.contains(&key.as_str()))
        .cloned()
        .collect();

    Ok(TrackerOptions {
        namespace,
        cookie_domain,
        cookie_name,
        session_cookie_timeout,
        anonymous_tracking,
        screen_context,
        screen_engagement,
        ignored,
    })
}

/// Checks `trackPageView`'s argument (`{ title }`, or none) and makes the page view of `url`.
///
/// The title is checked (a string or null, as in the JavaScript tracker) but not kept: this
/// tracker's page view carries only the URL, and nothing it resolves to holds the title.
///
/// # Errors
/// An [`ApiError`] when the argument is not an object or `title` is not a string.
pub fn page_view(argument: &Value, url: &str) -> Result<Payload, ApiError> {
    const CALL: &str = TRACK_PAGE_VIEW;
    if let Some(fields) = object_argument(CALL, argument, "{ title }")? {
        optional_string(CALL, fields, "title")?;
    }
    Ok(Payload::PageView {
        url: url.to_owned(),
    })
}

/// Checks `trackSelfDescribingEvent`'s argument, `{ event: { schema, data } }`: `schema` an
/// Iglu URI (`iglu:vendor/name/format/1-0-0`), `data` an object.
///
/// # Errors
/// An [`ApiError`] naming the first field that is wrong.
pub fn self_describing_event(argument: &Value) -> Result<Payload, ApiError> {
    const CALL: &str = TRACK_SELF_DESCRIBING_EVENT;
    let fields = object_argument(CALL, argument, "{ event: { schema, data } }")?
        .ok_or_else(|| ApiError::new(CALL, "needs an argument { event: { schema, data } }"))?;
    let event = match present(fields, "event") {
        Some(Value::Object(event)) => event,
        _ => {
            return Err(ApiError::field(
                CALL,
                "event",
                "must be an object { schema, data }",
            ))
        }
    };
    let schema = match present(event, "schema") {
        Some(Value::String(schema)) if is_iglu_uri(schema) => schema.clone(),
        _ => {
            return Err(ApiError::field(
                CALL,
                "event.schema",
                "must be an Iglu URI such as iglu:com.acme/signup/jsonschema/1-0-0",
            ))
        }
    };
    let data = match present(event, "data") {
        Some(data @ Value::Object(_)) => data.clone(),
        _ => return Err(ApiError::field(CALL, "event.data", "must be an object")),
    };
    Ok(Payload::SelfDescribing { schema, data })
}

/// Checks `trackStructEvent`'s argument, `{ category, action, label, property, value }`:
/// `category` and `action` non-empty strings, `label` and `property` strings, `value` a number
/// (the last three optional).
///
/// # Errors
/// An [`ApiError`] naming the first field that is wrong.
pub fn struct_event(argument: &Value) -> Result<Payload, ApiError> {
    const CALL: &str = TRACK_STRUCT_EVENT;
    let fields = object_argument(CALL, argument, "{ category, action, … }")?
        .ok_or_else(|| ApiError::new(CALL, "needs an argument { category, action, … }"))?;
    let required = |key: &str| {
        optional_non_empty(CALL, fields, key)?
            .map(str::to_owned)
            .ok_or_else(|| ApiError::field(CALL, key, "must be a non-empty string"))
    };
    let category = required("category")?;
    let action = required("action")?;
    let label = optional_string(CALL, fields, "label")?.map(str::to_owned);
    let property = optional_string(CALL, fields, "property")?.map(str::to_owned);
    let value = match present(fields, "value") {
        None => None,
        Some(value) => Some(
            value
                .as_f64()
                .ok_or_else(|| ApiError::field(CALL, "value", "must be a number"))?,
        ),
    };
    Ok(Payload::Structured {
        category,
        action,
        label,
        property,
        value,
    })
}

/// Checks `trackScreenView`'s argument, `{ name, id, type, previousName, previousId,
/// previousType, transitionType }`: `name` a non-empty string, `id` and `previousId` UUIDs, the
/// others strings, all but `name` optional. The tracker fills the id (a random one) and the
/// previous fields the page did not give from the current screen (spec B2 "Screen details").
///
/// # Errors
/// An [`ApiError`] naming the first field that is not of its type, or carrying the core's
/// [`ScreenError`] message (an empty or missing name, an id that is not a UUID).
pub fn screen_view(argument: &Value) -> Result<Payload, ApiError> {
    const CALL: &str = TRACK_SCREEN_VIEW;
    let fields = object_argument(CALL, argument, "{ name, id, type, … }")?
        .ok_or_else(|| ApiError::new(CALL, "needs an argument { name, id, type, … }"))?;
    let fields = ScreenViewFields {
        // A missing name is the core's empty name: one message for both.
        name: optional_string(CALL, fields, "name")?.unwrap_or_default(),
        id: optional_string(CALL, fields, "id")?,
        screen_type: optional_string(CALL, fields, "type")?,
        previous_name: optional_string(CALL, fields, "previousName")?,
        previous_id: optional_string(CALL, fields, "previousId")?,
        previous_type: optional_string(CALL, fields, "previousType")?,
        transition_type: optional_string(CALL, fields, "transitionType")?,
    };
    ScreenView::from_fields(fields)
        .map(Payload::ScreenView)
        .map_err(|error| ApiError::screen(CALL, &error))
}

/// The number fields of `trackListItemView`'s argument, which the browser layer checks for
/// NaN and infinities before `JSON.stringify` turns them into `null`.
pub const LIST_ITEM_VIEW_NUMBERS: &[&str] = &["index", "itemsCount"];

/// Checks `trackListItemView`'s argument, `{ index, itemsCount }`: whole numbers from 0 to
/// 65535, `itemsCount` optional.
///
/// # Errors
/// An [`ApiError`] naming a field that is not a whole number, or carrying the core's
/// [`ScreenError`] message for one outside its range.
pub fn list_item_view(argument: &Value) -> Result<Payload, ApiError> {
    const CALL: &str = TRACK_LIST_ITEM_VIEW;
    let fields = object_argument(CALL, argument, "{ index, itemsCount }")?
        .ok_or_else(|| ApiError::new(CALL, "needs an argument { index, itemsCount }"))?;
    let index = whole_number(CALL, fields, "index")?
        .ok_or_else(|| ApiError::field(CALL, "index", "must be a whole number"))?;
    let items_count = whole_number(CALL, fields, "itemsCount")?;
    ListItemView::new(index, items_count)
        .map(Payload::ListItemView)
        .map_err(|error| ApiError::screen(CALL, &error))
}

/// The number fields of `trackScrollChanged`'s argument (see [`LIST_ITEM_VIEW_NUMBERS`]).
pub const SCROLL_CHANGED_NUMBERS: &[&str] = &[
    "xOffset",
    "yOffset",
    "viewWidth",
    "viewHeight",
    "contentWidth",
    "contentHeight",
];

/// Checks `trackScrollChanged`'s argument, `{ xOffset, yOffset, viewWidth, viewHeight,
/// contentWidth, contentHeight }` (or none): whole numbers, each optional, offsets within
/// ±2147483647 and sizes from 0 to 2147483647.
///
/// # Errors
/// An [`ApiError`] naming a field that is not a whole number, or carrying the core's
/// [`ScreenError`] message for one outside its range.
pub fn scroll_changed(argument: &Value) -> Result<Payload, ApiError> {
    const CALL: &str = TRACK_SCROLL_CHANGED;
    let empty = Map::new();
    let fields =
        object_argument(CALL, argument, "{ xOffset, yOffset, viewWidth, … }")?.unwrap_or(&empty);
    let scroll = ScrollFields {
        x_offset: whole_number(CALL, fields, "xOffset")?,
        y_offset: whole_number(CALL, fields, "yOffset")?,
        view_width: whole_number(CALL, fields, "viewWidth")?,
        view_height: whole_number(CALL, fields, "viewHeight")?,
        content_width: whole_number(CALL, fields, "contentWidth")?,
        content_height: whole_number(CALL, fields, "contentHeight")?,
    };
    ScrollChanged::from_fields(scroll)
        .map(Payload::ScrollChanged)
        .map_err(|error| ApiError::screen(CALL, &error))
}

/// What a `track…` call resolves to: the event as [`tracked`] writes it; for a screen view
/// also `screenEnd`, the `screen_end` sent just before it (`null` when no screen ended);
/// `null` for a list item or scroll event that screen engagement folded into the summary
/// (nothing was sent).
///
/// # Errors
/// An [`ApiError`] for `call` if the entities cannot be written as JSON (they always can).
pub fn track_result(call: &'static str, sent: &Tracked) -> Result<Value, ApiError> {
    let Some(event) = &sent.event else {
        return Ok(Value::Null);
    };
    let mut result = tracked(call, event)?;
    if let (Payload::ScreenView(_), Value::Object(fields)) = (&event.payload, &mut result) {
        let screen_end = match &sent.screen_end {
            Some(end) => tracked(call, end)?,
            None => Value::Null,
        };
        fields.insert("screenEnd".to_owned(), screen_end);
    }
    Ok(result)
}

/// One sent event: `{ event, eventId, dtm, clientSession, contexts, selfDescribingEvent }`.
/// `event` is its name (`page_view`, `structured`, `self_describing`, `screen_view`,
/// `screen_end`, `list_item_view`, `scroll_changed`), `dtm` in Unix milliseconds, `contexts`
/// the tracker protocol's `co` JSON string (`client_session`, then `screen` and
/// `screen_summary` where they apply), `selfDescribingEvent` the `{ schema, data }` of a
/// self-describing event (what the protocol's `ue_pr` wraps), `null` for page views and
/// structured events.
///
/// # Errors
/// An [`ApiError`] for `call` if the entities cannot be written as JSON (they always can).
pub fn tracked(call: &'static str, event: &TrackedEvent) -> Result<Value, ApiError> {
    let contexts = serde_json::to_string(&event.contexts()).map_err(|e| serialising(call, &e))?;
    Ok(json!({
        "event": event.payload.name(),
        "eventId": event.stamp.id.to_string(),
        "dtm": event.stamp.dtm_ms,
        "clientSession": client_session(call, &event.client_session)?,
        "contexts": contexts,
        "selfDescribingEvent": event.payload.self_describing_json(),
    }))
}

/// What `getSession` resolves to: `{ clientSession, newSessionPending }`, the entity of the
/// session the cookies hold now (`null` when there is none) and whether the next event starts
/// a new one.
///
/// # Errors
/// An [`ApiError`] if the entity cannot be written as JSON (it always can).
pub fn session(snapshot: &Snapshot) -> Result<Value, ApiError> {
    let entity = match &snapshot.session {
        Some(entity) => client_session(GET_SESSION, entity)?,
        None => Value::Null,
    };
    Ok(json!({
        "clientSession": entity,
        "newSessionPending": snapshot.new_session_pending,
    }))
}

/// The `client_session` entity's data as JSON (the eight keys, `null` where empty).
///
/// # Errors
/// An [`ApiError`] for `call` if it cannot be written as JSON (it always can).
pub fn client_session(call: &'static str, entity: &ClientSession) -> Result<Value, ApiError> {
    serde_json::to_value(entity).map_err(|e| serialising(call, &e))
}

fn serialising(call: &'static str, error: &serde_json::Error) -> ApiError {
    ApiError::new(call, format!("could not write the result as JSON: {error}"))
}

/// The call's one argument as an object: `None` when it is missing (`null`, as `undefined` and
/// `null` arrive), an error when it is anything but an object.
fn object_argument<'a>(
    call: &'static str,
    argument: &'a Value,
    shape: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match argument {
        Value::Null => Ok(None),
        Value::Object(fields) => Ok(Some(fields)),
        _ => Err(ApiError::new(
            call,
            format!("the argument must be an object {shape}"),
        )),
    }
}

/// A field that is there and not `null` (JavaScript's `undefined` does not survive JSON).
fn present<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    fields.get(key).filter(|value| !value.is_null())
}

fn optional_string<'a>(
    call: &'static str,
    fields: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match present(fields, key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::field(call, key, "must be a string")),
    }
}

fn optional_bool(
    call: &'static str,
    fields: &Map<String, Value>,
    key: &str,
) -> Result<Option<bool>, ApiError> {
    match present(fields, key) {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(ApiError::field(call, key, "must be true or false")),
    }
}

/// A whole number field, for the core's range checks: a whole number beyond `i64` is held at
/// `i64`'s bounds (so the core reports it out of range, as it is), a fraction is refused here.
fn whole_number(
    call: &'static str,
    fields: &Map<String, Value>,
    key: &str,
) -> Result<Option<i64>, ApiError> {
    let Some(value) = present(fields, key) else {
        return Ok(None);
    };
    if let Some(number) = value.as_i64() {
        return Ok(Some(number));
    }
    match value.as_f64() {
        // `as` saturates at i64's bounds, which are outside every schema range.
        #[allow(clippy::cast_possible_truncation)]
        Some(number) if number.is_finite() && number.fract() == 0.0 => Ok(Some(number as i64)),
        _ => Err(ApiError::field(call, key, "must be a whole number")),
    }
}

fn optional_non_empty<'a>(
    call: &'static str,
    fields: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match present(fields, key) {
        None => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text)),
        Some(_) => Err(ApiError::field(call, key, "must be a non-empty string")),
    }
}

/// `iglu:<vendor>/<name>/<format>/<model>-<revision>-<addition>`, the parts non-empty and the
/// version three numbers.
fn is_iglu_uri(uri: &str) -> bool {
    let Some(path) = uri.strip_prefix("iglu:") else {
        return false;
    };
    let parts: Vec<&str> = path.split('/').collect();
    let [vendor, name, format, version] = parts[..] else {
        return false;
    };
    let numbers: Vec<&str> = version.split('-').collect();
    [vendor, name, format].iter().all(|part| !part.is_empty())
        && numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests;
