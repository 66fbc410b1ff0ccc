#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Properties of the web path end to end: random page lives (events, new sessions, reloads,
//! anonymisation switched on and off, other tabs and the JavaScript tracker writing cookies,
//! gaps around the session timeout, the clock going back) played through the actor and the
//! cookie store on the native jar ([`WebLauncher`]), as `replay` plays a web scenario.
//!
//! Always: no error, no panic; every line's entities valid under their official Iglu schemas,
//! the `client_session` under the schema facts, `COOKIE_1`, masked under anonymisation, and the
//! one the `_sp_id` cookie left after the event describes (A3.7), with `_sp_ses` there. When
//! nobody else writes our two cookies (reloads and new sessions allowed; other cookies too): no
//! `(sessionId, eventIndex)` pair repeats, `eventIndex` counts 1, 2, 3… within each session, a
//! session once left never comes back, `sessionIndex` only rises, and the user stays the same
//! outside anonymisation; and while the clock never goes back, sessions start exactly where spec
//! A3 says ([`SpecA3`], the test's own statement of the rules, with `_sp_ses` expiring at the
//! whole second).

use std::collections::{BTreeMap, HashSet};

use client_session_core::{Config, Timeout, UserId, WebSession, MAX_INDEX};
use client_session_scenario::schema::check_client_session;
use client_session_scenario::{
    run, EventName, Op, OutputLine, Platform, Scenario, ScenarioConfig, SetCookie, Step,
    WebLauncher,
};
use client_session_store_cookie::{CookieNames, SpId};
use client_session_suite::iglu::validate_line;
use proptest::prelude::*;
use uuid::Uuid;

/// Which cookie a `set_cookie` step writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    /// Our `_sp_id.<hash>`.
    Id,
    /// Our `_sp_ses.<hash>`.
    Ses,
    /// Any other name: another prefix, another hash, no hash.
    Other(&'static str),
}

#[derive(Debug, Clone)]
enum Action {
    Track(EventName),
    NewSession,
    Restart,
    Anonymous(bool),
    SetCookie {
        name: Name,
        value: String,
        max_age_s: Option<i64>,
    },
}

/// How time moves before a step.
#[derive(Debug, Clone, Copy)]
enum Gap {
    /// `at_ms` moves on by this much.
    Ms(i64),
    /// To `offset` ms from where an `_sp_ses` written at the step before expires (B2: the
    /// whole second after the timeout), which random gaps would almost never hit.
    Timeout(i64),
    /// `at_ms` stays; the wall clock reads this much before it (`clock_ms`).
    Back(i64),
}

const DOMAINS: [&str; 3] = ["example.test", "www.example.test", "localhost"];

fn any_uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

/// An `_sp_id` a JavaScript tracker could have written: any field values, the user a UUID,
/// 16 hex characters (older trackers) or none (anonymous tracking).
fn valid_id() -> BoxedStrategy<String> {
    let user = prop_oneof![
        any_uuid().prop_map(|u| Some(UserId::from_uuid(u))),
        "[0-9a-f]{16}".prop_map(|s| UserId::parse(&s)),
        Just(None),
    ];
    let count = prop_oneof![4 => 0u32..6, 1 => Just(MAX_INDEX), 1 => Just(u32::MAX)];
    let secs = prop_oneof![1_600_000_000u64..1_800_000_000, Just(0), Just(u64::MAX)];
    (
        user,
        secs.clone(),
        count.clone(),
        secs.clone(),
        prop::option::of(secs),
        any_uuid(),
        prop::option::of(any_uuid()),
        prop::option::of(any_uuid()),
        prop::option::of(prop_oneof![0u64..2_000_000_000_000, Just(u64::MAX)]),
        count,
    )
        .prop_map(
            |(user, create, visits, now, last, session, previous, first, first_ts, events)| {
                SpId::encode(&WebSession {
                    domain_user_id: user,
                    create_ts: create,
                    visit_count: visits,
                    now_ts: now,
                    last_visit_ts: last,
                    session_id: session,
                    previous_session_id: previous,
                    first_event_id: first,
                    first_event_ts: first_ts,
                    event_index: events,
                })
            },
        )
        .boxed()
}

/// Printable text the jar accepts as a value: no `;`, no control character, no space at
/// either end; some of it not ASCII.
fn junk() -> BoxedStrategy<String> {
    "[!-:<-~ÿþé\u{fffd}]{1,40}".boxed()
}

/// An `_sp_id` no JavaScript tracker 4.x writes: a field dropped or added, one replaced by
/// junk, the 7-field form from before 3.10, or junk alone.
fn malformed_id() -> BoxedStrategy<String> {
    prop_oneof![
        (valid_id(), 0usize..10).prop_map(|(v, i)| {
            let mut f: Vec<&str> = v.split('.').collect();
            f.remove(i);
            f.join(".")
        }),
        valid_id().prop_map(|v| format!("{v}.1")),
        (valid_id(), 0usize..10, junk()).prop_map(|(v, i, j)| {
            let mut f: Vec<String> = v.split('.').map(str::to_owned).collect();
            f[i] = j.replace('.', "");
            f.join(".")
        }),
        (any_uuid(), any_uuid())
            .prop_map(|(u, s)| format!("{u}.1690000000.3.1700000000.1699000000.{s}.1")),
        junk(),
    ]
    .boxed()
}

/// A value for our `_sp_id`: valid, malformed, empty, or long (just under the jar's 4096-byte
/// limit for name and value).
fn id_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => valid_id(),
        4 => malformed_id(),
        1 => Just(String::new()),
        1 => (3_000usize..4_000).prop_map(|n| format!("{}.{}", "9".repeat(n), "1.".repeat(8))),
    ]
    .boxed()
}

fn ses_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just("*".to_owned()),
        2 => Just(String::new()),
        1 => junk(),
        1 => (3_000usize..4_000).prop_map(|n| "*".repeat(n)),
    ]
    .boxed()
}

fn set_cookie() -> BoxedStrategy<Action> {
    let named = prop_oneof![
        3 => (Just(Name::Id), id_value()),
        3 => (Just(Name::Ses), ses_value()),
        2 => (
            prop::sample::select(vec!["_sp_id.0000", "_sp_ses", "_my_id.8e5d", "other"]).prop_map(Name::Other),
            prop_oneof![id_value(), ses_value()],
        ),
    ];
    let max_age = prop_oneof![
        1 => Just(None),
        2 => (-2i64..=0).prop_map(Some),
        3 => (1i64..300).prop_map(Some),
        1 => Just(Some(63_072_000)),
    ];
    (named, max_age)
        .prop_map(|((name, value), max_age_s)| Action::SetCookie {
            name,
            value,
            max_age_s,
        })
        .boxed()
}

fn action() -> BoxedStrategy<Action> {
    prop_oneof![
        6 => prop::sample::select(vec![EventName::PageView, EventName::Structured]).prop_map(Action::Track),
        1 => Just(Action::NewSession),
        1 => Just(Action::Restart),
        1 => any::<bool>().prop_map(Action::Anonymous),
        2 => set_cookie(),
    ]
    .boxed()
}

fn gap() -> BoxedStrategy<Gap> {
    prop_oneof![
        5 => (0i64..5_000).prop_map(Gap::Ms),
        2 => (-1i64..=1).prop_map(Gap::Timeout),
        1 => (-1_001i64..=1_001).prop_map(Gap::Timeout),
        1 => (0i64..400_000).prop_map(Gap::Ms),
        1 => (1i64..4_000_000).prop_map(Gap::Back),
    ]
    .boxed()
}

/// A scenario of the actions, on a page of one of [`DOMAINS`], starting at a time with
/// milliseconds (so `_sp_ses` expiries are floored) and a timeout of 0-120 s. In half of them
/// nobody else writes our two cookies (their `set_cookie` steps write another name), and in
/// half of them the clock never goes back (their steps back stand still instead).
fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::sample::select(DOMAINS.to_vec()),
        0i64..1_000,
        prop_oneof![1 => Just(0u32), 1 => 1u32..5, 3 => 5u32..120],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((gap(), action()), 1..40),
    )
        .prop_map(
            |(domain, ms, timeout_s, anonymous, others_write, clock_back, actions)| {
                let names = CookieNames::for_domain(domain);
                let start_ms = 1_700_000_000_000 + ms;
                let timeout_ms = i64::from(timeout_s) * 1000;
                let mut at_ms = 0;
                let mut clock = 0;
                let steps = actions
                    .into_iter()
                    .map(|(gap, action)| {
                        let clock_ms = match gap {
                            Gap::Ms(ms) => {
                                at_ms += ms;
                                None
                            }
                            Gap::Timeout(offset) => {
                                let expiry = (start_ms + clock + timeout_ms).div_euclid(1000);
                                at_ms = at_ms.max(expiry * 1000 - start_ms + offset);
                                None
                            }
                            Gap::Back(ms) if clock_back => Some(at_ms - ms),
                            Gap::Back(_) => None,
                        };
                        clock = clock_ms.unwrap_or(at_ms);
                        let op = match action {
                            Action::Track(event) => Op::Track(event.payload()),
                            Action::NewSession => Op::NewSession,
                            Action::Restart => Op::Restart,
                            Action::Anonymous(value) => Op::Anonymous(value),
                            Action::SetCookie {
                                name,
                                value,
                                max_age_s,
                            } => Op::SetCookie(SetCookie {
                                name: match name {
                                    Name::Id if others_write => names.id.clone(),
                                    Name::Ses if others_write => names.ses.clone(),
                                    Name::Id | Name::Ses => "_sp_id".to_owned(),
                                    Name::Other(other) => other.to_owned(),
                                },
                                value,
                                max_age_s,
                            }),
                        };
                        Step {
                            at_ms,
                            clock_ms,
                            op,
                        }
                    })
                    .collect();
                Scenario {
                    name: "random web page".to_owned(),
                    platform: Platform::Web,
                    start_ms,
                    config: ScenarioConfig {
                        session: Config {
                            session_timeout: Timeout::from_secs(timeout_s),
                            anonymous,
                            ..Config::default()
                        },
                        cookie_domain: domain.to_owned(),
                    },
                    steps,
                }
            },
        )
}

/// Plays `scenario` through the web launcher on a current-thread runtime.
fn play(scenario: &Scenario) -> Result<Vec<OutputLine>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut lines = Vec::new();
    runtime
        .block_on(run(
            scenario,
            &mut WebLauncher::for_scenario(scenario),
            |line| lines.push(line),
        ))
        .map_err(|e| e.to_string())?;
    Ok(lines)
}

/// Whether `step` writes one of our two cookies for someone else.
fn foreign(names: &CookieNames, step: &Step) -> bool {
    matches!(&step.op, Op::SetCookie(c) if c.name == names.id || c.name == names.ses)
}

/// Anonymisation in force at each step, as the spec states it: the configured value at every
/// (re)start, and whatever an `anonymous` step sets.
fn anonymous_at_each_step(scenario: &Scenario) -> Vec<bool> {
    let mut anonymous = scenario.config.session.anonymous;
    scenario
        .steps
        .iter()
        .map(|step| {
            match step.op {
                Op::Restart => anonymous = scenario.config.session.anonymous,
                Op::Anonymous(value) => anonymous = value,
                _ => {}
            }
            anonymous
        })
        .collect()
}

fn check_every_line(
    scenario: &Scenario,
    names: &CookieNames,
    lines: &[OutputLine],
) -> Result<(), TestCaseError> {
    let anonymous = anonymous_at_each_step(scenario);
    for line in lines {
        let step = line.step;
        prop_assert!(
            matches!(scenario.steps[step].op, Op::Track(_)),
            "only a track step emits"
        );
        let whole = serde_json::to_value(line).unwrap();
        prop_assert_eq!(validate_line(&whole), Ok(()), "step {}: {}", step, whole);
        let entity = line.client_session.as_ref().unwrap();
        let json = serde_json::to_value(entity).unwrap();
        prop_assert_eq!(
            check_client_session(&json),
            Ok(()),
            "step {}: {}",
            step,
            json
        );
        prop_assert_eq!(&json["storageMechanism"], "COOKIE_1");

        // A3.7: the entity is what the `_sp_id` written after the event says.
        let cookies: &BTreeMap<String, String> = line.cookies.as_ref().unwrap();
        let written = cookies.get(&names.id);
        prop_assert!(written.is_some(), "step {}: no _sp_id after an event", step);
        let cookie = SpId::decode(written.unwrap());
        prop_assert!(cookie.is_ok(), "step {}: we wrote a malformed _sp_id", step);
        let cookie = cookie.unwrap();
        prop_assert_eq!(cookie.session_id, entity.session_id);
        prop_assert_eq!(Some(cookie.event_index.min(MAX_INDEX)), entity.event_index);
        prop_assert_eq!(cookie.visit_count.min(MAX_INDEX), entity.session_index);
        prop_assert_eq!(cookie.first_event_id, entity.first_event_id);
        prop_assert!(
            cookies.get(&names.ses).is_some_and(|v| !v.is_empty()),
            "step {}: `_sp_ses` is there after an event",
            step
        );
        if anonymous[step] {
            prop_assert_eq!(entity.user_id, UserId::ANONYMOUS);
            prop_assert_eq!(entity.previous_session_id, None);
            prop_assert_eq!(cookie.domain_user_id, None, "A3.9: no user in the cookie");
            prop_assert_eq!(cookie.previous_session_id, None);
        } else {
            prop_assert_eq!(Some(entity.user_id), cookie.domain_user_id);
            prop_assert_eq!(entity.previous_session_id, cookie.previous_session_id);
        }
    }
    Ok(())
}

/// Only this tracker writes its cookies: sessions and their events count as they should.
fn check_own_sessions(scenario: &Scenario, lines: &[OutputLine]) -> Result<(), TestCaseError> {
    let anonymous = anonymous_at_each_step(scenario);
    let mut pairs = HashSet::new();
    let mut left = HashSet::new();
    let mut current: Option<(Uuid, u32, u32)> = None;
    // The user of the last identified event, forgotten whenever anonymisation comes on: the
    // JavaScript tracker then makes a new one when it goes off again (A3.9).
    let mut user: Option<UserId> = None;
    let mut last_step = 0;
    for line in lines {
        let entity = line.client_session.as_ref().unwrap();
        let index = entity.event_index.unwrap();
        let pair = (entity.session_id, index);
        prop_assert!(pairs.insert(pair), "step {}: {:?} repeats", line.step, pair);
        match current {
            Some((session, _, last)) if session == entity.session_id => {
                prop_assert_eq!(index, last + 1, "step {}: eventIndex counts on", line.step);
            }
            _ => {
                prop_assert_eq!(index, 1, "step {}: a session's first event", line.step);
                prop_assert!(
                    !left.contains(&entity.session_id),
                    "step {}: a session came back",
                    line.step
                );
                if let Some((session, session_index, _)) = current {
                    left.insert(session);
                    prop_assert!(
                        entity.session_index > session_index,
                        "step {}: sessionIndex {} after {}",
                        line.step,
                        entity.session_index,
                        session_index
                    );
                }
            }
        }
        current = Some((entity.session_id, entity.session_index, index));
        if anonymous[last_step..=line.step].iter().any(|a| *a) {
            user = None;
        }
        if !anonymous[line.step] {
            if let Some(user) = user {
                prop_assert_eq!(entity.user_id, user, "step {}: the user changed", line.step);
            }
            user = Some(entity.user_id);
        }
        last_step = line.step;
    }
    Ok(())
}

/// Spec A3 and B2 "Web storage", stated here from the spec's text and independently of the
/// code, for a page whose two cookies only this tracker writes: the oracle for when sessions
/// start. `_sp_ses` is written at the page load (A3.5), at every event (A3.6), at
/// `newSession()` (A3.8) and when anonymisation is switched off (which reruns the page-load
/// step, as the JavaScript tracker's `disableAnonymousTracking` does); each of those first
/// starts the next session if `_sp_ses` is gone, and `newSession()` always does. Written at
/// `t` ms with a timeout of `T` s, `_sp_ses` is gone from `floor((t + 1000 T) / 1000)` whole
/// seconds on, judged by the clock of the moment; with `T` = 0 it never expires here.
struct SpecA3 {
    timeout_s: i64,
    /// When `_sp_ses` is gone, in Unix seconds; `None` for a cookie without expiry.
    ses_gone_at_s: Option<i64>,
    /// Sessions started since the first visit's.
    rotations: u32,
}

impl SpecA3 {
    /// The first page load: a fresh identity's session 1 (A3.5), `_sp_ses` written.
    fn load(timeout_s: u32, now_ms: i64) -> Self {
        let mut spec = Self {
            timeout_s: i64::from(timeout_s),
            ses_gone_at_s: None,
            rotations: 0,
        };
        spec.write_ses(now_ms);
        spec
    }

    fn write_ses(&mut self, now_ms: i64) {
        self.ses_gone_at_s =
            (self.timeout_s > 0).then(|| (now_ms + self.timeout_s * 1000).div_euclid(1000));
    }

    /// A page load, an event or switching anonymisation off: a new session if `_sp_ses` is
    /// gone, then `_sp_ses` written again.
    fn touch(&mut self, now_ms: i64) {
        if self.ses_gone_at_s.is_some_and(|s| now_ms >= s * 1000) {
            self.rotations += 1;
        }
        self.write_ses(now_ms);
    }

    fn new_session(&mut self, now_ms: i64) {
        self.rotations += 1;
        self.write_ses(now_ms);
    }
}

/// Only this tracker writes its cookies: each event's `sessionIndex` is 1 plus the sessions
/// [`SpecA3`] says started since the first visit, and its `eventIndex` restarts at 1 exactly
/// when one started since the event before (then it is the session's first event).
fn check_session_starts(scenario: &Scenario, lines: &[OutputLine]) -> Result<(), TestCaseError> {
    let config = scenario.config.session;
    let mut spec = SpecA3::load(config.session_timeout.as_secs(), scenario.start_ms);
    let mut anonymous = config.anonymous;
    let mut lines = lines.iter().peekable();
    let mut last: Option<(u32, u32)> = None;
    for (index, step) in scenario.steps.iter().enumerate() {
        let now = scenario.start_ms + step.clock_ms.unwrap_or(step.at_ms);
        match step.op {
            Op::Track(_) => {
                spec.touch(now);
                let line = lines.next().unwrap();
                prop_assert_eq!(line.step, index);
                let entity = line.client_session.as_ref().unwrap();
                let rotations = spec.rotations;
                prop_assert_eq!(
                    entity.session_index,
                    1 + rotations,
                    "step {}: sessions started so far",
                    index
                );
                let first = last.is_none_or(|(r, _)| r != rotations);
                let expected = if first {
                    1
                } else {
                    last.map_or(1, |(_, e)| e + 1)
                };
                prop_assert_eq!(entity.event_index, Some(expected), "step {}", index);
                if first {
                    prop_assert_eq!(entity.first_event_id, Some(line.event_id));
                }
                last = Some((rotations, expected));
            }
            Op::NewSession => spec.new_session(now),
            Op::Restart => {
                anonymous = config.anonymous;
                spec.touch(now);
            }
            Op::Anonymous(value) => {
                if anonymous && !value {
                    spec.touch(now);
                }
                anonymous = value;
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    // Each case runs a tracker and validates every entity against the schema: 256 cases take
    // about a second in a debug build.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_web_pages_keep_the_web_invariants(scenario in scenario()) {
        let names = CookieNames::for_domain(&scenario.config.cookie_domain);
        let lines = play(&scenario);
        prop_assert!(lines.is_ok(), "{:?}", lines.err());
        let lines = lines.unwrap();
        let tracks = scenario.steps.iter().filter(|s| matches!(s.op, Op::Track(_))).count();
        prop_assert_eq!(lines.len(), tracks, "one line per tracked event");
        check_every_line(&scenario, &names, &lines)?;
        if !scenario.steps.iter().any(|step| foreign(&names, step)) {
            check_own_sessions(&scenario, &lines)?;
            // With the clock going back, whether an expired `_sp_ses` comes back depends on
            // when the browser evicted it, which the spec does not say.
            if scenario.steps.iter().all(|step| step.clock_ms.is_none()) {
                check_session_starts(&scenario, &lines)?;
            }
        }
    }
}
