//! The credentials grants: account_credentials for account-level apps,
//! client_credentials for bots, and their grants written in groups.

use axum::http::StatusCode;

use super::{
    api, as_pairs, authorize, authorize_query, basic, exchange, oauth_app, post_oauth, revoke,
    REDIRECT, USER_SCOPES,
};
use crate::on_both_databases;
use crate::support::{form_body, TestApp};

on_both_databases!(
    account_level_apps_need_an_admin_and_take_account_credentials,
    bots_take_client_credentials,
    concurrent_credentials_grants_all_succeed,
    a_bad_grant_fails_alone_in_its_group,
);

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
