//! The Meetings page: the signed-in user's meetings, the same rows the
//! REST API's `/v2/users/me/meetings` serves.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingOut {
    pub id: i64,
    pub topic: String,
    pub start_time: String,
    pub duration: i64,
    pub agenda: String,
}

/// The signed-in user's meetings, soonest first.
#[server(endpoint = "my_meetings")]
pub async fn my_meetings() -> Result<Vec<MeetingOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let rows = repo::meetings::for_host(&context::state()?.db.pool, &user.user_id).await?;
            Ok(rows
                .into_iter()
                .filter(|m| m.account_id == user.account_id)
                .map(|m| MeetingOut {
                    id: m.id,
                    topic: m.topic,
                    start_time: m.start_time,
                    duration: m.duration,
                    agenda: m.agenda,
                })
                .collect())
        }
        .await,
    )
}

/// Schedules a meeting for the signed-in user.
#[server(endpoint = "create_meeting")]
pub async fn create_meeting(
    #[server(flatten)] form: crate::domain::meeting::MeetingInput,
) -> Result<i64, AppError> {
    use crate::domain::meeting::validate_meeting;
    use crate::server::context;
    context::finish(
        async {
            let user = context::require_user().await?;
            let valid = validate_meeting(&form)?;
            let state = context::state()?;
            let row =
                crate::server::meetings::create(&state, &user.account_id, &user.user_id, &valid)
                    .await?;
            if context::is_plain_form_post()? {
                context::redirect("/meetings?created=1");
            }
            Ok(row.id)
        }
        .await,
    )
}

/// Deletes one of the signed-in user's meetings.
#[server(endpoint = "delete_meeting")]
pub async fn delete_meeting(id: i64) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let pool = &context::state()?.db.pool;
            let meeting = repo::meetings::find_in_account(pool, &user.account_id, id)
                .await?
                .filter(|m| m.host_id == user.user_id)
                .ok_or(AppError::NotFound)?;
            crate::server::meetings::delete(&context::state()?, &meeting).await?;
            if context::is_plain_form_post()? {
                context::redirect("/meetings");
            }
            Ok(())
        }
        .await,
    )
}
