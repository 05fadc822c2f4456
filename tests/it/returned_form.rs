//! A refused plain form post (no JavaScript) comes back with every field as
//! typed, valid and invalid, the error beside the refused one; the fields
//! are read once, by the session that posted them, and never a password.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::on_both_databases;
use crate::support::{form_body, TestApp};

const ORIGIN: &str = "http://127.0.0.1:3000";

on_both_databases!(
    a_refused_listing_comes_back_as_typed_once,
    only_the_posting_session_gets_the_fields_back,
    passwords_are_never_kept,
    kept_fields_expire,
);

/// A plain post of `fields` to server function `name` from the page at
/// `page`; returns where the browser is sent (path and query).
async fn plain_post(
    app: &TestApp,
    name: &str,
    page: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
) -> String {
    let mut req = Request::post(format!("/api/{name}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, format!("{ORIGIN}{page}"))
        .header(header::ORIGIN, ORIGIN);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let res = app
        .send(req.body(Body::from(form_body(fields))).unwrap())
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    res.header("location").trim_start_matches(ORIGIN).to_owned()
}

/// An app and a refused post of its listing: a valid short description,
/// a long one that tries to end the text area, an http privacy URL (the
/// refused field) and two categories.
async fn refused_listing(app: &TestApp, email: &str) -> (String, String, String) {
    let (cookie, id) = app
        .developer_with_app(email, "marketplace.user_managed")
        .await;
    let page = format!("/apps/{id}/information");
    let back = plain_post(
        app,
        "update_information",
        &page,
        &[
            ("id", &id),
            ("name", "Typed Name"),
            ("short_description", "Typed but never saved? No: saved."),
            ("long_description", "Ends </textarea><b>here</b>"),
            ("contact_name", ""),
            ("contact_email", ""),
            ("privacy_url", "http://typed.example/privacy"),
            ("support_url", ""),
            ("configure_url", ""),
            ("categories[1]", "collaboration"),
            ("categories[8]", "productivity"),
        ],
        Some(&cookie),
    )
    .await;
    (cookie, id, back)
}

async fn a_refused_listing_comes_back_as_typed_once(app: &TestApp) {
    let (cookie, id, back) = refused_listing(app, "typed@example.com").await;
    assert!(
        back.starts_with(&format!("/apps/{id}/information?")),
        "{back}"
    );
    assert!(
        back.contains("__err=") && back.contains("__form="),
        "{back}"
    );
    let page = app.get(&back, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The refused field as typed, with its message beside it.
    assert!(page.body.contains("value=\"http://typed.example/privacy\""));
    assert!(page.body.contains("Use an https:// address"));
    // The others as typed too, escaped where they are shown.
    assert!(page.body.contains("value=\"Typed Name\""));
    assert!(page
        .body
        .contains("Ends &lt;/textarea&gt;&lt;b&gt;here&lt;/b&gt;"));
    assert!(!page.body.contains("<b>here</b>"));
    for slug in ["collaboration", "productivity"] {
        let input = input_tag(&page.body, &format!("id=\"category-{slug}\""));
        assert!(input.contains("checked"), "{input}");
    }
    let unchecked = input_tag(&page.body, "id=\"category-analytics\"");
    assert!(!unchecked.contains("checked"), "{unchecked}");

    // Read once: the same address again shows what is saved.
    let again = app.get(&back, Some(&cookie)).await;
    assert!(!again.body.contains("http://typed.example/privacy"));
    assert!(
        again.body.contains("value=\"Typed Name\""),
        "the valid name was saved"
    );
}

async fn only_the_posting_session_gets_the_fields_back(app: &TestApp) {
    let (cookie, id, back) = refused_listing(app, "owner@example.com").await;
    // Someone else with the link (signed in elsewhere, or signed out)
    // gets nothing typed; the posting session could still read it.
    let other = app
        .sign_up("other@example.com", "Other", "correct horse battery")
        .await;
    let page = app.get(&back, Some(&other)).await;
    assert!(!page.body.contains("http://typed.example/privacy"));
    let page = app.get(&back, None).await;
    assert!(!page.body.contains("http://typed.example/privacy"));
    assert_eq!(
        waiting(app).await,
        1,
        "still there for the session that posted ({id})"
    );
    let page = app.get(&back, Some(&cookie)).await;
    assert!(page.body.contains("value=\"http://typed.example/privacy\""));
}

async fn passwords_are_never_kept(app: &TestApp) {
    let back = plain_post(
        app,
        "sign_in",
        "/signin",
        &[
            ("email", "nobody@example.com"),
            ("password", "the typed password"),
        ],
        None,
    )
    .await;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT fields FROM returned_forms")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].0.contains("the typed password"), "{}", rows[0].0);
    let page = app.get(&back, None).await;
    assert!(page.body.contains("value=\"nobody@example.com\""));
    assert!(!page.body.contains("the typed password"));
}

async fn kept_fields_expire(app: &TestApp) {
    let (cookie, _, back) = refused_listing(app, "late@example.com").await;
    app.clock.advance_ms(11 * 60 * 1000);
    let page = app.get(&back, Some(&cookie)).await;
    assert!(!page.body.contains("http://typed.example/privacy"));
    assert_eq!(waiting(app).await, 1, "expired: not handed out");
    // The next refused post sweeps it away.
    refused_listing(app, "later@example.com").await;
    assert_eq!(waiting(app).await, 1);
}

async fn waiting(app: &TestApp) -> i64 {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM returned_forms")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    count
}

/// The `<input …>` tag holding `marker`.
fn input_tag(body: &str, marker: &str) -> String {
    let at = body
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"));
    let start = body[..at].rfind('<').unwrap();
    let end = at + body[at..].find('>').unwrap();
    body[start..=end].to_owned()
}
