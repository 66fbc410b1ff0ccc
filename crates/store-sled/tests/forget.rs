//! `clear_user_data` on sled (spec B mobile): the user id, every namespace's record and
//! checkpoint, and every copy kept aside after damage are deleted from disk (no byte of the
//! old ids is left in any file under the data directory), a new user is made, other
//! namespaces' stores of the same process hear of it and never write what they held, and a
//! forgetting that a process left unfinished is finished at the next open.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report

use std::fs;
use std::path::Path;

use client_session_core::{Forgotten, PersistedSession, PreviousRun, SessionRecord, UserId};
use client_session_store::{Durability, Loaded, SessionStore};
use client_session_store_sled::{SledDatabase, FORGETTING_FILE, USER_ID_FILE};
use client_session_suite::support::{files_containing, raw_sled};
use uuid::Uuid;

mod fixtures;
use fixtures::runtime;

/// A state whose ids are all distinct from any other test value, so that a byte search for
/// them cannot match by chance.
fn state(tag: u128) -> PersistedSession {
    PersistedSession {
        session: Some(SessionRecord {
            session_id: Uuid::from_u128(0x5e55_1011_0000 + tag),
            session_index: 7,
            previous_session_id: Some(Uuid::from_u128(0x5e55_1022_0000 + tag)),
            first_event_id: Uuid::from_u128(0xe0e0_1033_0000 + tag),
            first_event_timestamp_ms: 1_700_000_000_000,
            event_index: 3,
            last_update_ms: 1_700_000_000_500,
        }),
        new_session_requested: false,
        anonymous: false,
    }
}

/// Every id `state` holds, as text (the records and checkpoints are JSON).
fn ids_of(state: &PersistedSession) -> Vec<String> {
    let s = state.session.unwrap();
    [
        s.session_id,
        s.previous_session_id.unwrap(),
        s.first_event_id,
    ]
    .iter()
    .map(Uuid::to_string)
    .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// A data directory used by two namespaces, with damage kept aside everywhere the store keeps
/// it: a user id file and a database moved aside, and a record of a newer format kept under
/// another key. Returns the user and every old id that must go.
fn used_and_damaged(dir: &Path) -> (UserId, Vec<String>) {
    let mut old_ids = Vec::new();
    // An earlier user whose file was damaged, and an earlier database moved aside.
    fs::write(
        dir.join(USER_ID_FILE),
        format!("garbage {}", Uuid::from_u128(0xdead_0001)),
    )
    .unwrap();
    old_ids.push(Uuid::from_u128(0xdead_0001).to_string());
    fs::create_dir_all(dir.join("sessions").join("db")).unwrap();
    let user = runtime().block_on(async {
        let db = SledDatabase::open(dir).unwrap();
        for (namespace, tag) in [("a", 1), ("b", 2)] {
            let mut store = db.store(namespace);
            store.open(0).await.unwrap();
            store
                .save(&state(tag), 0, Durability::Durable)
                .await
                .unwrap();
            store.close(&state(tag), 0).await.unwrap();
            old_ids.extend(ids_of(&state(tag)));
        }
        db.user_id()
    });
    old_ids.push(user.to_string());
    // A record of a newer format, which the next open keeps aside under another key.
    {
        let db = raw_sled(dir);
        let newer = format!(
            r#"{{"version":99,"session_id":"{}"}}"#,
            Uuid::from_u128(0xdead_0002)
        );
        db.insert("session/c", newer.as_bytes()).unwrap();
        db.flush().unwrap();
    }
    old_ids.push(Uuid::from_u128(0xdead_0002).to_string());
    // A checkpoint of the wrong type, moved aside inside `checkpoints/`.
    let wrong = dir.join("checkpoints").join("ns-63");
    fs::create_dir_all(wrong.join("inner")).unwrap();
    fs::write(
        wrong.join("inner").join("x"),
        Uuid::from_u128(0xdead_0003).to_string(),
    )
    .unwrap();
    old_ids.push(Uuid::from_u128(0xdead_0003).to_string());
    runtime().block_on(async {
        let db = SledDatabase::open(dir).unwrap();
        db.store("c").open(0).await.unwrap();
    });
    let names = names_in(dir);
    assert!(
        names.iter().any(|n| n.starts_with("user-id.damaged-"))
            && names.iter().any(|n| n.starts_with("sessions.damaged-")),
        "{names:?}"
    );
    assert!(
        !files_containing(dir, &old_ids).is_empty(),
        "the setup left the old ids on disk"
    );
    (user, old_ids)
}

#[test]
fn clearing_deletes_every_copy_of_the_user_and_every_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let (old_user, old_ids) = used_and_damaged(dir.path());
    runtime().block_on(async {
        let db = SledDatabase::open(dir.path()).unwrap();
        assert_eq!(db.user_id(), old_user);
        let mut a = db.store("a");
        let mut b = db.store("b");
        assert_eq!(a.open(0).await.unwrap().state, Some(state(1)));
        assert_eq!(b.open(0).await.unwrap().state, Some(state(2)));

        let Loaded::Current(Forgotten { user_id }) = a.clear_user_data(0).await.unwrap() else {
            panic!("sled has a user to forget");
        };
        assert_ne!(user_id, old_user);
        assert_eq!(db.user_id(), user_id);
        assert_eq!(a.load(0).await.unwrap(), Loaded::Unchanged, "a knows");
        // b decided this before it heard: the forgotten user's state is not written.
        b.save(&state(2), 0, Durability::Durable).await.unwrap();
        b.suspend(&state(2), 0).await.unwrap();
        assert_eq!(
            b.load(0).await.unwrap(),
            Loaded::Current(Forgotten { user_id })
        );
        assert_eq!(b.load(0).await.unwrap(), Loaded::Unchanged, "told once");
        assert!(db.namespaces().unwrap().is_empty());

        let found = files_containing(dir.path(), &old_ids);
        assert!(found.is_empty(), "old ids left on disk: {found:?}");
        let names = names_in(dir.path());
        assert!(
            names.iter().all(|n| !n.contains(".damaged-")),
            "copies kept aside are deleted, not kept: {names:?}"
        );
        assert!(!names.contains(&FORGETTING_FILE.to_owned()), "{names:?}");
        assert_eq!(
            fs::read_to_string(dir.path().join(USER_ID_FILE)).unwrap(),
            format!("{user_id}\n")
        );

        // The new user's sessions are kept as usual.
        a.save(&state(3), 0, Durability::Durable).await.unwrap();
        a.close(&state(3), 0).await.unwrap();
        b.close(&state(4), 0).await.unwrap();
    });
    runtime().block_on(async {
        let db = SledDatabase::open(dir.path()).unwrap();
        let opened = db.store("a").open(0).await.unwrap();
        assert_eq!(opened.user_id, db.user_id());
        assert_eq!(opened.state, Some(state(3)));
        assert_eq!(opened.previous_run, PreviousRun::Clean);
        assert_eq!(db.store("b").open(0).await.unwrap().state, Some(state(4)));
        assert_eq!(db.store("c").open(0).await.unwrap().state, None);
    });
}

/// A namespace opened after the clear, in the same process, starts with the new user.
#[test]
fn a_store_opened_after_a_clear_has_the_new_user() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut a = db.store("a");
        let old = a.open(0).await.unwrap().user_id;
        let Loaded::Current(Forgotten { user_id }) = a.clear_user_data(0).await.unwrap() else {
            panic!("sled has a user to forget");
        };
        assert_ne!(user_id, old);
        let mut late = db.store("late");
        assert_eq!(late.open(0).await.unwrap().user_id, user_id);
        assert_eq!(late.load(0).await.unwrap(), Loaded::Unchanged);
    });
}

/// What a process that ended at each point of a forgetting leaves, as the next open sees it:
/// with the marker on disk, whatever else is still there, the forgetting is finished before
/// anything is read.
#[test]
fn an_unfinished_clear_is_finished_at_the_next_open() {
    type Stop = fn(&Path);
    let stops: [(&str, Stop); 5] = [
        ("right after the marker", |_| {}),
        ("after the user id went", |d| {
            fs::remove_file(d.join(USER_ID_FILE)).unwrap();
        }),
        ("halfway through deleting the database", |d| {
            fs::remove_file(d.join(USER_ID_FILE)).unwrap();
            fs::remove_file(d.join("sessions").join("db")).unwrap();
        }),
        ("after the user id and database went", |d| {
            fs::remove_file(d.join(USER_ID_FILE)).unwrap();
            fs::remove_dir_all(d.join("sessions")).unwrap();
        }),
        ("after the new user id was written", |d| {
            fs::remove_dir_all(d.join("sessions")).unwrap();
            fs::remove_dir_all(d.join("checkpoints")).unwrap();
            fs::write(
                d.join(USER_ID_FILE),
                format!("{}\n", Uuid::from_u128(0xbeef_0001)),
            )
            .unwrap();
        }),
    ];
    for (stop, leave) in stops {
        let dir = tempfile::tempdir().unwrap();
        let (old_user, mut old_ids) = used_and_damaged(dir.path());
        old_ids.push(Uuid::from_u128(0xbeef_0001).to_string());
        fs::write(dir.path().join(FORGETTING_FILE), b"clear_user_data\n").unwrap();
        leave(dir.path());
        runtime().block_on(async {
            let db = SledDatabase::open(dir.path()).unwrap();
            assert_ne!(db.user_id(), old_user, "{stop}");
            let found = files_containing(dir.path(), &old_ids);
            assert!(found.is_empty(), "{stop}: old ids left on disk: {found:?}");
            assert!(!dir.path().join(FORGETTING_FILE).exists(), "{stop}");
            for namespace in ["a", "b", "c"] {
                let opened = db.store(namespace).open(0).await.unwrap();
                assert_eq!(opened.state, None, "{stop}: {namespace}");
                assert_eq!(opened.user_id, db.user_id(), "{stop}");
            }
        });
    }
}

/// Nothing is deleted until the marker is on disk: a clear that cannot write it fails and
/// leaves the user whole.
#[test]
fn a_clear_that_cannot_begin_keeps_the_user() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut a = db.store("a");
        let user = a.open(0).await.unwrap().user_id;
        a.save(&state(1), 0, Durability::Durable).await.unwrap();
        // The marker's temporary file cannot be created where a directory is, even by root.
        let blocker = dir.path().join(format!("{FORGETTING_FILE}.tmp"));
        fs::create_dir(&blocker).unwrap();
        let result = a.clear_user_data(0).await;
        assert!(result.is_err(), "{result:?}");
        assert_eq!(db.user_id(), user);
        assert_eq!(a.load(0).await.unwrap(), Loaded::Unchanged);
        assert_eq!(
            fs::read_to_string(dir.path().join(USER_ID_FILE)).unwrap(),
            format!("{user}\n")
        );
        a.close(&state(1), 0).await.unwrap();
        assert_eq!(db.store("a").open(0).await.unwrap().state, Some(state(1)));
        // Once it can begin, the clear also deletes what the failed one left.
        fs::remove_dir(&blocker).unwrap();
        let mut a = db.store("a");
        a.open(0).await.unwrap();
        assert!(a.clear_user_data(0).await.is_ok());
        assert_ne!(db.user_id(), user);
    });
}
