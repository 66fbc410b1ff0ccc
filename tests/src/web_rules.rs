//! The rules-level check of the web scenarios: each file in `scenarios/web/` played through the
//! core's [`WebRules`], the `_sp_id` codec ([`SpId`]) and the RFC 6265 [`NativeJar`] alone, with
//! no actor and no cookie store.
//!
//! The web rules and the web scenarios were written separately from spec A3 and the JavaScript
//! tracker; this replay holds each side to the other before the real web launcher (the actor
//! over a cookie store, issue 7) runs the same files through [`check_backend`]. It is NOT that
//! launcher: it plays spec Part C's web semantics directly, as the launcher must:
//! - the page loads at `start_ms` ([`WebRules::start`], A3.5), which writes both cookies;
//! - during a step the wall clock is `start_ms + at_ms` (or `start_ms + clock_ms`);
//! - `set_cookie` writes into the jar at that time, as another tab or the JavaScript tracker
//!   would (`Path=/`, `Domain=<cookie_domain>`, `SameSite=Lax`, `Secure`; `Expires` after
//!   `max_age_s`, none without it, 0 or below deletes);
//! - `restart` is a page reload on the same jar (a new [`WebRules::start`]);
//! - `track` is [`WebRules::track`] with the step's time as `dtm`, `new_session` is
//!   [`WebRules::new_session`], `anonymous` switches A3.9 for what follows (see below);
//! - `background`, `foreground`, `pause` and `resume` do nothing on the web;
//! - before each decision both cookies are read from the jar (a malformed `_sp_id` reads as
//!   none: a fresh identity, B2), and after it both are written back;
//! - every new id (event, user, session) comes from one deterministic counter.
//!
//! Each tracked event is one Part C line whose `cookies` are the jar's values after the event.
//!
//! Open points this replay takes as the rules and scenarios do, for the launcher to keep:
//! - a session timeout of 0 writes `_sp_ses` without `Expires` (a browser-session cookie, as the
//!   JavaScript tracker's cookie helper does for a zero lifetime), so on the web the session
//!   then lasts until the browser closes, unlike spec B2 "Limits" for mobile ("any gap > 0 ms
//!   starts a new session"); scenario 30 pins it;
//! - `anonymous` switches A3.9 for later decisions as the JavaScript tracker 4.x does:
//!   `enableAnonymousTracking` writes nothing, `disableAnonymousTracking` runs the page-load
//!   step again (`initializeIdsAndCookies`: a user id for the cookie, `_sp_ses` refreshed, or a
//!   new session if it is gone). Part C does not say this and no web scenario toggles it yet.
//!
//! [`check_backend`]: crate::check_backend

use std::collections::BTreeMap;

use client_session_core::{
    expires_after, EventStamp, SessionCookieExpiry, Timeout, WebConfig, WebCookies, WebRules,
    WebWrite, ID_COOKIE_LIFETIME_S,
};
use client_session_scenario::{Op, OutputLine, Platform, Scenario, SetCookie};
use client_session_store_cookie::{
    CookieAttributes, CookieJar, CookieNames, NativeJar, Page, SameSite, SpId,
};
use serde_json::Value;
use uuid::Uuid;

/// Makes ids 1, 2, 3… shaped as UUID v4 (version 4, RFC 4122 variant), so every emitted entity
/// is valid under the schema and the run is the same every time.
#[derive(Debug, Default)]
struct IdMaker(u64);

impl IdMaker {
    fn next(&mut self) -> Uuid {
        self.0 += 1;
        Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | u128::from(self.0))
    }
}

/// One page of the site with its cookie jar, playing a web scenario at the rules level.
struct RulesPage {
    rules: WebRules,
    jar: NativeJar,
    names: CookieNames,
    domain: String,
    ids: IdMaker,
}

impl RulesPage {
    fn new(scenario: &Scenario) -> Self {
        let domain = scenario.config.cookie_domain.clone();
        Self {
            rules: WebRules::new(WebConfig {
                session_timeout: Timeout::from_secs(scenario.config.session_timeout_s),
                anonymous: scenario.config.session.anonymous,
            }),
            jar: NativeJar::new(Page::https(&domain)),
            names: CookieNames::for_domain(&domain),
            domain,
            ids: IdMaker::default(),
        }
    }

    /// The attributes the JavaScript tracker writes (A3.4), expiring at `expires_s`.
    fn attributes(&self, expires_s: Option<i64>) -> CookieAttributes {
        CookieAttributes {
            expires_s,
            path: Some("/".to_owned()),
            domain: Some(self.domain.clone()),
            same_site: Some(SameSite::Lax),
            secure: true,
        }
    }

    /// Both cookies as the tracker reads them before a decision.
    fn read(&self, now_ms: i64) -> Result<WebCookies, String> {
        let id = self
            .jar
            .get(&self.names.id, now_ms)
            .map_err(|e| format!("reading {}: {e}", self.names.id))?
            // A malformed value is a fresh identity, never half used (B2).
            .and_then(|value| SpId::decode(&value).ok());
        let session_cookie = self
            .jar
            .get(&self.names.ses, now_ms)
            .map_err(|e| format!("reading {}: {e}", self.names.ses))?
            .is_some();
        Ok(WebCookies { id, session_cookie })
    }

    /// Writes a decision back: `_sp_id` for 2 years, `_sp_ses` as the rules date it.
    fn write(&mut self, write: &WebWrite, now_ms: i64) -> Result<(), String> {
        let id = self.attributes(Some(expires_after(now_ms, ID_COOKIE_LIFETIME_S)));
        let ses = self.attributes(match write.session_cookie_expires {
            SessionCookieExpiry::At(secs) => Some(secs),
            SessionCookieExpiry::EndOfBrowserSession => None,
        });
        let (id_name, ses_name) = (self.names.id.clone(), self.names.ses.clone());
        self.jar
            .set(&id_name, &SpId::encode(&write.id), &id, now_ms)
            .and_then(|()| self.jar.set(&ses_name, "*", &ses, now_ms))
            .map_err(|e| format!("writing the cookies: {e}"))
    }

    /// A page load (A3.5).
    fn load(&mut self, now_ms: i64) -> Result<(), String> {
        let cookies = self.read(now_ms)?;
        let ids = &mut self.ids;
        let write = self.rules.start(cookies, now_ms, || ids.next());
        self.write(&write, now_ms)
    }

    /// A `set_cookie` step: someone else's write into the jar at `now_ms`.
    fn set_cookie(&mut self, cookie: &SetCookie, now_ms: i64) -> Result<(), String> {
        let attributes = self.attributes(cookie.max_age_s.map(|ttl| expires_after(now_ms, ttl)));
        self.jar
            .set(&cookie.name, &cookie.value, &attributes, now_ms)
            .map_err(|e| format!("set_cookie {}: {e}", cookie.name))
    }

    /// Plays one step at `now_ms`; a tracked event gives its line (without `step` context).
    fn step(
        &mut self,
        index: usize,
        at_ms: i64,
        op: &Op,
        now_ms: i64,
    ) -> Result<Option<OutputLine>, String> {
        match op {
            Op::Track(name) => {
                let cookies = self.read(now_ms)?;
                let stamp = EventStamp {
                    id: self.ids.next(),
                    dtm_ms: now_ms,
                };
                let ids = &mut self.ids;
                let tracked = self.rules.track(cookies, now_ms, stamp, || ids.next());
                self.write(&tracked.write, now_ms)?;
                Ok(Some(OutputLine {
                    step: index,
                    at_ms,
                    event: name.payload().name(),
                    event_id: stamp.id,
                    dtm: stamp.dtm_ms,
                    client_session: Some(tracked.client_session),
                    cookies: Some(
                        self.jar
                            .visible(now_ms)
                            .into_iter()
                            .collect::<BTreeMap<_, _>>(),
                    ),
                }))
            }
            Op::NewSession => {
                let cookies = self.read(now_ms)?;
                let ids = &mut self.ids;
                let write = self.rules.new_session(cookies, now_ms, || ids.next());
                self.write(&write, now_ms)?;
                Ok(None)
            }
            Op::Anonymous(value) => {
                self.rules.config.anonymous = *value;
                // `disableAnonymousTracking` re-runs the page-load step
                // (`initializeIdsAndCookies`); `enableAnonymousTracking` writes nothing.
                if *value {
                    Ok(None)
                } else {
                    self.load(now_ms).map(|()| None)
                }
            }
            Op::Restart => self.load(now_ms).map(|()| None),
            Op::SetCookie(cookie) => self.set_cookie(cookie, now_ms).map(|()| None),
            Op::Background | Op::Foreground | Op::Pause | Op::Resume => Ok(None),
        }
    }
}

/// Plays a web scenario at the rules level (see the module documentation) and returns its
/// Part C output lines as JSON (not yet symbolic).
///
/// # Errors
/// A scenario that is not `web`, or a cookie the jar refuses, naming the step.
pub fn replay_web_rules(scenario: &Scenario) -> Result<Vec<Value>, String> {
    if scenario.platform != Platform::Web {
        return Err("not a web scenario".to_owned());
    }
    let mut page = RulesPage::new(scenario);
    page.load(scenario.start_ms)
        .map_err(|e| format!("page load: {e}"))?;
    let mut lines = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let now_ms = scenario
            .start_ms
            .saturating_add(step.clock_ms.unwrap_or(step.at_ms));
        let line = page
            .step(index, step.at_ms, &step.op, now_ms)
            .map_err(|e| format!("step {index}: {e}"))?;
        if let Some(line) = line {
            lines.push(
                serde_json::to_value(&line)
                    .map_err(|e| format!("step {index}: the line does not serialise: {e}"))?,
            );
        }
    }
    Ok(lines)
}
