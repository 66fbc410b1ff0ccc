//! The two cookies' names (spec A3.1): prefix, `id` or `ses`, a dot, and a 4-hex hash of the
//! cookie domain and path.
//!
//! Matches the JavaScript tracker 4.x (`@snowplow/browser-tracker-core`, `tracker/index.ts`):
//! `getSnowplowCookieName` joins the prefix (`cookieName`, default `_sp_`), the base name, `.`
//! and the domain hash; `updateDomainHash` takes the first 4 hex characters of the SHA-1
//! (`helpers/sha1.ts`, of the string's UTF-8 bytes) of the cookie domain followed directly by the
//! cookie path, `/` when the path is empty.

/// The JavaScript tracker's default cookie name prefix (its `cookieName` option).
pub const DEFAULT_PREFIX: &str = "_sp_";

/// The names of the two session cookies for one prefix, domain and path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CookieNames {
    /// The identity cookie, `<prefix>id.<hash>` (its value is a [`WebSession`](crate::WebSession), written by [`SpId`](crate::SpId)).
    pub id: String,
    /// The session cookie, `<prefix>ses.<hash>` (its value is `*`; it lives as long as the session).
    pub ses: String,
}

impl CookieNames {
    /// The names the JavaScript tracker gives its cookies for `prefix`, `domain` and `path`.
    ///
    /// `domain` is hashed exactly as given, as the JavaScript tracker hashes its configured
    /// `cookieDomain`: a leading dot (`.example.test`) is part of it and gives another name.
    /// Without a configured domain the JavaScript tracker hashes the root domain it discovers
    /// (`example.test` for `www.example.test`), or the page's host name with a trailing dot
    /// removed; pass that. An empty `path` counts as `/`, as in the JavaScript tracker.
    pub fn new(prefix: &str, domain: &str, path: &str) -> Self {
        let hash = domain_hash(domain, path);
        Self {
            id: format!("{prefix}id.{hash}"),
            ses: format!("{prefix}ses.{hash}"),
        }
    }

    /// The names with the default prefix `_sp_` and path `/`: what the JavaScript tracker uses
    /// unless configured otherwise.
    pub fn for_domain(domain: &str) -> Self {
        Self::new(DEFAULT_PREFIX, domain, "/")
    }
}

/// The first 4 lower-case hex characters of the SHA-1 of `domain` followed by `path` (`/` when
/// `path` is empty): the suffix of both cookie names (A3.1, the JavaScript tracker's
/// `updateDomainHash`). No separator is added: `example.test` and `/blog` hash `example.test/blog`.
pub fn domain_hash(domain: &str, path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(domain.as_bytes());
    sha1.update(path.as_bytes());
    let mut hex = sha1.digest().to_string();
    hex.truncate(4);
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vector_example_test_root_path_gives_8e5d() {
        // A3.1: `example.test/` gives `8e5d` (sha1("example.test/") = 8e5d11c4…).
        assert_eq!(domain_hash("example.test", "/"), "8e5d");
        let names = CookieNames::for_domain("example.test");
        assert_eq!(names.id, "_sp_id.8e5d");
        assert_eq!(names.ses, "_sp_ses.8e5d");
    }

    #[test]
    fn an_empty_path_counts_as_root() {
        // The JavaScript tracker hashes `configCookiePath || '/'`.
        assert_eq!(domain_hash("example.test", ""), "8e5d");
    }

    #[test]
    fn a_leading_dot_is_hashed_as_given() {
        // sha1(".example.test/") = fd58…: a configured `.example.test` names other cookies.
        assert_eq!(domain_hash(".example.test", "/"), "fd58");
    }

    #[test]
    fn the_path_follows_the_domain_without_a_separator() {
        // sha1("example.test/blog") = e7bc…; sha1("localhost/") = 1fff…
        assert_eq!(domain_hash("example.test", "/blog"), "e7bc");
        assert_eq!(domain_hash("localhost", "/"), "1fff");
    }

    #[test]
    fn prefix_is_used_verbatim_even_empty() {
        // `cookieName ?? '_sp_'` keeps an empty prefix.
        let names = CookieNames::new("", "example.test", "/");
        assert_eq!(names.id, "id.8e5d");
        let names = CookieNames::new("_my_", "example.test", "/");
        assert_eq!(names.ses, "_my_ses.8e5d");
    }

    #[test]
    fn non_ascii_domains_hash_their_utf8_bytes() {
        // helpers/sha1.ts encodes the string as UTF-8 before hashing: sha1("bücher.test/") = e8b6…
        assert_eq!(domain_hash("bücher.test", "/"), "e8b6");
    }
}
