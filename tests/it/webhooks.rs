//! Features: the Secret Token (encrypted at rest, rotatable), event
//! subscriptions saved only after the URL validation challenge, with the
//! whole exchange shown when it fails.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use portico::server::webhooks::sign::{standard_signature, validation_token, zoom_signature};

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    the_secret_token_is_encrypted_at_rest_and_rotates,
    a_subscription_is_saved_after_the_challenge_passes,
    a_failing_endpoint_shows_what_was_sent_and_received,
    private_endpoints_are_refused_unless_allowed,
    subscriptions_are_validated_and_private_to_the_account,
    the_deauthorization_url_meets_the_endpoint_address_rules,
    an_app_subscribes_only_to_what_its_type_receives,
    a_subscription_turns_off_and_on_again_after_a_new_challenge,
);

/// What the receiver saw of the last request.
#[derive(Default, Clone)]
struct Seen {
    headers: Vec<(String, String)>,
    body: String,
}

/// A local endpoint. `mode`: "answer" (correct challenge answer with the
/// token in `token`), "wrong" (a wrong encryptedToken), "fail" (500).
async fn endpoint(mode: &'static str, token: Arc<Mutex<String>>) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let record = record.clone();
            let token = token.lock().unwrap().clone();
            async move {
                *record.lock().unwrap() = Seen {
                    headers: headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
                        .collect(),
                    body: body.clone(),
                };
                let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let plain = json["payload"]["plainToken"].as_str().unwrap_or_default().to_owned();
                match mode {
                    "answer" => (StatusCode::OK, serde_json::json!({"plainToken": plain, "encryptedToken": validation_token(&token, &plain)}).to_string()),
                    "wrong" => (StatusCode::OK, serde_json::json!({"plainToken": plain, "encryptedToken": "00"}).to_string()),
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, "database down at the receiver".to_owned()),
                }
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
    (url, seen)
}

fn header(seen: &Seen, name: &str) -> String {
    seen.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn features(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
    let res = app.call("features_page", &[("id", id)], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let data = res.json();
    // The page gets its app with its data (one request for the page).
    assert_eq!(data["app"]["id"], id);
    data
}

async fn subscribe(
    app: &TestApp,
    cookie: &str,
    id: &str,
    url: &str,
) -> crate::support::TestResponse {
    app.call(
        "save_subscription",
        &[
            ("id", id),
            ("name", "Meeting sync"),
            ("development_url", url),
            ("production_url", ""),
            ("events[0]", "meeting.created"),
            ("events[1]", "meeting.deleted"),
        ],
        Some(cookie),
    )
    .await
}

async fn the_secret_token_is_encrypted_at_rest_and_rotates(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("token@example.com", "private.webhook_only")
        .await;
    let first = features(app, &dev, &id).await;
    let token = first["secret_token"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with("whsec_") && token.len() == 6 + 44,
        "{token}"
    );
    assert_eq!(
        features(app, &dev, &id).await["secret_token"],
        token.as_str(),
        "stable"
    );
    let stored: String = sqlx::query_scalar("SELECT secret_token_enc FROM app_webhooks")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(!stored.contains(&token[6..]), "not stored in the clear");
    assert_eq!(
        app.state.secrets.open(&stored).as_deref(),
        Some(token.as_str())
    );

    let res = app
        .call("rotate_secret_token", &[("id", &id)], Some(&dev))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let after = features(app, &dev, &id).await;
    assert_ne!(after["secret_token"], token.as_str());
    assert!(after["old_token"]["remaining"]
        .as_str()
        .is_some_and(|left| left.starts_with("23 h") || left == "24 h"));
    app.clock.advance_ms(24 * 3_600_000 + 1);
    assert!(features(app, &dev, &id).await["old_token"].is_null());
}

async fn a_subscription_is_saved_after_the_challenge_passes(app: &TestApp) {
    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let (dev, id) = open
        .developer_with_app("subscribe@example.com", "private.webhook_only")
        .await;
    // Rotate once, so the challenge carries both Standard Webhooks signatures.
    let old_token = features(&open, &dev, &id).await["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    open.call("rotate_secret_token", &[("id", &id)], Some(&dev))
        .await;
    let token = features(&open, &dev, &id).await["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (url, seen) = endpoint("answer", Arc::new(Mutex::new(token.clone()))).await;

    let res = subscribe(&open, &dev, &id, &url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = features(&open, &dev, &id).await;
    let sub = &page["subscriptions"][0];
    assert_eq!(sub["name"], "Meeting sync");
    assert_eq!(sub["development_url"], url.as_str());
    assert_eq!(
        sub["events"],
        serde_json::json!(["meeting.created", "meeting.deleted"])
    );

    // The challenge as the endpoint saw it: compact JSON, signed both ways.
    let seen = seen.lock().unwrap().clone();
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body["event"], "endpoint.url_validation");
    assert_eq!(
        seen.body,
        body.to_string(),
        "compact JSON, as JSON.stringify gives"
    );
    let ts: i64 = header(&seen, "x-zm-request-timestamp").parse().unwrap();
    assert_eq!(
        header(&seen, "x-zm-signature"),
        zoom_signature(&token, ts, &seen.body)
    );
    let msg_id = header(&seen, "webhook-id");
    assert_eq!(header(&seen, "x-zm-trackingid"), msg_id);
    let signatures = header(&seen, "webhook-signature");
    let expected_new = standard_signature(&token, &msg_id, ts, &seen.body).unwrap();
    let expected_old = standard_signature(&old_token, &msg_id, ts, &seen.body).unwrap();
    assert_eq!(signatures, format!("{expected_new} {expected_old}"));
    assert_eq!(header(&seen, "user-agent"), "Portico-Webhook/1");
    assert_eq!(header(&seen, "content-type"), "application/json");

    let sub_id = sub["id"].as_str().unwrap();
    let res = open
        .call(
            "delete_subscription",
            &[("id", &id), ("subscription_id", sub_id)],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        features(&open, &dev, &id).await["subscriptions"],
        serde_json::json!([])
    );
}

async fn a_failing_endpoint_shows_what_was_sent_and_received(app: &TestApp) {
    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let (dev, id) = open
        .developer_with_app("failing@example.com", "marketplace.user_managed")
        .await;
    let (url, _) = endpoint("fail", Arc::new(Mutex::new(String::new()))).await;
    let res = subscribe(&open, &dev, &id, &url).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = res.json();
    assert_eq!(err["kind"], "endpoint_check");
    assert_eq!(err["status"], 500);
    assert!(err["problem"].as_str().unwrap().contains("500"));
    assert!(err["sent"]
        .as_str()
        .unwrap()
        .contains("endpoint.url_validation"));
    assert!(err["sent"]
        .as_str()
        .unwrap()
        .contains("x-zm-signature: v0="));
    assert_eq!(err["received_body"], "database down at the receiver");
    assert!(err["received_headers"]
        .as_str()
        .unwrap()
        .contains("content-length"));
    assert_eq!(
        features(&open, &dev, &id).await["subscriptions"],
        serde_json::json!([]),
        "nothing saved"
    );

    let token = Arc::new(Mutex::new(String::new()));
    let (url, _) = endpoint("wrong", token).await;
    let res = subscribe(&open, &dev, &id, &url).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.json()["problem"]
        .as_str()
        .unwrap()
        .contains("encryptedToken"));
    // An endpoint that is not there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let res = subscribe(&open, &dev, &id, &format!("http://127.0.0.1:{closed}/hook")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.json()["status"].is_null());
    assert_eq!(
        features(&open, &dev, &id).await["subscriptions"],
        serde_json::json!([])
    );
}

async fn private_endpoints_are_refused_unless_allowed(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("private@example.com", "private.webhook_only")
        .await;
    let token = features(app, &dev, &id).await["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (url, seen) = endpoint("answer", Arc::new(Mutex::new(token))).await;
    let res = subscribe(app, &dev, &id, &url).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.json()["problem"]
            .as_str()
            .unwrap()
            .contains("private or local"),
        "{}",
        res.body
    );
    assert!(seen.lock().unwrap().body.is_empty(), "nothing was sent");
}

async fn subscriptions_are_validated_and_private_to_the_account(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("validate@example.com", "private.webhook_only")
        .await;
    let res = app
        .call(
            "save_subscription",
            &[
                ("id", &id),
                ("name", ""),
                ("development_url", "http://example.com/x"),
                ("production_url", ""),
            ],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = res.json()["fields"].to_string();
    for field in ["name", "development_url", "events"] {
        assert!(fields.contains(field), "{fields}");
    }
    let res = app
        .call(
            "save_deauthorization_url",
            &[("id", &id), ("deauthorization_url", "ftp://x")],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .call(
            "save_deauthorization_url",
            &[
                ("id", &id),
                ("deauthorization_url", "https://hooks.example/deauth"),
            ],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        features(app, &dev, &id).await["deauthorization_url"],
        "https://hooks.example/deauth"
    );

    let other = app
        .sign_up("outsider@example.com", "Out", "correct horse battery")
        .await;
    assert_eq!(
        app.call("features_page", &[("id", &id)], Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("rotate_secret_token", &[("id", &id)], Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("features_page", &[("id", &id)], None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn set_active(
    app: &TestApp,
    cookie: &str,
    id: &str,
    sub_id: &str,
    active: &str,
) -> crate::support::TestResponse {
    app.call(
        "set_subscription_active",
        &[("id", id), ("subscription_id", sub_id), ("active", active)],
        Some(cookie),
    )
    .await
}

async fn a_subscription_turns_off_and_on_again_after_a_new_challenge(app: &TestApp) {
    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let (dev, id) = open
        .developer_with_app("toggle@example.com", "private.webhook_only")
        .await;
    let token = features(&open, &dev, &id).await["secret_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer_with = Arc::new(Mutex::new(token.clone()));
    let (url, _) = endpoint("answer", answer_with.clone()).await;
    let res = subscribe(&open, &dev, &id, &url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let disabled = |page: serde_json::Value| page["subscriptions"][0]["disabled"].clone();
    let page = features(&open, &dev, &id).await;
    let sub_id = page["subscriptions"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(disabled(page), false);

    let res = set_active(&open, &dev, &id, &sub_id, "off").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(disabled(features(&open, &dev, &id).await), true);

    // On again only once the endpoint answers the challenge again.
    *answer_with.lock().unwrap() = "not the token any more".to_owned();
    let res = set_active(&open, &dev, &id, &sub_id, "on").await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.body);
    assert_eq!(res.json()["kind"], "endpoint_check", "{}", res.body);
    assert_eq!(disabled(features(&open, &dev, &id).await), true);
    *answer_with.lock().unwrap() = token;
    let res = set_active(&open, &dev, &id, &sub_id, "on").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(disabled(features(&open, &dev, &id).await), false);

    // Only "on" and "off"; only the app's own subscriptions; only its
    // account.
    let res = set_active(&open, &dev, &id, &sub_id, "maybe").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = set_active(&open, &dev, &id, "sub_someone_else", "off").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let other = open
        .sign_up(
            "toggle-outsider@example.com",
            "Out",
            "correct horse battery",
        )
        .await;
    let res = set_active(&open, &other, &id, &sub_id, "off").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(disabled(features(&open, &dev, &id).await), false);
}

/// Team chat events reach chat bots only, and `app_deauthorized` goes to
/// the deauthorization endpoint, not to a subscription: the page offers
/// neither elsewhere, and the server refuses them.
async fn an_app_subscribes_only_to_what_its_type_receives(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("kinds@example.com", "marketplace.user_managed")
        .await;
    for (event, says) in [
        ("bot_notification", "chat bots only"),
        ("app_deauthorized", "deauthorization endpoint"),
    ] {
        let res = app
            .call(
                "save_subscription",
                &[
                    ("id", &id),
                    ("name", "Sync"),
                    ("development_url", "https://hooks.example/x"),
                    ("production_url", ""),
                    ("events[0]", event),
                ],
                Some(&dev),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains(says), "{}", res.body);
    }
    let page = app.get(&format!("/apps/{id}/features"), Some(&dev)).await;
    assert!(page.body.contains("value=\"meeting.created\""));
    assert!(!page.body.contains("value=\"bot_notification\""));
    assert!(!page.body.contains("value=\"app_deauthorized\""));

    let (bot_dev, bot) = app
        .developer_with_app("bots@example.com", "marketplace.chat_bot")
        .await;
    let page = app
        .get(&format!("/apps/{bot}/features"), Some(&bot_dev))
        .await;
    assert!(
        page.body.contains("value=\"bot_notification\""),
        "a chat bot is offered its events"
    );
}

/// The deauthorization endpoint is saved only under the rules of
/// subscription endpoints: no private or local address in any notation,
/// not Portico itself; a refused one leaves the saved one as it was.
async fn the_deauthorization_url_meets_the_endpoint_address_rules(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("deauth-rules@example.com", "marketplace.user_managed")
        .await;
    let save = |url: &'static str| {
        let (dev, id) = (dev.clone(), id.clone());
        async move {
            app.call(
                "save_deauthorization_url",
                &[("id", &id), ("deauthorization_url", url)],
                Some(&dev),
            )
            .await
        }
    };
    let res = save("https://203.0.113.7/deauth").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for bad in [
        "https://10.0.0.1/deauth",
        "https://169.254.169.254/latest/meta-data",
        "http://localhost:4000/deauth",
        "http://127.0.0.1:9/deauth",
        "https://[::ffff:127.0.0.1]/deauth",
        "https://[64:ff9b:1::a00:1]/deauth",
        "https://0x7f.1/deauth",
    ] {
        let res = save(bad).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            res.body
        );
        let message = res.json()["fields"].to_string();
        assert!(
            message.contains("deauthorization_url") && message.contains("private or local"),
            "{bad}: {message}"
        );
    }
    assert_eq!(
        features(app, &dev, &id).await["deauthorization_url"],
        "https://203.0.113.7/deauth",
        "nothing half-saved"
    );
    // Portico itself is refused even where private addresses are allowed.
    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let own = format!("{}/api/uninstall", open.state.config.base_url());
    let res = open
        .call(
            "save_deauthorization_url",
            &[("id", &id), ("deauthorization_url", &own)],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Portico itself"), "{}", res.body);
    let res = open
        .call(
            "save_deauthorization_url",
            &[
                ("id", &id),
                ("deauthorization_url", "http://127.0.0.1:9/deauth"),
            ],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "allowed here: {}", res.body);
}
