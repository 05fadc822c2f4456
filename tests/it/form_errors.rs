//! The error a failed plain form post carries back to its page in the URL
//! (Leptos' `__path` and `__err`): pages show only errors the server wrote.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;

use crate::on_both_databases;
use crate::support::{form_body, TestApp};

const PASSWORD: &str = "correct horse battery";
const ORIGIN: &str = "http://127.0.0.1:3000";
const ATTACKER_TEXT: &str = "Your account is locked, call 555-0100";

on_both_databases!(
    a_crafted_error_in_the_url_is_not_shown,
    a_real_error_is_shown_and_cannot_be_reworded,
    a_second_failure_replaces_the_first,
    a_signed_error_is_only_good_for_its_session_page_and_ten_minutes,
    dropping_a_crafted_error_never_leaves_the_site,
);

/// `__err` as Leptos writes it: base64 (URL alphabet) of the error's JSON.
fn encoded(error: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(error.to_string())
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_body(pairs)
}

/// A failed sign-in without JavaScript, from the page at `referer`;
/// returns the Location the browser is sent back to.
async fn failed_plain_sign_in(app: &TestApp, referer: &str) -> String {
    let req = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, referer)
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(form_body(&[
            ("email", "nojs@example.com"),
            ("password", "not the password"),
        ])))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let location = res.header("location");
    assert!(location.starts_with(ORIGIN), "{location}");
    location.trim_start_matches(ORIGIN).to_owned()
}

async fn a_crafted_error_in_the_url_is_not_shown(app: &TestApp) {
    let crafted = [
        serde_json::json!({"kind": "refused", "message": ATTACKER_TEXT}),
        serde_json::json!({"kind": "too_many_attempts", "message": ATTACKER_TEXT}),
        serde_json::json!({"kind": "invalid", "fields": [["email", ATTACKER_TEXT]]}),
        serde_json::json!({"kind": "internal", "request_id": ATTACKER_TEXT}),
        serde_json::json!({"kind": "transport", "message": ATTACKER_TEXT}),
    ];
    for error in &crafted {
        let err = encoded(error);
        for signature in [None, Some("AAAA"), Some("")] {
            let mut pairs = vec![
                ("next", "/apps"),
                ("__path", "/api/sign_in"),
                ("__err", &err),
            ];
            if let Some(signature) = signature {
                pairs.push(("__sig", signature));
            }
            let page = app.get(&format!("/signin?{}", query(&pairs)), None).await;
            assert!(
                !page.body.contains("555-0100"),
                "{error} shown: {}",
                page.body
            );
            // Sent to the same page without it, so that the browser does
            // not show it either (it cannot check the signature).
            assert_eq!(page.status, StatusCode::FOUND, "{error}");
            assert_eq!(page.header("location"), "/signin?next=%2Fapps");
        }
    }
    // Not base64, not JSON: the decoding error is not shown either.
    let page = app
        .get(
            &format!(
                "/signin?{}",
                query(&[("__path", "/api/sign_in"), ("__err", "<b>555-0100</b>")])
            ),
            None,
        )
        .await;
    assert!(!page.body.contains("555-0100"));
    assert_eq!(page.header("location"), "/signin");
    // The clean address renders normally.
    let page = app.get("/signin?next=%2Fapps", None).await;
    assert_eq!(page.status, StatusCode::OK);
}

async fn a_real_error_is_shown_and_cannot_be_reworded(app: &TestApp) {
    app.sign_up("nojs@example.com", "No JS", PASSWORD).await;
    let back = failed_plain_sign_in(app, &format!("{ORIGIN}/signin?next=%2Fapps")).await;
    assert!(back.starts_with("/signin?next=%2Fapps&"), "{back}");
    assert!(back.contains("__sig="), "{back}");
    let page = app.get(&back, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Email or password is incorrect."),
        "{}",
        page.body
    );

    // The same signature with other words is refused.
    let url = url::Url::parse(&format!("{ORIGIN}{back}")).unwrap();
    let forged: Vec<(String, String)> = url
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "__err" {
                encoded(&serde_json::json!({"kind": "refused", "message": ATTACKER_TEXT}))
            } else {
                value.into_owned()
            };
            (key.into_owned(), value)
        })
        .collect();
    let forged = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(forged)
        .finish();
    let page = app.get(&format!("/signin?{forged}"), None).await;
    assert!(!page.body.contains("555-0100"));
    assert_eq!(page.status, StatusCode::FOUND);
    // Nor is it good for another server function's form.
    let moved = back.replace("%2Fapi%2Fsign_in", "%2Fapi%2Fsign_up");
    assert_ne!(moved, back);
    let page = app.get(&moved.replace("/signin", "/signup"), None).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert!(!page.body.contains("Email or password is incorrect."));
}

async fn a_second_failure_replaces_the_first(app: &TestApp) {
    app.sign_up("nojs@example.com", "No JS", PASSWORD).await;
    let first = failed_plain_sign_in(app, &format!("{ORIGIN}/signin")).await;
    let second = failed_plain_sign_in(app, &format!("{ORIGIN}{first}")).await;
    for param in ["__path=", "__err=", "__sig="] {
        assert_eq!(second.matches(param).count(), 1, "{param} in {second}");
    }
    let page = app.get(&second, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Email or password is incorrect."));
}

/// A real signature is bound to the session that posted, the page the
/// form was on, and ten minutes: copied into a link for someone else,
/// another page, or later, it is not shown (some messages repeat what
/// was typed, so a replayed one would put the poster's words before
/// another person).
async fn a_signed_error_is_only_good_for_its_session_page_and_ten_minutes(app: &TestApp) {
    let owner = app.sign_up("poster@example.com", "Poster", PASSWORD).await;
    let id = app
        .create_app_as(&owner, "private.account_level", "Scoped")
        .await;
    let scopes_page = format!("{ORIGIN}/apps/{id}/scopes");
    let req = Request::post("/api/save_scopes")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, &scopes_page)
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, &owner)
        .body(Body::from(form_body(&[
            ("id", &id),
            ("scopes[0]", "call 555-0100"),
        ])))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let back = res.header("location").trim_start_matches(ORIGIN).to_owned();
    assert!(back.contains("__sig="), "{back}");
    // The poster sees their own error.
    let page = app.get(&back, Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("555-0100"), "{}", page.body);

    // Another person of the same account, same link: not shown.
    let other = app.join_as(&owner, "victim@example.com", "admin").await;
    let page = app.get(&back, Some(&other)).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert!(!page.body.contains("555-0100"));
    assert!(!page.header("location").contains("__err"));

    // The same session, on another page that has the same form: not shown.
    let other_app = app
        .create_app_as(&owner, "private.account_level", "Other Scoped")
        .await;
    let elsewhere = back.replace(&id, &other_app);
    assert_ne!(elsewhere, back);
    let page = app.get(&elsewhere, Some(&owner)).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);

    // Eleven minutes later: not shown.
    app.clock.advance_ms(11 * 60 * 1000);
    let page = app.get(&back, Some(&owner)).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert!(!page.body.contains("555-0100"));
}

/// The page's answer to a crafted error goes to the same address without
/// it, and an address that starts with `//` (a path to the server, a host
/// to the browser) is not followed off the site.
async fn dropping_a_crafted_error_never_leaves_the_site(app: &TestApp) {
    let err = encoded(&serde_json::json!({"kind": "refused", "message": "x"}));
    let path = format!(
        "//evil.example?{}",
        query(&[("__path", "/api/sign_out"), ("__err", &err)])
    );
    let page = app.get(&path, None).await;
    let location = page.header("location");
    assert!(
        location.is_empty() || (location.starts_with('/') && !location.starts_with("//")),
        "{} {location}",
        page.status
    );
}
