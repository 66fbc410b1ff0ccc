//! Catching sled's panics without the panic hook printing them.
//!
//! sled 0.34 panics on some damaged files. Opening is guarded by `catch_unwind`, and the
//! damage is logged and repaired, but the process's panic hook runs before the unwind is
//! caught: by default it prints "thread panicked at ..." and maybe a backtrace on stderr, which
//! reads like a crash. So a hook installed once per process stays silent for panics on a
//! thread that is inside [`catch`], and hands every other panic to the hook it replaced.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs a guarded call.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Where the last silenced panic happened, for the log line.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`; a panic inside it comes back as `Err` with its message and location, and nothing
/// is printed for it. Panics anywhere else still reach the previous hook.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = GUARDED.with(|g| g.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.map_err(|payload| {
        let location = LOCATION.with(|l| l.borrow_mut().take());
        let message = message(payload.as_ref());
        match location {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        }
    })
}

fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) {
                let at = info.location().map(ToString::to_string);
                LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)] // the panic is what is caught
    fn a_caught_panic_comes_back_with_its_message_and_place() {
        let caught = catch(|| -> u32 { panic!("sled lost its way") }).unwrap_err();
        assert!(caught.starts_with("sled lost its way (at "), "{caught}");
        assert!(caught.contains("quiet_panic.rs"), "{caught}");
        assert_eq!(catch(|| 7), Ok(7));
        assert!(
            !GUARDED.with(Cell::get),
            "the flag is cleared after the call"
        );
    }
}
