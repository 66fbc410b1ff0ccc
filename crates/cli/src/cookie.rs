//! `client-session cookie decode`: an `_sp_id` value's ten fields as one JSON object.
//!
//! Keys are the field names of spec A3.2 in cookie order; an empty field is `null`. A malformed
//! value is bad input (exit 2), named by the codec's error: which field and why.

use client_session_store_cookie::{SpId, WebSession};
use serde_json::{json, Value};

use crate::{print, Failure};

pub(crate) fn decode(value: &str) -> Result<(), Failure> {
    // The codec's message already says `_sp_id`, the field and why.
    let cookie = SpId::decode(value).map_err(|e| Failure::BadInput(e.to_string()))?;
    print(&to_json(&cookie).to_string())
}

fn to_json(cookie: &WebSession) -> Value {
    json!({
        "domainUserId": cookie.domain_user_id.as_ref().map(|id| id.as_str()),
        "createTs": cookie.create_ts,
        "visitCount": cookie.visit_count,
        "nowTs": cookie.now_ts,
        "lastVisitTs": cookie.last_visit_ts,
        "sessionId": cookie.session_id.hyphenated().to_string(),
        "previousSessionId": cookie.previous_session_id.map(|id| id.hyphenated().to_string()),
        "firstEventId": cookie.first_event_id.map(|id| id.hyphenated().to_string()),
        "firstEventTs": cookie.first_event_ts,
        "eventIndex": cookie.event_index,
    })
}
