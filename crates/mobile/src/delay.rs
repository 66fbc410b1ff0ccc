//! A store that is slow on purpose (test only: [`TestOptions::store_delay_ms`](crate::TestOptions)).

use std::time::Duration;

use async_trait::async_trait;
use client_session_core::StorageMechanism;
use client_session_store::{
    CurrentOf, Durability, Loaded, OpenedBy, SessionStore, StoreError, StoredBy,
};
use client_session_store_sled::SledStore;

/// The sled store, with every operation that touches storage taking `delay` longer. The wait blocks
/// the library's thread, as a slow disk does.
pub(crate) struct Delayed {
    pub(crate) inner: SledStore,
    pub(crate) delay: Option<Duration>,
}

impl Delayed {
    fn wait(&self) {
        if let Some(delay) = self.delay {
            std::thread::sleep(delay);
        }
    }
}

#[async_trait]
impl SessionStore for Delayed {
    type Model = <SledStore as SessionStore>::Model;

    fn storage_mechanism(&self) -> StorageMechanism {
        self.inner.storage_mechanism()
    }

    async fn open(&mut self, now_ms: i64) -> Result<OpenedBy<Self>, StoreError> {
        self.wait();
        self.inner.open(now_ms).await
    }

    async fn load(&mut self, now_ms: i64) -> Result<Loaded<CurrentOf<Self>>, StoreError> {
        self.inner.load(now_ms).await
    }

    async fn save(
        &mut self,
        state: &StoredBy<Self>,
        now_ms: i64,
        durability: Durability,
    ) -> Result<(), StoreError> {
        self.wait();
        self.inner.save(state, now_ms, durability).await
    }

    async fn suspend(&mut self, state: &StoredBy<Self>, now_ms: i64) -> Result<(), StoreError> {
        self.wait();
        self.inner.suspend(state, now_ms).await
    }

    async fn close(&mut self, state: &StoredBy<Self>, now_ms: i64) -> Result<(), StoreError> {
        self.wait();
        self.inner.close(state, now_ms).await
    }

    async fn clear_user_data(
        &mut self,
        now_ms: i64,
    ) -> Result<Loaded<CurrentOf<Self>>, StoreError> {
        self.wait();
        self.inner.clear_user_data(now_ms).await
    }
}
