//! The platform REST API: users and meetings with scopes enforced, other
//! tenants' data invisible, rate limits shared by every process, and the
//! Meetings page on the same rows.

use axum::http::StatusCode;

use crate::oauth::{api, authorize, basic, exchange, oauth_app, post_oauth, refresh, revoke, Dev};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    meetings_crud_through_the_api_and_the_page,
    user_scopes_reach_only_the_tokens_own_user,
    a_token_of_one_account_cannot_touch_another_accounts_data,
    missing_scopes_are_refused_with_4711,
    rate_limits_are_shared_by_every_process,
    batched_counting_overshoots_by_at_most_one_percent_per_process,
    the_meetings_page_validates_like_the_api,
    cached_tokens_end_at_once_when_revoked_uninstalled_or_deleted,
    a_token_ended_through_one_process_fails_on_the_others,
    cached_members_change_at_once,
    a_users_meetings_are_listed_only_in_the_tokens_account,
    unauthorized_answers_carry_a_bearer_challenge,
    nul_in_api_text_is_invalid_input,
);

async fn token_for(app: &TestApp, dev: &Dev, cookie: &str) -> String {
    tokens_for(app, dev, cookie).await.0
}

/// An access and a refresh token from the user's consent.
async fn tokens_for(app: &TestApp, dev: &Dev, cookie: &str) -> (String, String) {
    let code = authorize(app, cookie, &dev.client_id, None).await;
    let res = exchange(app, dev, &code, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let field = |name: &str| res.json()[name].as_str().unwrap().to_owned();
    (field("access_token"), field("refresh_token"))
}

/// Waits until the instance keeps tokens in its cache: at once on SQLite;
/// on PostgreSQL once it listens for other processes' changes.
async fn caching(app: &TestApp) {
    assert!(
        within_5s(async || app.state.caches.usable()).await,
        "the token cache never became usable"
    );
}

/// Whether `check` comes true within 5 s (asked every 20 ms).
async fn within_5s(check: impl AsyncFnMut() -> bool) -> bool {
    crate::support::poll_until(std::time::Duration::from_secs(5), check).await
}

const ALL_USER: &[&str] = &["user:read", "meeting:read", "meeting:write"];

async fn meetings_crud_through_the_api_and_the_page(app: &TestApp) {
    let dev = oauth_app(
        app,
        "crud@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    let token = token_for(app, &dev, &dev.cookie).await;
    let created = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &token,
        Some(r#"{"topic":"Weekly sync","type":2,"start_time":"2026-12-01T09:30:00Z","duration":45,"agenda":"Plans"}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let meeting = created.json();
    let id = meeting["id"].as_i64().unwrap();
    assert!(id >= 10_000_000_000, "an 11-digit number, as Zoom's");
    assert_eq!(meeting["topic"], "Weekly sync");
    assert_eq!(meeting["duration"], 45);
    assert_eq!(meeting["host_email"], "crud@example.com");
    assert!(meeting["join_url"]
        .as_str()
        .unwrap()
        .ends_with(&id.to_string()));

    let got = api(app, "GET", &format!("/v2/meetings/{id}"), &token, None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["start_time"], "2026-12-01T09:30:00Z");
    let res = api(
        app,
        "PATCH",
        &format!("/v2/meetings/{id}"),
        &token,
        Some(r#"{"topic":"Renamed","duration":30}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let list = api(app, "GET", "/v2/users/me/meetings", &token, None).await;
    assert_eq!(list.json()["total_records"], 1);
    assert_eq!(list.json()["meetings"][0]["topic"], "Renamed");
    assert_eq!(
        list.json()["meetings"][0]["agenda"],
        "Plans",
        "PATCH keeps fields it was not given"
    );

    // The Meetings page shows the same rows, and what it creates the API sees.
    let page = app.call("my_meetings", &[], Some(&dev.cookie)).await.json();
    assert_eq!(page[0]["id"], id);
    let res = app
        .call(
            "create_meeting",
            &[
                ("topic", "From the page"),
                ("start_time", "2026-12-02T10:00"),
                ("duration", "15"),
                ("agenda", ""),
            ],
            Some(&dev.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = api(app, "GET", "/v2/users/me/meetings", &token, None)
        .await
        .json();
    assert_eq!(list["total_records"], 2);
    assert_eq!(list["meetings"][1]["start_time"], "2026-12-02T10:00:00Z");

    let res = api(app, "DELETE", &format!("/v2/meetings/{id}"), &token, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = api(app, "GET", &format!("/v2/meetings/{id}"), &token, None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["code"], 3001);

    // Bad input: a JSON error with a reason, nothing stored.
    for body in [
        r#"{"topic":""}"#,
        r#"{"topic":"x","duration":0}"#,
        r#"{"topic":"x","start_time":"soon"}"#,
        "not json",
    ] {
        let res = api(app, "POST", "/v2/users/me/meetings", &token, Some(body)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(res.json()["code"], 300);
        assert!(!res.json()["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        api(app, "GET", "/v2/users/me/meetings", &token, None)
            .await
            .json()["total_records"],
        1
    );
    assert_eq!(
        api(app, "GET", "/v2/nothing-here", &token, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn user_scopes_reach_only_the_tokens_own_user(app: &TestApp) {
    let dev = oauth_app(app, "own@example.com", "marketplace.user_managed", ALL_USER).await;
    let member = app
        .join_as(&dev.cookie, "colleague@example.com", "member")
        .await;
    let dev_token = token_for(app, &dev, &dev.cookie).await;
    let member_token = token_for(app, &dev, &member).await;
    let created = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &dev_token,
        Some(r#"{"topic":"Dev only"}"#),
    )
    .await;
    let id = created.json()["id"].as_i64().unwrap();
    // Same account, same app, other user: a user-scoped token sees nothing.
    assert_eq!(
        api(
            app,
            "GET",
            &format!("/v2/meetings/{id}"),
            &member_token,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(
            app,
            "DELETE",
            &format!("/v2/meetings/{id}"),
            &member_token,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let dev_id = api(app, "GET", "/v2/users/me", &dev_token, None)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api(
            app,
            "GET",
            &format!("/v2/users/{dev_id}"),
            &member_token,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(
            app,
            "POST",
            &format!("/v2/users/{dev_id}/meetings"),
            &member_token,
            Some(r#"{"topic":"x"}"#)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Listing all users needs the admin scope.
    assert_eq!(
        api(app, "GET", "/v2/users", &member_token, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The meeting is still there for its host.
    assert_eq!(
        api(app, "GET", &format!("/v2/meetings/{id}"), &dev_token, None)
            .await
            .status,
        StatusCode::OK
    );
}

async fn a_token_of_one_account_cannot_touch_another_accounts_data(app: &TestApp) {
    // App A, admin scopes, installed in account A.
    let a = oauth_app(
        app,
        "tenant-a@example.com",
        "marketplace.account_level",
        &[
            "user:read:admin",
            "meeting:read:admin",
            "meeting:write:admin",
        ],
    )
    .await;
    let a_token = token_for(app, &a, &a.cookie).await;
    // App B in account B, with a meeting there.
    let b = oauth_app(
        app,
        "tenant-b@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    let b_token = token_for(app, &b, &b.cookie).await;
    let meeting = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &b_token,
        Some(r#"{"topic":"B's"}"#),
    )
    .await
    .json();
    let id = meeting["id"].as_i64().unwrap();
    let b_user = meeting["host_id"].as_str().unwrap();
    for (method, path) in [
        ("GET", format!("/v2/meetings/{id}")),
        ("PATCH", format!("/v2/meetings/{id}")),
        ("DELETE", format!("/v2/meetings/{id}")),
        ("GET", format!("/v2/users/{b_user}")),
        ("GET", format!("/v2/users/{b_user}/meetings")),
        ("GET", "/v2/users/tenant-b@example.com".to_owned()),
    ] {
        let res = api(app, method, &path, &a_token, Some(r#"{"topic":"hijack"}"#)).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            res.body
        );
    }
    let users = api(app, "GET", "/v2/users", &a_token, None).await.json();
    assert_eq!(users["total_records"], 1, "only account A's users: {users}");
    assert_eq!(
        api(app, "GET", &format!("/v2/meetings/{id}"), &b_token, None)
            .await
            .json()["topic"],
        "B's"
    );
}

async fn missing_scopes_are_refused_with_4711(app: &TestApp) {
    let dev = oauth_app(
        app,
        "narrow@example.com",
        "marketplace.user_managed",
        &["meeting:read"],
    )
    .await;
    let token = token_for(app, &dev, &dev.cookie).await;
    let res = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &token,
        Some(r#"{"topic":"x"}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["code"], 4711);
    assert!(res.json()["message"]
        .as_str()
        .unwrap()
        .contains("meeting:write"));
    let res = api(app, "GET", "/v2/users/me", &token, None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        api(app, "GET", "/v2/users/me/meetings", &token, None)
            .await
            .status,
        StatusCode::OK
    );
}

async fn rate_limits_are_shared_by_every_process(app: &TestApp) {
    let limited = app.with_config(|c| c.api_rate_limit = 3).await;
    let other_process = app.with_config(|c| c.api_rate_limit = 3).await;
    let dev = oauth_app(
        &limited,
        "limit@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    let token = token_for(&limited, &dev, &dev.cookie).await;
    let first = api(&limited, "GET", "/v2/users/me", &token, None).await;
    assert_eq!(first.header("x-ratelimit-limit"), "3");
    assert_eq!(first.header("x-ratelimit-remaining"), "2");
    assert_eq!(
        api(&other_process, "GET", "/v2/users/me", &token, None)
            .await
            .header("x-ratelimit-remaining"),
        "1"
    );
    assert_eq!(
        api(&limited, "GET", "/v2/users/me", &token, None)
            .await
            .status,
        StatusCode::OK
    );
    let refused = api(&other_process, "GET", "/v2/users/me", &token, None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.json()["code"], 429);
    let retry: i64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.header("x-ratelimit-remaining"), "0");
    // The next window starts afresh.
    limited.clock.advance_ms(60_000);
    other_process.clock.advance_ms(60_000);
    assert_eq!(
        api(&limited, "GET", "/v2/users/me", &token, None)
            .await
            .status,
        StatusCode::OK
    );
    limited.cleanup().await;
    other_process.cleanup().await;
}

async fn the_meetings_page_validates_like_the_api(app: &TestApp) {
    let cookie = app
        .sign_up("page@example.com", "Page", "correct horse battery")
        .await;
    let res = app
        .call(
            "create_meeting",
            &[
                ("topic", " "),
                ("start_time", "2026-02-30T10:00"),
                ("duration", "0"),
                ("agenda", ""),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = res.json()["fields"].to_string();
    for field in ["topic", "start_time", "duration"] {
        assert!(fields.contains(field), "{fields}");
    }
    assert_eq!(
        app.call("my_meetings", &[], Some(&cookie)).await.json(),
        serde_json::json!([])
    );
    // Someone else's meeting cannot be deleted from the page.
    let other = app
        .sign_up("other-page@example.com", "Other", "correct horse battery")
        .await;
    app.call(
        "create_meeting",
        &[
            ("topic", "Mine"),
            ("start_time", "2026-12-02T10:00"),
            ("duration", "15"),
            ("agenda", ""),
        ],
        Some(&other),
    )
    .await;
    let id = app.call("my_meetings", &[], Some(&other)).await.json()[0]["id"].to_string();
    assert_eq!(
        app.call("delete_meeting", &[("id", &id)], Some(&cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("delete_meeting", &[("id", &id)], Some(&other))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("my_meetings", &[], None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Each process writes its count to the shared row in chunks of 1% of the
/// limit: two processes together admit at least the limit and at most 2%
/// more.
async fn batched_counting_overshoots_by_at_most_one_percent_per_process(app: &TestApp) {
    let a = app.with_config(|c| c.api_rate_limit = 300).await;
    let b = app.with_config(|c| c.api_rate_limit = 300).await;
    let dev = oauth_app(
        &a,
        "batch@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    let token = token_for(&a, &dev, &dev.cookie).await;
    let mut admitted = 0;
    for i in 0..400 {
        let process = if i % 2 == 0 { &a } else { &b };
        let res = api(process, "GET", "/v2/users/me", &token, None).await;
        match res.status {
            StatusCode::OK => admitted += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}: {}", res.body),
        }
    }
    assert!(
        (300..=306).contains(&admitted),
        "admitted {admitted} of 400 under a limit of 300"
    );
}

/// A token's first call puts it in this process's cache; whatever ends it
/// here must be seen by the very next call.
async fn cached_tokens_end_at_once_when_revoked_uninstalled_or_deleted(app: &TestApp) {
    let dev = oauth_app(
        app,
        "cache@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    caching(app).await;
    let me = |token: String| async move { api(app, "GET", "/v2/users/me", &token, None).await };

    // Revoked through /oauth/revoke (a consented token: the app is
    // deauthorized).
    let (access, _) = tokens_for(app, &dev, &dev.cookie).await;
    assert_eq!(me(access.clone()).await.status, StatusCode::OK);
    assert_eq!(app.state.caches.tokens.len(), 1, "the first call caches it");
    assert_eq!(me(access.clone()).await.status, StatusCode::OK);
    let res = revoke(app, &dev, &access).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = me(access).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);

    // Revoked because a refresh token was used twice.
    let (access, refresh_token) = tokens_for(app, &dev, &dev.cookie).await;
    assert_eq!(me(access.clone()).await.status, StatusCode::OK);
    assert_eq!(app.state.caches.tokens.len(), 1);
    let rotated = refresh(app, &dev, &refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let rotated_access = rotated.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me(rotated_access.clone()).await.status, StatusCode::OK);
    assert_eq!(
        refresh(app, &dev, &refresh_token).await.status,
        StatusCode::BAD_REQUEST,
        "reuse of a refresh token"
    );
    assert_eq!(me(access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me(rotated_access).await.status, StatusCode::UNAUTHORIZED);

    // Uninstalled from the Installed apps page.
    let (access, _) = tokens_for(app, &dev, &dev.cookie).await;
    assert_eq!(me(access.clone()).await.status, StatusCode::OK);
    let installs = app
        .call("installed_apps", &[], Some(&dev.cookie))
        .await
        .json();
    let id = installs[0]["id"].as_str().unwrap();
    let res = app
        .call("uninstall", &[("id", id)], Some(&dev.cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(me(access).await.status, StatusCode::UNAUTHORIZED);

    // The app deleted by its developer.
    let (access, _) = tokens_for(app, &dev, &dev.cookie).await;
    assert_eq!(me(access.clone()).await.status, StatusCode::OK);
    let res = app
        .call("delete_app", &[("id", &dev.app_id)], Some(&dev.cookie))
        .await;
    res.assert_done();
    assert_eq!(me(access).await.status, StatusCode::UNAUTHORIZED);
}

/// Several processes on one PostgreSQL: each caches tokens, and hears
/// through the database (NOTIFY) when another ends one. SQLite is one
/// process per file (README), so there this case has nothing to check.
async fn a_token_ended_through_one_process_fails_on_the_others(app: &TestApp) {
    if app.state.db.dialect != portico::server::db::Dialect::Postgres {
        return;
    }
    let other = app.second_instance().await;
    let dev = oauth_app(
        app,
        "procs@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    caching(app).await;
    caching(&other).await;
    // Ends a grant with an UPDATE (a refresh token used twice)…
    let (access, refresh_token) = tokens_for(app, &dev, &dev.cookie).await;
    kept_by(&other, &access).await;
    assert_eq!(
        refresh(app, &dev, &refresh_token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        refresh(app, &dev, &refresh_token).await.status,
        StatusCode::BAD_REQUEST
    );
    ended_on(&other, &access).await;
    // …and with DELETEs (revoking a consented token uninstalls the app).
    let (access, _) = tokens_for(app, &dev, &dev.cookie).await;
    kept_by(&other, &access).await;
    let res = revoke(app, &dev, &access).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    ended_on(&other, &access).await;

    // A client secret ended through one process is refused by the other,
    // which had it cached.
    let introspect = |secret: String| {
        let other = &other;
        let client_id = dev.client_id.clone();
        async move {
            post_oauth(
                other,
                "/oauth/introspect",
                &[("token", "none")],
                Some(&basic(&client_id, &secret)),
            )
            .await
            .status
        }
    };
    assert_eq!(introspect(dev.secret.clone()).await, StatusCode::OK);
    assert!(
        !other.state.caches.clients.is_empty(),
        "the client is cached"
    );
    let form = [("id", dev.app_id.as_str()), ("environment", "development")];
    let rotated = app.call("generate_secret", &form, Some(&dev.cookie)).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let res = app
        .call("revoke_old_secret", &form, Some(&dev.cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        within_5s(async || introspect(dev.secret.clone()).await == StatusCode::UNAUTHORIZED).await,
        "the other process still took the revoked secret 5 s later"
    );
}

/// The token works on `other`, which now keeps it.
async fn kept_by(other: &TestApp, token: &str) {
    let res = api(other, "GET", "/v2/users/me", token, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!other.state.caches.tokens.is_empty(), "the token is cached");
}

/// `other` refuses the token within 5 s (the notification's way there).
async fn ended_on(other: &TestApp, token: &str) {
    let refused = async || {
        api(other, "GET", "/v2/users/me", token, None).await.status == StatusCode::UNAUTHORIZED
    };
    assert!(
        within_5s(refused).await,
        "the other process still took the token 5 s after it ended"
    );
}

/// The users API answers from this process's cache; a new name, a new
/// role or a removal shows at the very next call.
async fn cached_members_change_at_once(app: &TestApp) {
    let dev = oauth_app(
        app,
        "people@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    let member = app
        .join_as(&dev.cookie, "person@example.com", "member")
        .await;
    caching(app).await;
    let token = token_for(app, &dev, &member).await;
    let me = || async { api(app, "GET", "/v2/users/me", &token, None).await };
    let first = me().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.json()["role_name"], "Member");
    assert!(!app.state.caches.members.is_empty(), "the member is cached");
    let member_id = first.json()["id"].as_str().unwrap().to_owned();

    let res = app
        .call(
            "update_profile",
            &[("display_name", "Pat Renamed")],
            Some(&member),
        )
        .await;
    res.assert_done();
    assert_eq!(me().await.json()["display_name"], "Pat Renamed");

    let res = app
        .call(
            "change_role",
            &[("user_id", &member_id), ("role", "admin")],
            Some(&dev.cookie),
        )
        .await;
    res.assert_done();
    assert_eq!(me().await.json()["role_name"], "Admin");

    let res = app
        .call(
            "remove_member",
            &[("user_id", &member_id)],
            Some(&dev.cookie),
        )
        .await;
    res.assert_done();
    // Removal ends the member's tokens in the account they left.
    let gone = me().await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED, "{}", gone.body);
}

/// A user who belongs to two accounts hosts meetings in both; a token of
/// an install in one account lists only that account's meetings.
async fn a_users_meetings_are_listed_only_in_the_tokens_account(app: &TestApp) {
    let dev = oauth_app(
        app,
        "two-homes-dev@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    // Someone with an account of their own schedules a meeting there…
    let joiner = app
        .sign_up("two-homes@example.com", "Jo Two", "correct horse battery")
        .await;
    let res = app
        .call(
            "create_meeting",
            &[
                ("topic", "In my own account"),
                ("start_time", "2026-12-02T10:00"),
                ("duration", "15"),
                ("agenda", ""),
            ],
            Some(&joiner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // …then joins the developer's account, installs the app there and
    // schedules one through it.
    let invite = app
        .call("create_invite", &[("role", "member")], Some(&dev.cookie))
        .await;
    let token = invite.json()["token"]
        .as_str()
        .expect("invite token")
        .to_owned();
    let res = app
        .call("accept_invite", &[("token", &token)], Some(&joiner))
        .await;
    res.assert_done();
    assert_eq!(
        app.me(&joiner).await["account_id"],
        app.me(&dev.cookie).await["account_id"]
    );
    let access = token_for(app, &dev, &joiner).await;
    let res = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &access,
        Some(r#"{"topic":"In the shared account"}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let listed = api(app, "GET", "/v2/users/me/meetings", &access, None)
        .await
        .json();
    let topics: Vec<&str> = listed["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["In the shared account"], "{listed}");
    assert_eq!(listed["total_records"], 1);
}

/// RFC 6750 §3: every 401 of `/v2` carries a Bearer challenge; with a
/// token that does not do, `invalid_token`; without one, no error code.
/// A missing scope (403) names the scope.
async fn unauthorized_answers_carry_a_bearer_challenge(app: &TestApp) {
    use axum::body::Body;
    use axum::http::Request;
    let none = app
        .send(Request::get("/v2/users/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.header("www-authenticate"), "Bearer realm=\"Portico\"");
    let basic_auth = app
        .send(
            Request::get("/v2/users/me")
                .header("authorization", "Basic dXNlcjpwYXNz")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(basic_auth.status, StatusCode::UNAUTHORIZED);
    assert!(basic_auth
        .header("www-authenticate")
        .starts_with("Bearer realm="));
    let dev = oauth_app(
        app,
        "challenge@example.com",
        "marketplace.user_managed",
        &["meeting:read"],
    )
    .await;
    let (access, refresh_token) = tokens_for(app, &dev, &dev.cookie).await;
    for token in ["not-a-token", refresh_token.as_str()] {
        let res = api(app, "GET", "/v2/users/me/meetings", token, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        let challenge = res.header("www-authenticate");
        assert!(
            challenge.starts_with(
                "Bearer realm=\"Portico\", error=\"invalid_token\", error_description=\""
            ),
            "{challenge}"
        );
        assert_eq!(res.json()["code"], 124);
    }
    app.clock.advance_ms(3_600_001);
    let expired = api(app, "GET", "/v2/users/me/meetings", &access, None).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(expired
        .header("www-authenticate")
        .contains("error=\"invalid_token\""));
    let fresh = token_for(app, &dev, &dev.cookie).await;
    let forbidden = api(app, "GET", "/v2/users/me", &fresh, None).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(
        forbidden.header("www-authenticate"),
        "Bearer realm=\"Portico\", error=\"insufficient_scope\", scope=\"user:read user:read:admin\""
    );
    let ok = api(app, "GET", "/v2/users/me/meetings", &fresh, None).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.header("www-authenticate"), "");
}

/// PostgreSQL cannot store a NUL character: text holding one is Zoom's
/// 300 "invalid input" on both databases, and nothing is written.
async fn nul_in_api_text_is_invalid_input(app: &TestApp) {
    let dev = oauth_app(
        app,
        "nul-api@example.com",
        "marketplace.user_managed",
        ALL_USER,
    )
    .await;
    let access = token_for(app, &dev, &dev.cookie).await;
    let res = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &access,
        Some(r#"{"topic":"Stand\u0000up"}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["code"], 300);
    let message = res.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("topic") && message.contains("Invalid input"),
        "{message}"
    );
    let meetings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(meetings, 0, "nothing half-saved");
    let made = api(
        app,
        "POST",
        "/v2/users/me/meetings",
        &access,
        Some(r#"{"topic":"Standup"}"#),
    )
    .await
    .json();
    let id = made["id"].as_i64().unwrap();
    let res = api(
        app,
        "PATCH",
        &format!("/v2/meetings/{id}"),
        &access,
        Some(r#"{"agenda":"\u0000"}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["code"], 300);
    let res = api(app, "GET", "/v2/users/a%00b/meetings", &access, None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["code"], 300);
    let one = api(app, "GET", &format!("/v2/meetings/{id}"), &access, None)
        .await
        .json();
    assert_eq!(
        (one["topic"].as_str(), one["agenda"].as_str()),
        (Some("Standup"), Some(""))
    );
}
