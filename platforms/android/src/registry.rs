//! The trackers Java holds, by id: what makes a use after close impossible.
//!
//! Java never holds a pointer. A `Tracker` object holds a `long` id; each native call looks it
//! up and clones its `Arc<MobileTracker>` under a read lock, then calls it with the lock
//! released. An id is never reused, so an id that is gone (closed and released) can only mean
//! "closed", whatever another thread did meanwhile, and a call racing `close` works on a tracker
//! that is still alive (it then fails with "closed", or goes through just before).

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use client_session_mobile::MobileTracker;

use crate::failure::Failure;

/// Live and closing trackers by id.
#[derive(Debug, Default)]
pub struct Registry {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The last id handed out; ids start at 1.
    last_id: i64,
    trackers: BTreeMap<i64, Entry>,
}

#[derive(Debug)]
struct Entry {
    tracker: Arc<MobileTracker>,
    /// `close` was called: every call but `close` and `await_closed` now fails.
    closed: bool,
}

impl Registry {
    /// An empty registry (a `const` so it can be the process's `static`).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            inner: RwLock::new(Inner {
                last_id: 0,
                trackers: BTreeMap::new(),
            }),
        }
    }

    /// Keeps `tracker` and returns its new id. Also lets go of closed trackers whose thread has
    /// ended and that nobody awaited, so an app that never calls `awaitClosed` leaks nothing.
    pub fn insert(&self, tracker: MobileTracker) -> i64 {
        let mut inner = self.write();
        inner.trackers.retain(|_, entry| {
            !(entry.closed && entry.tracker.wait_closed(Duration::ZERO).is_ok())
        });
        inner.last_id += 1;
        let id = inner.last_id;
        inner.trackers.insert(
            id,
            Entry {
                tracker: Arc::new(tracker),
                closed: false,
            },
        );
        id
    }

    /// The open tracker `id` names.
    ///
    /// # Errors
    /// [`Failure::Closed`] when it was closed, or is gone.
    pub fn get(&self, id: i64) -> Result<Arc<MobileTracker>, Failure> {
        match self.read().trackers.get(&id) {
            Some(entry) if !entry.closed => Ok(Arc::clone(&entry.tracker)),
            _ => Err(Failure::Closed),
        }
    }

    /// Closes tracker `id` without waiting; `false` when it was closed already (closing twice
    /// is no error, as `java.io.Closeable` has it).
    pub fn close(&self, id: i64) -> bool {
        let tracker = {
            let mut inner = self.write();
            match inner.trackers.get_mut(&id) {
                Some(entry) if !entry.closed => {
                    entry.closed = true;
                    Arc::clone(&entry.tracker)
                }
                _ => return false,
            }
        };
        // Only this call saw `closed` false, so only it closes the tracker.
        tracker.close().is_ok()
    }

    /// Blocks until closed tracker `id`'s thread has ended and its store is released, or
    /// `timeout` passes; then forgets the tracker. A tracker already forgotten is done.
    ///
    /// # Errors
    /// [`Failure::NotClosed`] when `close` was never called; the shared tracker's error on
    /// timeout (the tracker is kept, so the call can be made again).
    pub fn await_closed(&self, id: i64, timeout: Duration) -> Result<(), Failure> {
        let tracker = match self.read().trackers.get(&id) {
            None => return Ok(()),
            Some(entry) if !entry.closed => return Err(Failure::NotClosed),
            Some(entry) => Arc::clone(&entry.tracker),
        };
        tracker.wait_closed(timeout)?;
        self.write().trackers.remove(&id);
        Ok(())
    }

    /// How many trackers it holds, open or closed (for tests).
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().trackers.len()
    }

    /// Whether it holds no tracker.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A thread that panicked while holding the lock left a whole map (every change is one
    // insert, remove or flag): use it.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use client_session_mobile::{Listener, MobileError};

    const WAIT: Duration = Duration::from_secs(30);

    struct Quiet;
    impl Listener for Quiet {
        fn on_event(&mut self, _: &str) {}
        fn on_session(&mut self, _: &str) {}
    }

    fn tracker(dir: &std::path::Path, namespace: &str) -> MobileTracker {
        MobileTracker::create(namespace, dir, "", Box::new(Quiet)).unwrap()
    }

    #[test]
    fn ids_are_never_reused_and_a_closed_id_only_says_closed() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new();
        let a = registry.insert(tracker(dir.path(), "a"));
        let b = registry.insert(tracker(dir.path(), "b"));
        assert_ne!(a, b);
        registry.get(a).unwrap();
        assert!(matches!(registry.get(0), Err(Failure::Closed)));
        assert!(matches!(registry.get(b + 1), Err(Failure::Closed)));

        assert!(matches!(
            registry.await_closed(a, WAIT),
            Err(Failure::NotClosed)
        ));
        assert!(registry.close(a));
        assert!(!registry.close(a), "closing twice is no error");
        assert!(matches!(registry.get(a), Err(Failure::Closed)));
        registry.await_closed(a, WAIT).unwrap();
        assert_eq!(registry.len(), 1, "the awaited tracker is forgotten");
        registry.await_closed(a, WAIT).unwrap();
        assert!(!registry.close(a));
        assert!(matches!(registry.get(a), Err(Failure::Closed)));

        let c = registry.insert(tracker(dir.path(), "a"));
        assert!(c > b, "a new tracker gets a new id");
        for id in [b, c] {
            registry.close(id);
            registry.await_closed(id, WAIT).unwrap();
        }
        assert!(registry.is_empty());
    }

    #[test]
    fn a_closed_tracker_nobody_awaits_is_let_go_at_the_next_insert() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new();
        let a = registry.insert(tracker(dir.path(), "a"));
        let probe = registry.get(a).unwrap();
        registry.close(a);
        probe.wait_closed(WAIT).unwrap();
        let b = registry.insert(tracker(dir.path(), "b"));
        assert_eq!(registry.len(), 1);
        registry.get(b).unwrap();
        registry.close(b);
        registry.await_closed(b, WAIT).unwrap();
    }

    /// A call that raced `close` holds its own `Arc`: it finds the tracker closed, never freed.
    #[test]
    fn a_call_holding_the_tracker_across_close_gets_closed_not_freed_memory() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new();
        let a = registry.insert(tracker(dir.path(), "a"));
        let held = registry.get(a).unwrap();
        registry.close(a);
        registry.await_closed(a, WAIT).unwrap();
        assert!(registry.is_empty());
        assert!(matches!(
            held.track_json(r#"{"type":"screen_view","name":"s"}"#),
            Err(MobileError::Closed)
        ));
    }
}
