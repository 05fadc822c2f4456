//! What OAuth clients hold the authorization server to, byte for byte:
//! `state` and `redirect_uri` decoded exactly once (RFC 6749 §4.1.2,
//! RFC 9700 §4.1.3), client authentication on every token, revoke and
//! introspect call (RFC 6749 §2.3, §6), the token request repeating the
//! authorization request's `redirect_uri` (§4.1.3), revocation refused
//! for another client's token (RFC 7009 §2.1) and the RFC 6749 token type
//! in introspection answers (RFC 7662 §2.2).

use axum::http::StatusCode;
use portico::server::oauth::pkce_challenge;

use crate::oauth::{
    api, authorize, basic, decide, exchange, oauth_app, post_oauth, refresh, Dev, REDIRECT,
    VERIFIER,
};
use crate::on_both_databases;
use crate::support::{form_body, TestApp, TestResponse};

on_both_databases!(
    state_comes_back_byte_for_byte,
    redirect_uris_are_compared_as_sent,
    every_token_call_needs_the_client_secret,
    the_token_request_repeats_the_authorization_requests_redirect_uri,
    revoking_another_clients_token_is_refused,
    introspection_reports_the_bearer_token_type,
);

const SCOPES: &[&str] = &["user:read"];

/// The `name`/`value` pairs of the page's hidden inputs, unescaped: what a
/// browser posts back from the consent form.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = tag[start..].find('"')?;
        Some(
            tag[start..start + len]
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            if attribute(tag, "type").as_deref() != Some("hidden") {
                return None;
            }
            Some((attribute(tag, "name")?, attribute(tag, "value")?))
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Opens the consent page for `query` (encoded once, as a client does).
async fn consent_page(app: &TestApp, cookie: &str, query: &[(&str, &str)]) -> TestResponse {
    app.get(
        &format!("/oauth/authorize?{}", form_body(query)),
        Some(cookie),
    )
    .await
}

/// The raw query of an absolute URL and its pairs decoded once.
fn query_of(location: &str) -> (String, Vec<(String, String)>) {
    let url = url::Url::parse(location).unwrap_or_else(|e| panic!("{location}: {e}"));
    (
        url.query().unwrap_or_default().to_owned(),
        url.query_pairs().into_owned().collect(),
    )
}

async fn state_comes_back_byte_for_byte(app: &TestApp) {
    let dev = oauth_app(app, "state@example.com", "marketplace.user_managed", SCOPES).await;
    // Authlib's own example of a state that was altered: decoding it twice
    // gives `ret=%2Fdash`.
    for state in ["ret%3D%252Fdash", "a+b c&d=é/%zz", "%25"] {
        let query = [
            ("response_type", "code"),
            ("client_id", dev.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("state", state),
        ];
        let page = consent_page(app, &dev.cookie, &query).await;
        assert_eq!(page.status, StatusCode::OK, "{state}: {}", page.body);
        let fields = hidden_fields(&page.body);
        assert_eq!(field(&fields, "state"), Some(state), "{fields:?}");
        assert_eq!(field(&fields, "redirect_uri"), Some(REDIRECT));

        // The browser posts the form back as it is on the page.
        let allowed = decide(app, &dev.cookie, &fields, "allow").await;
        assert_eq!(allowed.status, StatusCode::FOUND, "{}", allowed.body);
        let location = allowed.header("location");
        let (raw, pairs) = query_of(&location);
        let encoded: String = url::form_urlencoded::byte_serialize(state.as_bytes()).collect();
        assert!(raw.ends_with(&format!("&state={encoded}")), "{location}");
        assert!(pairs.contains(&("state".to_owned(), state.to_owned())));
        assert!(location.starts_with(&format!("{REDIRECT}?code=")));

        let denied = decide(app, &dev.cookie, &fields, "deny").await;
        let (_, pairs) = query_of(&denied.header("location"));
        assert!(pairs.contains(&("error".to_owned(), "access_denied".to_owned())));
        assert!(pairs.contains(&("state".to_owned(), state.to_owned())));

        // After a navigation inside the app the browser asks the server
        // function, with `location.search` as it is.
        let raw_query = form_body(&query);
        let consent = app
            .call(
                "authorize_request",
                &[("query", raw_query.as_str())],
                Some(&dev.cookie),
            )
            .await;
        assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
        assert_eq!(consent.json()["state"], state);
        assert_eq!(consent.json()["redirect_uri"], REDIRECT);
    }
}

async fn redirect_uris_are_compared_as_sent(app: &TestApp) {
    let dev = oauth_app(app, "asis@example.com", "marketplace.user_managed", SCOPES).await;
    // `%63` is an escaped `c`: not the registered URL, string for string.
    let escaped = "https://app.example/oauth/%63allback";
    let page = consent_page(
        app,
        &dev.cookie,
        &[
            ("response_type", "code"),
            ("client_id", &dev.client_id),
            ("redirect_uri", escaped),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("not one"), "{}", page.body);
    assert!(
        !page.body.contains("decision"),
        "a consent page for {escaped}"
    );
    assert!(page.header("location").is_empty());

    // A registered redirect URL whose query is percent-encoded.
    let registered = "https://app.example/cb?from=%2Fhome";
    let saved = app
        .call(
            "save_redirects",
            &[
                ("id", &dev.app_id),
                ("development_redirect_url", registered),
                ("production_redirect_url", ""),
                ("allow_list", ""),
                ("strict_mode", "on"),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let query = [
        ("response_type", "code"),
        ("client_id", dev.client_id.as_str()),
        ("redirect_uri", registered),
        ("state", "s"),
    ];
    let page = consent_page(app, &dev.cookie, &query).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let fields = hidden_fields(&page.body);
    assert_eq!(field(&fields, "redirect_uri"), Some(registered));
    let allowed = decide(app, &dev.cookie, &fields, "allow").await;
    assert_eq!(allowed.status, StatusCode::FOUND, "{}", allowed.body);
    let location = allowed.header("location");
    assert!(
        location.starts_with(&format!("{registered}&code=")),
        "{location}"
    );
    let (_, pairs) = query_of(&location);
    let code = &pairs.iter().find(|(k, _)| k == "code").unwrap().1;
    let token = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", registered),
        ],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    // Its decoded form is another URL.
    let page = consent_page(
        app,
        &dev.cookie,
        &[
            ("response_type", "code"),
            ("client_id", &dev.client_id),
            ("redirect_uri", "https://app.example/cb?from=/home"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
}

fn assert_invalid_client(res: &TestResponse, what: &str) {
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}: {}", res.body);
    assert_eq!(res.json()["error"], "invalid_client", "{what}");
    assert!(
        res.json()["reason"].as_str().unwrap().contains("secret"),
        "{what}: {}",
        res.body
    );
    assert!(!res.header("www-authenticate").is_empty(), "{what}");
}

async fn every_token_call_needs_the_client_secret(app: &TestApp) {
    let meta = app
        .get("/.well-known/oauth-authorization-server", None)
        .await
        .json();
    let methods = serde_json::json!(["client_secret_basic", "client_secret_post"]);
    for endpoint in ["token", "revocation", "introspection"] {
        assert_eq!(
            meta[format!("{endpoint}_endpoint_auth_methods_supported")],
            methods,
            "{endpoint}"
        );
    }

    let dev = oauth_app(
        app,
        "secret@example.com",
        "marketplace.user_managed",
        SCOPES,
    )
    .await;
    let id = dev.client_id.as_str();
    // A code with PKCE and one without, each offered with the client id
    // alone and with an empty secret.
    let with_pkce = authorize(app, &dev.cookie, id, Some(&pkce_challenge(VERIFIER))).await;
    let without = authorize(app, &dev.cookie, id, None).await;
    for (code, verifier) in [(&with_pkce, Some(VERIFIER)), (&without, None)] {
        for secret in [None, Some("")] {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("client_id", id),
            ];
            form.extend(verifier.map(|v| ("code_verifier", v)));
            form.extend(secret.map(|s| ("client_secret", s)));
            let res = post_oauth(app, "/oauth/token", &form, None).await;
            assert_invalid_client(&res, &format!("code {verifier:?} {secret:?}"));
        }
    }
    // Neither code was spent.
    assert_eq!(
        exchange(app, &dev, &without, None).await.status,
        StatusCode::OK
    );
    let tokens = exchange(app, &dev, &with_pkce, Some(VERIFIER)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    let refresh_token = tokens.json()["refresh_token"].as_str().unwrap().to_owned();

    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("client_id", id),
        ],
        None,
    )
    .await;
    assert_invalid_client(&res, "refresh");
    for endpoint in ["/oauth/revoke", "/oauth/introspect"] {
        let res = post_oauth(
            app,
            endpoint,
            &[("token", &access), ("client_id", id)],
            None,
        )
        .await;
        assert_invalid_client(&res, endpoint);
    }
    // Nothing was revoked or rotated by the refused calls.
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        refresh(app, &dev, &refresh_token).await.status,
        StatusCode::OK
    );
}

/// Allows a request that names no redirect_uri (the registered one is
/// used); returns the code.
async fn code_without_redirect_uri(app: &TestApp, dev: &Dev) -> String {
    let page = consent_page(
        app,
        &dev.cookie,
        &[("response_type", "code"), ("client_id", &dev.client_id)],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let fields = hidden_fields(&page.body);
    assert_eq!(field(&fields, "redirect_uri"), None, "{fields:?}");
    let res = decide(app, &dev.cookie, &fields, "allow").await;
    let location = res.header("location");
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    let (_, pairs) = query_of(&location);
    pairs.into_iter().find(|(k, _)| k == "code").unwrap().1
}

async fn token_request(
    app: &TestApp,
    dev: &Dev,
    code: &str,
    redirect: Option<&str>,
) -> TestResponse {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
    form.extend(redirect.map(|r| ("redirect_uri", r)));
    post_oauth(
        app,
        "/oauth/token",
        &form,
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await
}

async fn the_token_request_repeats_the_authorization_requests_redirect_uri(app: &TestApp) {
    let dev = oauth_app(
        app,
        "repeat@example.com",
        "marketplace.user_managed",
        SCOPES,
    )
    .await;
    // The authorization request named it: the token request must repeat it.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = token_request(app, &dev, &code, None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["error"], "invalid_grant");
    assert!(res.json()["reason"]
        .as_str()
        .unwrap()
        .contains("redirect_uri"));
    let res = token_request(app, &dev, &code, Some(&format!("{REDIRECT}/"))).await;
    assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);
    let res = token_request(app, &dev, &code, Some(REDIRECT)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // It named none: the token request may leave it out, or send the
    // registered one that was used, and nothing else.
    let code = code_without_redirect_uri(app, &dev).await;
    assert_eq!(
        token_request(app, &dev, &code, None).await.status,
        StatusCode::OK
    );
    let code = code_without_redirect_uri(app, &dev).await;
    let res = token_request(app, &dev, &code, Some("https://app.example/other")).await;
    assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);
    assert_eq!(
        token_request(app, &dev, &code, Some(REDIRECT)).await.status,
        StatusCode::OK
    );
}

async fn revoking_another_clients_token_is_refused(app: &TestApp) {
    let dev = oauth_app(app, "mine@example.com", "marketplace.user_managed", SCOPES).await;
    let other = oauth_app(
        app,
        "theirs@example.com",
        "marketplace.user_managed",
        SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let auth = basic(&other.client_id, &other.secret);
    for kind in ["access_token", "refresh_token"] {
        let token = tokens[kind].as_str().unwrap();
        let res = post_oauth(app, "/oauth/revoke", &[("token", token)], Some(&auth)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{kind}: {}", res.body);
        assert_eq!(res.json()["error"], "unauthorized_client", "{kind}");
        assert_ne!(res.json()["status"], "success");
    }
    // The tokens still work.
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        api(app, "GET", "/v2/users/me", access, None).await.status,
        StatusCode::OK
    );
    // A token nobody holds is still answered with success (RFC 7009 §2.2).
    let res = post_oauth(
        app,
        "/oauth/revoke",
        &[("token", "no-such-token")],
        Some(&auth),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["status"], "success");
}

async fn introspection_reports_the_bearer_token_type(app: &TestApp) {
    let dev = oauth_app(app, "type@example.com", "marketplace.user_managed", SCOPES).await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let auth = basic(&dev.client_id, &dev.secret);
    let access = tokens["access_token"].as_str().unwrap();
    let res = post_oauth(app, "/oauth/introspect", &[("token", access)], Some(&auth)).await;
    assert_eq!(res.json()["active"], true, "{}", res.body);
    assert_eq!(res.json()["token_type"], "Bearer");
    // A refresh token is never sent as a Bearer: it has no type to report.
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let res = post_oauth(
        app,
        "/oauth/introspect",
        &[("token", refresh_token)],
        Some(&auth),
    )
    .await;
    assert_eq!(res.json()["active"], true, "{}", res.body);
    assert!(res.json().get("token_type").is_none(), "{}", res.body);
}
