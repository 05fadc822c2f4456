//! The authorization endpoint and what feeds it: the consent page and
//! its form, redirect matching, who may install, the Publishable URL and
//! the app's OAuth settings.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use super::{
    api, as_pairs, authorize, authorize_query, decide, exchange, oauth_app, REDIRECT, USER_SCOPES,
};
use crate::on_both_databases;
use crate::support::{form_body, TestApp};

on_both_databases!(
    the_redirect_mismatch_table_never_redirects,
    the_consent_form_refuses_cross_site_posts,
    development_apps_install_only_in_their_own_account,
    deny_sends_access_denied,
    publishable_url_installs_and_goes_stale,
    settings_are_validated_and_nothing_half_saved,
    changed_settings_count_at_once,
);

/// The consent form's Allow button (the page's title says "Allow app"
/// even when it explains an error instead).
const ALLOW: &str = "name=\"decision\" value=\"allow\"";

// The client a consent page reads is cached per process: saving the
// redirect URL, the scopes or the app's name must reach the next request,
// not one a minute later.
async fn changed_settings_count_at_once(app: &TestApp) {
    let dev = oauth_app(
        app,
        "changed@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let consent = |redirect: &'static str| {
        let query = authorize_query(&dev.client_id, redirect, None);
        format!("/oauth/authorize?{}", form_body(&as_pairs(&query)))
    };
    let page = app.get(&consent(REDIRECT), Some(&dev.cookie)).await;
    assert!(page.body.contains(ALLOW), "{}", page.body);

    const MOVED: &str = "https://app.example/moved/callback";
    app.call(
        "save_redirects",
        &[
            ("id", &dev.app_id),
            ("development_redirect_url", MOVED),
            ("production_redirect_url", ""),
            ("allow_list", ""),
            ("strict_mode", "on"),
        ],
        Some(&dev.cookie),
    )
    .await
    .assert_done();
    let page = app.get(&consent(MOVED), Some(&dev.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(ALLOW),
        "the new redirect URL: {}",
        page.body
    );
    let page = app.get(&consent(REDIRECT), Some(&dev.cookie)).await;
    assert!(
        !page.body.contains(ALLOW),
        "the old one no longer: {}",
        page.body
    );

    app.call(
        "update_information",
        &[
            ("id", &dev.app_id),
            ("name", "Renamed Right Away"),
            ("short_description", ""),
            ("long_description", ""),
            ("contact_name", ""),
            ("contact_email", ""),
            ("privacy_url", ""),
            ("support_url", ""),
            ("configure_url", ""),
        ],
        Some(&dev.cookie),
    )
    .await
    .assert_done();
    let page = app.get(&consent(MOVED), Some(&dev.cookie)).await;
    assert!(page.body.contains("Renamed Right Away"), "{}", page.body);
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
