//! `client-session inspect`: what a data directory holds, read without changing it.
//!
//! Output: `{"userId", "userIdFile", "database", "namespaces", "checkpoints", "keptAside"}`.
//! `userId` and `namespaces` are the spec's (Part D); the rest says what the next tracker would
//! repair: a damaged or absent user id file, a damaged database, the checkpoints it resumes from.

use std::io::Write;
use std::path::Path;

use client_session_core::PersistedSession;
use client_session_store::record::{self, Decoded};
use client_session_store_sled::{DatabaseView, Inspection, StoreError, UserIdFile};
use serde_json::{json, Map, Value};

use crate::Failure;

pub(crate) fn inspect(data_dir: &Path) -> Result<(), Failure> {
    let found = client_session_store_sled::inspect(data_dir).map_err(|e| match e {
        StoreError::Locked { .. } => Failure::Other(format!(
            "the data directory {} is in use by a running tracker; stop it to inspect",
            data_dir.display()
        )),
        other => Failure::Other(other.to_string()),
    })?;
    let text = serde_json::to_string_pretty(&to_json(&found)?)
        .map_err(|e| Failure::Other(format!("cannot encode the inspection: {e}")))?;
    // Not println!: it panics when stdout is a closed pipe or a full disk.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Other(format!("cannot write to stdout: {e}")))
}

fn to_json(found: &Inspection) -> Result<Value, Failure> {
    let (user_id, user_id_file) = match &found.user_id {
        UserIdFile::Present(id) => (json!(id), status("ok", None)),
        UserIdFile::Absent => (Value::Null, status("absent", None)),
        UserIdFile::Damaged(reason) => (Value::Null, status("damaged", Some(reason))),
    };
    let (database, namespaces) = match &found.database {
        DatabaseView::Absent => (status("absent", None), Map::new()),
        DatabaseView::Damaged(reason) => (status("damaged", Some(reason)), Map::new()),
        DatabaseView::Readable(records) => {
            let mut namespaces = Map::new();
            for (namespace, decoded) in records {
                namespaces.insert(namespace.clone(), record(decoded)?);
            }
            (status("ok", None), namespaces)
        }
    };
    let mut checkpoints = Map::new();
    for (file, view) in &found.checkpoints {
        checkpoints.insert(
            file.clone(),
            json!({
                "namespace": view.namespace,
                "generation": view.generation,
                "clean": view.clean,
                "record": record(&view.record)?,
            }),
        );
    }
    Ok(json!({
        "userId": user_id,
        "userIdFile": user_id_file,
        "database": database,
        "namespaces": namespaces,
        "checkpoints": checkpoints,
        "keptAside": found.kept_aside,
    }))
}

fn status(status: &str, reason: Option<&String>) -> Value {
    match reason {
        Some(reason) => json!({ "status": status, "reason": reason }),
        None => json!({ "status": status }),
    }
}

/// A record as it is stored (its format version first), or what kept it from being read.
fn record(decoded: &Decoded) -> Result<Value, Failure> {
    Ok(match decoded {
        Decoded::Current(state) => stored(state)?,
        Decoded::Newer(version) => json!({ "newerFormatVersion": version }),
        Decoded::Unreadable(reason) => json!({ "unreadable": reason }),
    })
}

fn stored(state: &PersistedSession) -> Result<Value, Failure> {
    // The store's own encoding, so what is shown is what is on disk (version first).
    let bytes = record::encode(state)
        .map_err(|e| Failure::Other(format!("cannot encode a stored session: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::Other(format!("a stored session did not encode as JSON: {e}")))
}
