//! The Marketplace's kept pages (`server/page_cache.rs`): a visitor
//! without a session may get a copy drawn for someone else a moment ago,
//! but with a script nonce of its own; signed-in pages are never kept;
//! and any change forgets every copy, so a publish shows at once.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::{TestApp, TestResponse};

on_both_databases!(kept_pages_get_their_own_nonce_and_go_after_any_change);

fn nonce(res: &TestResponse) -> String {
    let csp = res.header("content-security-policy");
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("page CSP has a nonce: {csp}"))
        .to_owned()
}

async fn kept_pages_get_their_own_nonce_and_go_after_any_change(app: &TestApp) {
    let pages = &app.state.caches.pages;
    let first = app.get("/marketplace?q=notes", None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(pages.len(), 1, "kept");
    let second = app.get("/marketplace?q=notes", None).await;
    assert_eq!(second.status, StatusCode::OK);
    let (a, b) = (nonce(&first), nonce(&second));
    assert_ne!(a, b, "every answer has a nonce of its own");
    assert!(
        second.body.contains(&format!("nonce=\"{b}\"")),
        "the copy carries its CSP's nonce"
    );
    assert!(!second.body.contains(&a), "and nothing of the first one's");
    assert_eq!(
        first.body.replace(&a, "N"),
        second.body.replace(&b, "N"),
        "the same page otherwise"
    );
    for header in ["x-frame-options", "x-content-type-options", "x-request-id"] {
        assert!(!second.header(header).is_empty(), "{header} on a copy");
    }

    // Any change forgets every copy (here, a sign-up).
    let cookie = app
        .sign_up("cache@example.com", "Cached Casey", "correct horse battery")
        .await;
    assert!(pages.is_empty(), "forgotten after a change");
    // A signed-in page is drawn for its viewer and never kept.
    let mine = app.get("/marketplace?q=notes", Some(&cookie)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Cached Casey"), "drawn for its viewer");
    assert!(pages.is_empty(), "not kept");
    // Nor a HEAD, nor an error page.
    let missing = app.get("/marketplace/app_nothing_here", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(pages.is_empty());
}
