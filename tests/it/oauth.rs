//! The OAuth authorization server: consent, codes, PKCE, tokens, refresh
//! rotation, revocation, introspection, installs and uninstall. The tests
//! live in `oauth/`, one module per grant or endpoint; here are the
//! helpers they (and the other areas' tests) share.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;

use crate::support::{form_body, TestApp, TestResponse};

mod authorization_code;
mod consent;
mod credentials;
mod refresh_token;
mod tokens;

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
