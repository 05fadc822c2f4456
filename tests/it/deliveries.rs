//! Webhook delivery: events raised by real changes, signed deliveries,
//! retries on schedule (a manual clock, no sleeps), Retry-After, 410,
//! leases, two processes sharing one database, and app_deauthorized.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use portico::server::webhooks::sign::{validation_token, zoom_signature};
use portico::server::webhooks::worker::deliver_due;

use crate::oauth::{api, authorize, exchange, oauth_app, post_oauth, Dev};
use crate::on_both_databases;
use crate::support::{wait_until, TestApp};

on_both_databases!(
    a_meeting_change_is_delivered_signed,
    failures_are_retried_on_schedule_with_the_same_tracking_id,
    retry_after_and_410_are_honoured,
    hanging_and_resetting_receivers_are_retried_on_schedule,
    clients_hanging_up_mid_request_leave_no_transaction_open,
    a_crashed_workers_lease_runs_out_and_another_takes_over,
    two_processes_never_make_the_same_attempt,
    only_installs_with_the_scope_hear_about_meetings,
    uninstalling_sends_app_deauthorized,
    revoking_a_consented_token_deauthorizes_the_app,
    users_joining_and_changing_raise_user_events,
    endpoints_are_challenged_again_every_72_hours,
    answers_with_nul_or_invalid_utf8_are_logged_sanitised_with_their_batch,
    an_outcome_that_cannot_be_written_does_not_lose_the_others,
    webhook_only_apps_hear_their_own_accounts_events,
);

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: HeaderMap,
    pub body: String,
}

/// A receiver that answers the URL validation (with `token`) and then,
/// for deliveries, the statuses in `script` in turn (the last repeats),
/// optionally after a delay.
pub struct Receiver {
    pub url: String,
    /// Deliveries answered, in the order they were.
    pub hits: Arc<Mutex<Vec<Hit>>>,
    /// Deliveries that reached it, counted on arrival: before its delay,
    /// so a test can act while a delivery is in flight.
    pub arrived: Arc<AtomicUsize>,
}

async fn receiver(
    token: String,
    script: Vec<(u16, Option<&'static str>)>,
    delay_ms: u64,
) -> Receiver {
    let hits = Arc::new(Mutex::new(Vec::<Hit>::new()));
    let record = hits.clone();
    let arrived = Arc::new(AtomicUsize::new(0));
    let arrival = arrived.clone();
    let script = Arc::new(script);
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let record = record.clone();
            let arrival = arrival.clone();
            let token = token.clone();
            let script = script.clone();
            async move {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                if json["event"] == "endpoint.url_validation" {
                    let plain = json["payload"]["plainToken"].as_str().unwrap_or_default().to_owned();
                    let answer = serde_json::json!({"plainToken": plain, "encryptedToken": validation_token(&token, &plain)});
                    return (StatusCode::OK, HeaderMap::new(), answer.to_string());
                }
                arrival.fetch_add(1, Ordering::SeqCst);
                // Kept: answering late is what the tests with a delay are
                // about (deliveries in flight, the worker's timeout).
                if delay_ms > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
                }
                let n = {
                    let mut hits = record.lock().unwrap();
                    hits.push(Hit { headers, body });
                    hits.len()
                };
                let (status, retry_after) = script[(n - 1).min(script.len() - 1)];
                let mut headers = HeaderMap::new();
                if let Some(value) = retry_after {
                    headers.insert("retry-after", value.parse().unwrap());
                }
                (StatusCode::from_u16(status).unwrap(), headers, format!("answer {n}"))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Receiver { url, hits, arrived }
}

const SCOPES: &[&str] = &["user:read", "meeting:read", "meeting:write"];

/// Starts a receiver that answers with the app's Secret Token and saves a
/// development subscription to `events` at it (the challenge must pass).
async fn subscribe_receiver(
    open: &TestApp,
    dev: &Dev,
    name: &str,
    events: &[&str],
    script: Vec<(u16, Option<&'static str>)>,
    delay_ms: u64,
) -> Receiver {
    let token = open
        .call("features_page", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json()["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rx = receiver(token, script, delay_ms).await;
    let keys: Vec<String> = (0..events.len()).map(|i| format!("events[{i}]")).collect();
    let mut form = vec![
        ("id", dev.app_id.as_str()),
        ("name", name),
        ("development_url", rx.url.as_str()),
        ("production_url", ""),
    ];
    form.extend(keys.iter().map(String::as_str).zip(events.iter().copied()));
    let res = open
        .call("save_subscription", &form, Some(&dev.cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    rx
}

/// An installed user-managed app subscribed to meeting events at a local
/// receiver; returns (instance allowing private endpoints, app, access
/// token, receiver).
pub async fn subscribed(
    app: &TestApp,
    email: &str,
    scopes: &[&str],
    script: Vec<(u16, Option<&'static str>)>,
    delay_ms: u64,
) -> (TestApp, Dev, String, Receiver) {
    let open = app
        .with_config(|c| {
            c.allow_private_outbound = true;
            c.webhook_timeout_ms = 2000;
        })
        .await;
    let dev = oauth_app(&open, email, "marketplace.user_managed", scopes).await;
    let rx = subscribe_receiver(
        &open,
        &dev,
        "Meetings",
        &["meeting.created", "meeting.updated", "meeting.deleted"],
        script,
        delay_ms,
    )
    .await;
    let code = authorize(&open, &dev.cookie, &dev.client_id, None).await;
    let access = exchange(&open, &dev, &code, None).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (open, dev, access, rx)
}

pub async fn create_meeting(app: &TestApp, access: &str, topic: &str) -> i64 {
    let res = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        access,
        Some(&format!(
            r#"{{"topic":"{topic}","start_time":"2026-12-01T09:00:00Z","duration":30}}"#
        )),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

pub async fn events(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT id, status, attempts FROM webhook_events ORDER BY created_at, id")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

async fn a_meeting_change_is_delivered_signed(app: &TestApp) {
    let (open, dev, access, rx) =
        subscribed(app, "deliver@example.com", SCOPES, vec![(200, None)], 0).await;
    let id = create_meeting(&open, &access, "Kickoff").await;
    api(
        &open,
        "PATCH",
        &format!("/v2/meetings/{id}"),
        &access,
        Some(r#"{"topic":"Kickoff 2"}"#),
    )
    .await;
    // The page's changes raise events too.
    open.call(
        "delete_meeting",
        &[("id", &id.to_string())],
        Some(&dev.cookie),
    )
    .await;
    assert_eq!(
        events(&open).await.len(),
        3,
        "one per change, written with it"
    );
    assert_eq!(deliver_due(&open.state, "w1").await.unwrap(), 3);

    let hits = rx.hits.lock().unwrap().clone();
    let mut kinds: Vec<String> = hits
        .iter()
        .map(|h| {
            serde_json::from_str::<serde_json::Value>(&h.body).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["meeting.created", "meeting.deleted", "meeting.updated"]
    );
    let token = open
        .call("features_page", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json()["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for hit in &hits {
        let body: serde_json::Value = serde_json::from_str(&hit.body).unwrap();
        assert_eq!(hit.body, body.to_string(), "compact JSON");
        assert_eq!(body["payload"]["object"]["id"], id);
        assert!(body["payload"]["account_id"]
            .as_str()
            .unwrap()
            .starts_with("acct_"));
        let ts: i64 = hit.headers["x-zm-request-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            hit.headers["x-zm-signature"].to_str().unwrap(),
            zoom_signature(&token, ts, &hit.body)
        );
        assert!(hit.headers["webhook-signature"]
            .to_str()
            .unwrap()
            .starts_with("v1,"));
        assert_eq!(hit.headers["x-zm-trackingid"], hit.headers["webhook-id"]);
        assert_eq!(hit.headers["user-agent"], "Portico-Webhook/1");
    }
    assert!(events(&open)
        .await
        .iter()
        .all(|(_, status, attempts)| status == "delivered" && *attempts == 1));
    let log = open
        .call("delivery_log", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert_eq!(log.json().as_array().unwrap().len(), 3);
    assert_eq!(log.json()[0]["attempts"][0]["status_code"], 200);
    // Each attempt's exchange: the headers as sent (their signature is
    // the one the receiver checked), the body as sent, what came back.
    let hits = rx.hits.lock().unwrap().clone();
    for entry in log.json().as_array().unwrap() {
        let attempt = &entry["attempts"][0];
        let sent = attempt["request_headers"].as_str().unwrap();
        let hit = hits
            .iter()
            .find(|h| h.headers["x-zm-trackingid"] == entry["id"].as_str().unwrap())
            .expect("the receiver saw it");
        let signature = hit.headers["x-zm-signature"].to_str().unwrap();
        assert!(
            sent.contains(&format!("x-zm-signature: {signature}")),
            "{sent}"
        );
        assert_eq!(entry["body"].as_str().unwrap(), hit.body);
        assert_eq!(entry["is_test"], false);
        assert!(
            attempt["response_headers"]
                .as_str()
                .unwrap()
                .contains("content-length"),
            "{attempt}"
        );
    }
}

async fn failures_are_retried_on_schedule_with_the_same_tracking_id(app: &TestApp) {
    let (open, _dev, access, rx) =
        subscribed(app, "retry@example.com", SCOPES, vec![(500, None)], 0).await;
    create_meeting(&open, &access, "Flaky").await;
    // Attempt 1, then at once the immediate retry (the same pass).
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 2);
    // Next: +5 min (±10%). Nothing is due before that.
    open.clock.advance_ms(4 * 60_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 0);
    open.clock.advance_ms(2 * 60_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 1);
    open.clock.advance_ms(23 * 60_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 1);
    open.clock.advance_ms(67 * 60_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 1);
    // Five attempts: the schedule is used up.
    open.clock.advance_ms(24 * 3_600_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 0);
    let all = events(&open).await;
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].1.as_str(), all[0].2), ("failed", 5));
    let hits = rx.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 5);
    assert!(
        hits.iter()
            .all(|h| h.headers["x-zm-trackingid"] == all[0].0.as_str()),
        "same tracking id on every retry"
    );
    let attempts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_attempts WHERE status_code = 500")
            .fetch_one(&open.state.db.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 5);
}

/// An endpoint that misbehaves below HTTP: `hang` reads the request and
/// never answers; `reset` reads it and resets the connection (RST).
async fn misbehaving_endpoint(mode: &'static str) -> String {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                if mode == "hang" {
                    // Kept: this is the hang, past the worker's 300 ms
                    // timeout; nothing waits for it to end.
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                } else {
                    let _ = stream.set_zero_linger();
                }
                drop(stream);
            });
        }
    });
    url
}

/// A receiver that hangs past the timeout, and one that resets the
/// connection, fail like a 500: retried on the schedule (manual clock),
/// then failed, each attempt logged with the reason.
async fn hanging_and_resetting_receivers_are_retried_on_schedule(app: &TestApp) {
    let (open, _dev, access, _rx) =
        subscribed(app, "hang@example.com", SCOPES, vec![(200, None)], 0).await;
    // The same database, a worker with a short delivery timeout.
    let worker = open
        .with_config(|c| {
            c.allow_private_outbound = true;
            c.webhook_timeout_ms = 300;
        })
        .await;
    let pool = &open.state.db.pool;
    for (mode, reason) in [
        ("hang", "No answer within 300 ms."),
        ("reset", "The connection failed before an answer came."),
    ] {
        // The subscription was validated against a good endpoint; point it
        // at the bad one as if that server broke later.
        sqlx::query("UPDATE event_subscriptions SET development_url = $1")
            .bind(misbehaving_endpoint(mode).await)
            .execute(pool)
            .await
            .unwrap();
        create_meeting(&open, &access, mode).await;
        assert_eq!(
            deliver_due(&worker.state, "w").await.unwrap(),
            2,
            "{mode}: first + immediate retry"
        );
        worker.clock.advance_ms(4 * 60_000);
        assert_eq!(
            deliver_due(&worker.state, "w").await.unwrap(),
            0,
            "{mode}: not before +5 min"
        );
        for minutes in [2, 23, 67] {
            worker.clock.advance_ms(minutes * 60_000);
            assert_eq!(deliver_due(&worker.state, "w").await.unwrap(), 1, "{mode}");
        }
        worker.clock.advance_ms(24 * 3_600_000);
        assert_eq!(deliver_due(&worker.state, "w").await.unwrap(), 0);
        let last: (String, String, i64) =
            sqlx::query_as("SELECT id, status, attempts FROM webhook_events WHERE body LIKE $1")
                .bind(format!("%\"topic\":\"{mode}\"%"))
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!((last.1.as_str(), last.2), ("failed", 5), "{mode}");
        let errors: Vec<(Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT status_code, error FROM webhook_attempts WHERE event_id = $1")
                .bind(&last.0)
                .fetch_all(pool)
                .await
                .unwrap();
        assert_eq!(errors.len(), 5);
        assert!(
            errors
                .iter()
                .all(|(status, error)| status.is_none() && error.as_deref() == Some(reason)),
            "{mode}: {errors:?}"
        );
    }
}

/// Clients hang up mid-request all the time (wrk does at the end of every
/// run). sqlx's `begin()` is not cancel-safe on PostgreSQL: a handler
/// dropped during BEGIN leaves its pooled connection inside a transaction
/// that every later borrower then runs in, holding locks forever (the
/// worker's next claim waits on them). Handlers therefore run to
/// completion whoever hangs up: afterwards no session sits idle in a
/// transaction, every meeting has its event, and the worker delivers all.
async fn clients_hanging_up_mid_request_leave_no_transaction_open(app: &TestApp) {
    use tower::ServiceExt;
    let (open, _dev, access, rx) =
        subscribed(app, "hangup@example.com", SCOPES, vec![(200, None)], 0).await;
    for i in 0..1500u64 {
        let req = axum::http::Request::post("/v2/users/me/meetings")
            .header("authorization", format!("Bearer {access}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(r#"{"topic":"Gone","duration":30}"#))
            .unwrap();
        // Give up after 0..4 ms: some before BEGIN, some during, some after.
        let _ = tokio::time::timeout(
            std::time::Duration::from_micros((i * 7) % 4000),
            open.router.clone().oneshot(req),
        )
        .await;
    }
    // Let the handlers that were abandoned finish: they run on, on tasks
    // of their own, and nothing tells when the last is done. Waited for as
    // the database falls quiet (every connection back in the pool, no
    // session in a statement or transaction) with the meetings counted
    // the same twice in a row. A session stuck inside a transaction, the
    // failure this test is about, never lets it fall quiet.
    let pool = &open.state.db.pool;
    let mut counted = None;
    wait_until(
        "the abandoned handlers finished and no session stayed inside a transaction",
        Duration::from_secs(60),
        async || {
            let quiet = database_is_quiet(&open).await;
            let meetings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings")
                .fetch_one(pool)
                .await
                .unwrap();
            let settled = quiet && counted == Some(meetings);
            counted = quiet.then_some(meetings);
            settled
        },
    )
    .await;
    if open.database_url().starts_with("postgres") {
        let stuck: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(stuck, 0, "a session was left inside a transaction");
    }
    let (meetings, raised): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM meetings), \
                (SELECT COUNT(*) FROM webhook_events WHERE event_type = 'meeting.created')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(meetings, raised, "every meeting commits with its event");
    let delivered = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        deliver_due(&open.state, "w"),
    )
    .await
    .expect("the worker's claim must not wait on a stuck transaction")
    .unwrap();
    assert_eq!(delivered as i64, raised);
    assert_eq!(rx.hits.lock().unwrap().len() as i64, raised);
}

/// Whether nothing is at work on `app`'s database: every connection of its
/// pool is back in the pool and, on PostgreSQL, no other session of the
/// database is running a statement or sitting in a transaction.
async fn database_is_quiet(app: &TestApp) -> bool {
    let pool = &app.state.db.pool;
    // Asked before the query below borrows a connection of its own.
    if pool.num_idle() != pool.size() as usize {
        return false;
    }
    if !app.database_url().starts_with("postgres") {
        return true;
    }
    let busy: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
           AND backend_type = 'client backend' AND state <> 'idle'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    busy == 0
}

async fn retry_after_and_410_are_honoured(app: &TestApp) {
    let (open, dev, access, _rx) = subscribed(
        app,
        "after@example.com",
        SCOPES,
        vec![(503, Some("3600")), (410, None)],
        0,
    )
    .await;
    create_meeting(&open, &access, "Later").await;
    deliver_due(&open.state, "w").await.unwrap();
    let next: i64 = sqlx::query_scalar("SELECT next_attempt_at FROM webhook_events")
        .fetch_one(&open.state.db.pool)
        .await
        .unwrap();
    assert!(
        next >= open.state.now_ms() + 3_600_000 - 1000,
        "Retry-After 3600 beats the immediate retry"
    );
    open.clock.advance_ms(3_600_000);
    deliver_due(&open.state, "w").await.unwrap();
    assert_eq!(events(&open).await[0].1, "failed", "410 ends it");
    let page = open
        .call("features_page", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(
        page["subscriptions"][0]["disabled"], true,
        "410 disables the subscription"
    );
    // A disabled subscription hears nothing more (the access token has
    // expired meanwhile: the page makes the meeting).
    let res = open
        .call(
            "create_meeting",
            &[
                ("topic", "Ignored"),
                ("start_time", "2026-12-02T10:00"),
                ("duration", "15"),
                ("agenda", ""),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(events(&open).await.len(), 1);
}

async fn a_crashed_workers_lease_runs_out_and_another_takes_over(app: &TestApp) {
    let (open, _dev, access, rx) =
        subscribed(app, "lease@example.com", SCOPES, vec![(200, None)], 0).await;
    create_meeting(&open, &access, "Crash").await;
    // Worker A claims the event and dies before sending it.
    let now = open.state.now_ms();
    let claimed =
        portico::server::repo::outbox::claim(&open.state.db, "worker-a", now, now + 60_000)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(claimed.attempts, 1);
    assert_eq!(
        deliver_due(&open.state, "worker-b").await.unwrap(),
        0,
        "leased: B must not take it"
    );
    open.clock.advance_ms(60_001);
    assert_eq!(deliver_due(&open.state, "worker-b").await.unwrap(), 1);
    let hits = rx.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].headers["x-zm-trackingid"],
        claimed.id.as_str(),
        "the original tracking id"
    );
    assert_eq!(events(&open).await[0].1, "delivered");

    // A was only slow, not dead: its late outcome (a failure) is logged
    // as an attempt but must not move the event B delivered.
    use portico::server::repo::outbox::{finish_attempts, AttemptRecord, Next};
    let late = AttemptRecord {
        event_id: &claimed.id,
        attempt: claimed.attempts,
        started_at: now,
        status_code: Some(500),
        latency_ms: 5,
        error: None,
        response_excerpt: "late",
        request_headers: "",
        response_headers: "",
    };
    let kept = finish_attempts(
        &open.state.db.pool,
        "worker-a",
        &[(late, Next::RetryAt(now))],
    )
    .await
    .unwrap();
    assert_eq!(kept, vec![false]);
    assert_eq!(events(&open).await[0].1, "delivered");
}

async fn two_processes_never_make_the_same_attempt(app: &TestApp) {
    let (open, _dev, access, rx) =
        subscribed(app, "two@example.com", SCOPES, vec![(200, None)], 150).await;
    let second = open
        .with_config(|c| {
            c.allow_private_outbound = true;
            c.webhook_concurrency = 4;
        })
        .await;
    for i in 0..12 {
        create_meeting(&open, &access, &format!("M{i}")).await;
    }
    let (a, b) = tokio::join!(
        deliver_due(&open.state, "process-a"),
        deliver_due(&second.state, "process-b")
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a + b,
        12,
        "every event attempted once between them ({a} + {b})"
    );
    let hits = rx.hits.lock().unwrap().clone();
    let mut ids: Vec<String> = hits
        .iter()
        .map(|h| h.headers["x-zm-trackingid"].to_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((hits.len(), ids.len()), (12, 12), "none twice, none lost");
    assert!(events(&open)
        .await
        .iter()
        .all(|(_, status, attempts)| status == "delivered" && *attempts == 1));
}

async fn only_installs_with_the_scope_hear_about_meetings(app: &TestApp) {
    let (open, dev, _access, rx) = subscribed(
        app,
        "noscope@example.com",
        &["user:read"],
        vec![(200, None)],
        0,
    )
    .await;
    // The developer creates a meeting on the page: the app may not read meetings.
    open.call(
        "create_meeting",
        &[
            ("topic", "Secret"),
            ("start_time", "2026-12-02T10:00"),
            ("duration", "15"),
            ("agenda", ""),
        ],
        Some(&dev.cookie),
    )
    .await;
    assert_eq!(events(&open).await.len(), 0);
    // Another user's meeting in another account: nobody of this app hears.
    let stranger = open
        .sign_up("stranger2@example.com", "S", "correct horse battery")
        .await;
    open.call(
        "create_meeting",
        &[
            ("topic", "Theirs"),
            ("start_time", "2026-12-02T10:00"),
            ("duration", "15"),
            ("agenda", ""),
        ],
        Some(&stranger),
    )
    .await;
    assert_eq!(events(&open).await.len(), 0);
    assert!(rx.hits.lock().unwrap().is_empty());
}

/// Points the app's deauthorization endpoint at the receiver.
async fn listen_for_deauthorization(open: &TestApp, dev: &Dev, rx: &Receiver) {
    let res = open
        .call(
            "save_deauthorization_url",
            &[("id", &dev.app_id), ("deauthorization_url", &rx.url)],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// Delivers what is due and checks that exactly one `app_deauthorized`
/// with Zoom's payload arrived.
async fn assert_one_app_deauthorized(open: &TestApp, dev: &Dev, rx: &Receiver) {
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 1);
    let hits = rx.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(body["event"], "app_deauthorized");
    let payload = &body["payload"];
    assert_eq!(payload["client_id"], dev.client_id.as_str());
    assert!(payload["user_id"].as_str().unwrap().starts_with("usr_"));
    assert!(payload["account_id"].as_str().unwrap().starts_with("acct_"));
    assert!(payload["deauthorization_time"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(payload["signature"].as_str().unwrap().len(), 64);
}

async fn uninstalling_sends_app_deauthorized(app: &TestApp) {
    let (open, dev, _access, rx) =
        subscribed(app, "deauth@example.com", SCOPES, vec![(200, None)], 0).await;
    listen_for_deauthorization(&open, &dev, &rx).await;
    let install = open
        .call("installed_apps", &[], Some(&dev.cookie))
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    open.call("uninstall", &[("id", &install)], Some(&dev.cookie))
        .await;
    assert_one_app_deauthorized(&open, &dev, &rx).await;
}

/// `/oauth/revoke` on what a user's consent issued is an uninstall, as on
/// Zoom: the install goes, every token with it, and the app hears
/// `app_deauthorized`. Revoking twice sends nothing more.
async fn revoking_a_consented_token_deauthorizes_the_app(app: &TestApp) {
    let (open, dev, access, rx) = subscribed(
        app,
        "revoke-deauth@example.com",
        SCOPES,
        vec![(200, None)],
        0,
    )
    .await;
    listen_for_deauthorization(&open, &dev, &rx).await;
    // A second authorization of the same install: revoking one ends both.
    let code = authorize(&open, &dev.cookie, &dev.client_id, None).await;
    let other = exchange(&open, &dev, &code, None).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = crate::oauth::basic(&dev.client_id, &dev.secret);
    for _ in 0..2 {
        let res = post_oauth(&open, "/oauth/revoke", &[("token", &access)], Some(&auth)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    for token in [&access, &other] {
        let res = api(&open, "GET", "/v2/users/me", token, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let installed = open
        .call("installed_apps", &[], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(installed.as_array().unwrap().len(), 0, "{installed}");
    assert_one_app_deauthorized(&open, &dev, &rx).await;
}

async fn users_joining_and_changing_raise_user_events(app: &TestApp) {
    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let dev = oauth_app(
        &open,
        "users-events@example.com",
        "marketplace.account_level",
        &["user:read:admin"],
    )
    .await;
    let rx = subscribe_receiver(
        &open,
        &dev,
        "Users",
        &["user.created", "user.updated"],
        vec![(200, None)],
        0,
    )
    .await;
    authorize(&open, &dev.cookie, &dev.client_id, None).await;
    let member = open
        .join_as(&dev.cookie, "joiner@example.com", "member")
        .await;
    let res = open
        .call(
            "update_profile",
            &[("display_name", "Jo Renamed")],
            Some(&member),
        )
        .await;
    res.assert_done();
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 2);
    let hits = rx.hits.lock().unwrap().clone();
    let mut bodies: Vec<serde_json::Value> = hits
        .iter()
        .map(|h| serde_json::from_str(&h.body).unwrap())
        .collect();
    // Delivered concurrently: compare in a fixed order.
    bodies.sort_by_key(|b| b["event"].as_str().unwrap().to_owned());
    assert_eq!(bodies[0]["event"], "user.created");
    assert_eq!(
        bodies[0]["payload"]["object"]["email"],
        "joiner@example.com"
    );
    assert_eq!(bodies[1]["event"], "user.updated");
    assert_eq!(bodies[1]["payload"]["object"]["display_name"], "Jo Renamed");
}

async fn endpoints_are_challenged_again_every_72_hours(app: &TestApp) {
    use portico::server::webhooks::challenge::revalidate_due;
    let (open, dev, _access, _rx) =
        subscribed(app, "revalidate@example.com", SCOPES, vec![(200, None)], 0).await;
    assert_eq!(
        revalidate_due(&open.state).await.unwrap(),
        (0, 0),
        "not due yet"
    );
    open.clock.advance_ms(72 * 3_600_000 + 1);
    assert_eq!(
        revalidate_due(&open.state).await.unwrap(),
        (1, 0),
        "the receiver answers: still valid"
    );
    assert_eq!(
        revalidate_due(&open.state).await.unwrap(),
        (0, 0),
        "validated again just now"
    );
    // The endpoint stops answering correctly: rotate the token behind its back.
    open.call(
        "rotate_secret_token",
        &[("id", &dev.app_id)],
        Some(&dev.cookie),
    )
    .await;
    open.clock.advance_ms(72 * 3_600_000 + 1);
    assert_eq!(revalidate_due(&open.state).await.unwrap(), (0, 1));
    let page = open
        .call("features_page", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(page["subscriptions"][0]["disabled"], true);
}

/// A receiver that passes the challenge (with `token`) and answers every
/// delivery 200 with exactly `answer`.
async fn raw_receiver(token: String, answer: &'static [u8]) -> Receiver {
    let hits = Arc::new(Mutex::new(Vec::<Hit>::new()));
    let record = hits.clone();
    let arrived = Arc::new(AtomicUsize::new(0));
    let arrival = arrived.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let record = record.clone();
            let arrival = arrival.clone();
            let token = token.clone();
            async move {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                if json["event"] == "endpoint.url_validation" {
                    let plain = json["payload"]["plainToken"].as_str().unwrap_or_default().to_owned();
                    let answer = serde_json::json!({"plainToken": plain, "encryptedToken": validation_token(&token, &plain)});
                    return answer.to_string().into_bytes();
                }
                arrival.fetch_add(1, Ordering::SeqCst);
                record.lock().unwrap().push(Hit { headers, body });
                answer.to_vec()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Receiver { url, hits, arrived }
}

/// Saves a development subscription to meeting.created at `url`.
async fn subscribe_at(open: &TestApp, dev: &Dev, url: &str) {
    let res = open
        .call(
            "save_subscription",
            &[
                ("id", dev.app_id.as_str()),
                ("name", "Meetings"),
                ("development_url", url),
                ("production_url", ""),
                ("events[0]", "meeting.created"),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn secret_token(open: &TestApp, dev: &Dev) -> String {
    open.call("features_page", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json()["secret_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Installs the app for its developer; returns an access token.
async fn install(open: &TestApp, dev: &Dev) -> String {
    let code = authorize(open, &dev.cookie, &dev.client_id, None).await;
    exchange(open, dev, &code, None).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The excerpts logged for the app's attempts.
async fn excerpts(open: &TestApp, app_id: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT a.response_excerpt FROM webhook_attempts a JOIN webhook_events e ON e.id = a.event_id \
         WHERE e.app_id = $1 ORDER BY a.started_at",
    )
    .bind(app_id)
    .fetch_all(&open.state.db.pool)
    .await
    .unwrap()
}

/// One tenant's receiver answers with a NUL byte and invalid UTF-8 (which
/// PostgreSQL's text cannot take), in the same batch of outcomes as
/// another tenant's normal answers: every outcome is recorded (the odd
/// one as text made safe), and nothing is sent again.
async fn answers_with_nul_or_invalid_utf8_are_logged_sanitised_with_their_batch(app: &TestApp) {
    // Three slots: the first two outcomes (the odd answer, at once, and a
    // normal one after 200 ms) are written together (the worker writes
    // once half its slots are free), the last on its own.
    let open = app
        .with_config(|c| {
            c.allow_private_outbound = true;
            c.webhook_concurrency = 3;
        })
        .await;
    let odd = oauth_app(
        &open,
        "odd-answers@example.com",
        "marketplace.user_managed",
        SCOPES,
    )
    .await;
    let odd_rx = raw_receiver(secret_token(&open, &odd).await, b"not\0text \xff\xfe ok").await;
    subscribe_at(&open, &odd, &odd_rx.url).await;
    let (_normal_open, normal, normal_access, normal_rx) = subscribed(
        app,
        "normal-answers@example.com",
        SCOPES,
        vec![(200, None)],
        200,
    )
    .await;
    let odd_access = install(&open, &odd).await;
    create_meeting(&open, &odd_access, "Odd").await;
    create_meeting(&open, &normal_access, "Normal 1").await;
    create_meeting(&open, &normal_access, "Normal 2").await;
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 3);
    assert!(
        events(&open)
            .await
            .iter()
            .all(|(_, status, attempts)| status == "delivered" && *attempts == 1),
        "{:?}",
        events(&open).await
    );
    assert_eq!(
        excerpts(&open, &odd.app_id).await,
        ["nottext \u{fffd}\u{fffd} ok"],
        "lossy UTF-8, NUL removed"
    );
    assert_eq!(excerpts(&open, &normal.app_id).await.len(), 2);
    // Nothing is sent again, even once every lease has run out.
    open.clock.advance_ms(24 * 3_600_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 0);
    assert_eq!(odd_rx.hits.lock().unwrap().len(), 1);
    assert_eq!(normal_rx.hits.lock().unwrap().len(), 2);
    let log = open
        .call("delivery_log", &[("id", &odd.app_id)], Some(&odd.cookie))
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert_eq!(
        log.json()[0]["attempts"][0]["response_excerpt"],
        "nottext \u{fffd}\u{fffd} ok"
    );
}

/// An app is deleted while its delivery is in flight: its outcome can no
/// longer be written (the event went with the app), but the outcomes
/// written with it, of another tenant, are kept and not sent again.
async fn an_outcome_that_cannot_be_written_does_not_lose_the_others(app: &TestApp) {
    let open = app
        .with_config(|c| {
            c.allow_private_outbound = true;
            c.webhook_concurrency = 3;
        })
        .await;
    // The deleted app's answer comes first and waits to be written with
    // the next one, of the other tenant; the last is written alone.
    let (_gone_open, gone, gone_access, gone_rx) =
        subscribed(app, "gone-soon@example.com", SCOPES, vec![(200, None)], 250).await;
    let (_kept_open, kept, kept_access, kept_rx) =
        subscribed(app, "stays@example.com", SCOPES, vec![(200, None)], 500).await;
    create_meeting(&open, &gone_access, "Gone").await;
    create_meeting(&open, &kept_access, "Kept 1").await;
    create_meeting(&open, &kept_access, "Kept 2").await;
    let worker = {
        let state = open.state.clone();
        tokio::spawn(async move { deliver_due(&state, "w").await })
    };
    // While the deliveries are under way (the deleted app's receiver has
    // its request and holds the answer 250 ms), the developer deletes the app.
    wait_until(
        "the delivery to the app about to be deleted reached its receiver",
        Duration::from_secs(60),
        async || gone_rx.arrived.load(Ordering::SeqCst) > 0,
    )
    .await;
    let res = open
        .call("delete_app", &[("id", &gone.app_id)], Some(&gone.cookie))
        .await;
    res.assert_done();
    assert_eq!(worker.await.unwrap().unwrap(), 3);
    let kept_events: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, attempts FROM webhook_events WHERE app_id = $1")
            .bind(&kept.app_id)
            .fetch_all(&open.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        kept_events,
        [("delivered".to_owned(), 1), ("delivered".to_owned(), 1)]
    );
    assert_eq!(excerpts(&open, &kept.app_id).await.len(), 2);
    open.clock.advance_ms(24 * 3_600_000);
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 0);
    assert_eq!(kept_rx.hits.lock().unwrap().len(), 2, "nothing sent twice");
}

/// A webhook-only app is never installed: it hears its own account's
/// events (its developer's and their members'), of the types it
/// subscribed to, and nothing of other accounts.
async fn webhook_only_apps_hear_their_own_accounts_events(app: &TestApp) {
    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let (cookie, app_id) = open
        .developer_with_app("hooks-only@example.com", "private.webhook_only")
        .await;
    let dev = Dev {
        cookie,
        app_id,
        client_id: String::new(),
        secret: String::new(),
    };
    let rx = subscribe_receiver(
        &open,
        &dev,
        "Everything here",
        &["meeting.created", "user.created"],
        vec![(200, None)],
        0,
    )
    .await;
    let schedule = |topic: &'static str| {
        [
            ("topic", topic),
            ("start_time", "2026-12-02T10:00"),
            ("duration", "15"),
            ("agenda", ""),
        ]
    };
    let own = open
        .call(
            "create_meeting",
            &schedule("The developer's"),
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let member = open
        .join_as(&dev.cookie, "hooks-only-member@example.com", "member")
        .await;
    open.call("create_meeting", &schedule("A member's"), Some(&member))
        .await
        .assert_done();
    // Not subscribed: meeting.deleted.
    open.call(
        "delete_meeting",
        &[("id", &own.json().to_string())],
        Some(&dev.cookie),
    )
    .await
    .assert_done();
    let stranger = open
        .sign_up(
            "hooks-only-stranger@example.com",
            "S",
            "correct horse battery",
        )
        .await;
    open.call(
        "create_meeting",
        &schedule("Someone else's"),
        Some(&stranger),
    )
    .await
    .assert_done();
    assert_eq!(deliver_due(&open.state, "w").await.unwrap(), 3);
    let account = open.me(&dev.cookie).await["account_id"].clone();
    let mut heard: Vec<(String, String)> = rx
        .hits
        .lock()
        .unwrap()
        .iter()
        .map(|h| {
            let body: serde_json::Value = serde_json::from_str(&h.body).unwrap();
            assert_eq!(body["payload"]["account_id"], account);
            let object = &body["payload"]["object"];
            let what = object["topic"].as_str().or(object["email"].as_str());
            (
                body["event"].as_str().unwrap().to_owned(),
                what.unwrap().to_owned(),
            )
        })
        .collect();
    heard.sort();
    assert_eq!(
        heard,
        [
            ("meeting.created".to_owned(), "A member's".to_owned()),
            ("meeting.created".to_owned(), "The developer's".to_owned()),
            (
                "user.created".to_owned(),
                "hooks-only-member@example.com".to_owned()
            ),
        ]
    );
}
