//! Telling the user, once, that checkpoints cannot be written.
//!
//! The checkpoint is what catches sled losing its newest records; without it that loss could
//! number sessions again. A write that fails is not a reason to stop tracking (the database
//! has the state), but it must not go unnoticed either, nor fill the log with one line per
//! batch: the first failure is logged at error level, and so is nothing else until a write
//! works again.

use client_session_store::StoreError;

/// Whether the last checkpoint write of one store failed.
#[derive(Debug, Default)]
pub(crate) struct CheckpointWatch {
    failing: bool,
}

impl CheckpointWatch {
    /// Takes the outcome of a checkpoint write: logs the first failure, and the recovery.
    pub(crate) fn report(&mut self, namespace: &str, written: Result<(), StoreError>) {
        match written {
            Ok(()) => {
                if std::mem::take(&mut self.failing) {
                    tracing::warn!(
                        namespace,
                        "the session checkpoint is written again; numbering is protected again"
                    );
                }
            }
            Err(e) => {
                if !std::mem::replace(&mut self.failing, true) {
                    tracing::error!(
                        namespace,
                        error = %e,
                        "cannot write the session checkpoint: until it can be, a database that loses its newest records could number sessions again (logged once)"
                    );
                }
            }
        }
    }
}
