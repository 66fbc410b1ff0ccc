//! Status codes, the per-thread last error, and the guard every entry point runs in.
//!
//! Plain safe Rust: the `ffi` module turns pointers into values and calls in here.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use client_session_mobile::MobileError;

/// What a call returns. `CS_STATUS_OK` is 0; on any other status `cs_last_error()` holds the
/// message, on the calling thread.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsStatus {
    /// The call succeeded.
    Ok = 0,
    /// A pointer argument that must not be NULL was NULL. Nothing was done.
    NullPointer = 1,
    /// A string argument was not valid UTF-8. Nothing was done.
    InvalidUtf8 = 2,
    /// The configuration JSON was malformed, named an unknown key or had a value of the wrong
    /// type or range. No tracker was created.
    InvalidConfig = 3,
    /// The event JSON was malformed, of an unknown type, or missed or misplaced a field. Nothing
    /// was tracked; the tracker goes on.
    InvalidEvent = 4,
    /// The tracker was closed (`cs_tracker_close`); nothing more can be done with it but
    /// `cs_tracker_free`.
    Closed = 5,
    /// The session actor failed: its store could not be opened (the data directory is not
    /// usable) or it has stopped. Every later call fails the same way.
    Session = 6,
    /// `cs_tracker_set_test_time` on a tracker created without a test clock.
    NoTestClock = 7,
    /// The library's thread could not be started, or a blocking call (`cs_tracker_flush`,
    /// `cs_tracker_free`) did not finish within its timeout.
    Thread = 8,
    /// A blocking call (`cs_tracker_flush`, `cs_tracker_free`) was made inside a callback, on the
    /// library's thread, where it would wait for itself. Nothing was done.
    InCallback = 9,
    /// The library panicked (a bug); the panic was caught at the boundary. The tracker may still
    /// work; the message says where.
    Panic = 10,
    /// A failure this version of the header has no code for; the message says what it was.
    Internal = 11,
}

impl CsStatus {
    /// The status of a code, if it is one.
    #[must_use]
    pub const fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => Self::Ok,
            1 => Self::NullPointer,
            2 => Self::InvalidUtf8,
            3 => Self::InvalidConfig,
            4 => Self::InvalidEvent,
            5 => Self::Closed,
            6 => Self::Session,
            7 => Self::NoTestClock,
            8 => Self::Thread,
            9 => Self::InCallback,
            10 => Self::Panic,
            11 => Self::Internal,
            _ => return None,
        })
    }

    /// The constant's name in the C header.
    #[must_use]
    pub const fn name(self) -> &'static CStr {
        match self {
            Self::Ok => c"CS_STATUS_OK",
            Self::NullPointer => c"CS_STATUS_NULL_POINTER",
            Self::InvalidUtf8 => c"CS_STATUS_INVALID_UTF8",
            Self::InvalidConfig => c"CS_STATUS_INVALID_CONFIG",
            Self::InvalidEvent => c"CS_STATUS_INVALID_EVENT",
            Self::Closed => c"CS_STATUS_CLOSED",
            Self::Session => c"CS_STATUS_SESSION",
            Self::NoTestClock => c"CS_STATUS_NO_TEST_CLOCK",
            Self::Thread => c"CS_STATUS_THREAD",
            Self::InCallback => c"CS_STATUS_IN_CALLBACK",
            Self::Panic => c"CS_STATUS_PANIC",
            Self::Internal => c"CS_STATUS_INTERNAL",
        }
    }
}

/// Why a call failed: its status and the message `cs_last_error()` will give.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: CsStatus,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: CsStatus, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<MobileError> for Failure {
    fn from(e: MobileError) -> Self {
        let status = match &e {
            MobileError::InvalidConfig(_) => CsStatus::InvalidConfig,
            MobileError::InvalidEvent(_) => CsStatus::InvalidEvent,
            MobileError::Closed => CsStatus::Closed,
            MobileError::Session(_) => CsStatus::Session,
            MobileError::NoTestClock => CsStatus::NoTestClock,
            MobileError::Thread(_) => CsStatus::Thread,
            _ => CsStatus::Internal,
        };
        Self::new(status, e.to_string())
    }
}

thread_local! {
    /// The message of the last failed call on this thread.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
    /// How deep this thread is in the app's callbacks (the library's thread only).
    static IN_CALLBACK: Cell<u32> = const { Cell::new(0) };
}

/// Keeps `message` as this thread's last error. A NUL inside it (which a C string cannot hold)
/// is written as `\0`.
fn set_last_error(message: &str) {
    let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // Fails only while the thread is being torn down, when nobody can read it any more.
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = Some(text);
        }
    });
}

/// This thread's last error message, or `""`. The pointer stays valid until the next failed
/// call on this thread (the text is replaced then), or until the thread ends.
pub(crate) fn last_error() -> *const c_char {
    LAST_ERROR
        .try_with(|last| {
            last.try_borrow()
                .ok()
                .and_then(|last| last.as_ref().map(|text| text.as_ptr()))
        })
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}

/// Runs an entry point's body: its failure becomes its status and this thread's last error,
/// and a panic stops here (a panic unwinding into C is undefined behaviour).
pub(crate) fn guard(
    function: &'static str,
    body: impl FnOnce() -> Result<(), Failure>,
) -> CsStatus {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return CsStatus::Ok,
        Ok(Err(failure)) => failure,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            tracing::error!(function, "the library panicked; caught at the C boundary");
            Failure::new(CsStatus::Panic, format!("the library panicked: {what}"))
        }
    };
    // The message may quote the caller's input: it goes back to the caller, not to the log.
    tracing::debug!(function, status = ?failure.status, "call failed");
    set_last_error(&format!("{function}: {}", failure.message));
    failure.status
}

/// Marks this thread as inside one of the app's callbacks while it lives.
pub(crate) struct InCallback(());

impl InCallback {
    pub(crate) fn enter() -> Self {
        let _ = IN_CALLBACK.try_with(|depth| depth.set(depth.get().saturating_add(1)));
        Self(())
    }

    /// Refuses a blocking call from inside a callback: it would wait for the very thread that
    /// runs it, until its timeout.
    pub(crate) fn refuse_blocking() -> Result<(), Failure> {
        if IN_CALLBACK.try_with(Cell::get).unwrap_or(0) > 0 {
            return Err(Failure::new(
                CsStatus::InCallback,
                "a blocking call inside a callback would wait for the library's thread, which \
                 is running the callback; call it from another thread",
            ));
        }
        Ok(())
    }
}

impl Drop for InCallback {
    fn drop(&mut self) {
        let _ = IN_CALLBACK.try_with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// What `cs_last_error()` points to (the C and Rust tests read it through the pointer).
    fn last() -> String {
        LAST_ERROR.with_borrow(|last| {
            last.as_ref()
                .map(|text| text.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
    }

    #[test]
    fn a_panic_becomes_the_panic_status_with_its_message() {
        let status = guard("cs_test", || panic!("boom {}", 42));
        assert_eq!(status, CsStatus::Panic);
        assert_eq!(last(), "cs_test: the library panicked: boom 42");
        let status = guard("cs_test", || std::panic::panic_any(7_u8));
        assert_eq!(status, CsStatus::Panic);
        assert!(last().contains("without a message"), "{}", last());
    }

    #[test]
    fn a_failure_sets_the_last_error_and_a_success_keeps_it() {
        let status = guard("cs_a", || Err(Failure::new(CsStatus::Closed, "no\0more")));
        assert_eq!(status, CsStatus::Closed);
        assert_eq!(last(), "cs_a: no\\0more");
        assert_eq!(guard("cs_b", || Ok(())), CsStatus::Ok);
        assert_eq!(last(), "cs_a: no\\0more");
    }

    #[test]
    fn the_last_error_is_per_thread() {
        let _ = guard("cs_here", || Err(Failure::new(CsStatus::Thread, "here")));
        let there = std::thread::spawn(|| {
            let before = last();
            let _ = guard("cs_there", || Err(Failure::new(CsStatus::Closed, "there")));
            (before, last())
        })
        .join()
        .unwrap();
        assert_eq!(there, (String::new(), "cs_there: there".to_owned()));
        assert_eq!(last(), "cs_here: here");
    }

    #[test]
    fn blocking_calls_are_refused_only_inside_a_callback() {
        assert!(InCallback::refuse_blocking().is_ok());
        {
            let _outer = InCallback::enter();
            let _inner = InCallback::enter();
            let refused = InCallback::refuse_blocking().unwrap_err();
            assert_eq!(refused.status, CsStatus::InCallback);
        }
        assert!(InCallback::refuse_blocking().is_ok());
    }

    #[test]
    fn each_error_maps_to_its_status() {
        let cases = [
            (
                MobileError::InvalidConfig("x".into()),
                CsStatus::InvalidConfig,
            ),
            (
                MobileError::InvalidEvent("x".into()),
                CsStatus::InvalidEvent,
            ),
            (MobileError::Closed, CsStatus::Closed),
            (MobileError::NoTestClock, CsStatus::NoTestClock),
            (MobileError::Thread("x".into()), CsStatus::Thread),
        ];
        for (error, status) in cases {
            let message = error.to_string();
            let failure = Failure::from(error);
            assert_eq!((failure.status, failure.message), (status, message));
        }
    }

    #[test]
    fn each_status_has_its_code_and_name() {
        let names: Vec<_> = (0..12)
            .map(|code| {
                let status = CsStatus::from_code(code).unwrap();
                assert_eq!(status as i32, code);
                status.name().to_str().unwrap()
            })
            .collect();
        assert_eq!(names[5], "CS_STATUS_CLOSED");
        assert!(names.iter().all(|name| name.starts_with("CS_STATUS_")));
        assert_eq!(CsStatus::from_code(12), None);
        assert_eq!(CsStatus::from_code(-1), None);
    }
}
