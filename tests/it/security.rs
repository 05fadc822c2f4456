//! Cross-site refusal, security headers (HSTS behind https), cookies,
//! shared sessions, and what a member removed from an account keeps.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::on_both_databases;
use crate::support::{form_body, TestApp};

on_both_databases!(
    cross_site_state_changes_are_refused,
    every_response_carries_security_headers,
    session_cookie_is_http_only_and_same_site,
    sessions_are_shared_by_two_instances,
    healthz_answers_without_a_session,
    internal_errors_show_a_request_id_not_the_detail,
    concurrent_pages_each_carry_their_own_nonce,
    pkg_files_are_served_from_disk_and_revalidated,
    behind_https_hsts_and_a_host_prefixed_session_cookie,
    a_removed_members_tokens_end_in_the_account_they_left,
);

fn sign_up_request(extra: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::post("/api/sign_up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "127.0.0.1:3000");
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    req.body(Body::from(form_body(&[
        ("email", "victim@example.com"),
        ("display_name", "Victim"),
        ("password", "correct horse battery"),
    ])))
    .unwrap()
}

async fn cross_site_state_changes_are_refused(app: &TestApp) {
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
        &[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://127.0.0.1:3000"),
        ][..],
    ] {
        let res = app.send(sign_up_request(headers)).await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{headers:?} must be refused"
        );
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0, "no refused request got through");

    // Same-origin browsers and non-browser clients pass.
    let res = app
        .send(sign_up_request(&[("origin", "http://127.0.0.1:3000")]))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Routes authenticated by an Authorization header are not cookie-based:
    // the check does not apply (this one does not exist yet: 404, not 403).
    let res = app
        .send(
            Request::post("/v2/users/me/meetings")
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(res.status, StatusCode::FORBIDDEN);
    // GET is never refused.
    let res = app
        .send(
            Request::get("/")
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn every_response_carries_security_headers(app: &TestApp) {
    let page = app.get("/signin", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.header("content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("page CSP has a nonce: {csp}"));
    assert!(nonce.len() >= 16);
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the nonce"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    let again = app.get("/signin", None).await;
    assert!(
        !again.header("content-security-policy").contains(nonce),
        "a fresh nonce per page"
    );

    for res in [
        page,
        app.get("/healthz", None).await,
        app.call("current_user", &[], None).await,
    ] {
        assert_eq!(res.header("x-content-type-options"), "nosniff");
        assert_eq!(res.header("x-frame-options"), "DENY");
        assert_eq!(res.header("referrer-policy"), "same-origin");
        assert!(res
            .header("content-security-policy")
            .contains("default-src 'self'"));
        assert!(
            !res.header("x-request-id").is_empty(),
            "request id returned"
        );
    }
}

async fn session_cookie_is_http_only_and_same_site(app: &TestApp) {
    let res = app
        .call(
            "sign_up",
            &[
                ("email", "c@example.com"),
                ("display_name", "C"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    let set_cookie = res.session_set_cookie();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "plain http by default: {set_cookie}"
    );
    let token = res
        .session_cookie()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    assert_eq!(token.len(), 43, "256-bit token");

    let https = app
        .with_config(|c| c.public_url = "https://portico.example.com".into())
        .await;
    let res = https
        .call(
            "sign_in",
            &[
                ("email", "c@example.com"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    let set_cookie = host_session_set_cookie(&res);
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

/// The Set-Cookie of the `__Host-` session cookie, or "".
fn host_session_set_cookie(res: &crate::support::TestResponse) -> String {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-portico_session="))
        .unwrap_or_default()
        .to_owned()
}

async fn behind_https_hsts_and_a_host_prefixed_session_cookie(app: &TestApp) {
    // Over plain http: no HSTS, the plain cookie name.
    let cookie = app
        .sign_up("tls@example.com", "Tls", "correct horse battery")
        .await;
    assert!(cookie.starts_with("portico_session="));
    for res in [app.get("/", None).await, app.get("/healthz", None).await] {
        assert_eq!(res.header("strict-transport-security"), "");
    }

    let https = app
        .with_config(|c| c.public_url = "https://portico.example.com".into())
        .await;
    for res in [
        https.get("/signin", None).await,
        https.get("/healthz", None).await,
        https.call("current_user", &[], None).await,
    ] {
        assert_eq!(
            res.header("strict-transport-security"),
            "max-age=63072000; includeSubDomains"
        );
    }
    let res = https
        .call(
            "sign_in",
            &[
                ("email", "tls@example.com"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let set_cookie = host_session_set_cookie(&res);
    assert_eq!(
        res.session_set_cookie(),
        set_cookie,
        "the only session cookie"
    );
    // A __Host- cookie is accepted only with Secure, Path=/ and no Domain.
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    assert!(set_cookie.contains("; Path=/"), "{set_cookie}");
    assert!(
        !set_cookie.to_lowercase().contains("domain="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    assert_eq!(https.me(&pair).await["email"], "tls@example.com");
    // The same token under the plain name is not a session there: only
    // the __Host- cookie counts, which plain http cannot plant.
    let token = pair.split_once('=').unwrap().1;
    assert!(https
        .me(&format!("portico_session={token}"))
        .await
        .is_null());
    // Signing out clears the __Host- cookie.
    let out = https.call("sign_out", &[], Some(&pair)).await;
    assert!(host_session_set_cookie(&out).contains("Max-Age=0"));
    assert!(https.me(&pair).await.is_null());
    https.cleanup().await;
}

async fn a_removed_members_tokens_end_in_the_account_they_left(app: &TestApp) {
    use crate::oauth::{api, authorize, exchange, oauth_app, refresh};
    let dev = oauth_app(
        app,
        "team-owner@example.com",
        "marketplace.user_managed",
        &["user:read", "meeting:read", "meeting:write"],
    )
    .await;
    let member = app
        .join_as(&dev.cookie, "leaver@example.com", "member")
        .await;
    let member_id = app.me(&member).await["id"].as_str().unwrap().to_owned();
    let dev_ref = &dev;
    let tokens = |code: String| async move {
        let res = exchange(app, dev_ref, &code, None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let json = res.json();
        (
            json["access_token"].as_str().unwrap().to_owned(),
            json["refresh_token"].as_str().unwrap().to_owned(),
        )
    };
    let (access, refresh_token) = tokens(authorize(app, &member, &dev.client_id, None).await).await;
    let (owner_access, _) = tokens(authorize(app, &dev.cookie, &dev.client_id, None).await).await;
    let created = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &access,
        Some(r#"{"topic":"Mine"}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let patch = |token: String| async move {
        api(
            app,
            "PATCH",
            &format!("/v2/meetings/{id}"),
            &token,
            Some(r#"{"topic":"Renamed"}"#),
        )
        .await
    };
    assert_eq!(patch(access.clone()).await.status, StatusCode::NO_CONTENT);
    // A code given before the removal, not yet redeemed.
    let pending_code = authorize(app, &member, &dev.client_id, None).await;

    let res = app
        .call(
            "remove_member",
            &[("user_id", &member_id)],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let res = patch(access.clone()).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let res = refresh(app, &dev, &refresh_token).await;
    assert_ne!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);
    let res = exchange(app, &dev, &pending_code, None).await;
    assert_ne!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);
    // The owner's tokens in the same account are untouched.
    assert_eq!(
        api(app, "GET", "/v2/users/me", &owner_access, None)
            .await
            .status,
        StatusCode::OK
    );
}

async fn sessions_are_shared_by_two_instances(app: &TestApp) {
    let other = app.second_instance().await;
    let cookie = app
        .sign_up("shared@example.com", "Shared", "correct horse battery")
        .await;
    assert_eq!(other.me(&cookie).await["email"], "shared@example.com");
    let page = other.get("/profile", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("shared@example.com"));
    // Signing out on one ends it on the other.
    other.call("sign_out", &[], Some(&cookie)).await;
    assert!(app.me(&cookie).await.is_null());
}

async fn healthz_answers_without_a_session(app: &TestApp) {
    let res = app.get("/healthz", Some("portico_session=garbage")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "ok");
    assert!(res.headers.get(header::SET_COOKIE).is_none());
}

async fn internal_errors_show_a_request_id_not_the_detail(app: &TestApp) {
    let cookie = app
        .sign_up("err@example.com", "Err", "correct horse battery")
        .await;
    // The database goes away under the running app.
    app.state.db.pool.close().await;
    let res = app.call("current_user", &[], Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = res.json();
    assert_eq!(body["kind"], "internal");
    let request_id = body["request_id"].as_str().unwrap();
    assert_eq!(
        request_id,
        res.header("x-request-id"),
        "the id the log line carries"
    );
    let lowered = res.body.to_lowercase();
    for leak in ["pool", "sqlx", "database", "closed"] {
        assert!(!lowered.contains(leak), "{leak} leaked: {}", res.body);
    }
    // A page shows the same generic sentence.
    let page = app.get("/profile", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.body.contains("Something went wrong on our side"),
        "{}",
        page.body
    );
    assert!(!page.body.to_lowercase().contains("sqlx"));
}

async fn concurrent_pages_each_carry_their_own_nonce(app: &TestApp) {
    let cookie = app
        .sign_up("nonce@example.com", "Nonce", "correct horse battery")
        .await;
    let paths = [
        "/",
        "/signin",
        "/account/members",
        "/profile",
        "/apps",
        "/signup",
    ];
    let requests = (0..48).map(|i| {
        let path = paths[i % paths.len()];
        let cookie = (i % 2 == 0).then_some(cookie.as_str());
        app.get(path, cookie)
    });
    let responses = futures::future::join_all(requests).await;
    let mut seen = std::collections::HashSet::new();
    for res in responses {
        let csp = res.header("content-security-policy");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("page without a nonce in its CSP: {csp}"))
            .to_owned();
        assert!(
            res.body.contains(&format!("nonce=\"{nonce}\"")),
            "the page's scripts carry its header's nonce"
        );
        assert!(seen.insert(nonce), "every page has its own nonce");
    }
}

/// The site's WASM, chunks, JS and CSS: 200 with the file, revalidated on
/// every use, 304 to a browser revalidating what it has (not the app's 404 page, which left a
/// page without its code), a plain 404 for a file that is not there; the
/// security headers on all of them.
async fn pkg_files_are_served_from_disk_and_revalidated(app: &TestApp) {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/chunk_1.wasm"), b"\0asm chunk").unwrap();
    let root = site.path().to_str().unwrap().to_owned();
    let app = app.with_config(|c| c.site_root = root).await;

    let res = app.get("/pkg/chunk_1.wasm", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "\0asm chunk");
    assert_eq!(res.header("content-type"), "application/wasm");
    assert_eq!(res.header("x-content-type-options"), "nosniff");
    let modified = res.header("last-modified");
    assert!(!modified.is_empty());
    // Unhashed names: never reused without asking (see server/http.rs).
    assert_eq!(res.header("cache-control"), "no-cache");

    let again = app
        .send(
            Request::get("/pkg/chunk_1.wasm")
                .header(header::IF_MODIFIED_SINCE, &modified)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    let missing = app.get("/pkg/chunk_2.wasm", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        !missing.body.contains("<html"),
        "not the app's page: {}",
        missing.body
    );
    assert!(!missing.header("content-security-policy").is_empty());

    // The build's precompressed copy goes to a browser that accepts it.
    std::fs::write(site.path().join("pkg/chunk_1.wasm.br"), b"brotli bytes").unwrap();
    let compressed = app
        .send(
            Request::get("/pkg/chunk_1.wasm")
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(compressed.status, StatusCode::OK);
    assert_eq!(compressed.header("content-encoding"), "br");
    assert_eq!(compressed.header("content-type"), "application/wasm");
    assert_eq!(compressed.body, "brotli bytes");
    assert_eq!(compressed.header("vary"), "accept-encoding");
    let plain = app.get("/pkg/chunk_1.wasm", None).await;
    assert_eq!(plain.body, "\0asm chunk");
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(plain.header("vary"), "accept-encoding");
}
