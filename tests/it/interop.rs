//! Interoperability: an independent OAuth 2.0 client library (the
//! `oauth2` crate) drives the authorization-code + PKCE flow, calls the
//! API with the token, refreshes and revokes, exactly as an app would.
//! Its HTTP requests are answered by the real router, in process.

use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    RevocationUrl, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use tower::ServiceExt;

use crate::oauth::{api, decide, oauth_app, REDIRECT};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(the_oauth2_crate_completes_the_whole_flow);

async fn the_oauth2_crate_completes_the_whole_flow(app: &TestApp) {
    // The library insists on https for revocation (RFC 7009): serve as an
    // https site (a second instance on the same database).
    let https = app
        .with_config(|c| c.public_url = "https://portico.test".into())
        .await;
    let app = &https;
    let dev = oauth_app(
        app,
        "interop@example.com",
        "marketplace.user_managed",
        &["user:read", "meeting:read", "meeting:write"],
    )
    .await;
    let base = app.state.config.base_url().to_owned();
    let client = BasicClient::new(ClientId::new(dev.client_id.clone()))
        .set_client_secret(ClientSecret::new(dev.secret.clone()))
        .set_auth_uri(AuthUrl::new(format!("{base}/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{base}/oauth/token")).unwrap())
        .set_revocation_url(RevocationUrl::new(format!("{base}/oauth/revoke")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).unwrap());
    let router = app.router.clone();
    let http = move |req: oauth2::HttpRequest| {
        let router = router.clone();
        async move {
            let (parts, body) = req.into_parts();
            let res = router
                .oneshot(axum::http::Request::from_parts(parts, Body::from(body)))
                .await
                .expect("router never fails");
            let (parts, body) = res.into_parts();
            let bytes = body.collect().await.expect("body").to_bytes();
            Ok::<_, std::io::Error>(oauth2::HttpResponse::from_parts(parts, bytes.to_vec()))
        }
    };

    // The library builds the authorization URL; the "browser" (the test)
    // opens it, sees the consent page and allows.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("user:read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let path_and_query = format!("{}?{}", auth_url.path(), auth_url.query().unwrap());
    let page = app.get(&path_and_query, Some(&dev.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("App of interop@example.com"));
    let query: Vec<(String, String)> = auth_url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "scope")
        .collect();
    let answer = decide(app, &dev.cookie, &query, "allow").await;
    assert_eq!(answer.status, StatusCode::FOUND);
    let back = url::Url::parse(&answer.header("location")).unwrap();
    let params: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(&params["state"], csrf.secret());

    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    assert_eq!(token.expires_in().map(|d| d.as_secs()), Some(3600));
    let scopes: Vec<String> = token
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(scopes, ["user:read", "meeting:read", "meeting:write"]);

    let me = api(
        app,
        "GET",
        "/v2/users/me",
        token.access_token().secret(),
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "interop@example.com");
    let created = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        token.access_token().secret(),
        Some(r#"{"topic":"Interop","start_time":"2026-12-01T09:30:00Z","duration":30}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let refreshed = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await
        .expect("refresh");
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        token.refresh_token().unwrap().secret()
    );
    let access = refreshed.access_token().secret().clone();
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::OK
    );

    client
        .revoke_token(StandardRevocableToken::RefreshToken(
            refreshed.refresh_token().unwrap().clone(),
        ))
        .unwrap()
        .request_async(&http)
        .await
        .expect("revoke");
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The library reports the reused refresh token as invalid_grant.
    let err = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("invalid_grant"), "{err:?}");
}
