//! OAuth client credentials: made and shown once, stored hashed, rotated
//! with a grace period, revocable; none for webhook-only apps.

use axum::http::StatusCode;
use portico::server::ids::hash_secret;

use crate::oauth::{basic, post_oauth};
use crate::on_both_databases;
use crate::support::TestApp;

const DAY_MS: i64 = 24 * 3_600_000;

on_both_databases!(
    a_secret_is_shown_once_and_stored_hashed,
    rotation_keeps_the_old_secret_for_the_grace_period,
    production_is_inactive_until_published,
    webhook_only_apps_and_other_accounts_have_none,
    without_javascript_the_secret_reaches_the_page_once,
);

async fn generate(app: &TestApp, cookie: &str, id: &str, env: &str) -> serde_json::Value {
    let res = app
        .call(
            "generate_secret",
            &[("id", id), ("environment", env)],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// Whether the token endpoints accept the client id and secret (asked
/// through introspection, which authenticates the client first).
async fn authenticates(app: &TestApp, client_id: &str, secret: &str) -> bool {
    let res = post_oauth(
        app,
        "/oauth/introspect",
        &[("token", "none")],
        Some(&basic(client_id, secret)),
    )
    .await;
    match res.status {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("introspection answered {other}: {}", res.body),
    }
}

async fn a_secret_is_shown_once_and_stored_hashed(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("creds1@example.com", "marketplace.user_managed")
        .await;
    let made = generate(app, &dev, &id, "development").await;
    let secret = made["client_secret"].as_str().unwrap();
    let client_id = made["client_id"].as_str().unwrap();
    assert_eq!(secret.len(), 43, "256 bits in base64url");
    assert_eq!(client_id.len(), 22);
    assert!(made["old_secret"].is_null());
    assert!(authenticates(app, client_id, secret).await);
    assert!(!authenticates(app, client_id, "not-the-secret").await);

    let listed = app
        .call("app_credentials", &[("id", &id)], Some(&dev))
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains(secret), "never shown again");
    assert_eq!(listed.json()[0]["client_id"], client_id);
    let stored: Vec<(String,)> = sqlx::query_as("SELECT secret_hash FROM app_credentials")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, [(hash_secret(secret),)], "only the SHA-256 is kept");

    let bad = app
        .call(
            "generate_secret",
            &[("id", &id), ("environment", "staging")],
            Some(&dev),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn rotation_keeps_the_old_secret_for_the_grace_period(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("creds2@example.com", "private.account_level")
        .await;
    let first = generate(app, &dev, &id, "development").await;
    let second = generate(app, &dev, &id, "development").await;
    let client_id = first["client_id"].as_str().unwrap();
    assert_eq!(second["client_id"], client_id, "the client id stays");
    assert!(second["old_secret"]["remaining"]
        .as_str()
        .is_some_and(|left| left.starts_with("23 h") || left == "24 h"));
    let (old, new) = (
        first["client_secret"].as_str().unwrap(),
        second["client_secret"].as_str().unwrap(),
    );
    assert_ne!(old, new);
    assert!(authenticates(app, client_id, old).await, "old still valid");
    assert!(authenticates(app, client_id, new).await);
    app.clock.advance_ms(DAY_MS + 1);
    assert!(
        !authenticates(app, client_id, old).await,
        "grace period over"
    );
    assert!(authenticates(app, client_id, new).await);

    // Rotate again, then end the grace period at once.
    let third = generate(app, &dev, &id, "development").await;
    let newest = third["client_secret"].as_str().unwrap();
    assert!(authenticates(app, client_id, new).await);
    let res = app
        .call(
            "revoke_old_secret",
            &[("id", &id), ("environment", "development")],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!authenticates(app, client_id, new).await);
    assert!(authenticates(app, client_id, newest).await);
    let listed = app
        .call("app_credentials", &[("id", &id)], Some(&dev))
        .await
        .json();
    assert!(listed[0]["old_secret"].is_null());
}

async fn production_is_inactive_until_published(app: &TestApp) {
    let (dev, id) = app
        .developer_with_app("creds3@example.com", "marketplace.chat_bot")
        .await;
    generate(app, &dev, &id, "development").await;
    generate(app, &dev, &id, "production").await;
    let listed = app
        .call("app_credentials", &[("id", &id)], Some(&dev))
        .await
        .json();
    let envs: Vec<(String, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["environment"].as_str().unwrap().to_owned(),
                e["active"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        envs,
        [
            ("development".to_owned(), true),
            ("production".to_owned(), false)
        ]
    );
    assert_ne!(listed[0]["client_id"], listed[1]["client_id"]);
}

async fn webhook_only_apps_and_other_accounts_have_none(app: &TestApp) {
    let (dev, hook) = app
        .developer_with_app("creds4@example.com", "private.webhook_only")
        .await;
    let res = app
        .call(
            "generate_secret",
            &[("id", &hook), ("environment", "development")],
            Some(&dev),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res
        .body
        .contains("Webhook-only apps have no OAuth credentials"));
    // Its Credentials page's data: the app, and no credentials or settings.
    let data = app
        .call("credentials_page", &[("id", &hook)], Some(&dev))
        .await;
    assert_eq!(data.status, StatusCode::OK, "{}", data.body);
    let data = data.json();
    assert_eq!(data["app"]["id"], hook.as_str());
    assert_eq!(data["environments"], serde_json::json!([]));
    assert!(data["settings"].is_null());
    let page = app
        .get(&format!("/apps/{hook}/credentials"), Some(&dev))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("Webhook-only apps have no OAuth credentials: they only receive events."));

    let (owner, id) = app
        .developer_with_app("creds5@example.com", "private.user_managed")
        .await;
    generate(app, &owner, &id, "development").await;
    for (name, form) in [
        ("app_credentials", vec![("id", id.as_str())]),
        ("credentials_page", vec![("id", id.as_str())]),
        (
            "generate_secret",
            vec![("id", id.as_str()), ("environment", "development")],
        ),
        (
            "revoke_old_secret",
            vec![("id", id.as_str()), ("environment", "development")],
        ),
    ] {
        let res = app.call(name, &form, Some(&dev)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{name}");
    }
    let signed_out = app.call("app_credentials", &[("id", &id)], None).await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    // The owner's page data holds the app, its credentials and settings.
    let data = app
        .call("credentials_page", &[("id", &id)], Some(&owner))
        .await
        .json();
    assert_eq!(data["app"]["id"], id.as_str());
    assert_eq!(data["environments"][0]["environment"], "development");
    assert!(data["settings"]["allow_list"].is_string());
}

async fn without_javascript_the_secret_reaches_the_page_once(app: &TestApp) {
    use axum::body::Body;
    use axum::http::{header, Request};
    let (dev, id) = app
        .developer_with_app("creds6@example.com", "marketplace.account_level")
        .await;
    let page = format!("/apps/{id}/credentials");
    let posted = app
        .send(
            Request::post("/api/generate_secret")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .header("sec-fetch-site", "same-origin")
                .header(header::COOKIE, &dev)
                .body(Body::from(crate::support::form_body(&[
                    ("id", &id),
                    ("environment", "development"),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(posted.status, StatusCode::FOUND, "{}", posted.body);
    assert_eq!(posted.header("location"), page);
    let flash = posted
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portico_new_secret="))
        .expect("a flash cookie")
        .to_owned();
    assert!(flash.contains("HttpOnly") && flash.contains("SameSite=Strict"));
    assert!(flash.contains(&format!("Path={page}")));
    let flash_pair = flash.split(';').next().unwrap().to_owned();

    let shown = app.get(&page, Some(&format!("{dev}; {flash_pair}"))).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("New development client secret"));
    let cleared = shown
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("portico_new_secret=;") && v.contains("Max-Age=0"));
    assert!(cleared, "the page forgets it");
    // The secret on the page is the one that authenticates.
    let listed = app
        .call("app_credentials", &[("id", &id)], Some(&dev))
        .await
        .json();
    let client_id = listed[0]["client_id"].as_str().unwrap();
    let secret = shown
        .body
        .split("id=\"new-secret\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("the secret in the page")
        .to_owned();
    assert!(authenticates(app, client_id, &secret).await);
    // Without the cookie it is not shown again.
    let again = app.get(&page, Some(&dev)).await;
    assert!(!again.body.contains(&secret));
    assert!(!again.body.contains("New development client secret"));
}
