//! Interoperability: independent OAuth 2.0 client libraries drive the
//! authorization-code + PKCE flow, refresh and revoke, exactly as an app
//! would. The `oauth2` crate's requests are answered by the real router in
//! process; Authlib (Python) talks to a Portico listening on a port.

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

on_both_databases!(
    the_oauth2_crate_completes_the_whole_flow,
    authlib_completes_the_flow_and_keeps_its_state,
);

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

/// Whether `python3` can import Authlib and requests (`pip install authlib
/// requests`). Without them the Authlib case says so and passes, unless
/// PORTICO_TEST_AUTHLIB=1 asks for it to be required.
fn authlib_available() -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", "import authlib, requests"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var("PORTICO_TEST_AUTHLIB").as_deref() != Ok("1"),
            "PORTICO_TEST_AUTHLIB=1 but python3 cannot import authlib and requests"
        );
        eprintln!(
            "skipped: python3 cannot import authlib and requests (pip install authlib requests)"
        );
    }
    found
}

async fn authlib_completes_the_flow_and_keeps_its_state(app: &TestApp) {
    if !authlib_available() {
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let served = app.with_config(|c| c.public_url = base.clone()).await;
    let router = served.router.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let dev = oauth_app(
        app,
        "authlib@example.com",
        "marketplace.user_managed",
        &["user:read"],
    )
    .await;
    // A registered redirect URL with a percent-encoded query, which must
    // be matched and used exactly as registered.
    let redirect = "https://app.example/cb?from=%2Fhome";
    let saved = app
        .call(
            "save_redirects",
            &[
                ("id", &dev.app_id),
                ("development_redirect_url", redirect),
                ("production_redirect_url", ""),
                ("allow_list", ""),
                ("strict_mode", "on"),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/authlib_client.py");
    let args = [
        "60".to_owned(),
        "python3".to_owned(),
        script.to_owned(),
        base,
        dev.client_id.clone(),
        dev.secret.clone(),
        redirect.to_owned(),
        dev.cookie.clone(),
    ];
    // `timeout`: a stuck exchange fails the test instead of hanging it.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("timeout")
            .args(&args)
            .output()
            .expect("run python3")
    })
    .await
    .unwrap();
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "Authlib client failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    drop(served);
}
