//! Cookie jars: the [`CookieJar`] seam and [`NativeJar`], an in-memory RFC 6265 jar.
//!
//! A jar is what a page sees through `document.cookie`: it reads cookies by name for the page's
//! host and path, and writes them with the attributes the JavaScript tracker 4.x uses (spec A3.4:
//! `Expires`, `Path`, `Domain`, `SameSite`, `Secure`; never `Max-Age`). Time is always an
//! argument, so a jar is driven by an injected clock and a scenario replays to the millisecond.
//!
//! # Expiry, as browsers do it
//! `Expires` is a whole second (the JavaScript tracker writes it with `toUTCString()`, which drops
//! the milliseconds: [`expires_after`]), and a cookie is expired from the moment the clock reaches
//! that second: Chromium's `CanonicalCookie::IsExpired` is `now >= expiry`. So `_sp_ses` written at
//! `t` ms with a timeout of `T` s is gone at `floor((t + 1000 T) / 1000)` s (spec A3.3, B2), and a
//! gap equal to the timeout already finds it gone.
//!
//! # The 400-day cap
//! Chromium (since M104, following RFC 6265bis) reduces any expiry more than 400 days after the
//! write to 400 days; the JavaScript tracker asks 2 years for `_sp_id` (A3.2, A3.11). [`NativeJar`]
//! applies no cap by default: it keeps what the tracker wrote, as RFC 6265 says, so the spec's
//! scenarios (derived from A3) hold, and a cap changes anything only after 400 idle days.
//! [`NativeJar::with_lifetime_cap`] with [`CHROMIUM_LIFETIME_CAP_S`] models Chromium. Other
//! browsers differ in ways no cap models: WebKit's tracking prevention (since 2022) deletes a
//! site's script-written cookies after 7 days of browser use without interaction with the site
//! (from 2019 it capped their expiry at 7 days instead).

mod date;

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

pub use client_session_core::expires_after;
pub use date::{format_expires, parse_expires, DateError};

/// RFC 6265bis and Chromium ignore a cookie whose name and value together exceed this many bytes.
pub const MAX_NAME_VALUE_BYTES: usize = 4096;
/// RFC 6265bis and Chromium ignore an attribute value longer than this many bytes.
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 1024;
/// Chromium's cap on a cookie's lifetime: 400 days, in seconds (34560000).
pub const CHROMIUM_LIFETIME_CAP_S: i64 = 400 * 86_400;

/// The `SameSite` attribute. Kept and written back; it changes no read of a [`NativeJar`], whose
/// reads are all the page's own (same-site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`, what the JavaScript tracker writes by default.
    Lax,
    /// `SameSite=None`.
    None,
}

impl SameSite {
    /// The attribute value as written (`Lax`).
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }

    fn parse(value: &str) -> Option<SameSite> {
        [SameSite::Strict, SameSite::Lax, SameSite::None]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value))
    }
}

/// The attributes of a cookie write: what follows `name=value` in a `document.cookie` assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CookieAttributes {
    /// `Expires`, in whole Unix seconds; `None` is a session cookie (no expiry).
    pub expires_s: Option<i64>,
    /// `Path`; `None` (or a value not starting with `/`) means the page's default path.
    pub path: Option<String>,
    /// `Domain`; `None` makes a host-only cookie. A leading `.` is ignored, as RFC 6265 says.
    pub domain: Option<String>,
    /// `SameSite`.
    pub same_site: Option<SameSite>,
    /// `Secure`: sent only to, and settable only from, a secure page.
    pub secure: bool,
}

impl CookieAttributes {
    /// The attributes the JavaScript tracker 4.x writes (A3.4): `Expires` after `ttl_s` seconds
    /// from `now_ms` (see [`expires_after`]), `Path=/`, the given `Domain`, `SameSite=Lax` and
    /// `Secure`.
    pub fn js_tracker(domain: Option<&str>, ttl_s: i64, now_ms: i64) -> CookieAttributes {
        CookieAttributes {
            expires_s: Some(expires_after(now_ms, ttl_s)),
            path: Some("/".to_owned()),
            domain: domain.map(str::to_owned),
            same_site: Some(SameSite::Lax),
            secure: true,
        }
    }

    /// Parses an attribute string such as `Expires=Wed, 01 Dec 2027 11:00:00 GMT; Path=/;
    /// Domain=example.test; SameSite=Lax; Secure` (an empty string has no attributes).
    ///
    /// Stricter than a browser, which ignores what it does not understand: unknown attributes
    /// (`Max-Age`, `HttpOnly`, which script cannot set, or a typo), repeated ones, empty segments
    /// and bad values are errors, so a scenario never means something other than it says.
    /// Attribute names are matched without regard to case and spaces around `;` and `=` are
    /// skipped, as browsers do. An empty `Domain=` is treated as absent, as browsers do.
    pub fn parse(text: &str) -> Result<CookieAttributes, AttributeError> {
        let mut attrs = CookieAttributes::default();
        if text.trim().is_empty() {
            return Ok(attrs);
        }
        let mut seen: Vec<&'static str> = Vec::new();
        for segment in text.split(';') {
            let segment = segment.trim();
            if segment.is_empty() {
                return Err(AttributeError::EmptySegment);
            }
            let (name, value) = match segment.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (segment, None),
            };
            let known = ["Expires", "Path", "Domain", "SameSite", "Secure"]
                .into_iter()
                .find(|k| k.eq_ignore_ascii_case(name))
                .ok_or_else(|| AttributeError::Unknown(name.to_owned()))?;
            if seen.contains(&known) {
                return Err(AttributeError::Repeated(known));
            }
            seen.push(known);
            match (known, value) {
                ("Secure", None) => attrs.secure = true,
                ("Secure", Some(_)) => return Err(AttributeError::SecureWithValue),
                (_, None) => return Err(AttributeError::MissingValue(known)),
                ("Expires", Some(v)) => attrs.expires_s = Some(parse_expires(v)?),
                ("Path", Some(v)) => attrs.path = Some(v.to_owned()),
                ("Domain", Some("")) => attrs.domain = None,
                ("Domain", Some(v)) => attrs.domain = Some(v.to_owned()),
                ("SameSite", Some(v)) => {
                    attrs.same_site = Some(
                        SameSite::parse(v).ok_or_else(|| AttributeError::SameSite(v.to_owned()))?,
                    )
                }
                // `known` is one of the five names above.
                _ => return Err(AttributeError::Unknown(name.to_owned())),
            }
        }
        Ok(attrs)
    }
}

/// Writes the attributes as the JavaScript tracker orders them, joined by `; `, with no leading
/// separator: `Expires=Wed, 01 Dec 2027 11:00:00 GMT; Path=/; Domain=example.test; SameSite=Lax;
/// Secure`. [`CookieAttributes::parse`] reads it back.
impl fmt::Display for CookieAttributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(secs) = self.expires_s {
            parts.push(format!("Expires={}", format_expires(secs)));
        }
        if let Some(path) = &self.path {
            parts.push(format!("Path={path}"));
        }
        if let Some(domain) = &self.domain {
            parts.push(format!("Domain={domain}"));
        }
        if let Some(same_site) = self.same_site {
            parts.push(format!("SameSite={}", same_site.as_str()));
        }
        if self.secure {
            parts.push("Secure".to_owned());
        }
        f.write_str(&parts.join("; "))
    }
}

/// One `document.cookie` assignment: `name=value` and its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SetCookie {
    /// The cookie's name.
    pub name: String,
    /// The cookie's value.
    pub value: String,
    /// Its attributes.
    pub attributes: CookieAttributes,
}

impl SetCookie {
    /// Parses `name=value; attributes…` (see [`CookieAttributes::parse`]). Spaces around the name
    /// and value are trimmed, as browsers do; the name and value are checked when a jar stores
    /// them ([`CookieJar::set`]).
    pub fn parse(text: &str) -> Result<SetCookie, AttributeError> {
        let (pair, attributes) = match text.split_once(';') {
            // `name=value;` with nothing after: an empty attribute, as in the attribute string.
            Some((_, rest)) if rest.trim().is_empty() => return Err(AttributeError::EmptySegment),
            Some((pair, rest)) => (pair, CookieAttributes::parse(rest)?),
            None => (text, CookieAttributes::default()),
        };
        let (name, value) = pair.split_once('=').ok_or(AttributeError::MissingPair)?;
        Ok(SetCookie {
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
            attributes,
        })
    }
}

/// `name=value; attributes`, what the JavaScript tracker assigns to `document.cookie`.
impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        let attributes = self.attributes.to_string();
        if !attributes.is_empty() {
            write!(f, "; {attributes}")?;
        }
        Ok(())
    }
}

/// Why an attribute string or a `name=value; …` string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttributeError {
    /// No `=` between the cookie's name and value.
    #[error("no `name=value` pair before the attributes")]
    MissingPair,
    /// Two `;` with nothing between them, or a trailing `;`.
    #[error("an empty attribute between `;`")]
    EmptySegment,
    /// An attribute the JavaScript tracker never writes, or a misspelt one.
    #[error("unknown cookie attribute {0:?} (known: Expires, Path, Domain, SameSite, Secure)")]
    Unknown(String),
    /// An attribute given twice (a browser would take the last; here it is a mistake).
    #[error("the {0} attribute is given twice")]
    Repeated(&'static str),
    /// `Expires`, `Path`, `Domain` or `SameSite` without `=value`.
    #[error("the {0} attribute needs a value")]
    MissingValue(&'static str),
    /// `Secure=…`.
    #[error("the Secure attribute takes no value")]
    SecureWithValue,
    /// A `SameSite` other than `Strict`, `Lax` or `None`.
    #[error("SameSite must be Strict, Lax or None, not {0:?}")]
    SameSite(String),
    /// An `Expires` that is not an IMF-fixdate.
    #[error("bad Expires date: {0}")]
    Expires(#[from] DateError),
}

/// Why a jar refused a cookie, or could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JarError {
    /// An empty name, or one with control characters, `;`, `=`, or spaces at either end.
    #[error("invalid cookie name {0:?}")]
    InvalidName(String),
    /// A value with control characters or `;`, or spaces at either end.
    #[error("invalid value for cookie {0:?}")]
    InvalidValue(String),
    /// Name and value together longer than [`MAX_NAME_VALUE_BYTES`].
    #[error("cookie {name:?} is {bytes} bytes, above the limit of 4096 for name and value")]
    TooLarge {
        /// The cookie's name.
        name: String,
        /// The bytes of name and value together.
        bytes: usize,
    },
    /// A `Path` or `Domain` longer than [`MAX_ATTRIBUTE_VALUE_BYTES`].
    #[error("the {attribute} attribute is {bytes} bytes, above the limit of 1024")]
    AttributeTooLong {
        /// `Path` or `Domain`.
        attribute: &'static str,
        /// Its length in bytes.
        bytes: usize,
    },
    /// A `Domain` the page's host does not domain-match (RFC 6265 5.3 step 6): the page cannot
    /// set cookies for another site.
    #[error("a page on {host} cannot set a cookie for domain {domain}")]
    DomainMismatch {
        /// The `Domain` attribute, normalised.
        domain: String,
        /// The page's host.
        host: String,
    },
    /// A `Secure` cookie written from a page that is not secure (RFC 6265bis, Chromium).
    #[error("cookie {0:?} is Secure but the page is not")]
    InsecurePage(String),
    /// The jar cannot be used at all (a browser that blocks `document.cookie`, say).
    #[error("the cookie jar is unavailable: {0}")]
    Unavailable(String),
    /// A `name=value; …` string that could not be read.
    #[error(transparent)]
    Attributes(#[from] AttributeError),
}

/// What a page reads and writes through `document.cookie`, synchronously.
///
/// Every call gets the current time as Unix milliseconds, from the caller's injected clock; a
/// jar reads no clock. A browser jar, whose expiry the browser decides by its own clock, may
/// ignore `now_ms`. Reads and writes are those of one page (one host and path).
pub trait CookieJar {
    /// The value of the cookie `name` the page sees at `now_ms`, `None` when there is none.
    /// Where several match (other paths or domains), the one `document.cookie` lists first.
    fn get(&self, name: &str, now_ms: i64) -> Result<Option<String>, JarError>;

    /// Writes a cookie at `now_ms`; an `expires_s` no later than now deletes it instead.
    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError>;

    /// Removes the cookie `name` that `attributes` (its `Path` and `Domain`) wrote, the way
    /// script does: by writing it empty with an `Expires` in the past (1970, or earlier when the
    /// clock itself is before 1970).
    fn remove(
        &mut self,
        name: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        let past = CookieAttributes {
            expires_s: Some(now_ms.div_euclid(1000).saturating_sub(1).min(0)),
            ..attributes.clone()
        };
        self.set(name, "", &past, now_ms)
    }
}

/// One jar with several users: the store over it, and whoever plays the rest of the site (a
/// scenario's other tabs and JavaScript tracker, a test). Clones share the cookies.
///
/// ```
/// use client_session_store_cookie::{CookieJar, NativeJar, Page, SharedJar};
/// let jar = SharedJar::new(NativeJar::new(Page::https("example.test")));
/// let mut other_tab = jar.clone();
/// other_tab.write_cookie("_sp_ses.8e5d=*; Path=/", 0).unwrap();
/// assert_eq!(jar.get("_sp_ses.8e5d", 0).unwrap().as_deref(), Some("*"));
/// ```
#[derive(Debug, Default)]
pub struct SharedJar<J>(std::sync::Arc<std::sync::Mutex<J>>);

impl<J> Clone for SharedJar<J> {
    fn clone(&self) -> Self {
        Self(std::sync::Arc::clone(&self.0))
    }
}

impl<J> SharedJar<J> {
    /// Shares `jar`.
    pub fn new(jar: J) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(jar)))
    }

    /// Runs `f` on the jar.
    pub fn with<R>(&self, f: impl FnOnce(&mut J) -> R) -> R {
        // A panic while the lock was held leaves whole cookies (every change is one insert).
        let mut jar = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut jar)
    }
}

impl SharedJar<NativeJar> {
    /// Applies a `document.cookie = text` assignment, as [`NativeJar::write`].
    pub fn write_cookie(&mut self, text: &str, now_ms: i64) -> Result<(), JarError> {
        self.with(|jar| jar.write(text, now_ms))
    }
}

impl<J: CookieJar> CookieJar for SharedJar<J> {
    fn get(&self, name: &str, now_ms: i64) -> Result<Option<String>, JarError> {
        self.with(|jar| jar.get(name, now_ms))
    }

    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        self.with(|jar| jar.set(name, value, attributes, now_ms))
    }
}

/// The page a [`NativeJar`] reads and writes for: its host, its path and whether it is secure
/// (`https:`, or a host Chromium treats as secure such as `localhost`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Page {
    host: String,
    path: String,
    secure: bool,
}

impl Page {
    /// A page at `host` (compared without case; an IPv6 address may be bracketed) and `path`
    /// (an empty one or one not starting with `/` is `/`).
    pub fn new(host: &str, path: &str, secure: bool) -> Page {
        let path = if path.starts_with('/') { path } else { "/" };
        Page {
            host: host.to_ascii_lowercase(),
            path: path.to_owned(),
            secure,
        }
    }

    /// `https://<host>/`: the page the scenarios run on.
    pub fn https(host: &str) -> Page {
        Page::new(host, "/", true)
    }

    /// The page's host, in lower case.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The page's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the page is secure.
    pub fn secure(&self) -> bool {
        self.secure
    }
}

/// An in-memory RFC 6265 cookie jar, as one browser profile: for tests and for replaying web
/// scenarios natively.
///
/// Cookies are keyed by (name, domain, path); reads and writes are those of the current
/// [`Page`], with domain and path matching as RFC 6265 5.1.3 and 5.1.4 define and the
/// `Secure` rules of RFC 6265bis. Expiry is to the millisecond against whole-second `Expires`
/// (see the module docs); no lifetime cap unless [`NativeJar::with_lifetime_cap`] sets one. There
/// is no public-suffix list: any `Domain` the host matches is accepted. No per-domain count
/// limit is modelled.
#[derive(Debug, Clone)]
pub struct NativeJar {
    page: Page,
    lifetime_cap_s: Option<i64>,
    cookies: BTreeMap<CookieKey, StoredCookie>,
    /// Creation order, for the order of reads (RFC 6265 5.4 step 2).
    next_created: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CookieKey {
    name: String,
    domain: String,
    path: String,
}

#[derive(Debug, Clone)]
struct StoredCookie {
    value: String,
    /// Expiry in Unix ms (i128: whole `i64` seconds times 1000 do not fit an i64); `None` for a
    /// session cookie.
    expiry_ms: Option<i128>,
    host_only: bool,
    secure: bool,
    same_site: Option<SameSite>,
    created: u64,
}

impl StoredCookie {
    fn expired(&self, now_ms: i64) -> bool {
        self.expiry_ms.is_some_and(|e| i128::from(now_ms) >= e)
    }
}

impl NativeJar {
    /// An empty jar for `page`, with no lifetime cap.
    pub fn new(page: Page) -> NativeJar {
        NativeJar {
            page,
            lifetime_cap_s: None,
            cookies: BTreeMap::new(),
            next_created: 0,
        }
    }

    /// Caps every cookie's lifetime at `cap_s` seconds from its write, as Chromium does with
    /// [`CHROMIUM_LIFETIME_CAP_S`]; `None` (the default) keeps `Expires` as written. Session
    /// cookies are not capped; a cap of 0 or less deletes every cookie written with `Expires`.
    pub fn with_lifetime_cap(mut self, cap_s: Option<i64>) -> NativeJar {
        self.lifetime_cap_s = cap_s;
        self
    }

    /// The page reads and writes are made for.
    pub fn page(&self) -> &Page {
        &self.page
    }

    /// Navigates: later reads and writes are the new page's, on the same cookies.
    pub fn set_page(&mut self, page: Page) {
        self.page = page;
    }

    /// Applies a `document.cookie = text` assignment (`name=value; Expires=…; Path=/; …`).
    pub fn write(&mut self, text: &str, now_ms: i64) -> Result<(), JarError> {
        let cookie = SetCookie::parse(text)?;
        self.set(&cookie.name, &cookie.value, &cookie.attributes, now_ms)
    }

    /// The (name, value) pairs the page sees at `now_ms`, in `document.cookie`'s order: longer
    /// paths first, then earlier created (RFC 6265 5.4 step 2).
    pub fn visible(&self, now_ms: i64) -> Vec<(String, String)> {
        let mut seen: Vec<(&CookieKey, &StoredCookie)> = self
            .cookies
            .iter()
            .filter(|(key, cookie)| self.page_sees(key, cookie, now_ms))
            .collect();
        seen.sort_by(|a, b| read_order(*a, *b));
        seen.into_iter()
            .map(|(key, cookie)| (key.name.clone(), cookie.value.clone()))
            .collect()
    }

    /// What `document.cookie` reads at `now_ms`: `name=value` pairs joined by `; `.
    pub fn document_cookie(&self, now_ms: i64) -> String {
        self.visible(now_ms)
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The expiry (Unix ms) of the cookie stored under `name`, `domain` and `path` at `now_ms`,
    /// whichever page is current: `Some(None)` for a session cookie, `None` when there is no
    /// such live cookie. For tests and inspection.
    pub fn expiry_ms(
        &self,
        name: &str,
        domain: &str,
        path: &str,
        now_ms: i64,
    ) -> Option<Option<i128>> {
        let key = CookieKey {
            name: name.to_owned(),
            domain: domain.to_ascii_lowercase(),
            path: path.to_owned(),
        };
        self.cookies
            .get(&key)
            .filter(|cookie| !cookie.expired(now_ms))
            .map(|cookie| cookie.expiry_ms)
    }

    /// The `SameSite` the cookie under `name`, `domain` and `path` was written with.
    pub fn same_site(&self, name: &str, domain: &str, path: &str) -> Option<SameSite> {
        let key = CookieKey {
            name: name.to_owned(),
            domain: domain.to_ascii_lowercase(),
            path: path.to_owned(),
        };
        self.cookies.get(&key).and_then(|cookie| cookie.same_site)
    }

    fn page_sees(&self, key: &CookieKey, cookie: &StoredCookie, now_ms: i64) -> bool {
        !cookie.expired(now_ms)
            && (!cookie.secure || self.page.secure)
            && if cookie.host_only {
                self.page.host == key.domain
            } else {
                domain_matches(&self.page.host, &key.domain)
            }
            && path_matches(&self.page.path, &key.path)
    }

    /// The expiry to store: `Expires`, reduced to the cap when one is set.
    fn stored_expiry_ms(&self, expires_s: Option<i64>, now_ms: i64) -> Option<i128> {
        let expiry = i128::from(expires_s?) * 1000;
        Some(match self.lifetime_cap_s {
            Some(cap) => expiry.min(i128::from(now_ms) + i128::from(cap) * 1000),
            None => expiry,
        })
    }
}

impl CookieJar for NativeJar {
    /// The first of [`visible`](NativeJar::visible)'s order among the cookies named `name`,
    /// found without copying or sorting the others (it runs before every batch).
    fn get(&self, name: &str, now_ms: i64) -> Result<Option<String>, JarError> {
        Ok(self
            .cookies
            .iter()
            .filter(|(key, cookie)| key.name == name && self.page_sees(key, cookie, now_ms))
            .min_by(|a, b| read_order(*a, *b))
            .map(|(_, cookie)| cookie.value.clone()))
    }

    /// RFC 6265 5.3 for a write from the current page, with RFC 6265bis's size and `Secure` rules.
    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        check_name_and_value(name, value)?;
        for (attribute, text) in [("Path", &attributes.path), ("Domain", &attributes.domain)] {
            let bytes = text.as_ref().map_or(0, String::len);
            if bytes > MAX_ATTRIBUTE_VALUE_BYTES {
                return Err(JarError::AttributeTooLong { attribute, bytes });
            }
        }
        if attributes.secure && !self.page.secure {
            return Err(JarError::InsecurePage(name.to_owned()));
        }
        let domain = attributes
            .domain
            .as_deref()
            .map(|d| d.strip_prefix('.').unwrap_or(d).to_ascii_lowercase())
            .filter(|d| !d.is_empty());
        let (domain, host_only) = match domain {
            Some(domain) if domain_matches(&self.page.host, &domain) => (domain, false),
            Some(domain) => {
                return Err(JarError::DomainMismatch {
                    domain,
                    host: self.page.host.clone(),
                })
            }
            None => (self.page.host.clone(), true),
        };
        let path = match attributes.path.as_deref() {
            Some(p) if p.starts_with('/') => p.to_owned(),
            _ => default_path(&self.page.path).to_owned(),
        };
        let key = CookieKey {
            name: name.to_owned(),
            domain,
            path,
        };

        // RFC 6265bis: a page that is not secure cannot overwrite, or shadow, a live Secure
        // cookie of the same name whose domain and path overlap the new one's.
        let shadows_secure = |(old, cookie): (&CookieKey, &StoredCookie)| {
            old.name == key.name
                && cookie.secure
                && !cookie.expired(now_ms)
                && (domain_matches(&old.domain, &key.domain)
                    || domain_matches(&key.domain, &old.domain))
                && path_matches(&key.path, &old.path)
        };
        if !self.page.secure && self.cookies.iter().any(shadows_secure) {
            return Err(JarError::InsecurePage(name.to_owned()));
        }

        self.cookies.retain(|_, cookie| !cookie.expired(now_ms));
        let cookie = StoredCookie {
            value: value.to_owned(),
            expiry_ms: self.stored_expiry_ms(attributes.expires_s, now_ms),
            host_only,
            secure: attributes.secure,
            same_site: attributes.same_site,
            // A replaced cookie keeps its creation time (RFC 6265 5.3 step 11).
            created: self
                .cookies
                .get(&key)
                .map_or(self.next_created, |old| old.created),
        };
        if cookie.expired(now_ms) {
            // An expiry already reached deletes (RFC 6265 5.3 steps 11-12 and 5.3's eviction).
            self.cookies.remove(&key);
        } else {
            self.next_created += 1;
            self.cookies.insert(key, cookie);
        }
        Ok(())
    }
}

/// The order in which `document.cookie` lists cookies (RFC 6265 5.4 step 2): longer paths
/// first, then earlier created. `created` is unique, so the order is total.
fn read_order(
    (a_key, a): (&CookieKey, &StoredCookie),
    (b_key, b): (&CookieKey, &StoredCookie),
) -> std::cmp::Ordering {
    b_key
        .path
        .len()
        .cmp(&a_key.path.len())
        .then(a.created.cmp(&b.created))
}

fn check_name_and_value(name: &str, value: &str) -> Result<(), JarError> {
    let control = |c: char| c.is_ascii_control();
    let padded = |s: &str| s.trim() != s;
    if name.is_empty() || padded(name) || name.chars().any(|c| control(c) || c == ';' || c == '=') {
        return Err(JarError::InvalidName(name.to_owned()));
    }
    if padded(value) || value.chars().any(|c| control(c) || c == ';') {
        return Err(JarError::InvalidValue(name.to_owned()));
    }
    let bytes = name.len() + value.len();
    if bytes > MAX_NAME_VALUE_BYTES {
        return Err(JarError::TooLarge {
            name: name.to_owned(),
            bytes,
        });
    }
    Ok(())
}

/// RFC 6265 5.1.3: `host` is `domain`, or ends with `.` + `domain` and is not an IP address.
/// Both are lower case.
fn domain_matches(host: &str, domain: &str) -> bool {
    if host == domain {
        return true;
    }
    let is_ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok();
    !is_ip
        && host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// RFC 6265 5.1.4: the cookie path is the request path, or a prefix of it that ends with `/` or
/// is followed by `/` in it.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || request_path
            .strip_prefix(cookie_path)
            .is_some_and(|rest| cookie_path.ends_with('/') || rest.starts_with('/'))
}

/// RFC 6265 5.1.4: the directory of the request path (`/a/b` gives `/a`, `/a` gives `/`).
fn default_path(request_path: &str) -> &str {
    match request_path.rfind('/') {
        Some(0) | None => "/",
        Some(last) => &request_path[..last],
    }
}

#[cfg(test)]
mod tests;
