//! Why a native call failed, and the Java exception each reason becomes.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use client_session_mobile::MobileError;
use jni::JNIEnv;

/// `java.lang.IllegalArgumentException`: bad input (configuration, event JSON, a timeout).
pub const ILLEGAL_ARGUMENT: &str = "java/lang/IllegalArgumentException";
/// `java.lang.IllegalStateException`: the tracker cannot take the call in its state (closed,
/// its store failed to open, no test clock).
pub const ILLEGAL_STATE: &str = "java/lang/IllegalStateException";
/// `java.lang.NullPointerException`: a null where the API needs a value.
pub const NULL_POINTER: &str = "java/lang/NullPointerException";
/// `dev.clientsession.TrackerException`: the library's thread (a timeout, a thread that could
/// not start), JNI itself, or a bug (a panic).
pub const TRACKER_EXCEPTION: &str = "dev/clientsession/TrackerException";
/// Thrown when `TrackerException` itself cannot be found (another class loader).
const RUNTIME_EXCEPTION: &str = "java/lang/RuntimeException";

/// Why a native call failed.
#[derive(Debug)]
pub enum Failure {
    /// The shared tracker refused the call.
    Mobile(MobileError),
    /// A null argument; names the parameter.
    Null(&'static str),
    /// An argument the shared tracker never sees was out of range (a negative timeout).
    BadArgument(String),
    /// The id names no open tracker: it was closed (and maybe released already).
    Closed,
    /// `awaitClosed` on a tracker that was never closed: it would wait for nothing.
    NotClosed,
    /// A JNI call failed. `JavaException` means the JVM already has an exception pending,
    /// which is what Java then sees.
    Jni(jni::errors::Error),
    /// A bug: Rust code panicked. Its message.
    Panic(String),
}

impl From<MobileError> for Failure {
    fn from(e: MobileError) -> Self {
        Self::Mobile(e)
    }
}

impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Self::Jni(e)
    }
}

impl Failure {
    /// The exception to throw: its class and message; `None` when the JVM already holds one.
    #[must_use]
    pub fn exception(&self) -> Option<(&'static str, String)> {
        let thrown = match self {
            Self::Mobile(e) => {
                let class = match e {
                    MobileError::InvalidConfig(_) | MobileError::InvalidEvent(_) => {
                        ILLEGAL_ARGUMENT
                    }
                    MobileError::Closed | MobileError::Session(_) | MobileError::NoTestClock => {
                        ILLEGAL_STATE
                    }
                    // Thread, and whatever the shared crate adds later.
                    _ => TRACKER_EXCEPTION,
                };
                (class, e.to_string())
            }
            Self::Null(parameter) => (NULL_POINTER, format!("{parameter} must not be null")),
            Self::BadArgument(message) => (ILLEGAL_ARGUMENT, message.clone()),
            Self::Closed => (ILLEGAL_STATE, MobileError::Closed.to_string()),
            Self::NotClosed => (
                ILLEGAL_STATE,
                "awaitClosed waits for a closed tracker: call close() first".to_owned(),
            ),
            Self::Jni(jni::errors::Error::JavaException) => return None,
            Self::Jni(e) => (TRACKER_EXCEPTION, format!("JNI: {e}")),
            Self::Panic(message) => (
                TRACKER_EXCEPTION,
                format!("a bug in client-session (a panic): {message}"),
            ),
        };
        Some(thrown)
    }
}

/// Runs a native method's body: its result, or, when it fails or panics, the exception it
/// becomes thrown into `env` and `default` returned (Java ignores a native method's value
/// when an exception is pending). No panic crosses into the JVM.
pub fn entry<'local, T>(
    env: &mut JNIEnv<'local>,
    default: T,
    body: impl FnOnce(&mut JNIEnv<'local>) -> Result<T, Failure>,
) -> T {
    let failure = match catch_unwind(AssertUnwindSafe(|| body(env))) {
        Ok(Ok(value)) => return value,
        Ok(Err(failure)) => failure,
        Err(panic) => {
            let message = panic_message(&*panic);
            tracing::error!(panic = %message, "a native call panicked; it becomes a Java exception");
            Failure::Panic(message)
        }
    };
    throw(env, &failure);
    default
}

/// Throws `failure`'s exception unless one is pending already (it says more: it is the cause).
fn throw(env: &mut JNIEnv<'_>, failure: &Failure) {
    if env.exception_check().unwrap_or(true) {
        return;
    }
    let Some((class, message)) = failure.exception() else {
        return;
    };
    if env.throw_new(class, &message).is_err() {
        // FindClass failed (and left its NoClassDefFoundError pending): a plain RuntimeException
        // with the message tells more.
        let _ = env.exception_clear();
        if let Err(e) = env.throw_new(RUNTIME_EXCEPTION, &message) {
            tracing::error!(error = %e, %message, "could not throw the exception");
        }
    }
}

/// A panic's message when it is text (`panic!` with a literal or a format), else a placeholder.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn class_of(failure: Failure) -> &'static str {
        failure.exception().unwrap().0
    }

    #[test]
    fn each_reason_has_its_exception_class_and_the_rust_message() {
        assert_eq!(
            class_of(MobileError::InvalidConfig("x".into()).into()),
            ILLEGAL_ARGUMENT
        );
        assert_eq!(
            class_of(MobileError::InvalidEvent("x".into()).into()),
            ILLEGAL_ARGUMENT
        );
        assert_eq!(class_of(MobileError::Closed.into()), ILLEGAL_STATE);
        assert_eq!(class_of(MobileError::NoTestClock.into()), ILLEGAL_STATE);
        assert_eq!(
            class_of(MobileError::Thread("late".into()).into()),
            TRACKER_EXCEPTION
        );
        assert_eq!(class_of(Failure::Null("namespace")), NULL_POINTER);
        assert_eq!(class_of(Failure::Closed), ILLEGAL_STATE);
        assert_eq!(class_of(Failure::NotClosed), ILLEGAL_STATE);
        assert_eq!(
            class_of(Failure::BadArgument("negative".into())),
            ILLEGAL_ARGUMENT
        );
        assert_eq!(class_of(Failure::Panic("boom".into())), TRACKER_EXCEPTION);
        let (_, message) = Failure::from(MobileError::InvalidEvent("missing `name`".into()))
            .exception()
            .unwrap();
        assert_eq!(message, "invalid event: missing `name`");
        let (_, message) = Failure::Null("dataDir").exception().unwrap();
        assert_eq!(message, "dataDir must not be null");
        assert_eq!(
            Failure::Closed.exception().unwrap().1,
            MobileError::Closed.to_string()
        );
    }

    #[test]
    fn a_pending_java_exception_is_left_as_it_is() {
        assert!(Failure::Jni(jni::errors::Error::JavaException)
            .exception()
            .is_none());
        assert_eq!(
            class_of(Failure::Jni(jni::errors::Error::NullPtr("x"))),
            TRACKER_EXCEPTION
        );
    }

    #[test]
    fn a_panic_message_is_kept_whatever_its_payload() {
        let literal = catch_unwind(|| panic!("literal")).unwrap_err();
        assert_eq!(panic_message(&*literal), "literal");
        let formatted = catch_unwind(|| panic!("n = {}", 3)).unwrap_err();
        assert_eq!(panic_message(&*formatted), "n = 3");
        let other = catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(panic_message(&*other), "a panic without a message");
    }
}
