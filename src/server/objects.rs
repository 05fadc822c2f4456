//! The platform's objects as JSON, in Zoom's shapes: what the REST API
//! answers and what webhook events carry, written in one place so that
//! both say the same (and neither imports the other).

use serde_json::{json, Value};

use crate::domain::time::iso;
use crate::server::repo::meetings::MeetingRow;

/// Zoom's meeting object.
pub fn meeting_json(base_url: &str, m: &MeetingRow) -> Value {
    json!({
        "id": m.id,
        "uuid": format!("{}-{}", m.id, m.created_at),
        "host_id": m.host_id,
        "host_email": m.host_email,
        "topic": m.topic,
        "type": 2,
        "status": "waiting",
        "start_time": m.start_time,
        "duration": m.duration,
        "timezone": "UTC",
        "agenda": m.agenda,
        "created_at": iso(m.created_at),
        "join_url": format!("{base_url}/j/{}", m.id),
    })
}
