//! Changing meetings, for the REST API and the Meetings page alike: each
//! change and the events it raises commit in one transaction, then the
//! webhook worker is woken.

use serde_json::Value;

use crate::domain::meeting::ValidMeeting;
use crate::server::change::Change;
use crate::server::objects::meeting_json;
use crate::server::repo::{self, meetings::MeetingRow};
use crate::server::state::AppState;

async fn with_events<T>(
    state: &AppState,
    write: impl AsyncFnOnce(
        &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<(T, &'static str, String, String, Value), sqlx::Error>,
) -> Result<T, sqlx::Error> {
    let now = state.now_ms();
    let mut change = Change::begin(state).await?;
    let (out, event_type, account_id, user_id, object) = write(&mut change).await?;
    change
        .raise(event_type, &account_id, &user_id, &object, now)
        .await?;
    change.commit().await?;
    Ok(out)
}

/// Schedules a meeting; raises `meeting.created`.
pub async fn create(
    state: &AppState,
    account_id: &str,
    host_id: &str,
    meeting: &ValidMeeting,
) -> Result<MeetingRow, sqlx::Error> {
    let now = state.now_ms();
    let base = state.config.base_url().to_owned();
    with_events(state, async |tx| {
        let row = repo::meetings::create(tx, account_id, host_id, meeting, now).await?;
        let object = meeting_json(&base, &row);
        let (account, host) = (row.account_id.clone(), row.host_id.clone());
        Ok((row, "meeting.created", account, host, object))
    })
    .await
}

/// Changes a meeting; raises `meeting.updated`.
pub async fn update(
    state: &AppState,
    row: &MeetingRow,
    meeting: &ValidMeeting,
) -> Result<(), sqlx::Error> {
    let now = state.now_ms();
    let mut changed = row.clone();
    changed.topic = meeting.topic.clone();
    changed.start_time = meeting.start_time.clone();
    changed.duration = meeting.duration;
    changed.agenda = meeting.agenda.clone();
    let object = meeting_json(state.config.base_url(), &changed);
    with_events(state, async |tx| {
        repo::meetings::update(tx, &row.account_id, row.id, meeting, now).await?;
        Ok((
            (),
            "meeting.updated",
            row.account_id.clone(),
            row.host_id.clone(),
            object,
        ))
    })
    .await
}

/// Deletes a meeting; raises `meeting.deleted`.
pub async fn delete(state: &AppState, row: &MeetingRow) -> Result<(), sqlx::Error> {
    let object = meeting_json(state.config.base_url(), row);
    with_events(state, async |tx| {
        repo::meetings::delete(tx, &row.account_id, row.id).await?;
        Ok((
            (),
            "meeting.deleted",
            row.account_id.clone(),
            row.host_id.clone(),
            object,
        ))
    })
    .await
}
