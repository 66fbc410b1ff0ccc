//! The `userId` of the `client_session` entity: the installation's user on mobile, the
//! `_sp_id` domain user id on the web.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// A user id as `client_session` 1-0-2 allows it: a lower-case hyphenated UUID, or the 16 hex
/// characters older JavaScript trackers wrote as the domain user id (spec B2 "Web storage").
/// It is kept exactly as written, so a cookie's id reaches the entity unchanged.
///
/// ```
/// use client_session_core::UserId;
/// let web = UserId::parse("0123456789abcdef").unwrap();
/// assert_eq!(web.as_str(), "0123456789abcdef");
/// assert!(UserId::parse("0123456789ABCDEF").is_none(), "written in lower case only");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId {
    /// ASCII, `len` bytes used: 36 for a UUID, 16 for the older form. `Copy` and no heap, as
    /// the `Uuid` it replaces was.
    bytes: [u8; 36],
    len: u8,
}

impl UserId {
    /// The zero UUID anonymised events carry (spec A2.10, A3.9).
    pub const ANONYMOUS: Self = Self {
        bytes: *b"00000000-0000-0000-0000-000000000000",
        len: 36,
    };

    /// The id of a UUID, written lower case and hyphenated.
    #[must_use]
    pub fn from_uuid(id: Uuid) -> Self {
        let mut bytes = [0u8; 36];
        id.hyphenated().encode_lower(&mut bytes);
        Self { bytes, len: 36 }
    }

    /// Reads a user id as stored: a lower-case hyphenated UUID or 16 lower-case hex
    /// characters. Anything else (upper case, other UUID spellings) is `None`: the entity's
    /// schema would refuse it.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        let ok = match text.len() {
            16 => text.as_bytes().iter().all(lower_hex),
            36 => {
                Uuid::try_parse(text).is_ok()
                    && text.bytes().enumerate().all(|(i, b)| {
                        matches!(i, 8 | 13 | 18 | 23) == (b == b'-') && (b == b'-' || lower_hex(&b))
                    })
            }
            _ => false,
        };
        if !ok {
            return None;
        }
        let mut bytes = [0u8; 36];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Some(Self {
            bytes,
            len: text.len() as u8,
        })
    }

    /// The id as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (both constructors check or write it).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The UUID, when the id is one.
    #[must_use]
    pub fn as_uuid(&self) -> Option<Uuid> {
        (self.len == 36)
            .then(|| Uuid::try_parse(self.as_str()).ok())
            .flatten()
    }
}

impl From<Uuid> for UserId {
    fn from(id: Uuid) -> Self {
        Self::from_uuid(id)
    }
}

/// Equal when the id is that UUID (a 16-hex id equals no UUID), so code and tests that still
/// think in installation UUIDs compare without converting.
impl PartialEq<Uuid> for UserId {
    fn eq(&self, other: &Uuid) -> bool {
        self.as_uuid() == Some(*other)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({})", self.as_str())
    }
}

impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(
                "a user id is a lower-case UUID or 16 lower-case hex characters",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_written_lower_case_and_read_back() {
        let id = Uuid::from_u128(0xABCD_EF01_2345_6789_ABCD_EF01_2345_6789);
        let user = UserId::from_uuid(id);
        assert_eq!(user.as_str(), "abcdef01-2345-6789-abcd-ef0123456789");
        assert_eq!(UserId::parse(user.as_str()), Some(user));
        assert_eq!(user.as_uuid(), Some(id));
        assert_eq!(
            UserId::ANONYMOUS.as_str(),
            "00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn sixteen_hex_characters_are_kept_as_written() {
        let user = UserId::parse("0f1e2d3c4b5a6978").unwrap();
        assert_eq!(user.to_string(), "0f1e2d3c4b5a6978");
        assert_eq!(user.as_uuid(), None);
        assert_eq!(
            serde_json::to_string(&user).unwrap(),
            "\"0f1e2d3c4b5a6978\""
        );
        assert_eq!(
            serde_json::from_str::<UserId>("\"0f1e2d3c4b5a6978\"").unwrap(),
            user
        );
    }

    #[test]
    fn anything_the_schema_refuses_is_not_a_user_id() {
        for text in [
            "",
            "0f1e2d3c4b5a697",
            "0f1e2d3c4b5a69780",
            "0F1E2D3C4B5A6978",
            "0f1e2d3c4b5a697g",
            "ABCDEF01-2345-6789-ABCD-EF0123456789",
            "abcdef0123456789abcdef0123456789",
            "{abcdef01-2345-6789-abcd-ef0123456789}",
            "abcdef01-2345-6789-abcd-ef012345678g",
            "abcdef01+2345-6789-abcd-ef0123456789",
            "é123456789abcdef",
        ] {
            assert_eq!(UserId::parse(text), None, "{text:?}");
            assert!(serde_json::from_str::<UserId>(&format!("{text:?}")).is_err());
        }
    }
}
