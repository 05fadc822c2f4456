//! Email, when the operator configures SMTP (`PORTICO_SMTP_URL`): each
//! notification queued with `mail_state = 'pending'` is sent by the mail
//! worker of whichever process claims it first, as plain text, retried
//! on failure. Without SMTP, notifications are listed in Portico only.
//!
//! The SMTP server is the operator's own choice, so the outbound address
//! rules for endpoints that users enter do not apply to it.

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

use super::config::Config;
use super::repo;
use super::state::AppState;

/// Retries after a failed attempt, in seconds after it; after the last
/// the mail is marked failed (its notification stays in Portico).
const RETRY_SECONDS: [i64; 4] = [60, 300, 1800, 7200];
/// How long a claimed mail is this process's to send.
const LEASE_MS: i64 = 120_000;
/// Mails claimed per pass.
const BATCH: i64 = 20;

/// The configured SMTP transport and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold the SMTP password.
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// The mailer the configuration asks for; `None` without SMTP.
    pub fn from_config(config: &Config) -> Result<Option<Mailer>, String> {
        let Some(url) = config.smtp_url.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("PORTICO_SMTP_URL is not a usable SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = config
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| format!("PORTICO_MAIL_FROM is not an address: {e}"))?;
        Ok(Some(Mailer { transport, from }))
    }

    async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("not an address ({e})"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Tells `to` of something, in the change's transaction (so the
/// notification exists exactly when the change does): listed in Portico,
/// and queued for email when SMTP is configured. Call `wake` after commit.
pub async fn notify(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    to: repo::notifications::Recipient<'_>,
    message: &crate::domain::notify::Message,
    secret: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sealed = secret.map(|s| state.secrets.seal(s)).unwrap_or_default();
    repo::notifications::queue(
        tx,
        to,
        message,
        state.mailer.is_some(),
        &sealed,
        state.now_ms(),
    )
    .await
}

/// Wakes this process's mail worker (after a commit that queued mail).
pub fn wake(state: &AppState) {
    if state.mailer.is_some() {
        state.mail_wakeup.notify_one();
    }
}

/// Sends the mails that are due; returns how many were sent. One failed
/// mail never stops the others.
pub async fn send_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let Some(mailer) = state.mailer.as_ref() else {
        return Ok(0);
    };
    let now = state.now_ms();
    let due = repo::notifications::claim_due(&state.db.pool, now, LEASE_MS, BATCH).await?;
    let mut sent = 0;
    for mail in due {
        // The secret part (an invite link) is opened only to be sent.
        let mut body = mail.body.clone();
        if !mail.sealed_secret.is_empty() {
            match state.secrets.open(&mail.sealed_secret) {
                Some(secret) => body = body.replace(crate::domain::notify::SECRET_SLOT, &secret),
                None => {
                    repo::notifications::settle(
                        &state.db.pool,
                        &mail.id,
                        Err("its link could not be opened with this server key"),
                        None,
                    )
                    .await?;
                    continue;
                }
            }
        }
        let outcome = mailer.send(&mail.email, &mail.subject, body).await;
        let attempt = usize::try_from(mail.mail_attempts).unwrap_or(0);
        let retry_at = RETRY_SECONDS
            .get(attempt)
            .map(|seconds| state.now_ms() + seconds * 1000);
        if let Err(error) = &outcome {
            tracing::warn!(notification = %mail.id, %error, "email not sent");
        } else {
            sent += 1;
        }
        repo::notifications::settle(
            &state.db.pool,
            &mail.id,
            outcome.as_ref().map(|_| ()).map_err(String::as_str),
            retry_at,
        )
        .await?;
    }
    Ok(sent)
}

/// Runs the mail worker: a pass when woken (a change queued mail) and
/// every few seconds (other processes', and retries).
pub fn spawn_worker(state: AppState) {
    if state.mailer.is_none() {
        return;
    }
    tokio::spawn(async move {
        loop {
            match send_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "emails sent"),
                Err(err) => tracing::warn!(error = %err, "mail worker pass failed"),
            }
            tokio::select! {
                _ = state.mail_wakeup.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            }
        }
    });
}
