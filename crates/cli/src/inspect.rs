//! `client-session inspect`.

use std::path::Path;

use client_session_store::record::{self, Decoded};
use client_session_store_sled::SledDatabase;
use serde_json::{json, Map};

use crate::Failure;

pub(crate) fn inspect(data_dir: &Path) -> Result<(), Failure> {
    if !data_dir.is_dir() {
        return Err(Failure::Other(format!(
            "{} is not a data directory",
            data_dir.display()
        )));
    }
    let db = SledDatabase::open(data_dir).map_err(|e| Failure::Other(e.to_string()))?;
    let mut namespaces = Map::new();
    for (namespace, decoded) in db.namespaces().map_err(|e| Failure::Other(e.to_string()))? {
        let value = match decoded {
            Decoded::Current(state) => serde_json::from_slice(
                &record::encode(&state).map_err(|e| Failure::Other(e.to_string()))?,
            )
            .map_err(|e| Failure::Other(e.to_string()))?,
            Decoded::Newer(version) => json!({ "newerFormatVersion": version }),
            Decoded::Unreadable(reason) => json!({ "unreadable": reason }),
        };
        namespaces.insert(namespace, value);
    }
    let out = json!({ "userId": db.user_id(), "namespaces": namespaces });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}
