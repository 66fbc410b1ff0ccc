//! The symbolic form of scenario output (spec Part C): each distinct UUID becomes `U1`, `U2`, …
//! in order of first appearance, so expected outputs can be written by hand.

use std::collections::HashMap;

use serde_json::Value;

/// The zero UUID of anonymised entities, which stays literal.
const NIL: &str = "00000000-0000-0000-0000-000000000000";
/// Entity keys holding ids, in the order they are numbered.
const ENTITY_IDS: [&str; 4] = ["userId", "sessionId", "previousSessionId", "firstEventId"];
/// Fields of the `_sp_id` cookie value that hold ids (domain user id, session, previous
/// session, first event; spec A3.2).
const COOKIE_ID_FIELDS: [usize; 4] = [0, 5, 6, 7];

/// Replaces every lower-case UUID in `lines` by its symbol. Ids are read per line in the order
/// `event_id`, `userId`, `sessionId`, `previousSessionId`, `firstEventId`, `data.id`,
/// `data.previousId`, `screen.id`, then the `_sp_id` cookie's fields. Anything that is not a lower-case UUID (an upper-case id, say) is left as
/// it is, so it cannot match an expected symbol.
///
/// ```
/// use serde_json::json;
/// let lines = [json!({"event_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
///                     "client_session": {"userId": "00000000-0000-0000-0000-000000000000",
///                                        "sessionId": "6f9619ff-8b86-d011-b42d-00c04fc964fe",
///                                        "firstEventId": "6f9619ff-8b86-d011-b42d-00c04fc964ff"}})];
/// let symbolic = client_session_scenario::symbolic::symbolize(&lines);
/// assert_eq!(symbolic[0], json!({"event_id": "U1", "client_session": {
///     "userId": "00000000-0000-0000-0000-000000000000", "sessionId": "U2", "firstEventId": "U1"}}));
/// ```
#[must_use]
pub fn symbolize(lines: &[Value]) -> Vec<Value> {
    let mut symbols = Symbols::default();
    lines
        .iter()
        .map(|line| {
            let mut line = line.clone();
            if let Some(id) = line.get_mut("event_id") {
                symbols.replace(id);
            }
            if let Some(entity) = line
                .get_mut("client_session")
                .and_then(Value::as_object_mut)
            {
                for key in ENTITY_IDS {
                    if let Some(id) = entity.get_mut(key) {
                        symbols.replace(id);
                    }
                }
            }
            for (object, key) in [("data", "id"), ("data", "previousId"), ("screen", "id")] {
                if let Some(id) = line.get_mut(object).and_then(|o| o.get_mut(key)) {
                    symbols.replace(id);
                }
            }
            if let Some(cookies) = line.get_mut("cookies").and_then(Value::as_object_mut) {
                for (name, value) in cookies.iter_mut() {
                    if name.starts_with("_sp_id.") {
                        symbols.replace_cookie_fields(value);
                    }
                }
            }
            line
        })
        .collect()
}

#[derive(Default)]
struct Symbols {
    names: HashMap<String, String>,
}

impl Symbols {
    fn symbol(&mut self, id: &str) -> Option<String> {
        if id == NIL || !is_lower_uuid(id) {
            return None;
        }
        let next = self.names.len() + 1;
        Some(
            self.names
                .entry(id.to_owned())
                .or_insert_with(|| format!("U{next}"))
                .clone(),
        )
    }

    fn replace(&mut self, value: &mut Value) {
        if let Some(symbol) = value.as_str().and_then(|id| self.symbol(id)) {
            *value = Value::String(symbol);
        }
    }

    fn replace_cookie_fields(&mut self, value: &mut Value) {
        let Some(text) = value.as_str() else { return };
        let mut fields: Vec<String> = text.split('.').map(str::to_owned).collect();
        for index in COOKIE_ID_FIELDS {
            if let Some(symbol) = fields.get(index).and_then(|f| self.symbol(f)) {
                fields[index] = symbol;
            }
        }
        *value = Value::String(fields.join("."));
    }
}

/// Whether `s` is a hyphenated UUID in lower case.
#[must_use]
pub fn is_lower_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const B: &str = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    const C: &str = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

    #[test]
    fn numbers_ids_across_lines_in_reading_order() {
        let lines = [
            json!({"event_id": A, "client_session": {"userId": B, "sessionId": C, "previousSessionId": null, "firstEventId": A}}),
            json!({"event_id": C, "client_session": {"userId": B, "sessionId": A, "previousSessionId": C, "firstEventId": C}}),
        ];
        let out = symbolize(&lines);
        assert_eq!(out[0]["event_id"], "U1");
        assert_eq!(out[0]["client_session"]["userId"], "U2");
        assert_eq!(out[0]["client_session"]["sessionId"], "U3");
        assert_eq!(out[0]["client_session"]["firstEventId"], "U1");
        assert_eq!(out[1]["event_id"], "U3");
        assert_eq!(out[1]["client_session"]["sessionId"], "U1");
        assert!(out[0]["client_session"]["previousSessionId"].is_null());
    }

    /// `clear_user_data` (B mobile): a second user is one more id, numbered where it first
    /// appears, so an expected output tells the two users apart; the first keeps its symbol.
    #[test]
    fn a_second_user_gets_its_own_symbol() {
        const D: &str = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";
        let lines = [
            json!({"event_id": A, "client_session": {"userId": B, "sessionId": C, "previousSessionId": null, "firstEventId": A}}),
            json!({"event_id": C, "client_session": {"userId": D, "sessionId": A, "previousSessionId": null, "firstEventId": C}}),
            json!({"event_id": D, "client_session": {"userId": B, "sessionId": C, "previousSessionId": null, "firstEventId": A}}),
        ];
        let out = symbolize(&lines);
        let users: Vec<_> = out
            .iter()
            .map(|l| l["client_session"]["userId"].clone())
            .collect();
        assert_eq!(users, ["U2", "U4", "U2"]);
        assert_eq!(
            out[2]["event_id"], "U4",
            "one symbol per id, whatever field it is in"
        );
    }

    #[test]
    fn upper_case_and_nil_ids_stay_literal() {
        let upper = A.to_uppercase();
        let out = symbolize(&[json!({"event_id": upper, "client_session": {"userId": NIL}})]);
        assert_eq!(out[0]["event_id"], upper.as_str());
        assert_eq!(out[0]["client_session"]["userId"], NIL);
    }

    #[test]
    fn cookie_id_fields_are_numbered_after_the_entity() {
        let cookie = format!("{B}.1700000000.1.1700000000.1700000000.{C}..{A}.1700000000000.1");
        let out = symbolize(&[
            json!({"event_id": A, "cookies": {"_sp_id.8e5d": cookie, "_sp_ses.8e5d": "*"}}),
        ]);
        assert_eq!(
            out[0]["cookies"]["_sp_id.8e5d"],
            "U2.1700000000.1.1700000000.1700000000.U3..U1.1700000000000.1"
        );
        assert_eq!(out[0]["cookies"]["_sp_ses.8e5d"], "*");
    }
}
