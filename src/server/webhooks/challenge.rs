//! The `endpoint.url_validation` challenge: before an endpoint URL is
//! saved (and again every 72 hours) Portico posts a random `plainToken`;
//! the endpoint must answer 200 within 3 seconds with it and its
//! `encryptedToken`. Everything sent and received is kept, so that the
//! Features page can show a failing endpoint exactly what happened.

use std::time::Duration;

use rand::RngCore;
use serde_json::json;

use super::sign::{delivery_headers, validation_token};
use crate::domain::text::sanitize;
use crate::server::outbound::{Outbound, OutboundError, EXCERPT_BYTES};

/// How long an endpoint has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// One challenge: what went out, what came back, and the verdict.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub url: String,
    pub sent_headers: Vec<(String, String)>,
    pub sent_body: String,
    pub status: Option<u16>,
    pub received_headers: Vec<(String, String)>,
    /// The first 4 KiB of the answer (lossy UTF-8).
    pub received_body: String,
    /// `None` when the endpoint passed; otherwise why not, in words.
    pub problem: Option<String>,
}

/// Challenges `url`, signing with `tokens` (current first).
pub async fn validate_endpoint(
    outbound: &Outbound,
    tokens: &[&str],
    url: &str,
    now_ms: i64,
) -> Challenge {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let plain = hex::encode(bytes);
    let body = json!({
        "event": "endpoint.url_validation",
        "payload": { "plainToken": plain },
        "event_ts": now_ms,
    })
    .to_string();
    let msg_id = crate::server::ids::new_id("msg");
    let headers = delivery_headers(tokens, &msg_id, now_ms / 1000, &body);
    let mut challenge = Challenge {
        url: url.to_owned(),
        sent_headers: headers.clone(),
        sent_body: body.clone(),
        status: None,
        received_headers: Vec::new(),
        received_body: String::new(),
        problem: None,
    };
    // The signature headers are shown on the page, but not the secret.
    let reply = match outbound
        .post_json(url, &headers, body.into_bytes(), TIMEOUT)
        .await
    {
        Ok(reply) => reply,
        Err(err) => {
            challenge.problem = Some(match err {
                OutboundError::Timeout(_) => {
                    "The endpoint did not answer within 3 seconds.".to_owned()
                }
                other => other.to_string(),
            });
            return challenge;
        }
    };
    challenge.status = Some(reply.status);
    challenge.received_headers = reply
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), sanitize(v.as_bytes(), EXCERPT_BYTES)))
        .collect();
    challenge.received_body = sanitize(&reply.body, EXCERPT_BYTES);
    let expected = validation_token(tokens.first().copied().unwrap_or_default(), &plain);
    challenge.problem = if reply.status != 200 {
        Some(format!(
            "The endpoint answered {} instead of 200.",
            reply.status
        ))
    } else {
        match serde_json::from_slice::<serde_json::Value>(&reply.body) {
            Err(_) => Some("The answer is not JSON: expected {\"plainToken\", \"encryptedToken\"}.".into()),
            Ok(answer) if answer["plainToken"] != plain.as_str() => {
                Some("The answer's plainToken is not the one sent.".into())
            }
            Ok(answer) if answer["encryptedToken"] != expected.as_str() => Some(
                "The answer's encryptedToken is wrong: it must be the hex HMAC-SHA256 of plainToken keyed with the app's Secret Token.".into(),
            ),
            Ok(_) => None,
        }
    };
    challenge
}

/// How often endpoints must pass the challenge again: 72 hours.
pub const REVALIDATE_EVERY_MS: i64 = 72 * 3_600_000;

/// Challenges every subscription whose endpoints were last validated more
/// than 72 hours ago; one that fails is disabled (the Features page says
/// so; saving it again re-enables it). Returns (passed, disabled).
pub async fn revalidate_due(
    state: &crate::server::state::AppState,
) -> Result<(usize, usize), sqlx::Error> {
    use crate::server::repo;
    let now = state.now_ms();
    let due = repo::webhooks::due_for_revalidation(&state.db.pool, now - REVALIDATE_EVERY_MS, 100)
        .await?;
    let (mut passed, mut disabled) = (0, 0);
    for subscription in due {
        let (tokens, _) = super::secret_tokens(state, &subscription.app_id, now).await?;
        let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let mut ok = true;
        for url in [&subscription.development_url, &subscription.production_url] {
            if !url.is_empty()
                && validate_endpoint(&state.outbound, &token_refs, url, now)
                    .await
                    .problem
                    .is_some()
            {
                ok = false;
            }
        }
        repo::webhooks::record_revalidation(&state.db.pool, &subscription.id, ok, state.now_ms())
            .await?;
        if ok {
            passed += 1;
        } else {
            tracing::warn!(subscription = %subscription.id, "endpoint failed its 72-hour validation; subscription disabled");
            disabled += 1;
        }
    }
    Ok((passed, disabled))
}
