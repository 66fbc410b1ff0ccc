//! The properties the fuzz targets check, one function per target, shared by the `cargo fuzz`
//! targets in `fuzz/` (nightly) and by the stable replay of `fuzz/regressions/<target>/` in
//! `suite/fuzz_regressions.rs`, so a regression case is checked by the very code that found it.
//!
//! Each function takes arbitrary bytes and returns the path the input took ([`Path`], for the
//! replay to show that the regression cases cover more than the rejection of garbage) or the
//! property it violated, as text. A panic inside the code under test is a failure too: the fuzzer
//! reports it as a crash and the replay test fails on it.

use std::fs;
use std::future::Future;
use std::path::{Path as FsPath, PathBuf};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use client_session_core::{
    Config, EventStamp, Payload, PersistedSession, PreviousRun, SessionState, StorageMechanism,
    UserId, MAX_INDEX,
};
use client_session_scenario::schema::check_client_session;
use client_session_scenario::{parse, parse_step, Op, Platform, Scenario, Step, STEP_KEYS};
use client_session_store::record::{self, Decoded, FORMAT_VERSION};
use client_session_store::{Durability, SessionStore, StoreError};
use client_session_store_sled::SledDatabase;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Which way an input went through the code under test (for coverage of the regression set).
pub type Path = &'static str;

/// A violated property, described.
pub type Violation = String;

/// A check: arbitrary bytes in, the path taken or the violated property out.
pub type Check = fn(&[u8]) -> Result<Path, Violation>;

/// The fuzz targets, by the name of their folder under `fuzz/regressions/`, with their checks.
pub const TARGETS: &[(&str, Check)] = &[
    ("scenario_parse", scenario_parse),
    ("restore_state", restore_state),
    ("sled_open", sled_open),
];

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

// ---------------------------------------------------------------------------------------------
// scenario_parse
// ---------------------------------------------------------------------------------------------

/// Scenario parsing from arbitrary bytes.
///
/// - [`parse`] never panics. On `Ok` the scenario agrees with its JSON: every step is what
///   [`parse_step`] makes of the same element, `at_ms` never decreases, every op and event is the
///   one named, and the scenario written back as JSON parses to the same scenario. On `Err` the
///   step index (if any) is inside the `steps` array, every step before it is valid, and the step
///   itself is invalid or goes back in time; the message names the step and field.
/// - [`parse_step`] on the JSON value, its elements and its steps, timed and untimed: errors name
///   the index given; the timed form is the untimed form plus a required `at_ms`.
///
/// # Errors
/// The violated property.
pub fn scenario_parse(data: &[u8]) -> Result<Path, Violation> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok("not UTF-8");
    };
    let value = serde_json::from_str::<Value>(text).ok();
    if let Some(value) = &value {
        check_parse_step(value, 0)?;
        let elements = match value {
            Value::Array(items) => Some(items),
            Value::Object(object) => object.get("steps").and_then(Value::as_array),
            _ => None,
        };
        for (index, element) in elements.into_iter().flatten().enumerate().take(64) {
            check_parse_step(element, index)?;
        }
    }
    match parse(text) {
        Ok(scenario) => {
            let value = value.ok_or("parse accepted text that is not JSON")?;
            check_parsed_scenario(&scenario, &value)?;
            Ok("scenario accepted")
        }
        Err(err) => {
            check_scenario_error(&err, value.as_ref())?;
            Ok(match (err.step, value.is_some()) {
                (_, false) => "rejected: not JSON",
                (Some(_), true) => "rejected at a step",
                (None, true) => "rejected outside the steps",
            })
        }
    }
}

fn check_parsed_scenario(scenario: &Scenario, value: &Value) -> Result<(), Violation> {
    let object = value
        .as_object()
        .ok_or("accepted a scenario that is not an object")?;
    ensure!(
        object.get("name").and_then(Value::as_str) == Some(scenario.name.as_str()),
        "name {:?} is not the one in the text",
        scenario.name
    );
    ensure!(
        object.get("start_ms").and_then(Value::as_i64) == Some(scenario.start_ms),
        "start_ms {} is not the one in the text",
        scenario.start_ms
    );
    let steps = object
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("accepted a scenario without a steps array")?;
    ensure!(
        steps.len() == scenario.steps.len(),
        "{} steps in the text, {} parsed",
        steps.len(),
        scenario.steps.len()
    );
    let mut last_at = i64::MIN;
    for (index, (raw, step)) in steps.iter().zip(&scenario.steps).enumerate() {
        ensure!(
            step.at_ms >= last_at,
            "step {index}: at_ms {} decreases from {last_at}",
            step.at_ms
        );
        last_at = step.at_ms;
        match parse_step(raw, index, true) {
            Ok(alone) => ensure!(
                alone == *step,
                "step {index}: {step:?} in the scenario, {alone:?} parsed alone"
            ),
            Err(e) => {
                return Err(format!(
                    "step {index} accepted in the scenario but not alone: {e}"
                ))
            }
        }
        check_step_matches(raw, step, index, true)?;
    }
    // Written back as JSON, the scenario parses to itself.
    let written = write_scenario(scenario).to_string();
    match parse(&written) {
        Ok(again) => ensure!(
            again == *scenario,
            "round trip changed the scenario: {scenario:?} became {again:?} (via {written})"
        ),
        Err(e) => {
            return Err(format!(
                "the scenario written back is rejected: {e} ({written})"
            ))
        }
    }
    Ok(())
}

fn check_scenario_error(
    err: &client_session_scenario::ScenarioError,
    value: Option<&Value>,
) -> Result<(), Violation> {
    let shown = err.to_string();
    let Some(index) = err.step else {
        ensure!(
            shown.starts_with(&format!("field `{}`: ", err.field)),
            "an error outside the steps is shown as {shown:?}"
        );
        return Ok(());
    };
    ensure!(
        shown.starts_with(&format!("step {index}, field `{}`: ", err.field)),
        "an error at step {index} is shown as {shown:?}"
    );
    let steps = value
        .and_then(|v| v.get("steps"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("error names step {index} but there is no steps array: {shown}"))?;
    ensure!(
        index < steps.len(),
        "error names step {index} of {} steps: {shown}",
        steps.len()
    );
    // It is the first problem: every earlier step is valid and in order.
    let mut last_at = i64::MIN;
    for (i, raw) in steps.iter().enumerate().take(index) {
        let step = parse_step(raw, i, true).map_err(|e| {
            format!("error names step {index}, but step {i} is already invalid: {e}")
        })?;
        ensure!(
            step.at_ms >= last_at,
            "error names step {index}, but step {i} already goes back in time"
        );
        last_at = step.at_ms;
    }
    // And step `index` itself is the problem.
    match parse_step(&steps[index], index, true) {
        Err(alone) => ensure!(
            alone == *err,
            "step {index}: the scenario says {shown:?}, the step alone says {alone:?}"
        ),
        Ok(step) => ensure!(
            err.field == "at_ms" && step.at_ms < last_at,
            "step {index} is valid alone and in order, yet rejected: {shown}"
        ),
    }
    Ok(())
}

/// `parse_step` on one value, timed and untimed.
fn check_parse_step(value: &Value, index: usize) -> Result<(), Violation> {
    let timed = parse_step(value, index, true);
    let untimed = parse_step(value, index, false);
    for (result, kind) in [(&timed, "timed"), (&untimed, "untimed")] {
        match result {
            Err(e) => ensure!(
                e.step == Some(index),
                "{kind} parse_step at index {index} names step {:?}: {e}",
                e.step
            ),
            Ok(step) => check_step_matches(value, step, index, kind == "timed")?,
        }
    }
    let has_at = value.get("at_ms").is_some();
    match (&timed, &untimed) {
        (Ok(t), Ok(u)) => ensure!(t == u, "step {index}: timed {t:?}, untimed {u:?}"),
        (Ok(t), Err(e)) => return Err(format!("step {index}: timed accepts {t:?}, untimed rejects: {e}")),
        (Err(e), Ok(_)) => ensure!(
            !has_at && e.field == "at_ms",
            "step {index}: untimed accepts, timed rejects for another reason than a missing at_ms: {e}"
        ),
        (Err(t), Err(u)) => ensure!(
            !has_at || t == u,
            "step {index} with at_ms: timed says {t}, untimed says {u}"
        ),
    }
    Ok(())
}

/// An accepted step says what its JSON says.
fn check_step_matches(
    raw: &Value,
    step: &Step,
    index: usize,
    timed: bool,
) -> Result<(), Violation> {
    let object = raw
        .as_object()
        .ok_or_else(|| format!("step {index}: accepted a step that is not an object"))?;
    if let Some(unknown) = object.keys().find(|k| !STEP_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "step {index}: accepted the unknown key {unknown:?}"
        ));
    }
    let expected_at = match object.get("at_ms") {
        Some(v) => v.as_i64(),
        None if timed => None,
        None => Some(0),
    };
    ensure!(
        expected_at == Some(step.at_ms),
        "step {index}: at_ms {} but the text has {:?}",
        step.at_ms,
        object.get("at_ms")
    );
    ensure!(
        object.get("clock_ms").map(Value::as_i64) == step.clock_ms.map(Some),
        "step {index}: clock_ms {:?} but the text has {:?}",
        step.clock_ms,
        object.get("clock_ms")
    );
    let op = object.get("op").and_then(Value::as_str);
    ensure!(
        op == Some(op_name(&step.op)),
        "step {index}: op {:?} parsed from {op:?}",
        step.op
    );
    let event = object.get("event").and_then(Value::as_str);
    let value = object.get("value");
    match &step.op {
        Op::Track(payload) => ensure!(
            event == Some(payload.name()),
            "step {index}: event {payload:?} parsed from {event:?}"
        ),
        _ => ensure!(
            !object.contains_key("event"),
            "step {index}: {:?} accepted with an event",
            step.op
        ),
    }
    match &step.op {
        &Op::Anonymous(flag) => ensure!(
            value.and_then(Value::as_bool) == Some(flag),
            "step {index}: anonymous {flag} parsed from {value:?}"
        ),
        Op::SetCookie(cookie) => ensure!(
            object.get("name").and_then(Value::as_str) == Some(cookie.name.as_str())
                && value.and_then(Value::as_str) == Some(cookie.value.as_str())
                && object.get("max_age_s").map(Value::as_i64) == cookie.max_age_s.map(Some),
            "step {index}: {cookie:?} parsed from {raw}"
        ),
        _ => ensure!(
            value.is_none(),
            "step {index}: {:?} accepted with a value",
            step.op
        ),
    }
    Ok(())
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Track(_) => "track",
        Op::Background => "background",
        Op::Foreground => "foreground",
        Op::NewSession => "new_session",
        Op::Pause => "pause",
        Op::Resume => "resume",
        Op::Anonymous(_) => "anonymous",
        Op::ClearUserData => "clear_user_data",
        Op::Restart => "restart",
        Op::SetCookie(_) => "set_cookie",
    }
}

/// The step keys that give a tracked payload its fields: the event's data under the step's
/// names (Part C), so a parsed step written back parses to the same payload.
fn track_fields(payload: &Payload) -> Map<String, Value> {
    let data = payload
        .self_describing_json()
        .and_then(|json| json.get("data").cloned());
    let Some(Value::Object(data)) = data else {
        return Map::new();
    };
    if !matches!(payload, Payload::ScreenView(_)) {
        return data;
    }
    fn step_key(key: &str) -> &str {
        match key {
            "id" => "screen_id",
            "previousName" => "previous_name",
            "previousId" => "previous_id",
            "previousType" => "previous_type",
            "transitionType" => "transition_type",
            other => other,
        }
    }
    data.into_iter()
        .map(|(key, value)| (step_key(&key).to_owned(), value))
        .collect()
}

/// A scenario as the JSON of spec Part C, every config key written out.
#[must_use]
pub fn write_scenario(scenario: &Scenario) -> Value {
    let config = &scenario.config;
    let steps: Vec<Value> = scenario
        .steps
        .iter()
        .map(|step| {
            let mut object = Map::new();
            object.insert("at_ms".into(), json!(step.at_ms));
            if let Some(clock) = step.clock_ms {
                object.insert("clock_ms".into(), json!(clock));
            }
            object.insert("op".into(), json!(op_name(&step.op)));
            match &step.op {
                Op::Track(payload) => {
                    object.insert("event".into(), json!(payload.name()));
                    object.extend(track_fields(payload));
                }
                &Op::Anonymous(flag) => {
                    object.insert("value".into(), json!(flag));
                }
                Op::SetCookie(cookie) => {
                    object.insert("name".into(), json!(cookie.name));
                    object.insert("value".into(), json!(cookie.value));
                    if let Some(max_age) = cookie.max_age_s {
                        object.insert("max_age_s".into(), json!(max_age));
                    }
                }
                _ => {}
            }
            Value::Object(object)
        })
        .collect();
    json!({
        "name": scenario.name,
        "platform": match scenario.platform {
            Platform::Mobile => "mobile",
            Platform::Web => "web",
        },
        "start_ms": scenario.start_ms,
        "config": {
            "foreground_timeout_s": config.session.foreground_timeout.as_secs(),
            "background_timeout_s": config.session.background_timeout.as_secs(),
            "session_timeout_s": config.session.session_timeout.as_secs(),
            "lifecycle_events": config.session.lifecycle_events,
            "continue_session_on_restart": config.session.continue_session_on_restart,
            "anonymous": config.session.anonymous,
            "cookie_domain": config.cookie_domain,
        },
        "steps": steps,
    })
}

// ---------------------------------------------------------------------------------------------
// restore_state
// ---------------------------------------------------------------------------------------------

const USER: Uuid = Uuid::from_u128(0x0123_4567_89ab_4cde_8f01_2345_6789_abcd);
const EVENT: Uuid = Uuid::from_u128(0xeeee_eeee_eeee_4eee_8eee_eeee_eeee_eeee);
const NEW_SESSION: Uuid = Uuid::from_u128(0x5555_5555_5555_4555_8555_5555_5555_5555);
const NOW_MS: i64 = 1_700_000_000_000;

/// Restoring persisted state from arbitrary bytes.
///
/// [`record::decode`] never panics. A `Newer` record has a version above this build's; an
/// `Unreadable` one says why. A `Current` state passes `validate`, survives encode → decode
/// unchanged (and encodes to the same bytes again), and a tracker started on it (default
/// configuration and `continue_session_on_restart`, anonymous or not, clean shutdown or not)
/// tracks an event whose entity satisfies the schema facts: the session index never goes below
/// the stored one and rises by one (capped at 2147483647) when a session starts, a new session
/// begins at event index 1 with this event as its first, and a session is continued only when
/// the configuration and the shutdown allow it, one event further.
///
/// # Errors
/// The violated property.
pub fn restore_state(data: &[u8]) -> Result<Path, Violation> {
    match record::decode(data) {
        Decoded::Newer(version) => {
            ensure!(
                version > FORMAT_VERSION,
                "Newer({version}) is not newer than {FORMAT_VERSION}"
            );
            Ok("newer format")
        }
        Decoded::Unreadable(reason) => {
            ensure!(!reason.is_empty(), "an unreadable record without a reason");
            Ok("unreadable")
        }
        Decoded::Current(state) => {
            check_restored(&state)?;
            Ok(if state.session.is_some() {
                "restored a session"
            } else {
                "restored without a session"
            })
        }
    }
}

/// The properties of one usable restored state.
///
/// # Errors
/// The violated property.
pub fn check_restored(state: &PersistedSession) -> Result<(), Violation> {
    state
        .validate()
        .map_err(|field| format!("decoded a state whose {field} is out of range: {state:?}"))?;
    let encoded = record::encode(state).map_err(|e| format!("{state:?} does not encode: {e}"))?;
    match record::decode(&encoded) {
        Decoded::Current(again) => ensure!(
            again == *state,
            "round trip changed {state:?} into {again:?}"
        ),
        other => {
            return Err(format!(
                "{state:?} encodes to a record that decodes as {other:?}"
            ))
        }
    }
    ensure!(
        record::encode(state).ok() == Some(encoded),
        "encoding {state:?} twice gives different bytes"
    );
    let base = Config::default();
    let continuing = Config {
        continue_session_on_restart: true,
        ..base
    };
    for config in [base, continuing] {
        for anonymous in [false, true] {
            for clean in [true, false] {
                let config = Config {
                    anonymous,
                    ..config
                };
                let mut times = vec![NOW_MS];
                if let Some(s) = state.session {
                    times.push(s.last_update_ms);
                }
                for now in times {
                    check_first_event(state, config, clean, now)?;
                }
            }
        }
    }
    Ok(())
}

fn check_first_event(
    stored: &PersistedSession,
    config: Config,
    clean: bool,
    now_ms: i64,
) -> Result<(), Violation> {
    let context = format!(
        "restored {stored:?} with continue={} anonymous={} clean={clean}, event at {now_ms}",
        config.continue_session_on_restart, config.anonymous
    );
    let mut tracker = SessionState::start(
        config,
        UserId::from_uuid(USER),
        StorageMechanism::LocalStorage,
        Some(*stored),
        PreviousRun::from_clean_marker(clean),
    );
    let stamp = EventStamp {
        id: EVENT,
        dtm_ms: now_ms,
    };
    let event = tracker.track(now_ms, stamp, Payload::structured("fuzz", "event"), || {
        NEW_SESSION
    });
    let entity = &event.client_session;
    let json = serde_json::to_value(entity)
        .map_err(|e| format!("{context}: the entity does not serialise: {e}"))?;
    check_client_session(&json).map_err(|e| format!("{context}: entity {json}: {e}"))?;
    let expected_user = if config.anonymous {
        UserId::ANONYMOUS
    } else {
        UserId::from_uuid(USER)
    };
    ensure!(
        entity.user_id == expected_user,
        "{context}: userId {}",
        entity.user_id
    );
    match stored.session {
        None => {
            ensure!(
                event.starts_session,
                "{context}: no stored session, none started"
            );
            ensure!(
                entity.session_index == 1,
                "{context}: first session has index {}",
                entity.session_index
            );
        }
        Some(s) => {
            ensure!(
                entity.session_index >= s.session_index,
                "{context}: session index went from {} down to {}",
                s.session_index,
                entity.session_index
            );
            let may_continue = config.continue_session_on_restart
                && clean
                && stored.anonymous == config.anonymous
                && !stored.new_session_requested;
            ensure!(
                event.starts_session || may_continue,
                "{context}: the stored session was continued"
            );
            if event.starts_session {
                let expected = s.session_index.saturating_add(1).min(MAX_INDEX);
                ensure!(
                    entity.session_index == expected,
                    "{context}: new session has index {}, expected {expected}",
                    entity.session_index
                );
                // Masked when anonymous; never linked after an anonymous session (B mobile).
                let expected_previous =
                    (!config.anonymous && !stored.anonymous).then_some(s.session_id);
                ensure!(
                    entity.previous_session_id == expected_previous,
                    "{context}: previousSessionId {:?}",
                    entity.previous_session_id
                );
            } else {
                ensure!(
                    entity.session_id == s.session_id
                        && entity.first_event_id == Some(s.first_event_id),
                    "{context}: a continued session changed its ids"
                );
                let expected = s.event_index.saturating_add(1).min(MAX_INDEX);
                ensure!(
                    entity.event_index == Some(expected),
                    "{context}: continued session has event index {:?}, expected {expected}",
                    entity.event_index
                );
            }
        }
    }
    if event.starts_session {
        ensure!(
            entity.session_id == NEW_SESSION
                && entity.event_index == Some(1)
                && entity.first_event_id == Some(EVENT),
            "{context}: a new session must start at this event with index 1: {entity:?}"
        );
    }
    // What the tracker would persist next is itself a restorable state.
    let after = *tracker.persisted();
    after
        .validate()
        .map_err(|field| format!("{context}: the state to persist has {field} out of range"))?;
    let encoded = record::encode(&after)
        .map_err(|e| format!("{context}: the state to persist does not encode: {e}"))?;
    match record::decode(&encoded) {
        Decoded::Current(again) if again == after => Ok(()),
        other => Err(format!(
            "{context}: the state to persist, {after:?}, reads back as {other:?}"
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// sled_open
// ---------------------------------------------------------------------------------------------

/// Opening a sled data directory one of whose files has arbitrary content.
///
/// A real [`SledDatabase`] is opened in a fresh directory, a session is saved and the store
/// closed; then the first input byte picks one of the files under `sessions/` and the rest of
/// the input replaces its content. Opening again never panics, is never refused (damage is moved
/// aside, not an error) and never changes the user id; a store opened on it is never refused
/// either and gives a usable state (it passes [`check_restored`]) numbered at least as high as
/// the saved one: the saved state, whatever another database's bytes hold, or the checkpoint of
/// the saved session when the database lost it.
///
/// # Errors
/// The violated property, or a failure to set up the directory.
pub fn sled_open(data: &[u8]) -> Result<Path, Violation> {
    let Some((&selector, content)) = data.split_first() else {
        return Ok("empty input");
    };
    let dir = tempfile::tempdir().map_err(|e| format!("setup: temp dir: {e}"))?;
    let saved = PersistedSession {
        session: Some(client_session_core::SessionRecord {
            session_id: NEW_SESSION,
            session_index: 3,
            previous_session_id: Some(EVENT),
            first_event_id: EVENT,
            first_event_timestamp_ms: NOW_MS,
            event_index: 5,
            last_update_ms: NOW_MS,
        }),
        new_session_requested: false,
        anonymous: false,
    };
    let user = {
        let db = SledDatabase::open(dir.path()).map_err(|e| format!("setup: first open: {e}"))?;
        let mut store = db.store("fuzz");
        block_on(store.open(0)).map_err(|e| format!("setup: store open: {e}"))?;
        // As a tracker does: the session's first save is flushed (and checkpointed).
        block_on(store.save(&saved, 0, Durability::Durable))
            .map_err(|e| format!("setup: store save: {e}"))?;
        block_on(store.close(&saved, 0)).map_err(|e| format!("setup: store close: {e}"))?;
        db.user_id()
    };
    let mut files = Vec::new();
    list_files(&dir.path().join("sessions"), &mut files)
        .map_err(|e| format!("setup: listing the database: {e}"))?;
    files.sort();
    let file = files
        .get(usize::from(selector) % files.len().max(1))
        .ok_or("setup: the database has no files")?;
    fs::write(file, content).map_err(|e| format!("setup: writing {}: {e}", file.display()))?;
    let name = file
        .strip_prefix(dir.path())
        .map_or_else(|_| file.display().to_string(), |p| p.display().to_string());
    let db = must_open(
        "reopening the data directory",
        &name,
        SledDatabase::open(dir.path()),
    )?;
    ensure!(
        db.user_id() == user,
        "damaging {name} changed the user id from {user} to {}",
        db.user_id()
    );
    let mut store = db.store("fuzz");
    let opened = must_open("opening the store", &name, block_on(store.open(0)))?;
    ensure!(
        opened.user_id == user,
        "damaging {name}: the store reports user {}",
        opened.user_id
    );
    // The saved one, the checkpoint of it, or (when the bytes are a whole other database) some
    // later state: a tracker must be able to start from it, and the numbering never goes back
    // below the session handed out.
    let Some(state) = &opened.state else {
        return Err(format!(
            "damaging {name} lost the session although it was checkpointed"
        ));
    };
    check_restored(state)
        .map_err(|e| format!("damaging {name} restored an unusable state: {e}"))?;
    let index = state.session.map_or(0, |s| s.session_index);
    ensure!(
        index >= 3,
        "damaging {name} took the numbering back to {index}"
    );
    let moved_aside = fs::read_dir(dir.path())
        .map_err(|e| format!("listing {}: {e}", dir.path().display()))?
        .filter_map(Result::ok)
        .any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("sessions.damaged-")
        });
    Ok(match (moved_aside, *state == saved) {
        (true, _) => "damaged database moved aside, resumed from the checkpoint",
        (false, true) => "reopened with the saved session",
        (false, false) => "reopened, resumed from the checkpoint or another state",
    })
}

/// A refusal after damage is a violation. The input only changes the content of one file of a
/// database this process closed, and [`SledDatabase::open`] documents that a damaged database
/// is moved aside and replaced, not refused; its errors (`Locked`, `Io` on the directory,
/// `Database` when even a fresh database fails) name conditions no such input can cause. So no
/// input has a refusal as its documented outcome, and a tracker must be able to start.
fn must_open<T>(step: &str, damaged: &str, result: Result<T, StoreError>) -> Result<T, Violation> {
    result.map_err(|e| format!("damaging {damaged}: {step} was refused: {e}"))
}

fn list_files(dir: &FsPath, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs a future that never waits on anything (the sled store's calls are synchronous).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_reopen_or_store_open_is_a_violation() {
        let locked = StoreError::Locked {
            path: PathBuf::from("d/sessions"),
        };
        let violation = must_open::<()>("reopening the data directory", "sessions/db", Err(locked))
            .unwrap_err();
        assert_eq!(
            violation,
            "damaging sessions/db: reopening the data directory was refused: \
             the session database at d/sessions is locked by another process"
        );
        let failed = StoreError::Database {
            path: PathBuf::from("d/sessions"),
            message: "corrupt".into(),
        };
        assert!(must_open::<()>("opening the store", "sessions/conf", Err(failed)).is_err());
        assert_eq!(
            must_open("opening the store", "sessions/conf", Ok(7)),
            Ok(7)
        );
    }
}
