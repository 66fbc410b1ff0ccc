//! `document.cookie` as the cookie store's [`CookieJar`].
//!
//! A page reads all its cookies as one string (`a=1; b=2`) and writes one cookie per assignment
//! (`name=value; Expires=…; Path=/; …`). The browser decides expiry by its own clock, so the
//! jar ignores the `now_ms` it is given for reads. A browser drops without a word a cookie it
//! refuses (a `Domain` the page may not set, `Secure` on a page that is not secure, cookies
//! blocked): the jar reads back after each write and reports a write that did not stick as a
//! [`JarError`], so the actor's handling of a refused write applies.
//!
//! The jar works over any [`DocumentCookie`]: the page's `HtmlDocument` in the browser, or a
//! stand-in natively, so everything but the two calls into the browser is tested natively.

use client_session_store_cookie::{CookieAttributes, CookieJar, JarError, SetCookie};

/// The `name=value` pairs of a `document.cookie` string, in its order.
///
/// Pairs are separated by `;` (browsers write `; `); a pair without `=` is a cookie with an empty
/// name (Chromium lists it as its value alone). Values are returned as stored, not URI-decoded.
pub fn cookie_pairs(document_cookie: &str) -> impl Iterator<Item = (&str, &str)> {
    document_cookie
        .split(';')
        .map(|pair| pair.strip_prefix(' ').unwrap_or(pair))
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or(("", pair)))
}

/// The value of the first cookie named `name` in a `document.cookie` string, as the JavaScript
/// tracker reads it (the first `; name=` in `'; ' + document.cookie`): the one with the longest
/// path, then the oldest, in the order browsers list them.
pub fn cookie_value<'a>(document_cookie: &'a str, name: &str) -> Option<&'a str> {
    cookie_pairs(document_cookie)
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// What the page's cookies look like from script: `document.cookie` read and assigned.
pub trait DocumentCookie {
    /// Reads `document.cookie`.
    ///
    /// # Errors
    /// [`JarError::Unavailable`] when the browser refuses script access to cookies (a sandboxed
    /// frame, say).
    fn read(&self) -> Result<String, JarError>;

    /// Assigns `text` to `document.cookie`. A browser that refuses the cookie says nothing.
    ///
    /// # Errors
    /// [`JarError::Unavailable`] when the browser refuses script access to cookies.
    fn assign(&self, text: &str) -> Result<(), JarError>;
}

/// The cookie store's jar over `document.cookie` (or any [`DocumentCookie`]).
#[derive(Debug, Clone)]
pub struct DocumentJar<D> {
    document: D,
}

impl<D: DocumentCookie> DocumentJar<D> {
    /// The jar over `document`.
    pub fn new(document: D) -> Self {
        Self { document }
    }

    /// What the jar reads and writes.
    pub fn document(&self) -> &D {
        &self.document
    }
}

impl<D: DocumentCookie> CookieJar for DocumentJar<D> {
    /// The first cookie named `name` in `document.cookie`; the browser has already left out
    /// expired ones.
    fn get(&self, name: &str, _now_ms: i64) -> Result<Option<String>, JarError> {
        let cookies = self.document.read()?;
        Ok(cookie_value(&cookies, name).map(str::to_owned))
    }

    /// Assigns exactly what the JavaScript tracker 4.x assigns (`name=value; Expires=<UTC
    /// string>; Path=/; Domain=…; SameSite=Lax; Secure`, from [`SetCookie`]'s `Display`), then
    /// reads back: a cookie that is not the first of its name with this value was refused (or
    /// is shadowed by another of that name with a longer path, which every read would see
    /// first). A deletion (an `Expires` already reached) is not checked: another cookie of the
    /// same name elsewhere may still be visible.
    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        let assignment = SetCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes: attributes.clone(),
        };
        self.document.assign(&assignment.to_string())?;
        let deletes = attributes
            .expires_s
            .is_some_and(|secs| i128::from(secs) * 1000 <= i128::from(now_ms));
        if deletes {
            return Ok(());
        }
        let cookies = self.document.read()?;
        if cookie_value(&cookies, name) == Some(value) {
            Ok(())
        } else {
            // The value is left out: it holds the user id.
            Err(JarError::Unavailable(format!(
                "the browser did not keep cookie {name:?} (cookies blocked, or a Domain or \
                 Secure attribute this page cannot set)"
            )))
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use client_session_store_cookie::JarError;
    use wasm_bindgen::JsCast;
    use web_sys::HtmlDocument;

    use super::{DocumentCookie, DocumentJar};
    use crate::js_text;

    impl DocumentCookie for HtmlDocument {
        fn read(&self) -> Result<String, JarError> {
            self.cookie()
                .map_err(|e| JarError::Unavailable(js_text(&e)))
        }

        fn assign(&self, text: &str) -> Result<(), JarError> {
            self.set_cookie(text)
                .map_err(|e| JarError::Unavailable(js_text(&e)))
        }
    }

    impl DocumentJar<HtmlDocument> {
        /// The jar over the current page's `document.cookie`.
        ///
        /// # Errors
        /// [`JarError::Unavailable`] outside a page (a worker has no `document`).
        pub fn from_page() -> Result<Self, JarError> {
            let document = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.dyn_into::<HtmlDocument>().ok())
                .ok_or_else(|| {
                    JarError::Unavailable(
                        "no HTML document here (this tracker runs on a page, not in a worker)"
                            .to_owned(),
                    )
                })?;
            Ok(Self::new(document))
        }
    }
}

#[cfg(test)]
mod tests;
