//! Replaying Part C mobile scenarios through a binding's driver program (the C program of
//! `replay-c`, the JVM of `replay-jvm`), the protocol of both drivers in one place.
//!
//! The driver parses no scenario and no JSON: this module turns the scenario files into a line
//! script (create, time, step, track JSON, lifecycle calls, flush, close), pipes it into ONE
//! driver process for all files, and reads back what the binding's callbacks gave it (`event`
//! and `session` lines, each the binding's JSON as it came). Each event becomes the Part C line
//! `client-session replay` prints, written to `DIR/<stem>.jsonl`: `client_session`, `screen` and
//! `screen_summary` from its `co` entities, and for the screen events `data` from its `ue_pr`.
//! Both bindings print the same lines, so this one conversion serves both. The script, line by
//! line:
//!
//! ```text
//! begin <stem>                       the driver echoes it
//! create <dir> <namespace> <config>  a tracker on <dir>; config JSON with the test clock
//! time <unix-ms>                     the test clock
//! step <index> <at_ms>               the driver echoes it; the events after it are its own
//! track <event-json> | foreground | background | new_session | pause | resume
//! clear_user_data | anonymous true|false
//! flush                              wait until all of the above reached the callbacks
//! close                              close, and wait until the store is released
//! ```
//!
//! The driver prints `begin`, `step`, `session <json>`, `event <json>` and, for a call that
//! failed, `error <command> <message>`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use client_session_core::{
    Config, Payload, CLIENT_SESSION_SCHEMA, CONTEXTS_SCHEMA, SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA,
};
use client_session_scenario::{parse, Op, Platform, Scenario};
use client_session_suite::iglu::Schema;
use serde_json::{json, Map, Value};

use crate::proc;

/// The namespace every replayed tracker uses, as `client-session replay` defaults to.
const NAMESPACE: &str = "default";

/// The replayed output of one scenario file.
pub struct Replayed {
    /// The scenario file.
    pub file: PathBuf,
    /// Its Part C lines.
    pub lines: Vec<Value>,
}

/// Replays `files` through one run of `driver` (which reads the script on stdin), keeping each
/// tracker's data under `out/.data/<stem>`, and writes `out/<stem>.jsonl`.
///
/// # Errors
/// A file that is not a mobile scenario, a driver that fails or reports an error, or output
/// that breaks the protocol.
pub fn replay(mut driver: Command, files: &[PathBuf], out: &Path) -> Result<Vec<Replayed>> {
    let data_root = out.join(".data");
    if data_root.exists() {
        std::fs::remove_dir_all(&data_root)
            .with_context(|| format!("clearing {}", data_root.display()))?;
    }
    let mut script = String::new();
    let mut stems = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let scenario = parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        if scenario.platform != Platform::Mobile {
            bail!(
                "{}: the bindings play mobile scenarios only",
                file.display()
            );
        }
        let stem = stem(file)?;
        script_for(&scenario, &stem, &data_root.join(&stem), &mut script);
        stems.push(stem);
    }
    let line = proc::describe(&driver);
    println!("$ {line} < script of {} scenario(s)", files.len());
    let mut child = driver
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    let mut stdin = child.stdin.take().context("the driver's stdin")?;
    // Written from a thread of its own: the driver answers while it reads, and a full pipe
    // either way would otherwise block both ends.
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let stdout = child.stdout.take().context("the driver's stdout")?;
    let parsed = read_output(BufReader::new(stdout));
    let written = writer.join();
    let status = child.wait().context("waiting for the driver")?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => bail!("writing the script to the driver: {e}"),
        Err(_) => bail!("the thread writing the script panicked"),
    }
    let mut by_stem = parsed?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut replayed = Vec::new();
    for (file, stem) in files.iter().zip(&stems) {
        let lines = by_stem
            .remove(stem)
            .with_context(|| format!("the driver never began {stem}"))?;
        let mut text = String::new();
        for line in &lines {
            text.push_str(&serde_json::to_string(line)?);
            text.push('\n');
        }
        let path = out.join(format!("{stem}.jsonl"));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        replayed.push(Replayed {
            file: file.clone(),
            lines,
        });
    }
    Ok(replayed)
}

/// `01-first-event-ever` for `…/01-first-event-ever.json`.
fn stem(file: &Path) -> Result<String> {
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .with_context(|| format!("{}: no UTF-8 file name", file.display()))?;
    if name.contains(char::is_whitespace) {
        bail!(
            "{}: a file name with spaces cannot be scripted",
            file.display()
        );
    }
    Ok(name.to_owned())
}

/// Appends the script of one scenario: as the scenario runner plays it (a restart is a clean
/// close at the step's time, then a new tracker started at that time on the same directory).
fn script_for(scenario: &Scenario, stem: &str, dir: &Path, script: &mut String) {
    let create = |script: &mut String, now_ms: i64| {
        script.push_str(&format!(
            "create {} {NAMESPACE} {}\n",
            dir.display(),
            config_json(&scenario.config.session, now_ms)
        ));
    };
    script.push_str(&format!("begin {stem}\n"));
    create(script, scenario.start_ms);
    for (index, step) in scenario.steps.iter().enumerate() {
        let now_ms = scenario
            .start_ms
            .saturating_add(step.clock_ms.unwrap_or(step.at_ms));
        script.push_str(&format!("time {now_ms}\nstep {index} {}\n", step.at_ms));
        match &step.op {
            Op::Track(payload) => script.push_str(&format!("track {}\n", event_json(payload))),
            Op::Background => script.push_str("background\n"),
            Op::Foreground => script.push_str("foreground\n"),
            Op::NewSession => script.push_str("new_session\n"),
            Op::Pause => script.push_str("pause\n"),
            Op::Resume => script.push_str("resume\n"),
            Op::Anonymous(value) => script.push_str(&format!("anonymous {value}\n")),
            Op::Restart => {
                script.push_str("close\n");
                create(script, now_ms);
            }
            // Part C: on mobile it does nothing.
            Op::SetCookie(_) => {}
            Op::ClearUserData => script.push_str("clear_user_data\n"),
        }
        script.push_str("flush\n");
    }
    script.push_str("close\n");
}

/// The configuration JSON of `client-session-mobile` (the Android tracker's names) for
/// `config`, with the test clock at `now_ms`.
fn config_json(config: &Config, now_ms: i64) -> Value {
    json!({
        "foregroundTimeout": config.foreground_timeout.as_secs(),
        "backgroundTimeout": config.background_timeout.as_secs(),
        "continueSessionOnRestart": config.continue_session_on_restart,
        "lifecycleAutotracking": config.lifecycle_events,
        "userAnonymisation": config.anonymous,
        "screenContext": config.screen_context,
        "screenEngagementAutotracking": config.screen_engagement,
        "test": {"clockMs": now_ms},
    })
}

/// The event JSON of `client-session-mobile` for a scenario's payload.
fn event_json(payload: &Payload) -> Value {
    match payload {
        // The event's data in the names of `client-session-mobile`'s JSON (camel case; the
        // screen's own type is `screenType`, `type` naming the event).
        Payload::ScreenView(_) | Payload::ListItemView(_) | Payload::ScrollChanged(_) => {
            let mut event = json!({"type": payload.name()});
            let data = payload
                .self_describing_json()
                .and_then(|json| json.get("data").cloned());
            if let Some(Value::Object(data)) = data {
                for (key, value) in data {
                    event[mobile_key(&key)] = value;
                }
            }
            event
        }
        Payload::Structured {
            category,
            action,
            label,
            property,
            value,
        } => {
            let mut event = json!({"type": "structured", "category": category, "action": action});
            for (key, field) in [("label", label), ("property", property)] {
                if let Some(field) = field {
                    event[key] = json!(field);
                }
            }
            if let Some(value) = value {
                event["value"] = json!(value);
            }
            event
        }
        Payload::SelfDescribing { schema, data } => {
            json!({"type": "self_describing", "schema": schema, "data": data})
        }
        Payload::PageView { url } => json!({"type": "page_view", "url": url}),
        // Emitted by the tracker, never tracked by a scenario.
        Payload::ApplicationForeground { .. }
        | Payload::ApplicationBackground { .. }
        | Payload::ScreenEnd => json!({"type": payload.name()}),
    }
}

/// An event data key (`type`, `items_count`, `x_offset`…) as `client-session-mobile`'s JSON
/// names it (`screenType`, `itemsCount`, `xOffset`…).
fn mobile_key(key: &str) -> String {
    if key == "type" {
        return "screenType".to_owned();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads the driver's output into each file's Part C lines, checking the protocol as it goes:
/// every event belongs to a step, and a `session` line comes right before exactly the events
/// that start a session (`eventIndex` 1, a `screen_end` as much as any), holding their entity.
fn read_output(output: impl BufRead) -> Result<BTreeMap<String, Vec<Value>>> {
    let mut files: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut current: Option<(String, Option<(u64, i64)>)> = None;
    let mut announced: Option<Value> = None;
    let mut errors = Vec::new();
    for (number, line) in output.lines().enumerate() {
        let line = line.context("reading the driver's output")?;
        let at = || format!("driver output line {}: {line}", number + 1);
        let (head, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match head {
            "begin" => {
                files.insert(rest.to_owned(), Vec::new());
                current = Some((rest.to_owned(), None));
            }
            "step" => {
                let (index, at_ms) = rest.split_once(' ').with_context(at)?;
                let step = (
                    index.parse().with_context(at)?,
                    at_ms.parse().with_context(at)?,
                );
                let (_, current_step) = current.as_mut().with_context(at)?;
                *current_step = Some(step);
            }
            "session" => {
                if announced.is_some() {
                    bail!("{}: a second session before any event", at());
                }
                announced = Some(serde_json::from_str(rest).with_context(at)?);
            }
            "event" => {
                let event: Value = serde_json::from_str(rest).with_context(at)?;
                let (stem, step) = current.as_ref().with_context(at)?;
                let (index, at_ms) = step.with_context(|| format!("{}: before any step", at()))?;
                let entity = client_session_of(&event).with_context(at)?;
                let starts = entity["eventIndex"] == json!(1);
                match (announced.take(), starts) {
                    (Some(session), true) if session == entity => {}
                    (None, false) => {}
                    (session, _) => bail!(
                        "{}: the session listener gave {session:?} before this event",
                        at()
                    ),
                }
                let line = part_c_line(index, at_ms, &event, entity).with_context(at)?;
                files.entry(stem.clone()).or_default().push(line);
            }
            "error" => errors.push(at()),
            _ => bail!("{}: not a line of the protocol", at()),
        }
    }
    if !errors.is_empty() {
        bail!("the driver reported errors:\n  {}", errors.join("\n  "));
    }
    Ok(files)
}

/// The Part C line `client-session replay` prints for a binding's event JSON (`event`,
/// `eventId`, `dtm`, `ue_pr`, `co`) emitted by step `index` at `at_ms`: `data` from `ue_pr` for
/// the screen events only, `screen` and `screen_summary` from `co` (`null` when absent).
fn part_c_line(index: u64, at_ms: i64, event: &Value, client_session: Value) -> Result<Value> {
    let name = event["event"].as_str().context("no `event` name")?;
    let mut out = Map::new();
    out.insert("step".into(), json!(index));
    out.insert("at_ms".into(), json!(at_ms));
    out.insert("event".into(), json!(name));
    out.insert("event_id".into(), event["eventId"].clone());
    out.insert("dtm".into(), event["dtm"].clone());
    out.insert("client_session".into(), client_session);
    // The events whose `data` a line shows, and the schema their `ue_pr` must name: the
    // suite's one list of them.
    if let Some(schema) = Schema::of_event_data(name).map(Schema::uri) {
        let ue_pr = &event["ue_pr"];
        if ue_pr["schema"] != *schema {
            bail!("a {name} event's `ue_pr` does not name {schema}");
        }
        let data = ue_pr.get("data").context("`ue_pr` has no `data`")?;
        out.insert("data".into(), data.clone());
    }
    for (key, schema) in [
        ("screen", SCREEN_SCHEMA),
        ("screen_summary", SCREEN_SUMMARY_SCHEMA),
    ] {
        out.insert(key.into(), entity_of(event, schema)?.unwrap_or(Value::Null));
    }
    Ok(Value::Object(out))
}

/// The `client_session` entity's data among an event's `co` contexts.
fn client_session_of(event: &Value) -> Result<Value> {
    entity_of(event, CLIENT_SESSION_SCHEMA)?.context("no client_session entity in `co`")
}

/// The data of the entity with `schema` among an event's `co` contexts, if there is one.
fn entity_of(event: &Value, schema: &str) -> Result<Option<Value>> {
    let contexts = &event["co"];
    if contexts["schema"] != CONTEXTS_SCHEMA {
        bail!("`co` is not a contexts 1-0-1 object");
    }
    let mut found = contexts["data"]
        .as_array()
        .context("`co` has no `data` array")?
        .iter()
        .filter(|entity| entity["schema"] == schema);
    let first = found.next().map(|entity| entity["data"].clone());
    if found.next().is_some() {
        bail!("`co` holds two {schema} entities");
    }
    Ok(first)
}

/// Every mobile scenario file of the shared suite, in name order.
pub fn mobile_scenarios(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("tests/scenarios/mobile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "json")
                && !path.to_string_lossy().ends_with(".expected.json")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Checks replayed output against the shared suite: each file's expected output (symbolic
/// form) and every entity and event data object against its official Iglu schema, as the suite
/// checks every backend.
///
/// # Errors
/// Every file that differs, with the suite's report.
pub fn verify(replayed: &[Replayed]) -> Result<()> {
    let cases = client_session_suite::load_cases().map_err(|e| anyhow::anyhow!(e))?;
    client_session_suite::iglu::IgluSchema::all_official().map_err(|e| anyhow::anyhow!(e))?;
    let mut failures = Vec::new();
    for output in replayed {
        let name = output.file.file_name().context("a file name")?;
        let case = cases
            .iter()
            .find(|case| case.path.file_name() == Some(name))
            .with_context(|| format!("{} is not a scenario of the suite", output.file.display()))?;
        if let Err(report) = client_session_suite::verify(case, &output.lines) {
            failures.push(report);
        }
    }
    if failures.is_empty() {
        println!("{} scenario(s) match the shared suite", replayed.len());
        Ok(())
    } else {
        bail!(
            "{} of {} scenario(s) differ from the suite:\n{}",
            failures.len(),
            replayed.len(),
            failures.join("\n")
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use client_session_core::{SCREEN_END_SCHEMA, SCREEN_VIEW_SCHEMA};

    fn lines(text: &str) -> Result<BTreeMap<String, Vec<Value>>> {
        read_output(text.as_bytes())
    }

    const SESSION: &str = r#"{"userId":"u","sessionId":"s","sessionIndex":1,"previousSessionId":null,"storageMechanism":"LOCAL_STORAGE","firstEventId":"e","firstEventTimestamp":"t","eventIndex":1}"#;

    fn event(session: &str) -> String {
        event_with("structured", "e", None, session, &[])
    }

    /// An `event` line as a binding prints it: `ue_pr` when given, `co` with the session and
    /// `extra` entities (schema, data).
    fn event_with(
        name: &str,
        id: &str,
        ue_pr: Option<Value>,
        session: &str,
        extra: &[(&str, Value)],
    ) -> String {
        let mut entities = vec![json!({
            "schema": CLIENT_SESSION_SCHEMA,
            "data": serde_json::from_str::<Value>(session).unwrap()
        })];
        entities.extend(
            extra
                .iter()
                .map(|(schema, data)| json!({"schema": schema, "data": data})),
        );
        let mut event = json!({"event": name, "eventId": id, "dtm": 5,
            "co": {"schema": CONTEXTS_SCHEMA, "data": entities}});
        if let Some(ue_pr) = ue_pr {
            event["ue_pr"] = ue_pr;
        }
        format!("event {event}")
    }

    #[test]
    fn events_become_part_c_lines_of_their_step() {
        let out = lines(&format!(
            "begin a\nstep 3 40\nsession {SESSION}\n{}\n",
            event(SESSION)
        ))
        .unwrap();
        assert_eq!(
            out["a"][0],
            serde_json::from_str::<Value>(&format!(
                r#"{{"step":3,"at_ms":40,"event":"structured","event_id":"e","dtm":5,"client_session":{SESSION},"screen":null,"screen_summary":null}}"#
            ))
            .unwrap()
        );
    }

    /// A screen_end that starts a session is announced like any event, and the lines carry
    /// `data` for the screen events only, and the screen entities.
    #[test]
    fn screen_events_carry_their_data_and_entities() {
        let second = SESSION.replace(r#""eventIndex":1"#, r#""eventIndex":2"#);
        let third = SESSION.replace(r#""eventIndex":1"#, r#""eventIndex":3"#);
        let screen = json!({"name": "home", "id": "s1"});
        let summary = json!({"foreground_sec": 2.5, "background_sec": 0});
        let end = event_with(
            "screen_end",
            "e1",
            Some(json!({"schema": SCREEN_END_SCHEMA, "data": {}})),
            SESSION,
            &[
                (SCREEN_SCHEMA, screen.clone()),
                (SCREEN_SUMMARY_SCHEMA, summary.clone()),
            ],
        );
        let view = event_with(
            "screen_view",
            "e2",
            Some(json!({"schema": SCREEN_VIEW_SCHEMA, "data": {"name": "cart", "id": "s2"}})),
            &second,
            &[(SCREEN_SCHEMA, json!({"name": "cart", "id": "s2"}))],
        );
        let like = event_with(
            "self_describing",
            "e3",
            Some(json!({"schema": "iglu:com.acme/like/jsonschema/1-0-0", "data": {"id": 1}})),
            &third,
            &[],
        );
        let out = lines(&format!(
            "begin a\nstep 0 9\nsession {SESSION}\n{end}\n{view}\nstep 1 10\n{like}\n"
        ))
        .unwrap();
        let lines = &out["a"];
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["event"], "screen_end");
        assert_eq!(lines[0]["data"], json!({}));
        assert_eq!(lines[0]["screen"], screen);
        assert_eq!(lines[0]["screen_summary"], summary);
        assert_eq!(lines[1]["data"], json!({"name": "cart", "id": "s2"}));
        assert_eq!(lines[1]["screen"], json!({"name": "cart", "id": "s2"}));
        assert_eq!(lines[1]["screen_summary"], Value::Null);
        assert_eq!(lines[1]["client_session"]["eventIndex"], 2);
        assert_eq!(lines[2]["step"], 1);
        assert!(lines[2].get("data").is_none(), "{}", lines[2]);
        assert_eq!(lines[2]["screen"], Value::Null);
        // The workspace's serde_json keeps insertion order: the written lines are in Part C's.
        let keys: Vec<_> = lines[0].as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "step",
                "at_ms",
                "event",
                "event_id",
                "dtm",
                "client_session",
                "data",
                "screen",
                "screen_summary"
            ]
        );
    }

    #[test]
    fn protocol_breaches_are_errors() {
        let later = SESSION.replace(r#""eventIndex":1"#, r#""eventIndex":2"#);
        let screen_view = |ue_pr: Option<Value>| event_with("screen_view", "e", ue_pr, &later, &[]);
        for bad in [
            // A screen event without its `ue_pr`, or with another event's.
            format!("begin a\nstep 1 2\n{}\n", screen_view(None)),
            format!(
                "begin a\nstep 1 2\n{}\n",
                screen_view(Some(json!({"schema": SCREEN_END_SCHEMA, "data": {}})))
            ),
            format!(
                "begin a\nstep 1 2\n{}\n",
                screen_view(Some(json!({"schema": SCREEN_VIEW_SCHEMA})))
            ),
            // Two screen entities on one event.
            format!(
                "begin a\nstep 1 2\n{}\n",
                event_with(
                    "structured",
                    "e",
                    None,
                    &later,
                    &[(SCREEN_SCHEMA, json!({})), (SCREEN_SCHEMA, json!({}))]
                )
            ),
            format!("begin a\n{}\n", event(SESSION)),
            format!("step 1 2\n{}\n", event(&later)),
            format!("begin a\nstep 1 2\n{}\n", event(SESSION)),
            format!("begin a\nstep 1 2\nsession {SESSION}\n{}\n", event(&later)),
            format!("begin a\nstep 1 2\nsession {later}\n{}\n", event(SESSION)),
            "begin a\nerror track invalid event\n".to_owned(),
            "begin a\nhello\n".to_owned(),
        ] {
            assert!(lines(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_screen_configuration_reaches_the_tracker() {
        let scenario = parse(
            r#"{"name":"n","platform":"mobile","start_ms":0,
                "config":{"screen_context":false,"screen_engagement":false},"steps":[]}"#,
        )
        .unwrap();
        let mut script = String::new();
        script_for(&scenario, "x", Path::new("/d/x"), &mut script);
        let config: Value = serde_json::from_str(
            script
                .lines()
                .find_map(|line| line.strip_prefix("create /d/x default "))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(config["screenContext"], false);
        assert_eq!(config["screenEngagementAutotracking"], false);
    }

    #[test]
    fn a_restart_closes_at_its_time_and_creates_on_the_same_directory() {
        let scenario = parse(
            r#"{"name":"n","platform":"mobile","start_ms":1000,"config":{"foreground_timeout_s":5},"steps":[
                {"at_ms":0,"op":"track","event":"screen_view"},
                {"at_ms":7,"op":"restart"},
                {"at_ms":9,"clock_ms":2,"op":"anonymous","value":true}]}"#,
        )
        .unwrap();
        let mut script = String::new();
        script_for(&scenario, "x", Path::new("/d/x"), &mut script);
        let config = |ms: i64| {
            format!(
                r#"{{"foregroundTimeout":5,"backgroundTimeout":1800,"continueSessionOnRestart":false,"lifecycleAutotracking":true,"userAnonymisation":false,"screenContext":true,"screenEngagementAutotracking":true,"test":{{"clockMs":{ms}}}}}"#
            )
        };
        assert_eq!(
            script,
            format!(
                "begin x\ncreate /d/x default {}\ntime 1000\nstep 0 0\ntrack {{\"type\":\"screen_view\",\"name\":\"screen\"}}\nflush\n\
                 time 1007\nstep 1 7\nclose\ncreate /d/x default {}\nflush\n\
                 time 1002\nstep 2 9\nanonymous true\nflush\nclose\n",
                config(1000),
                config(1007)
            )
        );
    }
}
