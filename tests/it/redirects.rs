//! Where the browser goes after signing in: only a path on this site.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::on_both_databases;
use crate::support::{form_body, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    next_leads_only_to_a_path_on_this_site,
    a_newline_in_next_goes_home_instead_of_failing,
    a_token_that_cannot_be_a_header_does_not_fail,
);

/// `next` values that would lead off the site (or break the response),
/// as the sign-in form posts them (the page has decoded the query).
const OFF_SITE: [&str; 11] = [
    // `/%09/evil.example`: browsers drop the tab, leaving `//evil.example`.
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "evil.example",
    "/\r\nSet-Cookie:x=1",
    "",
];

async fn sign_in(app: &TestApp, next: &str, accept: &str) -> crate::support::TestResponse {
    let req = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, accept)
        .header(header::REFERER, "http://127.0.0.1:3000/signin")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .body(Body::from(form_body(&[
            ("email", "me@example.com"),
            ("password", PASSWORD),
            ("next", next),
        ])))
        .unwrap();
    app.send(req).await
}

async fn next_leads_only_to_a_path_on_this_site(app: &TestApp) {
    app.sign_up("me@example.com", "Me", PASSWORD).await;
    for next in OFF_SITE {
        let res = sign_in(app, next, "application/json").await;
        assert_eq!(res.status, StatusCode::OK, "{next:?}: {}", res.body);
        assert_eq!(res.header("location"), "/", "{next:?}");
        assert!(res.session_cookie().is_some(), "{next:?}: signed in");
    }
    // A NUL is refused before sign-in runs, as in any field (invalid
    // input beside it), never a 500 or a redirect.
    let res = sign_in(app, "/apps\u{0}", "application/json").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("next"), "{}", res.body);
    // Same-origin paths are kept, query and all; percent-escapes stay
    // escapes (no header can be split by them).
    for next in [
        "/apps?x=1",
        "/apps/app_1/credentials",
        "/%0d%0aSet-Cookie:x=1",
    ] {
        let res = sign_in(app, next, "application/json").await;
        assert_eq!(res.status, StatusCode::OK, "{next:?}: {}", res.body);
        assert_eq!(res.header("location"), next);
        assert!(
            res.headers
                .get_all(header::SET_COOKIE)
                .iter()
                .all(|v| !v.to_str().unwrap_or_default().starts_with("x=")),
            "{next:?}"
        );
    }
}

async fn a_newline_in_next_goes_home_instead_of_failing(app: &TestApp) {
    app.sign_up("me@example.com", "Me", PASSWORD).await;
    // A browser without JavaScript: the answer is a real redirect.
    for next in [
        "/\n",
        "/x\r\nSet-Cookie:x=1",
        "/\t/evil.example",
        "/apps?x=1",
    ] {
        let res = sign_in(app, next, "text/html,application/xhtml+xml").await;
        assert_eq!(res.status, StatusCode::FOUND, "{next:?}: {}", res.body);
        let expected = if next == "/apps?x=1" { next } else { "/" };
        assert_eq!(res.header("location"), expected, "{next:?}");
    }
}

async fn a_token_that_cannot_be_a_header_does_not_fail(app: &TestApp) {
    let me = app.sign_up("me@example.com", "Me", PASSWORD).await;
    // An unknown invite sends back to its page, which explains; the token
    // is escaped on the way rather than breaking the Location header.
    let res = app
        .call("accept_invite", &[("token", "x\r\ny")], Some(&me))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("location"), "/invite/x%0D%0Ay");
    let res = app
        .call(
            "sign_in",
            &[
                ("email", "me@example.com"),
                ("password", PASSWORD),
                ("invite", "x\ny/../..//evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let location = res.header("location");
    assert!(location.starts_with("/invite/x%0Ay%2F"), "{location}");
}
