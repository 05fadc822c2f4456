//! The OAuth authorization server: consent, codes, PKCE, tokens, refresh
//! rotation, revocation, introspection, installs and uninstall.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use portico::server::oauth::pkce_challenge;

use crate::on_both_databases;
use crate::support::{form_body, TestApp, TestResponse};

on_both_databases!(
    authorization_code_flow_with_pkce_refresh_and_revoke,
    the_redirect_mismatch_table_never_redirects,
    codes_work_once_and_a_second_use_revokes_the_grant,
    parallel_redemption_of_one_code_lets_exactly_one_win,
    parallel_refresh_lets_exactly_one_win_and_revokes_the_grant,
    pkce_mistakes_fail,
    client_authentication_failures_are_invalid_client,
    expired_and_revoked_tokens_get_401_with_a_reason,
    the_consent_form_refuses_cross_site_posts,
    development_apps_install_only_in_their_own_account,
    account_level_apps_need_an_admin_and_take_account_credentials,
    bots_take_client_credentials,
    concurrent_credentials_grants_all_succeed,
    a_bad_grant_fails_alone_in_its_group,
    tokens_of_the_earlier_format_keep_working,
    uninstall_ends_every_token_at_once,
    deny_sends_access_denied,
    parameters_may_come_in_the_query_string,
    metadata_and_introspection,
    publishable_url_installs_and_goes_stale,
    settings_are_validated_and_nothing_half_saved,
);

pub const REDIRECT: &str = "https://app.example/oauth/callback";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A developer's OAuth app, ready to authorize.
pub struct Dev {
    pub cookie: String,
    pub app_id: String,
    pub client_id: String,
    pub secret: String,
}

/// Builds an app of `app_type` with development credentials, the redirect
/// URL and `scopes`.
pub async fn oauth_app(app: &TestApp, email: &str, app_type: &str, scopes: &[&str]) -> Dev {
    let (cookie, app_id) = app.developer_with_app(email, app_type).await;
    let made = app
        .call(
            "generate_secret",
            &[("id", &app_id), ("environment", "development")],
            Some(&cookie),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made = made.json();
    let res = app
        .call(
            "save_redirects",
            &[
                ("id", &app_id),
                ("development_redirect_url", REDIRECT),
                ("production_redirect_url", ""),
                ("allow_list", ""),
                ("strict_mode", "on"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mut form: Vec<(String, String)> = vec![("id".into(), app_id.clone())];
    for (i, s) in scopes.iter().enumerate() {
        form.push((format!("scopes[{i}]"), (*s).to_owned()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app.call("save_scopes", &pairs, Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    Dev {
        cookie,
        app_id,
        client_id: made["client_id"].as_str().unwrap().to_owned(),
        secret: made["client_secret"].as_str().unwrap().to_owned(),
    }
}

/// The query of an authorization request.
pub fn authorize_query(
    client_id: &str,
    redirect: &str,
    challenge: Option<&str>,
) -> Vec<(String, String)> {
    let mut q = vec![
        ("response_type".to_owned(), "code".to_owned()),
        ("client_id".to_owned(), client_id.to_owned()),
        ("redirect_uri".to_owned(), redirect.to_owned()),
        ("state".to_owned(), "st-123".to_owned()),
    ];
    if let Some(challenge) = challenge {
        q.push(("code_challenge".into(), challenge.into()));
        q.push(("code_challenge_method".into(), "S256".into()));
    }
    q
}

fn as_pairs(q: &[(String, String)]) -> Vec<(&str, &str)> {
    q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Posts the consent form as a same-origin browser would.
pub async fn decide(
    app: &TestApp,
    cookie: &str,
    query: &[(String, String)],
    decision: &str,
) -> TestResponse {
    let mut form = as_pairs(query);
    form.push(("decision", decision));
    let req = Request::post("/oauth/authorize")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(form_body(&form)))
        .unwrap();
    app.send(req).await
}

/// Allows the app as `cookie`; returns the code from the redirect.
pub async fn authorize(
    app: &TestApp,
    cookie: &str,
    client_id: &str,
    challenge: Option<&str>,
) -> String {
    let query = authorize_query(client_id, REDIRECT, challenge);
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            Some(cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Allow"), "consent page: {}", page.body);
    let res = decide(app, cookie, &query, "allow").await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let location = url::Url::parse(&res.header("location")).expect("absolute redirect");
    assert!(location.as_str().starts_with(REDIRECT));
    let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "st-123");
    params["code"].clone()
}

pub fn basic(client_id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"))
    )
}

/// POSTs a form to an OAuth endpoint with optional Basic authentication.
pub async fn post_oauth(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    auth: Option<&str>,
) -> TestResponse {
    let mut req =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(auth) = auth {
        req = req.header(header::AUTHORIZATION, auth);
    }
    app.send(req.body(Body::from(form_body(form))).unwrap())
        .await
}

pub async fn exchange(
    app: &TestApp,
    dev: &Dev,
    code: &str,
    verifier: Option<&str>,
) -> TestResponse {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    post_oauth(
        app,
        "/oauth/token",
        &form,
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await
}

pub async fn refresh(app: &TestApp, dev: &Dev, token: &str) -> TestResponse {
    post_oauth(
        app,
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await
}

/// `POST /oauth/revoke` for `token`, as the app's own client.
pub async fn revoke(app: &TestApp, dev: &Dev, token: &str) -> TestResponse {
    post_oauth(
        app,
        "/oauth/revoke",
        &[("token", token)],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await
}

/// Calls the REST API with a Bearer token.
pub async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> TestResponse {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    app.send(
        req.body(Body::from(body.unwrap_or_default().to_owned()))
            .unwrap(),
    )
    .await
}

const USER_SCOPES: &[&str] = &["user:read", "meeting:read", "meeting:write"];

async fn authorization_code_flow_with_pkce_refresh_and_revoke(app: &TestApp) {
    let dev = oauth_app(
        app,
        "flow@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(
        app,
        &dev.cookie,
        &dev.client_id,
        Some(&pkce_challenge(VERIFIER)),
    )
    .await;
    let res = exchange(app, &dev, &code, Some(VERIFIER)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), "no-store");
    let tokens = res.json();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "user:read meeting:read meeting:write");
    assert_eq!(tokens["api_url"], app.state.config.base_url());
    let access = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    // The issue time (12 hex digits), a dot, 256 random bits.
    assert_eq!(access.len(), 56);
    assert_eq!(access.as_bytes()[12], b'.');
    let stored: String = sqlx::query_scalar(
        "SELECT t.token_hash FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id \
         WHERE g.client_id = $1 AND t.kind = 'access'",
    )
    .bind(&dev.client_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, portico::server::ids::token_key(access));
    assert!(
        !stored.contains(&access[13..]),
        "the secret part is never stored"
    );

    let me = api(app, "GET", "/v2/users/me", access, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["email"], "flow@example.com");
    assert!(!me.header("x-ratelimit-limit").is_empty());
    assert!(!me.header("x-ratelimit-remaining").is_empty());

    let rotated = refresh(app, &dev, refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let rotated = rotated.json();
    let new_access = rotated["access_token"].as_str().unwrap();
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, refresh_token);
    assert_eq!(
        api(app, "GET", "/v2/users/me", new_access, None)
            .await
            .status,
        StatusCode::OK
    );

    // Reusing the rotated refresh token revokes the whole grant.
    let reuse = refresh(app, &dev, refresh_token).await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
    assert_eq!(reuse.json()["error"], "invalid_grant");
    let after = api(app, "GET", "/v2/users/me", new_access, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(after.json()["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    assert_eq!(
        refresh(app, &dev, new_refresh).await.status,
        StatusCode::BAD_REQUEST
    );

    // A fresh grant, revoked through /oauth/revoke with its refresh token.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    let res = revoke(app, &dev, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["status"], "success");
    assert_eq!(
        api(app, "GET", "/v2/users/me", access, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn the_redirect_mismatch_table_never_redirects(app: &TestApp) {
    let dev = oauth_app(
        app,
        "table@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    for bad in [
        "https://app.example/oauth/callback/",
        "https://APP.example/oauth/callback",
        "https://app.example/oauth/Callback",
        "https://app.example/oauth/callback?extra=1",
        "https://app.example/oauth/callback#frag",
        "https://app.example:8443/oauth/callback",
        "https://user@app.example/oauth/callback",
        "http://app.example/oauth/callback",
        "https://evil.example/oauth/callback",
    ] {
        let query = authorize_query(&dev.client_id, bad, None);
        let page = app
            .get(
                &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
                Some(&dev.cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(page.header("location").is_empty(), "{bad} redirected");
        assert!(page.body.contains("not one"), "{bad}: {}", page.body);
        let res = decide(app, &dev.cookie, &query, "allow").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            res.header("location").is_empty(),
            "{bad} redirected on post"
        );
    }
    // An unknown client: an error page, no redirect.
    let query = authorize_query("no-such-client", REDIRECT, None);
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.header("location").is_empty());
    let installs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM installs")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(installs, 0);
}

async fn codes_work_once_and_a_second_use_revokes_the_grant(app: &TestApp) {
    let dev = oauth_app(
        app,
        "once@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let first = exchange(app, &dev, &code, None).await;
    assert_eq!(first.status, StatusCode::OK);
    let access = first.json()["access_token"].as_str().unwrap().to_owned();
    let second = exchange(app, &dev, &code, None).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert_eq!(second.json()["error"], "invalid_grant");
    assert!(second.json()["reason"]
        .as_str()
        .unwrap()
        .contains("already used"));
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Codes live five minutes.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    app.clock.advance_ms(5 * 60_000 + 1);
    let late = exchange(app, &dev, &code, None).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.json()["reason"].as_str().unwrap().contains("expired"));
}

async fn parallel_redemption_of_one_code_lets_exactly_one_win(app: &TestApp) {
    let dev = oauth_app(
        app,
        "race@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let results = futures::future::join_all((0..4).map(|_| exchange(app, &dev, &code, None))).await;
    let winners: Vec<_> = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        results.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let access = winners[0].json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(results
        .iter()
        .filter(|r| r.status != StatusCode::OK)
        .all(|r| r.json()["error"] == "invalid_grant"));
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED,
        "grant revoked"
    );
}

async fn parallel_refresh_lets_exactly_one_win_and_revokes_the_grant(app: &TestApp) {
    let dev = oauth_app(
        app,
        "race2@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let results =
        futures::future::join_all((0..4).map(|_| refresh(app, &dev, &refresh_token))).await;
    let winners: Vec<_> = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        results.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let access = winners[0].json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED,
        "grant revoked"
    );
}

async fn pkce_mistakes_fail(app: &TestApp) {
    let dev = oauth_app(
        app,
        "pkce@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    // A verifier without a challenge.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = exchange(app, &dev, &code, Some(VERIFIER)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["reason"]
        .as_str()
        .unwrap()
        .contains("no code_challenge"));
    // A wrong verifier.
    let code = authorize(
        app,
        &dev.cookie,
        &dev.client_id,
        Some(&pkce_challenge(VERIFIER)),
    )
    .await;
    let wrong = "x".repeat(43);
    let res = exchange(app, &dev, &code, Some(&wrong)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["reason"]
        .as_str()
        .unwrap()
        .contains("does not match"));
    // A challenge without a verifier.
    let res = exchange(app, &dev, &code, None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["reason"].as_str().unwrap().contains("missing"));
    // The right one still works: failed attempts do not spend the code.
    assert_eq!(
        exchange(app, &dev, &code, Some(VERIFIER)).await.status,
        StatusCode::OK
    );
    // PKCE does not replace the client secret: every client has one
    // (oauth_rfc::every_token_call_needs_the_client_secret).
    // A method other than S256 is refused back to the client.
    let mut query = authorize_query(&dev.client_id, REDIRECT, Some(&pkce_challenge(VERIFIER)));
    query.retain(|(k, _)| k != "code_challenge_method");
    query.push(("code_challenge_method".into(), "plain".into()));
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            Some(&dev.cookie),
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(page
        .header("location")
        .starts_with(&format!("{REDIRECT}?error=invalid_request")));
}

async fn client_authentication_failures_are_invalid_client(app: &TestApp) {
    let dev = oauth_app(
        app,
        "auth@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    for auth in [
        basic(&dev.client_id, "wrong-secret"),
        basic("unknown-client", &dev.secret),
        "Basic !!!".to_owned(),
    ] {
        let res = post_oauth(
            app,
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
            Some(&auth),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{auth}");
        assert_eq!(res.json()["error"], "invalid_client");
        assert!(!res.json()["reason"].as_str().unwrap().is_empty());
    }
    // The code survived the failed attempts.
    assert_eq!(
        exchange(app, &dev, &code, None).await.status,
        StatusCode::OK
    );
    let res = post_oauth(
        app,
        "/oauth/token",
        &[("grant_type", "password")],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.json()["error"], "unsupported_grant_type");
}

async fn expired_and_revoked_tokens_get_401_with_a_reason(app: &TestApp) {
    let dev = oauth_app(
        app,
        "expiry@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    app.clock.advance_ms(3_600_000 + 1);
    let res = api(app, "GET", "/v2/users/me", access, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], 124);
    assert!(res.json()["message"].as_str().unwrap().contains("expired"));
    // The refresh token still works after the access token expired.
    let fresh = refresh(app, &dev, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(fresh.status, StatusCode::OK);
    let res = api(app, "GET", "/v2/users/me", "not-a-token", None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .send(Request::get("/v2/users/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.json()["message"].as_str().unwrap().contains("Bearer"));
    // A refresh token is not an access token.
    let res = api(
        app,
        "GET",
        "/v2/users/me",
        fresh.json()["refresh_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn the_consent_form_refuses_cross_site_posts(app: &TestApp) {
    let dev = oauth_app(
        app,
        "csrf@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let query = authorize_query(&dev.client_id, REDIRECT, None);
    let mut form = as_pairs(&query);
    form.push(("decision", "allow"));
    let req = Request::post("/oauth/authorize")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &dev.cookie)
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(form_body(&form)))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.header("location").is_empty());
    let codes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_codes")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(codes, 0);
}

async fn development_apps_install_only_in_their_own_account(app: &TestApp) {
    let dev = oauth_app(
        app,
        "devonly@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let stranger = app
        .sign_up("stranger@example.com", "Stranger", "correct horse battery")
        .await;
    let query = authorize_query(&dev.client_id, REDIRECT, None);
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            Some(&stranger),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("still in development"), "{}", page.body);
    let res = decide(app, &stranger, &query, "allow").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.header("location").is_empty());
    // A member of the developer's account may.
    let member = app
        .join_as(&dev.cookie, "teammate@example.com", "member")
        .await;
    let code = authorize(app, &member, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let me = api(
        app,
        "GET",
        "/v2/users/me",
        tokens["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(me.json()["email"], "teammate@example.com");
    // Signed out: sent to sign in, and back here afterwards.
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            None,
        )
        .await;
    assert!(page.status.is_redirection());
    let location = page.header("location");
    assert!(
        location.starts_with("/signin?next=%2Foauth%2Fauthorize%3F"),
        "{location}"
    );
}

async fn account_level_apps_need_an_admin_and_take_account_credentials(app: &TestApp) {
    let dev = oauth_app(
        app,
        "acct@example.com",
        "marketplace.account_level",
        &["user:read:admin", "meeting:read:admin"],
    )
    .await;
    let member = app
        .join_as(&dev.cookie, "plain@example.com", "member")
        .await;
    let query = authorize_query(&dev.client_id, REDIRECT, None);
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            Some(&member),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("owner or admin"), "{}", page.body);

    // The owner installs it for the account.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let users = api(
        app,
        "GET",
        "/v2/users",
        tokens["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    assert_eq!(users.json()["total_records"], 2);
    let account_id = users.json()["users"][0]["account_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Server-to-server: account_credentials for the account it is installed on.
    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "account_credentials"),
            ("account_id", &account_id),
        ],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json().get("refresh_token").is_none());
    let s2s = res.json()["access_token"].as_str().unwrap().to_owned();
    let list = api(app, "GET", "/v2/users", &s2s, None).await;
    assert_eq!(list.status, StatusCode::OK);
    // Admin scopes read every member; meeting:write:admin was not granted.
    let member_id = list.json()["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "plain@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api(app, "GET", &format!("/v2/users/{member_id}"), &s2s, None)
            .await
            .status,
        StatusCode::OK
    );
    let res = api(
        app,
        "POST",
        &format!("/v2/users/{member_id}/meetings"),
        &s2s,
        Some(r#"{"topic":"x"}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["code"], 4711);
    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "account_credentials"),
            ("account_id", "acct_other"),
        ],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.json()["error"], "invalid_grant");

    // Revoking a server-to-server token ends only that token's grant: the
    // install and the owner's consent stay.
    let res = revoke(app, &dev, &s2s).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        api(app, "GET", "/v2/users", &s2s, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api(
            app,
            "GET",
            "/v2/users",
            tokens["access_token"].as_str().unwrap(),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let installed = app
        .call("installed_apps", &[], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(installed.as_array().unwrap().len(), 1, "{installed}");
}

async fn bots_take_client_credentials(app: &TestApp) {
    let bot = oauth_app(
        app,
        "bot@example.com",
        "marketplace.chat_bot",
        &["imchat:bot"],
    )
    .await;
    let res = post_oauth(
        app,
        "/oauth/token",
        &[("grant_type", "client_credentials")],
        Some(&basic(&bot.client_id, &bot.secret)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["scope"], "imchat:bot");
    assert!(res.json().get("refresh_token").is_none());
    let token = res.json()["access_token"].as_str().unwrap().to_owned();
    let res = api(app, "GET", "/v2/users/me", &token, None).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "a bot token has no user scopes"
    );
    let user_app = oauth_app(
        app,
        "notbot@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let res = post_oauth(
        app,
        "/oauth/token",
        &[("grant_type", "client_credentials")],
        Some(&basic(&user_app.client_id, &user_app.secret)),
    )
    .await;
    assert_eq!(res.json()["error"], "unsupported_grant_type");
}

async fn uninstall_ends_every_token_at_once(app: &TestApp) {
    let dev = oauth_app(
        app,
        "uninst@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let member = app
        .join_as(&dev.cookie, "user2@example.com", "member")
        .await;
    let mut accesses = Vec::new();
    for _ in 0..2 {
        let code = authorize(app, &member, &dev.client_id, None).await;
        accesses.push(exchange(app, &dev, &code, None).await.json());
    }
    let listed = app.call("installed_apps", &[], Some(&member)).await;
    assert_eq!(listed.status, StatusCode::OK);
    let installs = listed.json();
    assert_eq!(
        installs.as_array().unwrap().len(),
        1,
        "one install per user: {installs}"
    );
    assert_eq!(installs[0]["app_name"], "App of uninst@example.com");
    assert_eq!(installs[0]["scopes"][0], "user:read");
    // The developer does not see the member's own install, and cannot remove it.
    assert_eq!(
        app.call("installed_apps", &[], Some(&dev.cookie))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let id = installs[0]["id"].as_str().unwrap();
    assert_eq!(
        app.call("uninstall", &[("id", id)], Some(&dev.cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let res = app.call("uninstall", &[("id", id)], Some(&member)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for tokens in &accesses {
        let res = api(
            app,
            "GET",
            "/v2/users/me",
            tokens["access_token"].as_str().unwrap(),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refresh(app, &dev, tokens["refresh_token"].as_str().unwrap())
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        app.call("installed_apps", &[], Some(&member))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn deny_sends_access_denied(app: &TestApp) {
    let dev = oauth_app(
        app,
        "deny@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let query = authorize_query(&dev.client_id, REDIRECT, None);
    let res = decide(app, &dev.cookie, &query, "deny").await;
    assert_eq!(res.status, StatusCode::FOUND);
    let location = res.header("location");
    assert!(
        location.starts_with(&format!("{REDIRECT}?error=access_denied")),
        "{location}"
    );
    assert!(location.contains("state=st-123"));
    assert_eq!(
        app.call("installed_apps", &[], Some(&dev.cookie))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn parameters_may_come_in_the_query_string(app: &TestApp) {
    let dev = oauth_app(
        app,
        "query@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let query = form_body(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
    ]);
    let req = Request::post(format!("/oauth/token?{query}"))
        .header(header::AUTHORIZATION, basic(&dev.client_id, &dev.secret))
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // client_secret_post works too.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &dev.client_id),
            ("client_secret", &dev.secret),
        ],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A mismatched redirect_uri at the token endpoint is refused.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://app.example/other"),
        ],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.json()["error"], "invalid_grant");
}

async fn metadata_and_introspection(app: &TestApp) {
    let meta = app
        .get("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(meta.status, StatusCode::OK);
    let meta = meta.json();
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(meta["token_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oauth/token"));

    let dev = oauth_app(
        app,
        "intro@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    let auth = basic(&dev.client_id, &dev.secret);
    let res = post_oauth(app, "/oauth/introspect", &[("token", access)], Some(&auth)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["active"], true);
    assert_eq!(res.json()["scope"], "user:read meeting:read meeting:write");
    assert_eq!(res.json()["client_id"], dev.client_id.as_str());
    // Another client learns nothing.
    let other = oauth_app(
        app,
        "intro2@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let res = post_oauth(
        app,
        "/oauth/introspect",
        &[("token", access)],
        Some(&basic(&other.client_id, &other.secret)),
    )
    .await;
    assert_eq!(res.json(), serde_json::json!({ "active": false }));
    post_oauth(app, "/oauth/revoke", &[("token", access)], Some(&auth)).await;
    let res = post_oauth(app, "/oauth/introspect", &[("token", access)], Some(&auth)).await;
    assert_eq!(res.json()["active"], false);
    let res = post_oauth(
        app,
        "/oauth/data/compliance",
        &[("client_id", &dev.client_id)],
        Some(&auth),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn publishable_url_installs_and_goes_stale(app: &TestApp) {
    let dev = oauth_app(
        app,
        "publish@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let res = app
        .call(
            "generate_publishable_url",
            &[("id", &dev.app_id)],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let url = res.json().as_str().unwrap().to_owned();
    let path = url
        .trim_start_matches(app.state.config.base_url())
        .to_owned();
    assert!(path.starts_with("/install/"));
    let res = app.get(&path, Some(&dev.cookie)).await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.body);
    let location = res.header("location");
    assert!(
        location.starts_with("/oauth/authorize?response_type=code&client_id="),
        "{location}"
    );
    let consent = app.get(&location, Some(&dev.cookie)).await;
    assert_eq!(consent.status, StatusCode::OK);
    assert!(consent.body.contains("App of publish@example.com"));

    let settings = app
        .call("oauth_settings", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(settings["publishable_stale"], false);
    // Renaming the app makes the link stale.
    // Only the name is valid here; the form keeps what is valid.
    let mut form = vec![("id", dev.app_id.as_str()), ("name", "Renamed App")];
    for field in [
        "short_description",
        "long_description",
        "contact_name",
        "contact_email",
        "privacy_url",
        "support_url",
        "configure_url",
    ] {
        form.push((field, ""));
    }
    app.call("update_information", &form, Some(&dev.cookie))
        .await;
    let renamed = app
        .call("app_detail", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(renamed["name"], "Renamed App");
    let settings = app
        .call("oauth_settings", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(settings["publishable_stale"], true, "{settings}");
    let res = app.get(&path, Some(&dev.cookie)).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.body.contains("This install link has expired"));
    // Regenerating makes a working link again; the old one stays dead.
    let fresh = app
        .call(
            "generate_publishable_url",
            &[("id", &dev.app_id)],
            Some(&dev.cookie),
        )
        .await
        .json();
    let fresh_path = fresh
        .as_str()
        .unwrap()
        .trim_start_matches(app.state.config.base_url())
        .to_owned();
    assert!(app
        .get(&fresh_path, Some(&dev.cookie))
        .await
        .status
        .is_redirection());
    assert_eq!(
        app.get(&path, Some(&dev.cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    // Changing the allow list makes it stale too.
    app.call(
        "save_redirects",
        &[
            ("id", &dev.app_id),
            ("development_redirect_url", REDIRECT),
            ("production_redirect_url", ""),
            ("allow_list", "https://app.example/oauth"),
        ],
        Some(&dev.cookie),
    )
    .await;
    assert_eq!(
        app.get(&fresh_path, Some(&dev.cookie)).await.status,
        StatusCode::GONE
    );
}

async fn settings_are_validated_and_nothing_half_saved(app: &TestApp) {
    let dev = oauth_app(
        app,
        "settings@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let res = app
        .call(
            "save_redirects",
            &[
                ("id", &dev.app_id),
                ("development_redirect_url", "https://new.example/cb"),
                ("production_redirect_url", "http://prod.example/cb"),
                (
                    "allow_list",
                    "https://ok.example/x\nhttps://u:p@bad.example/",
                ),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    let fields = body["fields"].to_string();
    assert!(
        fields.contains("production_redirect_url") && fields.contains("allow_list"),
        "{fields}"
    );
    assert!(fields.contains("Line 2"), "{fields}");
    let settings = app
        .call("oauth_settings", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(
        settings["development_redirect_url"], REDIRECT,
        "nothing saved"
    );

    // Adding the redirect URLs to the allow list; strict mode off.
    let res = app
        .call(
            "save_redirects",
            &[
                ("id", &dev.app_id),
                ("development_redirect_url", REDIRECT),
                ("production_redirect_url", ""),
                ("allow_list", ""),
                ("add_to_allow_list", "on"),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let settings = app
        .call("oauth_settings", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(settings["allow_list"], REDIRECT);
    assert_eq!(settings["strict_mode"], false);
    // With strict mode off, a longer path under the allow-list entry works.
    let deeper = format!("{REDIRECT}/team-a");
    let query = authorize_query(&dev.client_id, &deeper, None);
    let res = decide(app, &dev.cookie, &query, "allow").await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert!(res.header("location").starts_with(&deeper));

    // Scopes follow the app type.
    let res = app
        .call(
            "save_scopes",
            &[("id", &dev.app_id), ("scopes[0]", "user:read:admin")],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("account-wide"));
    let res = app
        .call("save_scopes", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let scopes = app
        .call("app_scopes", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await
        .json();
    assert_eq!(scopes["chosen"], serde_json::json!(USER_SCOPES));
    // Someone else's app.
    let other = app
        .sign_up("nosy@example.com", "Nosy", "correct horse battery")
        .await;
    let res = app
        .call("oauth_settings", &[("id", &dev.app_id)], Some(&other))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

/// Credentials grants arriving together are written together
/// (`grant_writer`): every request still gets its own working token.
async fn concurrent_credentials_grants_all_succeed(app: &TestApp) {
    let bot = oauth_app(
        app,
        "many@example.com",
        "marketplace.chat_bot",
        &["imchat:bot"],
    )
    .await;
    let auth = basic(&bot.client_id, &bot.secret);
    let answers = futures::future::join_all((0..48).map(|_| {
        post_oauth(
            app,
            "/oauth/token",
            &[("grant_type", "client_credentials")],
            Some(&auth),
        )
    }))
    .await;
    let mut tokens = std::collections::HashSet::new();
    for res in &answers {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        tokens.insert(res.json()["access_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens.len(), 48, "every request has its own token");
    for token in &tokens {
        let res = post_oauth(app, "/oauth/introspect", &[("token", token)], Some(&auth)).await;
        assert_eq!(res.json()["active"], true, "{}", res.body);
    }
    let grants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_grants WHERE client_id = $1")
        .bind(&bot.client_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(grants, 48);
}

/// A user-managed app installed through consent, its new-format access
/// token, and one token of each of `kinds` in the earlier format (43
/// characters, stored under their plain SHA-256) added to the same grant,
/// as they were stored before tokens carried their issue time.
async fn with_old_format_tokens(
    app: &TestApp,
    email: &str,
    kinds: &[&str],
) -> (Dev, String, Vec<String>) {
    use portico::server::ids::{hash_secret, new_secret, token_key};
    let dev = oauth_app(app, email, "marketplace.user_managed", USER_SCOPES).await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = exchange(app, &dev, &code, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let current = res.json()["access_token"].as_str().unwrap().to_owned();
    let pool = &app.state.db.pool;
    let grant_id: String =
        sqlx::query_scalar("SELECT grant_id FROM oauth_tokens WHERE token_hash = $1")
            .bind(token_key(&current))
            .fetch_one(pool)
            .await
            .unwrap();
    let now = app.state.now_ms();
    let mut old = Vec::new();
    for kind in kinds {
        let token = new_secret();
        sqlx::query(
            "INSERT INTO oauth_tokens (token_hash, grant_id, kind, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_secret(&token))
        .bind(&grant_id)
        .bind(*kind)
        .bind(now)
        .bind(now + 3_600_000)
        .execute(pool)
        .await
        .unwrap();
        old.push(token);
    }
    (dev, current, old)
}

/// Tokens issued before tokens carried their issue time are still found:
/// by the API, by introspection, for refresh and for revocation.
async fn tokens_of_the_earlier_format_keep_working(app: &TestApp) {
    let (dev, _, old) =
        with_old_format_tokens(app, "old@example.com", &["access", "refresh"]).await;
    let (old_access, old_refresh) = (&old[0], &old[1]);
    let me = api(app, "GET", "/v2/users/me", old_access, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["email"], "old@example.com");
    let auth = basic(&dev.client_id, &dev.secret);
    let seen = post_oauth(
        app,
        "/oauth/introspect",
        &[("token", old_access)],
        Some(&auth),
    )
    .await;
    assert_eq!(seen.json()["active"], true, "{}", seen.body);

    // Refreshing an old refresh token gives tokens of the new format.
    let rotated = refresh(app, &dev, old_refresh).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_eq!(rotated.json()["access_token"].as_str().unwrap().len(), 56);
    assert_eq!(
        refresh(app, &dev, old_refresh).await.json()["error"],
        "invalid_grant"
    );

    // Revoking an old token ends its grant, as for any token.
    let (fresh, current, old) = with_old_format_tokens(app, "old2@example.com", &["access"]).await;
    revoke(app, &fresh, &old[0]).await;
    for token in [&old[0], &current] {
        let res = api(app, "GET", "/v2/users/me", token, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    }
}

/// One grant of a group that cannot be written (here: its id is taken)
/// fails its own request only; the others are written.
async fn a_bad_grant_fails_alone_in_its_group(app: &TestApp) {
    use portico::server::ids::{hash_secret, new_secret};
    use portico::server::oauth::grant_writer::GrantWriter;
    use portico::server::repo::tokens::{find_token, NewGrant};
    let bot = oauth_app(
        app,
        "group@example.com",
        "marketplace.chat_bot",
        &["imchat:bot"],
    )
    .await;
    let grant = |id: &str| NewGrant {
        id: id.to_owned(),
        app_id: bot.app_id.clone(),
        install_id: None,
        client_id: bot.client_id.clone(),
        account_id: "acct".into(),
        user_id: None,
        scopes: "imchat:bot".into(),
        now: 1,
        access_hash: hash_secret(&new_secret()),
        access_expires_at: i64::MAX,
        refresh: None,
    };
    let writer = GrantWriter::default();
    let db = &app.state.db;
    writer.write(db, grant("grt_taken")).await.unwrap();
    let group: Vec<NewGrant> = (0..8)
        .map(|i| match i {
            3 => grant("grt_taken"),
            _ => grant(&format!("grt_{i}")),
        })
        .collect();
    let results =
        futures::future::join_all(group.iter().map(|g| writer.write(db, g.clone()))).await;
    for (g, result) in group.iter().zip(&results) {
        let stored = find_token(&db.pool, &g.access_hash).await.unwrap();
        if g.id == "grt_taken" {
            assert!(result.is_err(), "the taken id fails");
            assert!(stored.is_none(), "and nothing of it is stored");
        } else {
            assert!(result.is_ok(), "{:?}", result);
            assert_eq!(stored.expect("its token is stored").grant_id, g.id);
        }
    }
}
