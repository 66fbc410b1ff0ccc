//! The native launchers, each actor on a tokio task: the memory store and the sled store
//! (mobile), and the cookie store over the native jar (web).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionActor, SessionHandle};
use client_session_core::{expires_after, Config};
use client_session_store::{MemoryStorage, SessionStore};
use client_session_store_cookie::{
    CookieJar, CookieOptions, CookieStore, NativeJar, Page, SharedJar,
};
use client_session_store_sled::SledDatabase;
use tokio::task::JoinHandle;

use crate::format::{Platform, Scenario, SetCookie};

/// Starts trackers on one [`MemoryStorage`]: a restart finds what the last tracker left, as it
/// would on a device.
#[derive(Debug, Default)]
pub struct MemoryLauncher {
    /// The storage every launch uses.
    pub storage: MemoryStorage,
    namespace: String,
    task: Option<JoinHandle<()>>,
}

impl MemoryLauncher {
    /// A launcher on fresh storage for `namespace`.
    #[must_use]
    pub fn new(namespace: &str) -> Self {
        Self {
            storage: MemoryStorage::new(),
            namespace: namespace.to_owned(),
            task: None,
        }
    }
}

#[async_trait(?Send)]
impl crate::Launcher for MemoryLauncher {
    fn platform(&self) -> Platform {
        Platform::Mobile
    }

    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        spawn(
            config,
            self.storage.store(&self.namespace),
            clock,
            &mut self.task,
        )
        .await
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        stop(handle, &mut self.task).await
    }
}

/// Starts trackers on a sled data directory, reopening the database at every launch.
#[derive(Debug)]
pub struct SledLauncher {
    dir: PathBuf,
    namespace: String,
    task: Option<JoinHandle<()>>,
}

impl SledLauncher {
    /// A launcher on the data directory `dir` (used as it is: an existing session carries over).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, namespace: &str) -> Self {
        Self {
            dir: dir.into(),
            namespace: namespace.to_owned(),
            task: None,
        }
    }
}

#[async_trait(?Send)]
impl crate::Launcher for SledLauncher {
    fn platform(&self) -> Platform {
        Platform::Mobile
    }

    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        // `stop` joined the previous actor task, so its database handle is dropped; if sled's
        // I/O threads still hold the lock a moment (sled #1289), `SledDatabase::open` waits
        // for this process's own release.
        let db = SledDatabase::open(&self.dir)?;
        spawn(config, db.store(&self.namespace), clock, &mut self.task).await
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        stop(handle, &mut self.task).await
    }
}

/// Starts web trackers on one page's cookie jar: the cookie store over a [`NativeJar`] for a
/// secure page on the cookie domain. A restart is a page reload on the same jar; `set_cookie`
/// writes into it as another tab or the JavaScript tracker would.
#[derive(Debug)]
pub struct WebLauncher {
    jar: SharedJar<NativeJar>,
    options: CookieOptions,
    task: Option<JoinHandle<()>>,
}

impl WebLauncher {
    /// A launcher on an empty jar, with the JavaScript tracker's cookie options on `domain`
    /// (path `/`, prefix `_sp_`), for a page at `https://<domain>/`.
    #[must_use]
    pub fn new(domain: &str) -> Self {
        Self {
            jar: SharedJar::new(NativeJar::new(Page::https(domain))),
            options: CookieOptions::for_domain(domain),
            task: None,
        }
    }

    /// The launcher for `scenario`: on its `cookie_domain`.
    #[must_use]
    pub fn for_scenario(scenario: &Scenario) -> Self {
        Self::new(&scenario.config.cookie_domain)
    }

    /// The jar the trackers and `set_cookie` steps share.
    #[must_use]
    pub fn jar(&self) -> &SharedJar<NativeJar> {
        &self.jar
    }
}

#[async_trait(?Send)]
impl crate::Launcher for WebLauncher {
    fn platform(&self) -> Platform {
        Platform::Web
    }

    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        let store = CookieStore::new(self.jar.clone(), self.options.clone());
        spawn(config, store, clock, &mut self.task).await
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        stop(handle, &mut self.task).await
    }

    /// Writes the cookie with the attributes the JavaScript tracker gives its own (A3.4):
    /// `Expires` `max_age_s` from now (none without it; 0 or below deletes).
    fn set_cookie(&mut self, cookie: &SetCookie, now_ms: i64) -> Result<(), String> {
        let attributes = self
            .options
            .attributes(cookie.max_age_s.map(|ttl| expires_after(now_ms, ttl)));
        self.jar
            .set(&cookie.name, &cookie.value, &attributes, now_ms)
            .map_err(|e| e.to_string())
    }

    fn cookies(&self, now_ms: i64) -> Option<BTreeMap<String, String>> {
        Some(
            self.jar
                .with(|jar| jar.visible(now_ms))
                .into_iter()
                .collect(),
        )
    }
}

async fn spawn<S: SessionStore>(
    config: Config,
    store: S,
    clock: Arc<dyn Clock>,
    task: &mut Option<JoinHandle<()>>,
) -> Result<SessionHandle, Error> {
    let (handle, actor) = SessionActor::start(config, store, clock).await?;
    *task = Some(tokio::spawn(actor.run()));
    Ok(handle)
}

async fn stop(handle: SessionHandle, task: &mut Option<JoinHandle<()>>) -> Result<(), Error> {
    let result = handle.shutdown().await;
    drop(handle);
    if let Some(task) = task.take() {
        // The task only ends by returning; a join error would mean it panicked, and then the
        // shutdown above already failed with `ShutDown`.
        let _ = task.await;
    }
    result
}
