//! Notifications: what Portico told the signed-in user (a submission
//! received, a review decided), newest first, and whether it was emailed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationOut {
    pub id: String,
    pub subject: String,
    pub body: String,
    /// A path in Portico, or empty.
    pub link: String,
    pub created_ms: i64,
    pub unread: bool,
    /// "Emailed", "Email pending", "Email failed", or empty (no SMTP).
    pub mail: String,
}

/// The Notifications page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsOut {
    pub items: Vec<NotificationOut>,
    /// Whether this Portico sends email (SMTP configured).
    pub email_on: bool,
}

/// The most notifications the page lists.
pub const LIMIT: i64 = 100;

/// The signed-in user's notifications, newest first.
#[server(endpoint = "notifications")]
pub async fn notifications() -> Result<NotificationsOut, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let rows = repo::notifications::for_user(&state.db.pool, &user.user_id, LIMIT).await?;
            Ok(NotificationsOut {
                email_on: state.mailer.is_some(),
                items: rows
                    .into_iter()
                    .map(|row| NotificationOut {
                        mail: match row.mail_state.as_str() {
                            "sent" => "Emailed",
                            "pending" => "Email pending",
                            "failed" => "Email failed",
                            _ => "",
                        }
                        .to_owned(),
                        unread: row.read_at.is_none(),
                        id: row.id,
                        subject: row.subject,
                        body: row.body,
                        link: row.link,
                        created_ms: row.created_at,
                    })
                    .collect(),
            })
        }
        .await,
    )
}

/// Marks all of the signed-in user's notifications read.
#[server(endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            repo::notifications::mark_all_read(&state.db.pool, &user.user_id, state.now_ms())
                .await?;
            if context::is_plain_form_post()? {
                context::redirect("/notifications?read=1");
            }
            Ok(())
        }
        .await,
    )
}
