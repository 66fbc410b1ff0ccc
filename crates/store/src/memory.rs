//! The in-memory store: a device's storage that lives as long as the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use client_session_core::{
    Forgotten, PersistedSession, PreviousRun, SessionState, StorageMechanism, UserId,
};
use uuid::Uuid;

use crate::{Durability, Loaded, Opened, SessionStore, StoreError};

/// Shared in-memory storage for any number of namespaces: what a device's storage would be,
/// without a disk. Clones share the same contents, so a tracker "restarted" on a clone sees
/// what the previous one left, clean marker included.
///
/// ```
/// use client_session_store::{MemoryStorage, SessionStore};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let storage = MemoryStorage::new();
/// let mut store = storage.store("default");
/// let opened = store.open(0).await.unwrap();
/// assert_eq!(opened.state, None);
/// assert_eq!(storage.store("other").open(0).await.unwrap().user_id, opened.user_id);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    inner: Arc<Mutex<Contents>>,
}

#[derive(Debug, Default)]
struct Contents {
    user_id: Option<UserId>,
    namespaces: HashMap<Arc<str>, Slot>,
    /// How many times the user was forgotten: a store that opened under an earlier count
    /// holds a forgotten user's state, which it must never write back.
    forgettings: u64,
}

impl Contents {
    /// The namespace's slot, made on first use. Keys are shared strings so that the lookup
    /// after every batch allocates nothing.
    fn slot(&mut self, namespace: &Arc<str>) -> &mut Slot {
        self.namespaces.entry(Arc::clone(namespace)).or_default()
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    state: Option<PersistedSession>,
    clean: bool,
}

impl MemoryStorage {
    /// Empty storage: no user yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store for `namespace` on this storage.
    #[must_use]
    pub fn store(&self, namespace: &str) -> MemoryStore {
        MemoryStore {
            storage: self.clone(),
            namespace: Arc::from(namespace),
            forgettings: 0,
        }
    }

    /// What is stored for `namespace`, if anything.
    #[must_use]
    pub fn stored(&self, namespace: &str) -> Option<PersistedSession> {
        self.lock()
            .namespaces
            .get(namespace)
            .and_then(|slot| slot.state)
    }

    /// The installation user id, once a store was opened.
    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        self.lock().user_id
    }

    fn lock(&self) -> MutexGuard<'_, Contents> {
        // A panic elsewhere while holding the lock leaves plain data that is still whole.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A [`MemoryStorage`] namespace as a [`SessionStore`].
#[derive(Debug, Clone)]
pub struct MemoryStore {
    storage: MemoryStorage,
    namespace: Arc<str>,
    /// The storage's count of forgettings this store last knew of.
    forgettings: u64,
}

#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
impl SessionStore for MemoryStore {
    type Model = SessionState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::LocalStorage
    }

    async fn open(&mut self, _now_ms: i64) -> Result<Opened, StoreError> {
        let mut contents = self.storage.lock();
        let user_id = *contents
            .user_id
            .get_or_insert_with(|| UserId::from_uuid(Uuid::new_v4()));
        self.forgettings = contents.forgettings;
        let slot = contents.slot(&self.namespace);
        let opened = Opened {
            user_id,
            state: slot.state,
            previous_run: PreviousRun::from_clean_marker(slot.clean),
        };
        slot.clean = false;
        Ok(opened)
    }

    /// Another namespace's tracker cleared the user data since this one last looked: reported
    /// once, with the new user.
    async fn load(&mut self, _now_ms: i64) -> Result<Loaded<Forgotten>, StoreError> {
        let contents = self.storage.lock();
        if contents.forgettings == self.forgettings {
            return Ok(Loaded::Unchanged);
        }
        self.forgettings = contents.forgettings;
        Ok(contents.user_id.map_or(Loaded::Unchanged, |user_id| {
            Loaded::Current(Forgotten { user_id })
        }))
    }

    /// Every write is immediate here; a save also clears the marker a
    /// [`suspend`](SessionStore::suspend) set (a running tracker is not a clean shutdown).
    async fn save(
        &mut self,
        state: &PersistedSession,
        _now_ms: i64,
        _durability: Durability,
    ) -> Result<(), StoreError> {
        self.keep(state, false);
        Ok(())
    }

    async fn suspend(&mut self, state: &PersistedSession, _now_ms: i64) -> Result<(), StoreError> {
        self.keep(state, true);
        Ok(())
    }

    async fn close(&mut self, state: &PersistedSession, _now_ms: i64) -> Result<(), StoreError> {
        self.keep(state, true);
        Ok(())
    }

    /// Every namespace's state goes, and the user with it: a device's storage wiped of them.
    async fn clear_user_data(&mut self, _now_ms: i64) -> Result<Loaded<Forgotten>, StoreError> {
        let mut contents = self.storage.lock();
        let user_id = UserId::from_uuid(Uuid::new_v4());
        contents.user_id = Some(user_id);
        contents.namespaces.clear();
        contents.forgettings += 1;
        self.forgettings = contents.forgettings;
        Ok(Loaded::Current(Forgotten { user_id }))
    }
}

impl MemoryStore {
    /// Writes `state` and the clean marker in one step; nothing when the user was forgotten
    /// since this store last looked (the state is the forgotten user's: the next
    /// [`load`](SessionStore::load) tells the tracker).
    fn keep(&self, state: &PersistedSession, clean: bool) {
        let mut contents = self.storage.lock();
        if contents.forgettings != self.forgettings {
            return;
        }
        let slot = contents.slot(&self.namespace);
        slot.state = Some(*state);
        slot.clean = clean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clean_marker_is_cleared_at_open_and_set_at_close() {
        let storage = MemoryStorage::new();
        let mut store = storage.store("ns");
        assert_eq!(
            store.open(0).await.unwrap().previous_run,
            PreviousRun::Unclean
        );
        let state = PersistedSession {
            new_session_requested: true,
            ..PersistedSession::default()
        };
        store.close(&state, 0).await.unwrap();
        let mut again = storage.store("ns");
        let opened = again.open(0).await.unwrap();
        assert_eq!(opened.previous_run, PreviousRun::Clean);
        assert_eq!(opened.state, Some(state));
        assert_eq!(
            storage.store("ns").open(0).await.unwrap().previous_run,
            PreviousRun::Unclean,
            "a process that dies after open leaves no marker"
        );
    }

    fn at(event_index: u32) -> PersistedSession {
        PersistedSession {
            session: Some(client_session_core::SessionRecord {
                session_id: Uuid::from_u128(1),
                session_index: 1,
                previous_session_id: None,
                first_event_id: Uuid::from_u128(2),
                first_event_timestamp_ms: 0,
                event_index,
                last_update_ms: i64::from(event_index),
            }),
            ..PersistedSession::default()
        }
    }

    #[tokio::test]
    async fn a_process_ended_in_the_background_is_a_clean_shutdown() {
        let storage = MemoryStorage::new();
        let mut store = storage.store("ns");
        store.open(0).await.unwrap();
        store.suspend(&at(3), 0).await.unwrap();
        // The process ends here without a close.
        let opened = storage.store("ns").open(0).await.unwrap();
        assert_eq!(opened.previous_run, PreviousRun::Clean);
        assert_eq!(opened.state, Some(at(3)));
    }

    #[tokio::test]
    async fn the_save_after_a_suspension_clears_the_marker() {
        for durability in [Durability::Buffered, Durability::Durable] {
            let storage = MemoryStorage::new();
            let mut store = storage.store("ns");
            store.open(0).await.unwrap();
            store.suspend(&at(3), 0).await.unwrap();
            store.save(&at(4), 0, durability).await.unwrap();
            let opened = storage.store("ns").open(0).await.unwrap();
            assert_eq!(opened.previous_run, PreviousRun::Unclean, "{durability:?}");
            assert_eq!(opened.state, Some(at(4)));
        }
    }

    #[tokio::test]
    async fn namespaces_are_separate_and_share_the_user() {
        let storage = MemoryStorage::new();
        let mut a = storage.store("a");
        let mut b = storage.store("b");
        let ua = a.open(0).await.unwrap().user_id;
        let ub = b.open(0).await.unwrap().user_id;
        assert_eq!(ua, ub);
        let state = PersistedSession {
            anonymous: true,
            ..PersistedSession::default()
        };
        a.save(&state, 0, Durability::Buffered).await.unwrap();
        assert_eq!(storage.stored("a"), Some(state));
        assert_eq!(storage.stored("b"), None);
    }

    #[tokio::test]
    async fn clearing_forgets_every_namespace_and_tells_the_others_once() {
        let storage = MemoryStorage::new();
        let mut a = storage.store("a");
        let mut b = storage.store("b");
        let old = a.open(0).await.unwrap().user_id;
        b.open(0).await.unwrap();
        a.save(&at(3), 0, Durability::Durable).await.unwrap();
        b.save(&at(5), 0, Durability::Durable).await.unwrap();
        let Loaded::Current(Forgotten { user_id }) = a.clear_user_data(0).await.unwrap() else {
            panic!("a memory store has a user to forget");
        };
        assert_ne!(user_id, old);
        assert_eq!(storage.user_id(), Some(user_id));
        assert_eq!((storage.stored("a"), storage.stored("b")), (None, None));
        assert_eq!(
            a.load(0).await.unwrap(),
            Loaded::Unchanged,
            "a knows already"
        );
        // b has not heard of it: what it writes now is the forgotten user's, and is dropped.
        b.save(&at(6), 0, Durability::Durable).await.unwrap();
        assert_eq!(storage.stored("b"), None);
        assert_eq!(
            b.load(0).await.unwrap(),
            Loaded::Current(Forgotten { user_id })
        );
        assert_eq!(b.load(0).await.unwrap(), Loaded::Unchanged, "told once");
        b.save(&at(1), 0, Durability::Durable).await.unwrap();
        assert_eq!(storage.stored("b"), Some(at(1)));
        let reopened = storage.store("a").open(0).await.unwrap();
        assert_eq!((reopened.user_id, reopened.state), (user_id, None));
    }
}
