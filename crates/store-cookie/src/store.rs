//! The web session store: the JavaScript tracker's two cookies in a [`CookieJar`] (spec A3, B2
//! "Web storage").
//!
//! It only reads, encodes and writes; the web rules in the core decide. Both cookies are read
//! at open and again before every batch, because other tabs and the JavaScript tracker rewrite
//! them between our events; each decision writes both back before anything of its batch leaves
//! the tracker.

use async_trait::async_trait;
use client_session_core::{
    expires_after, SessionCookieExpiry, StorageMechanism, WebCookies, WebState, WebWrite,
    ID_COOKIE_LIFETIME_S,
};
use client_session_store::{Durability, Loaded, SessionStore, StoreError};

use crate::jar::{CookieAttributes, CookieJar, JarError, SameSite};
use crate::names::{CookieNames, DEFAULT_PREFIX};
use crate::sp_id::{SpId, SpIdError};

/// Where the cookies live and what they are called: the JavaScript tracker's `cookieDomain`,
/// cookie path and `cookieName` prefix. A page running both trackers must give both the same
/// three, or they keep separate cookies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CookieOptions {
    /// The cookie domain: hashed into both names (A3.1) and written as their `Domain`
    /// attribute (A3.4). Give the root domain the JavaScript tracker uses (`example.test` for
    /// pages on `www.example.test`), as it is written there: a leading dot gives other names.
    pub domain: String,
    /// The cookie path: hashed into the names and written as `Path`. `/` in the JavaScript
    /// tracker 4.x.
    pub path: String,
    /// The name prefix, `_sp_` unless the JavaScript tracker is configured otherwise.
    pub prefix: String,
}

impl CookieOptions {
    /// The JavaScript tracker's defaults on `domain`: path `/`, prefix `_sp_`.
    ///
    /// ```
    /// use client_session_store_cookie::{CookieOptions, CookieNames};
    /// let options = CookieOptions::for_domain("example.test");
    /// assert_eq!(options.names(), CookieNames::for_domain("example.test"));
    /// assert_eq!(options.names().id, "_sp_id.8e5d");
    /// ```
    #[must_use]
    pub fn for_domain(domain: &str) -> Self {
        Self {
            domain: domain.to_owned(),
            path: "/".to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }

    /// The two cookies' names under these options.
    #[must_use]
    pub fn names(&self) -> CookieNames {
        CookieNames::new(&self.prefix, &self.domain, &self.path)
    }

    /// The attributes the JavaScript tracker writes (A3.4), expiring at `expires_s` (none: a
    /// browser-session cookie).
    #[must_use]
    pub fn attributes(&self, expires_s: Option<i64>) -> CookieAttributes {
        CookieAttributes {
            expires_s,
            path: Some(self.path.clone()),
            domain: Some(self.domain.clone()),
            same_site: Some(SameSite::Lax),
            secure: true,
        }
    }
}

/// The web session store over a jar (`document.cookie` in a browser, [`NativeJar`] natively),
/// reporting `COOKIE_1`. It keeps the state of the web rule set ([`WebState`]).
///
/// ```
/// use std::sync::Arc;
/// use client_session_actor::{Event, ManualClock, SessionActor};
/// use client_session_core::{Config, Payload};
/// use client_session_store_cookie::{CookieOptions, CookieStore, NativeJar, Page, SharedJar};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let jar = SharedJar::new(NativeJar::new(Page::https("www.example.test")));
/// let store = CookieStore::new(jar.clone(), CookieOptions::for_domain("example.test"));
/// let clock = ManualClock::new(1_700_000_000_000);
/// let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(clock)).await.unwrap();
/// // The page load wrote both cookies before any event (A3.5).
/// assert_eq!(jar.with(|jar| jar.visible(1_700_000_000_000).len()), 2);
/// let task = tokio::spawn(actor.run());
/// let page_view = Payload::PageView { url: "https://www.example.test/".into() };
/// let event = handle.track(Event::new(page_view)).await.unwrap().event.unwrap();
/// assert_eq!(event.client_session.event_index, Some(1));
/// handle.shutdown().await.unwrap();
/// task.await.unwrap();
/// # });
/// ```
///
/// [`NativeJar`]: crate::NativeJar
#[derive(Debug, Clone)]
pub struct CookieStore<J> {
    jar: J,
    options: CookieOptions,
    names: CookieNames,
}

impl<J: CookieJar> CookieStore<J> {
    /// The store over `jar` with `options`.
    pub fn new(jar: J, options: CookieOptions) -> Self {
        let names = options.names();
        Self {
            jar,
            options,
            names,
        }
    }

    /// The two cookies' names.
    pub fn names(&self) -> &CookieNames {
        &self.names
    }

    /// The jar.
    pub fn jar(&self) -> &J {
        &self.jar
    }

    /// Both cookies as the JavaScript tracker reads them: an `_sp_id` that is missing or empty
    /// is none; a malformed one is logged and read as none, so the rules make a fresh identity
    /// and never half use it (B2); `_sp_ses` counts when it is there with a non-empty value
    /// (the tracker tests its value for truth).
    fn read(&self, now_ms: i64) -> Result<WebCookies, StoreError> {
        let id = self
            .get(&self.names.id, now_ms)?
            .filter(|value| !value.is_empty())
            .and_then(|value| match SpId::decode(&value) {
                Ok(session) => Some(session),
                Err(e) => {
                    log_malformed(&self.names.id, &e);
                    None
                }
            });
        let session_cookie = self
            .get(&self.names.ses, now_ms)?
            .is_some_and(|value| !value.is_empty());
        Ok(WebCookies { id, session_cookie })
    }

    fn get(&self, name: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
        self.jar.get(name, now_ms).map_err(|e| jar_error(name, &e))
    }

    /// Writes both cookies (A3.4): `_sp_id` for two years from `now_ms`, `_sp_ses` until the
    /// second the rules gave it, or without `Expires` for a timeout of 0.
    fn write(&mut self, write: &WebWrite, now_ms: i64) -> Result<(), StoreError> {
        let id = self
            .options
            .attributes(Some(expires_after(now_ms, ID_COOKIE_LIFETIME_S)));
        let ses = self.options.attributes(match write.session_cookie_expires {
            SessionCookieExpiry::At(secs) => Some(secs),
            SessionCookieExpiry::EndOfBrowserSession => None,
        });
        self.jar
            .set(&self.names.id, &SpId::encode(&write.id), &id, now_ms)
            .map_err(|e| jar_error(&self.names.id, &e))?;
        self.jar
            .set(&self.names.ses, "*", &ses, now_ms)
            .map_err(|e| jar_error(&self.names.ses, &e))
    }
}

/// Logs a malformed `_sp_id` without its value: the field names what is wrong, and the value
/// may hold the user id.
fn log_malformed(name: &str, error: &SpIdError) {
    match error {
        SpIdError::FieldCount { found } => tracing::warn!(
            cookie = name,
            fields = found,
            "malformed identity cookie (not 10 fields); starting a fresh identity"
        ),
        SpIdError::Field { field, problem, .. } => tracing::warn!(
            cookie = name,
            field = %field,
            problem = %problem,
            "malformed identity cookie; starting a fresh identity"
        ),
    }
}

fn jar_error(name: &str, error: &JarError) -> StoreError {
    StoreError::Cookie {
        name: name.to_owned(),
        message: error.to_string(),
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
impl<J: CookieJar + client_session_store::MaybeSend + 'static> SessionStore for CookieStore<J> {
    type Model = WebState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::Cookie1
    }

    /// Both cookies at the page load. A jar that cannot be read at all (a browser that blocks
    /// cookies) does not stop the page's tracking: it is logged and read as no cookies, so the
    /// page load starts a fresh identity and the tracker goes on with it in memory, as the
    /// JavaScript tracker does without cookies. Reads before later batches keep failing as
    /// errors, which the actor logs and passes over.
    async fn open(&mut self, now_ms: i64) -> Result<WebCookies, StoreError> {
        Ok(self.read(now_ms).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the cookies at page load; starting without them");
            WebCookies::default()
        }))
    }

    async fn load(&mut self, now_ms: i64) -> Result<Loaded<WebCookies>, StoreError> {
        self.read(now_ms).map(Loaded::Current)
    }

    /// Writes both cookies at once, whatever `durability` says: the jar is synchronous.
    async fn save(
        &mut self,
        state: &WebWrite,
        now_ms: i64,
        _durability: Durability,
    ) -> Result<(), StoreError> {
        self.write(state, now_ms)
    }

    /// Nothing: every decision was written in its batch, and writing again at the end could
    /// overwrite what another tab wrote since. A page unload writes nothing in the JavaScript
    /// tracker either.
    async fn close(&mut self, _state: &WebWrite, _now_ms: i64) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
