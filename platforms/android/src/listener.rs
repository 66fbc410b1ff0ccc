//! The app's listeners, called on the library's thread.

use client_session_mobile::Listener;
use jni::objects::{GlobalRef, JObject, JThrowable, JValue};
use jni::{JNIEnv, JavaVM};

/// The Java `Callbacks` object of one tracker (`onEvent(String)`, `onSession(String)`, which
/// hand the JSON to the app's listeners). Called on the library's thread, which it attaches to
/// the JVM as a daemon thread the first time (so it never keeps the JVM from exiting; it is
/// detached when it ends).
pub struct JavaListener {
    vm: JavaVM,
    callbacks: GlobalRef,
}

/// The signature of both callbacks: `void (String)`.
const CALLBACK_SIGNATURE: &str = "(Ljava/lang/String;)V";
/// Local references one call makes: the string, the exception, its `toString()`, and slack.
const LOCAL_FRAME: i32 = 8;

impl JavaListener {
    /// Holds `callbacks` (a global reference, released when the tracker's thread ends).
    ///
    /// # Errors
    /// When the JVM cannot be reached from `env`, or refuses a global reference.
    pub fn new(env: &JNIEnv<'_>, callbacks: &JObject<'_>) -> jni::errors::Result<Self> {
        Ok(Self {
            vm: env.get_java_vm()?,
            callbacks: env.new_global_ref(callbacks)?,
        })
    }

    /// Calls `method` with `json`. A listener that throws is logged and its exception cleared:
    /// the tracker goes on with the next event.
    fn call(&self, method: &'static str, json: &str) {
        let mut env = match self.vm.attach_current_thread_as_daemon() {
            Ok(env) => env,
            Err(e) => {
                tracing::error!(error = %e, method, "cannot attach the tracker's thread to the JVM; the listener is not called");
                return;
            }
        };
        // The thread stays attached with no Java frame of its own, so nothing would ever free
        // a local reference made here: the frame does.
        let outcome = env.with_local_frame(LOCAL_FRAME, |env| -> jni::errors::Result<()> {
            let argument = env.new_string(json)?;
            let called = env.call_method(
                &self.callbacks,
                method,
                CALLBACK_SIGNATURE,
                &[JValue::Object(&argument)],
            );
            if env.exception_check()? {
                let thrown = env.exception_occurred()?;
                env.exception_clear()?;
                let exception = describe(env, &thrown);
                tracing::error!(
                    method,
                    %exception,
                    "the app's listener threw; the tracker goes on"
                );
                return Ok(());
            }
            called.map(drop)
        });
        if let Err(e) = outcome {
            // A JNI failure outside the listener (no memory for the string, say): nothing may
            // stay pending on a thread that never returns to Java.
            let _ = env.exception_clear();
            tracing::error!(error = %e, method, "could not call the app's listener");
        }
    }
}

impl Listener for JavaListener {
    fn on_event(&mut self, event_json: &str) {
        self.call("onEvent", event_json);
    }

    fn on_session(&mut self, session_json: &str) {
        self.call("onSession", session_json);
    }
}

/// `thrown.toString()` (its class and message), or a placeholder when that throws too.
fn describe(env: &mut JNIEnv<'_>, thrown: &JThrowable<'_>) -> String {
    let text = env
        .call_method(thrown, "toString", "()Ljava/lang/String;", &[])
        .and_then(|value| value.l())
        .and_then(|object| {
            let string = jni::objects::JString::from(object);
            env.get_string(&string).map(String::from)
        });
    match text {
        Ok(text) => text,
        Err(_) => {
            let _ = env.exception_clear();
            "an exception whose toString() failed".to_owned()
        }
    }
}
