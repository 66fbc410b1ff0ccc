//! The Android adapter: the shared mobile tracker (`client-session-mobile`) behind a Java API,
//! over JNI.
//!
//! This crate builds `libclient_session_android.so`, which an app ships in
//! `src/main/jniLibs/<abi>/` beside the Java sources of `platforms/android/java/` (package
//! `dev.clientsession`: `Tracker`, the `Event` classes, `TrackerConfiguration`,
//! `SessionConfiguration`, the listeners). `platforms/android/README.md` says how to build it for
//! `aarch64-linux-android` with the NDK and how to hook `ProcessLifecycleOwner` up.
//!
//! The crate is only the boundary. It moves strings across JNI and turns errors into Java
//! exceptions; the session rules, the event JSON and the library's thread are the shared
//! tracker's:
//!
//! - every native method runs under `catch_unwind`: a failure or a panic becomes a Java
//!   exception carrying the Rust error's message (`IllegalArgumentException` for bad input,
//!   `IllegalStateException` for a closed tracker, `NullPointerException` for a null,
//!   `dev.clientsession.TrackerException` for the rest), never a crash;
//! - Java holds no pointer, only a `long` id that every call looks up in a process-wide map
//!   of `Arc<MobileTracker>` ([`registry`]), so `close` racing any other call cannot free
//!   what that call uses;
//! - the app's listeners are called on the library's thread, attached to the JVM as a daemon
//!   thread; a listener that throws is logged with `tracing` and the tracker goes on
//!   ([`listener`]).
//!
//! The native methods are registered by `JNI_OnLoad` (`System.loadLibrary` runs it), so the
//! only exported symbol is `JNI_OnLoad` itself.

pub mod failure;
pub mod listener;
pub mod registry;

use std::borrow::Cow;
use std::ffi::c_void;
use std::panic::catch_unwind;
use std::path::Path;
use std::time::Duration;

use client_session_mobile::{session_json, MobileTracker};
use jni::objects::{JClass, JObject, JString};
use jni::sys::{jboolean, jint, jlong, jstring, JNI_ERR, JNI_FALSE, JNI_TRUE, JNI_VERSION_1_6};
use jni::{JNIEnv, JavaVM, NativeMethod};

use crate::failure::{entry, Failure};
use crate::listener::JavaListener;
use crate::registry::Registry;

/// The class whose `native` methods this library implements.
pub const TRACKER_CLASS: &str = "dev/clientsession/Tracker";

/// Every tracker the app holds, by the id its Java `Tracker` keeps.
static TRACKERS: Registry = Registry::new();

/// Registers the native methods of `dev.clientsession.Tracker`. Called by the JVM when
/// `System.loadLibrary("client_session_android")` loads this library; a failure (a Java class
/// out of step with this library) leaves `NoSuchMethodError` pending and fails the load.
///
/// # Safety
/// Only the JVM calls it, with its own `JavaVM` pointer.
#[allow(unsafe_code)]
#[no_mangle]
pub unsafe extern "system" fn JNI_OnLoad(
    vm: *mut jni::sys::JavaVM,
    _reserved: *mut c_void,
) -> jint {
    let registered = catch_unwind(|| -> jni::errors::Result<()> {
        // SAFETY: the JVM calls JNI_OnLoad with its own JavaVM pointer, valid for the whole
        // life of the library (`from_raw` checks it for null), and nothing else calls it.
        let vm = unsafe { JavaVM::from_raw(vm) }?;
        let mut env = vm.get_env()?;
        env.register_native_methods(TRACKER_CLASS, &native_methods())
    });
    match registered {
        Ok(Ok(())) => JNI_VERSION_1_6,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot register the native methods of {TRACKER_CLASS}");
            JNI_ERR
        }
        Err(_) => JNI_ERR,
    }
}

/// The table `JNI_OnLoad` registers. Each signature must be the one `Tracker.java` declares
/// and the one the Rust function takes: the JVM passes arguments by this signature only.
fn native_methods() -> Vec<NativeMethod> {
    const STRING: &str = "Ljava/lang/String;";
    let method = |name: &str, sig: String, fn_ptr: *mut c_void| NativeMethod {
        name: name.into(),
        sig: sig.into(),
        fn_ptr,
    };
    vec![
        method(
            "nativeCreate",
            format!("({STRING}{STRING}{STRING}Ldev/clientsession/Callbacks;)J"),
            create as *mut c_void,
        ),
        method(
            "nativeTrack",
            format!("(J{STRING}){STRING}"),
            track as *mut c_void,
        ),
        method("nativeForeground", "(J)V".into(), foreground as *mut c_void),
        method("nativeBackground", "(J)V".into(), background as *mut c_void),
        method(
            "nativeStartNewSession",
            "(J)V".into(),
            start_new_session as *mut c_void,
        ),
        method(
            "nativeClearUserData",
            "(J)V".into(),
            clear_user_data as *mut c_void,
        ),
        method("nativePause", "(J)V".into(), pause as *mut c_void),
        method("nativeResume", "(J)V".into(), resume as *mut c_void),
        method(
            "nativeSetUserAnonymisation",
            "(JZ)V".into(),
            set_user_anonymisation as *mut c_void,
        ),
        method(
            "nativeSession",
            format!("(J){STRING}"),
            session as *mut c_void,
        ),
        method(
            "nativeSetTestTime",
            "(JJ)V".into(),
            set_test_time as *mut c_void,
        ),
        method("nativeFlush", "(JJ)V".into(), flush as *mut c_void),
        method("nativeClose", "(J)Z".into(), close as *mut c_void),
        method(
            "nativeAwaitClosed",
            "(JJ)V".into(),
            await_closed as *mut c_void,
        ),
        method("nativeEmpty", "()V".into(), empty as *mut c_void),
    ]
}

/// Calls `body` with the text of `string` (borrowed when Java's modified UTF-8 is plain UTF-8,
/// as it is for text without NULs or characters beyond the BMP). An unpaired surrogate, which no
/// UTF-8 text can hold, becomes U+FFFD.
fn with_str<T>(
    env: &mut JNIEnv<'_>,
    string: &JString<'_>,
    parameter: &'static str,
    body: impl FnOnce(&str) -> Result<T, Failure>,
) -> Result<T, Failure> {
    if string.is_null() {
        return Err(Failure::Null(parameter));
    }
    #[allow(unsafe_code)]
    // SAFETY: every `JString` this crate reads is an argument the JVM passed to a native
    // method whose registered signature (`native_methods`) declares it `java.lang.String`, so
    // the JVM guarantees it is one (the checked `get_string` would look the class up on every
    // call, on the app's thread).
    let java = unsafe { env.get_string_unchecked(string) }?;
    let text: Cow<'_, str> = (&java).into();
    body(&text)
}

/// A timeout in milliseconds from Java.
fn timeout(ms: jlong) -> Result<Duration, Failure> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| Failure::BadArgument(format!("timeoutMs must not be negative: {ms}")))
}

extern "system" fn create<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    namespace: JString<'local>,
    data_dir: JString<'local>,
    config_json: JString<'local>,
    callbacks: JObject<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        if callbacks.is_null() {
            return Err(Failure::Null("callbacks"));
        }
        let listener = JavaListener::new(env, &callbacks)?;
        let namespace = with_str(env, &namespace, "namespace", |s| Ok(s.to_owned()))?;
        let data_dir = with_str(env, &data_dir, "dataDir", |s| Ok(s.to_owned()))?;
        let tracker = with_str(env, &config_json, "configuration", |config| {
            Ok(MobileTracker::create(
                &namespace,
                Path::new(&data_dir),
                config,
                Box::new(listener),
            )?)
        })?;
        Ok(TRACKERS.insert(tracker))
    })
}

extern "system" fn track<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
    event_json: JString<'local>,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let tracker = TRACKERS.get(id)?;
        let event_id = with_str(env, &event_json, "event", |json| {
            Ok(tracker.track_json(json)?)
        })?;
        Ok(env.new_string(event_id.to_string())?.into_raw())
    })
}

/// A native method that takes only the tracker's id and calls one never-blocking method.
macro_rules! simple_call {
    ($name:ident, $method:ident) => {
        extern "system" fn $name<'local>(
            mut env: JNIEnv<'local>,
            _class: JClass<'local>,
            id: jlong,
        ) {
            entry(&mut env, (), |_| Ok(TRACKERS.get(id)?.$method()?));
        }
    };
}

simple_call!(foreground, foreground);
simple_call!(background, background);
simple_call!(start_new_session, start_new_session);
simple_call!(clear_user_data, clear_user_data);
simple_call!(pause, pause);
simple_call!(resume, resume);

extern "system" fn set_user_anonymisation<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
    anonymous: jboolean,
) {
    entry(&mut env, (), |_| {
        Ok(TRACKERS.get(id)?.set_anonymous(anonymous != JNI_FALSE)?)
    });
}

extern "system" fn session<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        match TRACKERS.get(id)?.session()? {
            Some(session) => Ok(env.new_string(session_json(&session))?.into_raw()),
            None => Ok(std::ptr::null_mut()),
        }
    })
}

extern "system" fn set_test_time<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
    unix_ms: jlong,
) {
    entry(&mut env, (), |_| {
        Ok(TRACKERS.get(id)?.set_test_time_ms(unix_ms)?)
    });
}

extern "system" fn flush<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
    timeout_ms: jlong,
) {
    entry(&mut env, (), |_| {
        let timeout = timeout(timeout_ms)?;
        Ok(TRACKERS.get(id)?.flush(timeout)?)
    });
}

extern "system" fn close<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
) -> jboolean {
    entry(&mut env, JNI_FALSE, |_| {
        Ok(if TRACKERS.close(id) {
            JNI_TRUE
        } else {
            JNI_FALSE
        })
    })
}

extern "system" fn await_closed<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    id: jlong,
    timeout_ms: jlong,
) {
    entry(&mut env, (), |_| {
        TRACKERS.await_closed(id, timeout(timeout_ms)?)
    });
}

/// Does nothing: the cost of a JNI call itself, measured beside `track`'s.
extern "system" fn empty<'local>(_env: JNIEnv<'local>, _class: JClass<'local>) {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_negative_timeout_is_refused_not_wrapped() {
        assert_eq!(timeout(0).unwrap(), Duration::ZERO);
        assert_eq!(timeout(1500).unwrap(), Duration::from_millis(1500));
        assert!(matches!(timeout(-1), Err(Failure::BadArgument(_))));
    }

    /// A native method `Tracker.java` declares and the table misses fails only when a JVM
    /// loads the library (and calls it): this reads the Java source and compares names.
    #[test]
    fn the_table_registers_exactly_the_native_methods_tracker_java_declares() {
        let source = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/java/dev/clientsession/Tracker.java"
        ))
        .unwrap();
        let mut declared: Vec<String> = source
            .lines()
            .filter(|line| line.contains(" native "))
            .map(|line| {
                let before_paren = line.split('(').next().unwrap();
                before_paren.split_whitespace().last().unwrap().to_owned()
            })
            .collect();
        let mut registered: Vec<String> = native_methods()
            .iter()
            .map(|m| {
                let name: Cow<'_, str> = m.name.borrowed().into();
                name.into_owned()
            })
            .collect();
        declared.sort();
        registered.sort();
        assert_eq!(declared, registered);
    }
}
