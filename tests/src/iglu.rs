//! The official Iglu schema of the `client_session` entity, validated in-process.
//!
//! The schema is Snowplow's own file from Iglu Central, read from `../shared/iglu` beside the
//! workspace (it is not copied into the project); a `wasm32` build, which has no file system at
//! run time, carries its text from build time instead (`build.rs`). Iglu schemas are JSON
//! Schema Draft 4, and Snowplow's pipeline checks their formats, so this validator is Draft 4
//! with format validation on. The suite runs every entity every backend emits through it, next to the
//! project's own schema facts (`client_session_scenario::schema`), so the two cannot drift apart
//! unnoticed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::Value;

/// Where the schema sits under an Iglu repository's `schemas/` folder.
pub const CLIENT_SESSION_SCHEMA: &str =
    "com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2";

/// The file of the official schema: `../shared/iglu/schemas/<vendor>/client_session/jsonschema/1-0-2`
/// relative to the workspace root, as `build.rs` found it (on `wasm32`, where it was embedded
/// from).
#[must_use]
pub fn official_schema_path() -> PathBuf {
    PathBuf::from(env!("CLIENT_SESSION_SCHEMA_FILE"))
}

/// The schema's text as `build.rs` embedded it for `wasm32`.
#[cfg(target_arch = "wasm32")]
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/iglu_schema.rs"));
}

/// The `client_session` 1-0-2 schema, compiled.
#[derive(Debug)]
pub struct ClientSessionSchema {
    validator: Validator,
    path: PathBuf,
}

impl ClientSessionSchema {
    /// The official schema at [`official_schema_path`], compiled once per process: read from
    /// the file natively, from the text embedded at build time on `wasm32`.
    ///
    /// # Errors
    /// A message naming the path when the file is (or, on `wasm32`, was at build time) missing,
    /// unreadable or not a usable schema.
    pub fn official() -> Result<&'static Self, String> {
        static OFFICIAL: OnceLock<Result<ClientSessionSchema, String>> = OnceLock::new();
        OFFICIAL
            .get_or_init(|| {
                let path = official_schema_path();
                #[cfg(not(target_arch = "wasm32"))]
                return Self::load(&path);
                #[cfg(target_arch = "wasm32")]
                match embedded::OFFICIAL {
                    Some(text) => Self::from_text(&path, text),
                    None => Err(missing(
                        &path,
                        "it was not there when the suite was built for wasm32",
                    )),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Reads and compiles the schema file at `path`.
    ///
    /// # Errors
    /// A message naming `path` when the file is missing, unreadable or not a usable schema.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = fs::read_to_string(path).map_err(|e| missing(path, &e.to_string()))?;
        Self::from_text(path, &text)
    }

    /// Compiles the schema `text`, read from `path` (named in messages).
    ///
    /// # Errors
    /// A message naming `path` when `text` is not a usable schema.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, String> {
        let schema: Value =
            serde_json::from_str(text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let validator = jsonschema::options()
            // `$schema` names Iglu's self-describing meta-schema, not a draft: say which.
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            // A format this validator does not know would pass anything: refuse to compile.
            .should_ignore_unknown_formats(false)
            // Draft 4 has no `uuid` format, yet the schema uses it and Snowplow's validator checks
            // it (an empty `sessionId` fails enrichment), so it is checked here as well.
            .with_format("uuid", is_uuid)
            .build(&schema)
            .map_err(|e| format!("{}: not a usable Draft 4 schema: {e}", path.display()))?;
        Ok(Self {
            validator,
            path: path.to_owned(),
        })
    }

    /// Checks one entity (the `data` of the self-describing `client_session`).
    ///
    /// # Errors
    /// Every violation, each with where in the entity it is, and the schema's path.
    pub fn validate(&self, entity: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(entity)
            .map(|e| format!("{} at `{}`", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "rejected by {}: {}",
                self.path.display(),
                errors.join("; ")
            ))
        }
    }
}

/// Why the schema at `path` cannot be had, and where it must be.
fn missing(path: &Path, why: &str) -> String {
    format!(
        "the official Iglu schema {CLIENT_SESSION_SCHEMA} cannot be read at {}: {why}; the suite \
         validates every client_session entity against it, so Iglu Central's schemas must be at \
         ../shared/iglu beside the workspace",
        path.display()
    )
}

/// The textual UUID form (`8-4-4-4-12` hex digits, either case), as JSON Schema's `uuid`
/// format and Snowplow's validator define it.
fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({
            "userId": "0f8e2d6c-5a3b-4c1d-9e7f-123456789abc",
            "sessionId": "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e",
            "sessionIndex": 2,
            "previousSessionId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
            "storageMechanism": "LOCAL_STORAGE",
            "firstEventId": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            "firstEventTimestamp": "2023-11-14T22:13:20.000Z",
            "eventIndex": 1
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut entity = good();
        entity[key] = value;
        entity
    }

    fn official() -> &'static ClientSessionSchema {
        ClientSessionSchema::official().unwrap()
    }

    #[test]
    fn a_good_entity_passes_and_nulls_are_allowed_where_the_schema_says() {
        official().validate(&good()).unwrap();
        let mut first = good();
        for key in [
            "previousSessionId",
            "firstEventId",
            "firstEventTimestamp",
            "eventIndex",
        ] {
            first[key] = Value::Null;
        }
        official().validate(&first).unwrap();
    }

    #[test]
    fn known_bad_entities_are_rejected() {
        let cases = [
            (
                "empty sessionId (uuid format)",
                with("sessionId", json!("")),
            ),
            (
                "sessionId not a uuid",
                with("sessionId", json!("session-1")),
            ),
            (
                "upper-case userId (pattern)",
                with("userId", json!("0F8E2D6C-5A3B-4C1D-9E7F-123456789ABC")),
            ),
            (
                "timestamp without a zone (date-time format)",
                with("firstEventTimestamp", json!("2023-11-14 22:13:20")),
            ),
            ("empty firstEventId", with("firstEventId", json!(""))),
            (
                "sessionIndex above int32",
                with("sessionIndex", json!(2_147_483_648_u64)),
            ),
            ("negative eventIndex", with("eventIndex", json!(-1))),
            ("unknown storage", with("storageMechanism", json!("SLED"))),
            ("an extra key", with("extra", json!(1))),
        ];
        for (what, entity) in cases {
            let result = official().validate(&entity);
            assert!(result.is_err(), "{what}: accepted {entity}");
        }
        let mut missing = good();
        missing.as_object_mut().unwrap().remove("sessionIndex");
        assert!(
            official().validate(&missing).is_err(),
            "missing sessionIndex"
        );
    }

    #[test]
    fn a_rejection_says_where_and_by_which_schema() {
        let message = official()
            .validate(&with("sessionId", json!("")))
            .unwrap_err();
        assert!(message.contains("/sessionId"), "{message}");
        assert!(message.contains(CLIENT_SESSION_SCHEMA), "{message}");
    }

    #[test]
    fn a_missing_schema_is_an_error_naming_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CLIENT_SESSION_SCHEMA);
        let message = ClientSessionSchema::load(&path).unwrap_err();
        assert!(message.contains(&path.display().to_string()), "{message}");
    }

    /// `build.rs` names the file with its own copy of the schema's place in Iglu.
    #[test]
    fn the_build_script_names_the_schema_file() {
        assert!(official_schema_path().ends_with(CLIENT_SESSION_SCHEMA));
        assert!(official_schema_path().is_file());
    }

    #[test]
    fn uuid_format() {
        assert!(is_uuid("4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e"));
        assert!(is_uuid("4B3C2D1E-0F9A-4B8C-8D7E-6F5A4B3C2D1E"));
        for bad in [
            "",
            "4b3c2d1e0f9a4b8c8d7e6f5a4b3c2d1e",
            "{4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e}",
            "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1g",
            "4b3c2d1e-0f9a-4b8c-8d7e_6f5a4b3c2d1e",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
