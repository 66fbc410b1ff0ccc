//! The launchers, each actor on a task of its own: the memory store and the sled store
//! (mobile), and the cookie store over the native jar (web).
//!
//! The memory and web launchers build for `wasm32` too, so the suite runs the same scenarios
//! in a browser. Their one difference between targets is how the actor's task is spawned
//! (`ActorTask::spawn`): on a tokio runtime natively, on the browser's event loop on `wasm32`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionActor, SessionHandle};
use client_session_core::{expires_after, Config};
use client_session_store::{MemoryStorage, SessionStore};
use client_session_store_cookie::{
    CookieJar, CookieOptions, CookieStore, NativeJar, Page, SharedJar,
};
use tokio::sync::oneshot;

use crate::format::{Platform, Scenario, SetCookie};

#[cfg(not(target_arch = "wasm32"))]
mod sled;
#[cfg(not(target_arch = "wasm32"))]
pub use sled::SledLauncher;

/// Starts trackers on one [`MemoryStorage`]: a restart finds what the last tracker left, as it
/// would on a device.
#[derive(Debug, Default)]
pub struct MemoryLauncher {
    /// The storage every launch uses.
    pub storage: MemoryStorage,
    namespace: String,
    task: Option<ActorTask>,
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

/// Starts web trackers on one page's cookie jar: the cookie store over a [`NativeJar`] for a
/// secure page on the cookie domain. A restart is a page reload on the same jar; `set_cookie`
/// writes into it as another tab or the JavaScript tracker would.
#[derive(Debug)]
pub struct WebLauncher {
    jar: SharedJar<NativeJar>,
    options: CookieOptions,
    task: Option<ActorTask>,
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

/// A running actor's task, as far as a launcher needs it: a way to wait for its end.
///
/// The task reports its end on a channel rather than through a join handle, so that `stop`
/// awaits it the same way whichever executor runs it.
#[derive(Debug)]
struct ActorTask {
    ended: oneshot::Receiver<()>,
}

impl ActorTask {
    /// Runs `actor` on a task of its own: `tokio::spawn` natively (the caller is on a tokio
    /// runtime), `wasm_bindgen_futures::spawn_local` on `wasm32` (the browser's event loop;
    /// stores there may hold `!Send` JavaScript values).
    fn spawn<S: SessionStore>(actor: SessionActor<S>) -> Self {
        let (done, ended) = oneshot::channel();
        let task = async move {
            actor.run().await;
            // Nobody waiting (the launcher was dropped) is fine: there is nothing to report.
            let _ = done.send(());
        };
        #[cfg(not(target_arch = "wasm32"))]
        drop(tokio::spawn(task));
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_futures::spawn_local(task);
        Self { ended }
    }

    /// Waits until the task has ended. If it panicked instead of returning, its sender was
    /// dropped while unwinding, which ends the wait too.
    async fn ended(self) {
        let _ = self.ended.await;
    }
}

async fn spawn<S: SessionStore>(
    config: Config,
    store: S,
    clock: Arc<dyn Clock>,
    task: &mut Option<ActorTask>,
) -> Result<SessionHandle, Error> {
    let (handle, actor) = SessionActor::start(config, store, clock).await?;
    *task = Some(ActorTask::spawn(actor));
    Ok(handle)
}

async fn stop(handle: SessionHandle, task: &mut Option<ActorTask>) -> Result<(), Error> {
    let result = handle.shutdown().await;
    drop(handle);
    if let Some(task) = task.take() {
        // A task that panicked already failed the shutdown above with `ShutDown`.
        task.ended().await;
    }
    result
}
