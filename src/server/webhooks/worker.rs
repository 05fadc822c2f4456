//! The delivery worker, inside every Portico process. It claims due events
//! from the outbox with a lease (so a crashed worker's event is picked up
//! again once the lease runs out, and two workers never take the same
//! attempt), signs and sends each, records the attempt, and either marks
//! the event delivered, schedules the next retry (with jitter, and never
//! sooner than a `Retry-After`), or gives up. A 410 disables the
//! subscription. Delivery is at least once: the event id (the tracking id
//! receivers see) stays the same across retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;

use super::sign::delivery_headers;
use crate::domain::text::sanitize;
use crate::server::ids::new_id;
use crate::server::outbound::{OutboundError, EXCERPT_BYTES};
use crate::server::repo::{
    self,
    outbox::{AttemptRecord, Claimed, Next},
};
use crate::server::state::AppState;

/// The delay before the retry that follows attempt `attempt` (1-based),
/// or `None` when the schedule is used up. Jitter of up to ±10% spreads
/// retries of many failing events.
pub fn retry_delay_ms(schedule_secs: &[i64], attempt: i64) -> Option<i64> {
    let base = *schedule_secs.get(usize::try_from(attempt - 1).ok()?)? * 1000;
    if base == 0 {
        return Some(0);
    }
    let jitter = rand::thread_rng().gen_range(-(base / 10)..=(base / 10));
    Some(base + jitter)
}

/// What one attempt came to, waiting to be written with its batch.
struct Outcome {
    event_id: String,
    attempt: i64,
    started_at: i64,
    status_code: Option<i64>,
    latency_ms: i64,
    error: Option<String>,
    excerpt: String,
    request_headers: String,
    response_headers: String,
    next: Next,
}

/// Delivers every event due now, `concurrency` at a time, as worker
/// `owner`; returns how many attempts were made.
///
/// Database work is batched, because with SQLite's single writer it, not
/// the HTTP, bounds throughput: events are claimed in batches, each app's
/// Secret Tokens are read once per batch, and outcomes are written
/// together, in one transaction, just before the next claim. An outcome
/// not yet written when the process dies is an event whose lease runs
/// out and which is sent again: at least once, as promised.
pub async fn deliver_due(state: &AppState, owner: &str) -> Result<usize, sqlx::Error> {
    let concurrency = state.config.webhook_concurrency.max(1);
    let mut running = tokio::task::JoinSet::new();
    let mut finished: Vec<Outcome> = Vec::new();
    let mut made = 0;
    loop {
        // Claim in batches: when idle, or once half the slots are free.
        let room = concurrency - running.len();
        if running.is_empty() || room * 2 >= concurrency {
            // First what finished: an immediate retry becomes due again.
            made += record(state, owner, &mut finished).await?;
            let now = state.now_ms();
            // The lease outlasts the longest delivery.
            let lease_ms = state
                .config
                .webhook_lease_ms
                .max(state.config.webhook_timeout_ms as i64 + 1000);
            let claimed = {
                let _turn = state.db.write_turn().await;
                repo::outbox::claim_batch(&state.db, owner, now, now + lease_ms, room as i64)
                    .await?
            };
            let mut signing: HashMap<String, Arc<Vec<String>>> = HashMap::new();
            for event in claimed {
                let tokens = match signing.get(&event.app_id) {
                    Some(tokens) => tokens.clone(),
                    None => {
                        let (tokens, _) = super::secret_tokens(state, &event.app_id, now).await?;
                        let tokens = Arc::new(tokens);
                        signing.insert(event.app_id.clone(), tokens.clone());
                        tokens
                    }
                };
                let state = state.clone();
                running.spawn(async move { attempt(&state, event, &tokens).await });
            }
        }
        match running.join_next().await {
            // Nothing running: the claim above found nothing, and what had
            // finished was written just before it.
            None => return Ok(made),
            Some(Ok(Ok(outcome))) => finished.push(outcome),
            Some(Ok(Err(err))) => return Err(err),
            Some(Err(join)) => tracing::error!(error = %join, "a delivery task failed"),
        }
    }
}

/// Writes the finished outcomes in one transaction; returns how many.
///
/// When that transaction fails, each outcome is written on its own, so
/// that one that cannot be written (its event deleted meanwhile, say)
/// does not take the others with it: theirs would otherwise be lost and
/// every one of those deliveries, of every app, made again. One that
/// still fails is logged; its lease runs out and it is sent again.
async fn record(
    state: &AppState,
    owner: &str,
    finished: &mut Vec<Outcome>,
) -> Result<usize, sqlx::Error> {
    if finished.is_empty() {
        return Ok(0);
    }
    let rows: Vec<(AttemptRecord<'_>, Next)> = finished
        .iter()
        .map(|o| {
            (
                AttemptRecord {
                    event_id: &o.event_id,
                    attempt: o.attempt,
                    started_at: o.started_at,
                    status_code: o.status_code,
                    latency_ms: o.latency_ms,
                    error: o.error.as_deref(),
                    response_excerpt: &o.excerpt,
                    request_headers: &o.request_headers,
                    response_headers: &o.response_headers,
                },
                o.next,
            )
        })
        .collect();
    let batch = {
        let _turn = state.db.write_turn().await;
        repo::outbox::finish_attempts(&state.db.pool, owner, &rows).await
    };
    let kept = match batch {
        Ok(kept) => kept,
        Err(err) => {
            tracing::warn!(error = %err, outcomes = rows.len(), "writing a batch of outcomes failed; writing them one by one");
            let mut kept = Vec::with_capacity(rows.len());
            for row in rows.chunks(1) {
                let _turn = state.db.write_turn().await;
                match repo::outbox::finish_attempts(&state.db.pool, owner, row).await {
                    Ok(one) => kept.extend(one),
                    Err(err) => {
                        tracing::error!(event = %row[0].0.event_id, error = %err, "an outcome could not be written; the event will be sent again");
                        // Not "lease lost": said above.
                        kept.push(true);
                    }
                }
            }
            kept
        }
    };
    for (outcome, kept) in finished.iter().zip(kept) {
        if !kept {
            tracing::warn!(event = %outcome.event_id, "lease lost before the attempt was recorded; another worker has it");
        }
    }
    let written = finished.len();
    finished.clear();
    Ok(written)
}

/// One attempt at one event, signed with `tokens`.
async fn attempt(
    state: &AppState,
    event: Claimed,
    tokens: &[String],
) -> Result<Outcome, sqlx::Error> {
    let started_at = state.now_ms();
    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let headers = delivery_headers(&token_refs, &event.id, started_at / 1000, &event.body);
    let timeout = Duration::from_millis(state.config.webhook_timeout_ms);
    let result = state
        .outbound
        .post_json(
            &event.url,
            &headers,
            event.body.clone().into_bytes(),
            timeout,
        )
        .await;
    let schedule = &state.config.webhook_retry_schedule;
    let now = state.now_ms();
    let retry = |not_before: i64| match retry_delay_ms(schedule, event.attempts) {
        Some(delay) => Next::RetryAt((now + delay).max(not_before)),
        None => Next::Failed,
    };
    let response_headers = match &result {
        // The receiver's words, as text any database stores, bounded.
        Ok(reply) => sanitize(header_lines(&reply.headers).as_bytes(), HEADERS_BYTES),
        Err(_) => String::new(),
    };
    let (status_code, latency_ms, error, excerpt, next) = match &result {
        Ok(reply) => {
            let next = if (200..300).contains(&reply.status) {
                Next::Delivered
            } else if reply.status == 410 {
                if let Some(subscription) = &event.subscription_id {
                    let _turn = state.db.write_turn().await;
                    repo::outbox::disable_subscription(&state.db.pool, subscription, now).await?;
                }
                Next::Failed
            } else {
                let retry_after = reply
                    .headers
                    .iter()
                    .find(|(k, _)| k == "retry-after")
                    .and_then(|(_, v)| v.trim().parse::<i64>().ok())
                    .map(|secs| now + secs.clamp(0, 24 * 3600) * 1000)
                    .unwrap_or(0);
                retry(retry_after)
            };
            (
                Some(i64::from(reply.status)),
                reply.latency_ms,
                None,
                // The receiver's bytes, as text any database stores.
                sanitize(&reply.body, EXCERPT_BYTES),
                next,
            )
        }
        Err(err) => {
            let message = match err {
                OutboundError::Timeout(ms) => format!("No answer within {ms} ms."),
                other => other.to_string(),
            };
            (
                None,
                now - started_at,
                Some(message),
                String::new(),
                retry(0),
            )
        }
    };
    // A slash command's message says whether its bot got it.
    if event.event_type == "bot_notification" {
        let delivered = matches!(next, Next::Delivered);
        crate::server::chat::delivery_outcome(state, &event.id, delivered).await;
    }
    Ok(Outcome {
        event_id: event.id,
        attempt: event.attempts,
        started_at,
        status_code,
        latency_ms,
        error,
        excerpt,
        request_headers: header_lines(&headers),
        response_headers,
        next,
    })
}

/// The most of an answer's headers kept for the delivery log.
const HEADERS_BYTES: usize = 4096;

/// Headers as the delivery log shows them: `name: value`, one per line.
fn header_lines(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the worker until the process ends: delivers what is due, then
/// waits for new events (woken at once by this process's changes, and
/// polling for other processes' and for retries).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    let owner = new_id("wrk");
    let wakeup: Arc<tokio::sync::Notify> = state.webhook_wakeup.clone();
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_due(&state, &owner).await {
                tracing::error!(error = %err, "webhook worker: database error; retrying shortly");
            }
            let _ = tokio::time::timeout(
                Duration::from_millis(state.config.webhook_poll_ms),
                wakeup.notified(),
            )
            .await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_schedule_with_jitter() {
        let schedule = [0, 300, 1200, 3600];
        assert_eq!(retry_delay_ms(&schedule, 1), Some(0), "first retry at once");
        for _ in 0..50 {
            let d = retry_delay_ms(&schedule, 2).unwrap();
            assert!((270_000..=330_000).contains(&d), "{d}");
        }
        assert!((3_240_000..=3_960_000).contains(&retry_delay_ms(&schedule, 4).unwrap()));
        assert_eq!(retry_delay_ms(&schedule, 5), None, "then failed");
    }
}
