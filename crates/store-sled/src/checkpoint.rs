//! A second copy of each namespace's state outside sled, and the rule that picks what to resume.
//!
//! sled alone cannot prove that what it returns is the newest record: it can drop a damaged log
//! tail without a word, and after one failed write (a full disk) it refuses every later write
//! until it is opened again. Session ids, indexes and event indexes handed out from a lost part
//! would then be handed out again. So each namespace also has a checkpoint file, written
//!
//! - at open, with a new *generation* (also written to sled) and `clean: false`;
//! - at every durable save (a new session's first event), before that event leaves;
//! - at a clean close, with the final state and `clean: true`;
//! - at a suspension (a mobile app went to the background), as at a close; the next save
//!   then writes a new generation to sled and here with `clean: false`, as an open does, so
//!   the suspended run counts as a run that ended cleanly and what follows as a new one.
//!
//! At the next open, the generations tell which copy knows more ([`reconcile`]): a checkpoint
//! from a later run than sled's record means sled lost that run; a clean checkpoint of the same
//! run is the exact final state; an unclean one is compared record by record. A checkpoint from
//! an earlier run than sled's (this run could not write it) is stale and only guards numbering.
//!
//! The file holds two fixed-size slots, each with a sequence number and a CRC, and a write
//! overwrites the older slot in place. A torn write leaves the other slot whole, and writing in
//! place needs no new disk blocks, so the checkpoint keeps working on a full disk (on file
//! systems that overwrite in place; copy-on-write ones such as btrfs may still need space).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use client_session_core::PersistedSession;
use client_session_store::record::{self, Decoded};
use client_session_store::StoreError;

use crate::files::{read_at_most, write_atomically};
use crate::layout;

/// The folder of the checkpoints in the data directory.
pub const CHECKPOINT_DIR: &str = "checkpoints";

/// Marks a slot of this format (the first format was the bare record, written by rename).
const MAGIC: &[u8; 4] = b"CSC2";
/// Bytes per slot; a record is about 350 bytes at most.
const SLOT: usize = 1024;
/// Both formats are smaller: a bigger file is damage, and is read no further than this.
pub(crate) const MAX_FILE_BYTES: usize = 2 * SLOT;
/// magic, sequence, generation, clean flag, record length.
const HEADER: usize = 4 + 8 + 8 + 1 + 2;
const CRC: usize = 4;

/// Namespaces up to this many bytes get a file named after them, `ns-<hex>`: at most 135
/// bytes with the `.tmp` of an atomic write, under every common file system's name limit
/// (eCryptfs allows 143). Longer ones get a slot, see [`path`].
const NAMED_MAX_BYTES: usize = 64;
/// How many namespaces sharing one name hash are told apart; more is an error.
const MAX_SLOTS: u32 = 1000;
/// In a slot: the namespace it belongs to, and its checkpoint.
pub(crate) const SLOT_NAMESPACE: &str = "namespace";
pub(crate) const SLOT_CHECKPOINT: &str = "checkpoint";

/// The checkpoint file of `namespace`. A namespace may hold any bytes (`/`, `..`, NUL, any
/// Unicode), so no part of it is ever used as a path: a short one is hex-encoded,
/// `checkpoints/ns-<hex>`. A longer one would make too long a file name, so it lives in a slot
/// directory `checkpoints/nh-<hash>-<n>/` that also holds the full namespace: a slot is used
/// only by the namespace written in it, so two namespaces with the same hash never share a
/// checkpoint. This only reads: the slot is the one holding `namespace`, or else a free one
/// ([`claim`] makes it).
pub(crate) fn path(data_dir: &Path, namespace: &str) -> PathBuf {
    let dir = data_dir.join(CHECKPOINT_DIR);
    if let Some(name) = short_name(namespace) {
        return dir.join(name);
    }
    for slot in slots(&dir, namespace) {
        match read_at_most(&slot.join(SLOT_NAMESPACE), namespace.len()) {
            Ok(owner) if owner == namespace.as_bytes() => return slot.join(SLOT_CHECKPOINT),
            // A slot without a name was never written to: ours or not, it holds no checkpoint.
            Err(e) if e.kind() == io::ErrorKind::NotFound && !slot.exists() => {
                return slot.join(SLOT_CHECKPOINT)
            }
            _ => {}
        }
    }
    dir.join(format!("nh-{:016x}-full", fnv1a(namespace.as_bytes())))
}

/// Makes the place of `namespace`'s checkpoint, claiming a slot for a long namespace (see
/// [`path`]), and returns the checkpoint's path.
pub(crate) fn claim(data_dir: &Path, namespace: &str) -> io::Result<PathBuf> {
    let dir = data_dir.join(CHECKPOINT_DIR);
    if let Some(name) = short_name(namespace) {
        fs::create_dir_all(&dir)?;
        return Ok(dir.join(name));
    }
    for slot in slots(&dir, namespace) {
        fs::create_dir_all(&slot)?;
        let name = slot.join(SLOT_NAMESPACE);
        // `create_new`: of two namespaces racing for one slot, exactly one gets it.
        match crate::private::new_file()
            .write(true)
            .create_new(true)
            .open(&name)
        {
            Ok(mut file) => {
                file.write_all(namespace.as_bytes())?;
                file.sync_all()?;
                fs::File::open(&slot)?.sync_all()?;
                return Ok(slot.join(SLOT_CHECKPOINT));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if read_at_most(&name, namespace.len())? == namespace.as_bytes() {
                    return Ok(slot.join(SLOT_CHECKPOINT));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{MAX_SLOTS} other namespaces share this namespace's hash"
    )))
}

fn short_name(namespace: &str) -> Option<String> {
    (namespace.len() <= NAMED_MAX_BYTES).then(|| {
        let hex: String = namespace.bytes().map(|b| format!("{b:02x}")).collect();
        format!("ns-{hex}")
    })
}

fn slots<'a>(dir: &'a Path, namespace: &str) -> impl Iterator<Item = PathBuf> + 'a {
    let hash = fnv1a(namespace.as_bytes());
    (0..MAX_SLOTS).map(move |n| dir.join(format!("nh-{hash:016x}-{n}")))
}

/// FNV-1a, 64 bits: stable across builds and platforms (std's hasher is not), and only a
/// first guess: the slot's namespace file decides.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What one checkpoint write records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// The run that wrote it: one more than any earlier run's, also written to sled at open.
    pub generation: u64,
    /// Written by a clean close: `state` is that run's final state.
    pub clean: bool,
    /// The namespace's state.
    pub state: PersistedSession,
}

/// What an open found in the checkpoint file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// No file, or nothing usable in it (logged).
    Nothing,
    /// The first format: the record as of the last new session, with no generation.
    Legacy(PersistedSession),
    /// The newest whole slot.
    Current(Checkpoint),
}

/// What sled holds for a namespace at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SledView {
    /// The stored record, `None` when absent or unusable.
    pub state: Option<PersistedSession>,
    /// The generation of the last run sled saw open (0 when none).
    pub generation: u64,
    /// The clean marker was set.
    pub clean: bool,
}

/// What a tracker resumes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resume {
    /// The state to start from.
    pub state: Option<PersistedSession>,
    /// Whether the previous run is known to have shut down cleanly with exactly `state`.
    pub clean_shutdown: bool,
    /// The highest generation either copy has seen; the new run takes the next one.
    pub generation: u64,
}

/// Picks what to resume from, given sled's view and the checkpoint (see the module docs).
pub(crate) fn reconcile(namespace: &str, sled: SledView, found: Found) -> Resume {
    match found {
        Found::Nothing => Resume {
            state: sled.state,
            clean_shutdown: sled.clean,
            generation: sled.generation,
        },
        Found::Legacy(checkpointed) => Resume {
            state: newest(namespace, sled.state, checkpointed),
            clean_shutdown: sled.clean,
            generation: sled.generation,
        },
        // A later run could not write its own checkpoint: this one is stale.
        Found::Current(cp) if cp.generation < sled.generation => stale(namespace, sled, cp),
        // sled lost the last run (a later generation), or the last run closed cleanly: the
        // checkpoint is that run's newest state.
        Found::Current(cp) if cp.generation > sled.generation || cp.clean => {
            if sled.state != Some(cp.state) {
                tracing::error!(
                    namespace,
                    database_generation = sled.generation,
                    checkpoint_generation = cp.generation,
                    "the session database lost what the last run wrote (damaged or rolled back); resuming from the checkpoint"
                );
            }
            Resume {
                state: Some(cp.state),
                clean_shutdown: cp.clean,
                generation: cp.generation,
            }
        }
        // The same run, which did not close cleanly: whichever copy got further.
        Found::Current(cp) => Resume {
            state: newest(namespace, sled.state, cp.state),
            clean_shutdown: false,
            generation: cp.generation,
        },
    }
}

/// A checkpoint from an earlier run than sled's: it still guards the numbering it saw.
fn stale(namespace: &str, sled: SledView, cp: Checkpoint) -> Resume {
    tracing::warn!(
        namespace,
        database_generation = sled.generation,
        checkpoint_generation = cp.generation,
        "the session checkpoint is older than the database (a run could not write it)"
    );
    Resume {
        state: newest(namespace, sled.state, cp.state),
        clean_shutdown: sled.clean,
        generation: sled.generation,
    }
}

/// The database's record, unless the checkpoint shows that the database lost something that
/// was handed out: then the checkpoint, with a new session requested.
fn newest(
    namespace: &str,
    stored: Option<PersistedSession>,
    checkpointed: PersistedSession,
) -> Option<PersistedSession> {
    let Some(cp) = checkpointed.session else {
        return stored.or(Some(checkpointed));
    };
    let current = stored.and_then(|s| s.session);
    let lost = match current {
        None => true,
        Some(s) if s.session_index != cp.session_index => s.session_index < cp.session_index,
        Some(s) => s.session_id != cp.session_id || s.event_index < cp.event_index,
    };
    if !lost {
        return stored;
    }
    tracing::error!(
        namespace,
        database_index = current.map(|s| s.session_index),
        database_event_index = current.map(|s| s.event_index),
        checkpoint_index = cp.session_index,
        checkpoint_event_index = cp.event_index,
        "the session database lost sessions or events that were handed out (damaged or rolled back); resuming from the checkpoint with a new session"
    );
    Some(PersistedSession {
        new_session_requested: true,
        ..checkpointed
    })
}

/// One namespace's checkpoint file, kept open for in-place slot writes.
#[derive(Debug)]
pub(crate) struct CheckpointFile {
    data_dir: PathBuf,
    namespace: String,
    path: PathBuf,
    /// Open once the file has this format; `None` until the first write (re)creates it.
    file: Option<File>,
    /// The sequence number of the newest slot on disk.
    sequence: u64,
    /// The slot holding it; the other one is overwritten next.
    newest_slot: usize,
}

impl CheckpointFile {
    /// Reads the checkpoint of `namespace`. Unusable contents are logged and read as
    /// [`Found::Nothing`]; the next write replaces them.
    pub(crate) fn open(data_dir: &Path, namespace: &str) -> (Self, Found) {
        let mut this = Self {
            data_dir: data_dir.to_owned(),
            namespace: namespace.to_owned(),
            path: path(data_dir, namespace),
            file: None,
            sequence: 0,
            newest_slot: 1,
        };
        // A directory or a device where the file belongs would fail every write for good.
        if let Err(e) = layout::keep_file(&this.path, "session checkpoint") {
            tracing::error!(path = %this.path.display(), error = %e, "cannot check the session checkpoint's type");
        }
        let bytes = match read_at_most(&this.path, MAX_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (this, Found::Nothing),
            Err(e) => {
                tracing::error!(path = %this.path.display(), error = %e, "cannot read the session checkpoint; numbering is guarded by the database alone");
                return (this, Found::Nothing);
            }
        };
        let (slot, sequence, checkpoint) = match parse(&bytes) {
            Parsed::Slot {
                slot,
                sequence,
                checkpoint,
            } => (slot, sequence, checkpoint),
            Parsed::FirstFormat(decoded) => {
                let found = legacy(&this.path, decoded);
                return (this, found);
            }
            Parsed::NoWholeSlot => {
                tracing::error!(path = %this.path.display(), "the session checkpoint is damaged (no whole slot); numbering is guarded by the database alone");
                return (this, Found::Nothing);
            }
        };
        if bytes.len() == 2 * SLOT {
            match OpenOptions::new().read(true).write(true).open(&this.path) {
                Ok(file) => this.file = Some(file),
                Err(e) => {
                    tracing::warn!(path = %this.path.display(), error = %e, "cannot open the session checkpoint for writing; it will be replaced")
                }
            }
        }
        this.sequence = sequence;
        this.newest_slot = slot;
        (this, Found::Current(checkpoint))
    }

    /// Writes `checkpoint` over the older slot; with `durable`, on disk before this returns.
    pub(crate) fn write(
        &mut self,
        checkpoint: &Checkpoint,
        durable: bool,
    ) -> Result<(), StoreError> {
        let sequence = self.sequence + 1;
        let slot = encode_slot(sequence, checkpoint)?;
        let newest_slot = match &mut self.file {
            Some(file) => {
                let target = 1 - self.newest_slot;
                write_slot(file, target, &slot, durable).map_err(|source| StoreError::Io {
                    path: self.path.clone(),
                    source,
                })?;
                target
            }
            None => {
                let (path, file) = create(&self.data_dir, &self.namespace, slot)?;
                self.path = path;
                self.file = Some(file);
                0
            }
        };
        self.newest_slot = newest_slot;
        self.sequence = sequence;
        Ok(())
    }
}

/// Makes the checkpoint file whole (the first slot written, the second empty) and renames it
/// into place, so it is never half there; returns its path, open for slot writes.
fn create(data_dir: &Path, namespace: &str, slot: Vec<u8>) -> Result<(PathBuf, File), StoreError> {
    let mut image = slot;
    image.resize(2 * SLOT, 0);
    let path = claim(data_dir, namespace).map_err(|source| StoreError::Io {
        path: data_dir.join(CHECKPOINT_DIR),
        source,
    })?;
    let io_error = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    write_atomically(&path, &image).map_err(io_error)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_error)?;
    Ok((path, file))
}

fn write_slot(file: &mut File, slot: usize, bytes: &[u8], durable: bool) -> io::Result<()> {
    file.seek(SeekFrom::Start((slot * SLOT) as u64))?;
    file.write_all(bytes)?;
    if durable {
        file.sync_data()?;
    }
    Ok(())
}

/// `SLOT` bytes: header, record, zero padding, and a CRC of everything before it.
fn encode_slot(sequence: u64, checkpoint: &Checkpoint) -> Result<Vec<u8>, StoreError> {
    let record = record::encode(&checkpoint.state)?;
    let len = u16::try_from(record.len())
        .ok()
        .filter(|len| usize::from(*len) <= SLOT - HEADER - CRC)
        .ok_or_else(|| StoreError::Encode {
            message: format!(
                "a {}-byte record does not fit a checkpoint slot",
                record.len()
            ),
        })?;
    let mut slot = Vec::with_capacity(SLOT);
    slot.extend_from_slice(MAGIC);
    slot.extend_from_slice(&sequence.to_le_bytes());
    slot.extend_from_slice(&checkpoint.generation.to_le_bytes());
    slot.push(u8::from(checkpoint.clean));
    slot.extend_from_slice(&len.to_le_bytes());
    slot.extend_from_slice(&record);
    slot.resize(SLOT - CRC, 0);
    let crc = crc32fast::hash(&slot);
    slot.extend_from_slice(&crc.to_le_bytes());
    Ok(slot)
}

/// The sequence number and checkpoint of a whole slot; `None` for a torn, empty or foreign one.
fn decode_slot(bytes: &[u8]) -> Option<(u64, Checkpoint)> {
    let slot = bytes.get(..SLOT)?;
    let (body, crc) = slot.split_at(SLOT - CRC);
    if !body.starts_with(MAGIC) || crc32fast::hash(body).to_le_bytes() != crc {
        return None;
    }
    let sequence = u64::from_le_bytes(body.get(4..12)?.try_into().ok()?);
    let generation = u64::from_le_bytes(body.get(12..20)?.try_into().ok()?);
    let clean = match body.get(20)? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let len = usize::from(u16::from_le_bytes(body.get(21..23)?.try_into().ok()?));
    let Decoded::Current(state) = record::decode(body.get(HEADER..HEADER + len)?) else {
        return None;
    };
    Some((
        sequence,
        Checkpoint {
            generation,
            clean,
            state,
        },
    ))
}

/// What a checkpoint file's bytes hold; nothing is logged, so `inspect` can use it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// The newest whole slot of this format.
    Slot {
        /// Which slot.
        slot: usize,
        /// Its sequence number.
        sequence: u64,
        /// What it holds.
        checkpoint: Checkpoint,
    },
    /// The first format: the bare record, decoded.
    FirstFormat(Decoded),
    /// This format, but both slots torn or foreign.
    NoWholeSlot,
}

/// Parses a checkpoint file's bytes.
pub(crate) fn parse(bytes: &[u8]) -> Parsed {
    if !bytes.starts_with(MAGIC) && bytes.get(SLOT..SLOT + 4) != Some(&MAGIC[..]) {
        return Parsed::FirstFormat(record::decode(bytes));
    }
    (0..2)
        .filter_map(|slot| Some((slot, decode_slot(bytes.get(slot * SLOT..)?)?)))
        .max_by_key(|(_, (sequence, _))| *sequence)
        .map_or(Parsed::NoWholeSlot, |(slot, (sequence, checkpoint))| {
            Parsed::Slot {
                slot,
                sequence,
                checkpoint,
            }
        })
}

/// Reads a checkpoint of the first format (the bare record).
fn legacy(path: &Path, decoded: Decoded) -> Found {
    match decoded {
        Decoded::Current(state) => Found::Legacy(state),
        Decoded::Newer(version) => {
            tracing::warn!(path = %path.display(), version, "the session checkpoint is from a newer format; ignoring it");
            Found::Nothing
        }
        Decoded::Unreadable(reason) => {
            tracing::error!(path = %path.display(), %reason, "the session checkpoint is unreadable; numbering is guarded by the database alone");
            Found::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use client_session_core::SessionRecord;
    use uuid::Uuid;

    /// Session `index` (id `id`) at its `events`th event.
    fn at(index: u32, id: u128, events: u32) -> PersistedSession {
        PersistedSession {
            session: Some(SessionRecord {
                session_id: Uuid::from_u128(id),
                session_index: index,
                previous_session_id: None,
                first_event_id: Uuid::from_u128(id + 100),
                first_event_timestamp_ms: 0,
                event_index: events,
                last_update_ms: i64::from(events),
            }),
            new_session_requested: false,
            anonymous: false,
        }
    }

    fn rotated(state: PersistedSession) -> PersistedSession {
        PersistedSession {
            new_session_requested: true,
            ..state
        }
    }

    fn sled(state: Option<PersistedSession>, generation: u64, clean: bool) -> SledView {
        SledView {
            state,
            generation,
            clean,
        }
    }

    fn cp(state: PersistedSession, generation: u64, clean: bool) -> Found {
        Found::Current(Checkpoint {
            generation,
            clean,
            state,
        })
    }

    fn resume(state: Option<PersistedSession>, clean_shutdown: bool, generation: u64) -> Resume {
        Resume {
            state,
            clean_shutdown,
            generation,
        }
    }

    #[test]
    fn without_a_checkpoint_the_database_decides() {
        let view = sled(Some(at(3, 3, 5)), 4, true);
        assert_eq!(
            reconcile("ns", view, Found::Nothing),
            resume(Some(at(3, 3, 5)), true, 4)
        );
    }

    #[test]
    fn a_clean_checkpoint_of_the_last_run_is_its_final_state() {
        // Equal: the normal case.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(1, 1, 6)), 2, true),
                cp(at(1, 1, 6), 2, true)
            ),
            resume(Some(at(1, 1, 6)), true, 2)
        );
        // sled lost the end of the run (issue 6, defect 1): its record is older.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(1, 1, 3)), 2, true),
                cp(at(1, 1, 6), 2, true)
            ),
            resume(Some(at(1, 1, 6)), true, 2)
        );
    }

    #[test]
    fn a_checkpoint_of_a_later_run_than_the_database_wins() {
        // sled lost the whole last run, its generation and clean marker included.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(1, 1, 3)), 1, true),
                cp(at(1, 1, 6), 2, true)
            ),
            resume(Some(at(1, 1, 6)), true, 2)
        );
        assert_eq!(
            reconcile("ns", sled(None, 0, false), cp(at(2, 2, 1), 5, false)),
            resume(Some(at(2, 2, 1)), false, 5)
        );
    }

    #[test]
    fn an_unclean_run_resumes_from_whichever_copy_got_further() {
        // Unforced saves after the last checkpoint: the database is ahead.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(2, 2, 9)), 3, false),
                cp(at(2, 2, 1), 3, false)
            ),
            resume(Some(at(2, 2, 9)), false, 3)
        );
        // A new session the database lost (a full disk, a lost tail): the checkpoint.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(1, 1, 9)), 3, false),
                cp(at(2, 2, 1), 3, false)
            ),
            resume(Some(rotated(at(2, 2, 1))), false, 3)
        );
        // Same index, other id: the database went back and forth; trust neither, rotate.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(2, 7, 9)), 3, false),
                cp(at(2, 2, 1), 3, false)
            ),
            resume(Some(rotated(at(2, 2, 1))), false, 3)
        );
        // The clean marker of an unclean run's database does not make it clean.
        assert!(
            !reconcile(
                "ns",
                sled(Some(at(2, 2, 1)), 3, true),
                cp(at(2, 2, 1), 3, false)
            )
            .clean_shutdown
        );
    }

    #[test]
    fn the_save_after_a_suspension_is_unclean_whichever_copy_kept_it() {
        // Suspended at generation 3 (both copies clean), then the next save moved both to 4.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(2, 2, 6)), 4, false),
                cp(at(2, 2, 6), 4, false)
            ),
            resume(Some(at(2, 2, 6)), false, 4)
        );
        // The checkpoint write was lost: the clean one of generation 3 is stale.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(2, 2, 6)), 4, false),
                cp(at(2, 2, 5), 3, true)
            ),
            resume(Some(at(2, 2, 6)), false, 4)
        );
        // sled's write was lost, marker and all: the checkpoint is of a later run.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(2, 2, 5)), 3, true),
                cp(at(2, 2, 6), 4, false)
            ),
            resume(Some(at(2, 2, 6)), false, 4)
        );
    }

    #[test]
    fn a_stale_checkpoint_only_guards_numbering() {
        // The last run (generation 4) could not write its checkpoint; its database is newer.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(3, 3, 2)), 4, true),
                cp(at(2, 2, 5), 3, true)
            ),
            resume(Some(at(3, 3, 2)), true, 4)
        );
        // ...but a database that went back behind it still resumes from the checkpoint.
        assert_eq!(
            reconcile(
                "ns",
                sled(Some(at(1, 1, 2)), 4, true),
                cp(at(2, 2, 5), 3, true)
            ),
            resume(Some(rotated(at(2, 2, 5))), true, 4)
        );
    }

    #[test]
    fn a_legacy_checkpoint_guards_session_starts() {
        let legacy = Found::Legacy(at(3, 3, 1));
        assert_eq!(
            reconcile("ns", sled(Some(at(3, 3, 4)), 0, true), legacy),
            resume(Some(at(3, 3, 4)), true, 0)
        );
        assert_eq!(
            reconcile("ns", sled(Some(at(2, 2, 4)), 0, true), legacy),
            resume(Some(rotated(at(3, 3, 1))), true, 0)
        );
    }

    fn checkpoint(n: u32, clean: bool) -> Checkpoint {
        Checkpoint {
            generation: u64::from(n),
            clean,
            state: at(n, u128::from(n), n),
        }
    }

    #[test]
    fn writes_alternate_slots_and_read_back_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let (mut file, found) = CheckpointFile::open(dir.path(), "ns");
        assert_eq!(found, Found::Nothing);
        for n in 1..=5 {
            file.write(&checkpoint(n, n == 5), true).unwrap();
            let (_, found) = CheckpointFile::open(dir.path(), "ns");
            assert_eq!(found, Found::Current(checkpoint(n, n == 5)));
        }
        let len = fs::metadata(path(dir.path(), "ns")).unwrap().len();
        assert_eq!(
            len,
            2 * SLOT as u64,
            "fixed size: later writes need no new blocks"
        );
    }

    #[test]
    fn a_torn_slot_falls_back_to_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let (mut file, _) = CheckpointFile::open(dir.path(), "ns");
        file.write(&checkpoint(1, false), true).unwrap();
        file.write(&checkpoint(2, false), true).unwrap();
        let p = path(dir.path(), "ns");
        // Slot 1 holds the newest; tear it anywhere.
        for at in [SLOT, SLOT + 5, SLOT + 30, 2 * SLOT - 1] {
            let mut bytes = fs::read(&p).unwrap();
            bytes[at] ^= 0x40;
            fs::write(&p, &bytes).unwrap();
            let (_, found) = CheckpointFile::open(dir.path(), "ns");
            assert_eq!(found, Found::Current(checkpoint(1, false)), "byte {at}");
            bytes[at] ^= 0x40;
            fs::write(&p, &bytes).unwrap();
        }
        // Both torn: nothing usable, and the next write starts a whole new file.
        let mut bytes = fs::read(&p).unwrap();
        bytes[10] ^= 1;
        bytes[SLOT + 10] ^= 1;
        fs::write(&p, &bytes).unwrap();
        let (mut file, found) = CheckpointFile::open(dir.path(), "ns");
        assert_eq!(found, Found::Nothing);
        file.write(&checkpoint(3, true), true).unwrap();
        let (_, found) = CheckpointFile::open(dir.path(), "ns");
        assert_eq!(found, Found::Current(checkpoint(3, true)));
    }

    #[test]
    fn the_first_format_is_read_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), "ns");
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, record::encode(&at(4, 4, 1)).unwrap()).unwrap();
        let (mut file, found) = CheckpointFile::open(dir.path(), "ns");
        assert_eq!(found, Found::Legacy(at(4, 4, 1)));
        file.write(&checkpoint(5, false), true).unwrap();
        let (_, found) = CheckpointFile::open(dir.path(), "ns");
        assert_eq!(found, Found::Current(checkpoint(5, false)));
    }

    #[test]
    fn a_long_namespace_skips_a_slot_another_namespace_holds() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(NAMED_MAX_BYTES + 1);
        let hash = fnv1a(long.as_bytes());
        // Another namespace with the same hash took the first slot.
        let taken = dir
            .path()
            .join(CHECKPOINT_DIR)
            .join(format!("nh-{hash:016x}-0"));
        fs::create_dir_all(&taken).unwrap();
        fs::write(taken.join(SLOT_NAMESPACE), b"someone else").unwrap();
        let theirs = record::encode(&at(9, 9, 1)).unwrap();
        fs::write(taken.join(SLOT_CHECKPOINT), &theirs).unwrap();

        let (mut file, found) = CheckpointFile::open(dir.path(), &long);
        assert_eq!(found, Found::Nothing, "not someone else's checkpoint");
        file.write(&checkpoint(3, false), true).unwrap();
        let ours = path(dir.path(), &long);
        assert_eq!(
            ours.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
            format!("nh-{hash:016x}-1")
        );
        let (_, found) = CheckpointFile::open(dir.path(), &long);
        assert_eq!(found, Found::Current(checkpoint(3, false)));
        assert_eq!(
            claim(dir.path(), &long).unwrap(),
            ours,
            "claimed once, then found"
        );
        assert_eq!(fs::read(taken.join(SLOT_CHECKPOINT)).unwrap(), theirs);
    }

    #[test]
    fn the_name_hash_is_stable() {
        // FNV-1a test vectors: a checkpoint written by one build is found by the next.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn namespaces_map_to_safe_file_names() {
        let p = path(Path::new("/d"), "a/b c");
        assert_eq!(p, Path::new("/d/checkpoints/ns-612f622063"));
    }
}
