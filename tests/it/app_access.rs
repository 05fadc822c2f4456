//! Who may manage an app (issue 19, item 1): its creator and the account's
//! owners and admins manage it; collaborators edit it but do not delete
//! it, rotate production secrets or share it; other members see its name
//! and status only. Every app-scoped server function is enumerated from
//! the server's own registry, not from a hand-kept list.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::TestApp;

/// Server functions that do not act on one app (account, session,
/// meetings, installs, the consent page). Every other registered server
/// function is app-scoped and is checked below, so a new one is covered
/// the moment it exists.
const NOT_APP_SCOPED: &[&str] = &[
    "current_user",
    "sign_up",
    "sign_in",
    "sign_out",
    "profile",
    "update_profile",
    "change_password",
    "switch_account",
    "members",
    "create_invite",
    "revoke_invite",
    "change_role",
    "remove_member",
    "invite_details",
    "accept_invite",
    "decline_invite",
    "my_meetings",
    "create_meeting",
    "delete_meeting",
    "installed_apps",
    "uninstall",
    // Acts on an install of the caller's account (tests/it/marketplace.rs).
    "approve_scopes",
    // The caller's own notifications (tests/it/notifications.rs).
    "notifications",
    "mark_notifications_read",
    "authorize_request",
    "install_link",
    "my_apps",
    "create_app",
    // Team chat acts on the caller's account's conversations; who may do
    // what is `server::chat::conversation` (tests/it/chat.rs).
    "chat_page",
    "create_channel",
    "join_channel",
    "leave_channel",
    "open_direct",
    "post_message",
    "press_button",
    // The Marketplace is public: it shows approved listings only
    // (tests/it/marketplace.rs).
    "browse_marketplace",
    "marketplace_app",
    // Reviewers' functions act on submissions of every account; who may
    // is `server::review::require_reviewer` (tests/it/review.rs).
    "review_queue",
    "review_submission",
    "claim_submission",
    "decide_submission",
];

/// App-scoped functions that a plain member of the account may call: they
/// answer with the app's name and status and nothing else.
const SEE_ONLY: &[&str] = &["app_detail", "app_overview"];

/// Every server function's path, from the registry the router serves.
fn server_function_names() -> Vec<String> {
    let mut names: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// One body every app-scoped function can read: the app's id under both
/// names used, and a value for every other required argument. Production
/// is the environment asked for: the higher bar.
fn superset<'a>(app_id: &'a str, user_id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", app_id),
        ("app_id", app_id),
        ("user_id", user_id),
        ("name", "Taken Over"),
        ("short_description", "x"),
        ("long_description", "x"),
        ("contact_name", "x"),
        ("contact_email", "x@example.com"),
        ("privacy_url", "https://example.com/p"),
        ("support_url", "https://example.com/s"),
        ("configure_url", ""),
        ("subscription_id", "sub_x"),
        ("development_url", "https://example.com/hook"),
        ("production_url", "https://example.com/hook"),
        ("deauthorization_url", "https://example.com/deauth"),
        ("event_id", "evt_x"),
        ("environment", "production"),
        ("media_id", "med_x"),
        ("direction", "up"),
        ("development_redirect_url", "https://example.com/cb"),
        ("production_redirect_url", "https://example.com/cb"),
        ("allow_list", ""),
        ("active", "on"),
        ("notes", ""),
        ("test_plan", ""),
        ("install_option", "landing_page"),
        ("landing_url", "https://example.com/add"),
        ("slash_command", "weather"),
        ("description", "x"),
        ("hint", ""),
        ("welcome_message", ""),
    ]
}

async fn user_id(app: &TestApp, cookie: &str) -> String {
    app.me(cookie).await["id"].as_str().unwrap().to_owned()
}

/// A plain member is refused every app-scoped server function for an app
/// they neither created nor collaborate on, with 403 and the reason; the
/// two overview functions tell them only the app's name and status.
async fn plain_member_is_refused_every_app_scoped_function(app: &TestApp) {
    let (owner, app_id) = app
        .developer_with_app("owner-access@example.com", "private.account_level")
        .await;
    let member = app
        .join_as(&owner, "member-access@example.com", "member")
        .await;
    let member_id = user_id(app, &member).await;

    let names = server_function_names();
    let scoped: Vec<&String> = names
        .iter()
        .filter(|n| !NOT_APP_SCOPED.contains(&n.as_str()))
        .collect();
    // The registry really was read: the well-known ones are there.
    for known in [
        "delete_app",
        "generate_secret",
        "features_page",
        "add_collaborator",
    ] {
        assert!(
            names.iter().any(|n| n == known),
            "{known} missing from {names:?}"
        );
    }
    assert!(
        scoped.len() >= 20,
        "only {} app-scoped functions: {scoped:?}",
        scoped.len()
    );

    let body = superset(&app_id, &member_id);
    for name in &scoped {
        let res = app.call(name, &body, Some(&member)).await;
        if SEE_ONLY.contains(&name.as_str()) {
            assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.body);
            let json = res.json();
            let out = json.get("app").unwrap_or(&json);
            assert_eq!(out["name"], "App of owner-access@example.com", "{name}");
            assert_eq!(out["role"], "member", "{name}");
            assert_eq!(
                out["updated"], "",
                "{name} tells no more than name and status"
            );
            if *name == "app_overview" {
                assert_eq!(json["creator"], "", "{}", res.body);
                assert_eq!(json["collaborators"], serde_json::json!([]));
                assert_eq!(json["candidates"], serde_json::json!([]));
            }
            continue;
        }
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{name} was not refused: {}",
            res.body
        );
        let json = res.json();
        assert_eq!(json["kind"], "forbidden", "{name}: {}", res.body);
        assert!(
            json["message"]
                .as_str()
                .unwrap_or_default()
                .contains("creator"),
            "{name}: the reason names who may: {}",
            res.body
        );
    }

    // Nothing was changed by any of those calls: the owner still sees the
    // app as it was, with no secret, no collaborator and its name.
    let res = app
        .call("app_overview", &[("id", &app_id)], Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let json = res.json();
    assert_eq!(json["app"]["name"], "App of owner-access@example.com");
    assert_eq!(json["app"]["role"], "manager");
    assert_eq!(json["collaborators"], serde_json::json!([]));
    let res = app
        .call("credentials_page", &[("id", &app_id)], Some(&owner))
        .await;
    assert_eq!(
        res.json()["environments"],
        serde_json::json!([]),
        "no secret was made"
    );

    // Plain routes too: the member cannot upload media, nor read the
    // unpublished app's pages.
    let res = app
        .send(
            axum::http::Request::post(format!("/apps/{app_id}/media"))
                .header("cookie", &member)
                .header("accept", "application/json")
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "multipart/form-data; boundary=x")
                .body(axum::body::Body::from(
                    "--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nnot a png\r\n--x--\r\n",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let page = app
        .get(&format!("/apps/{app_id}/credentials"), Some(&member))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Not allowed"), "{}", page.body);
    let overview = app.get(&format!("/apps/{app_id}"), Some(&member)).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("Ask one of them to add you"));
    assert!(!overview.body.contains("Delete app"));

    // Another account does not learn that the app exists.
    let stranger = app
        .sign_up(
            "stranger-access@example.com",
            "Stranger",
            "correct horse battery",
        )
        .await;
    for name in ["app_detail", "app_overview", "delete_app", "features_page"] {
        let res = app.call(name, &[("id", &app_id)], Some(&stranger)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{name}: {}", res.body);
    }
}

/// A collaborator edits the app but may not delete it, rotate its
/// production secrets or change its collaborators; removing them ends that.
async fn collaborators_edit_but_do_not_delete_rotate_or_share(app: &TestApp) {
    let (owner, app_id) = app
        .developer_with_app("owner-collab@example.com", "private.account_level")
        .await;
    let helper = app
        .join_as(&owner, "helper-collab@example.com", "member")
        .await;
    let helper_id = user_id(app, &helper).await;
    let other = app
        .join_as(&owner, "other-collab@example.com", "member")
        .await;
    let other_id = user_id(app, &other).await;

    // The owner sees both as candidates and adds one.
    let res = app
        .call("app_overview", &[("id", &app_id)], Some(&owner))
        .await;
    let candidates = res.json()["candidates"].as_array().unwrap().len();
    assert_eq!(candidates, 2, "{}", res.body);
    let res = app
        .call(
            "add_collaborator",
            &[("id", &app_id), ("user_id", &helper_id)],
            Some(&owner),
        )
        .await;
    res.assert_done();
    let res = app
        .call("app_overview", &[("id", &app_id)], Some(&helper))
        .await;
    let json = res.json();
    assert_eq!(json["app"]["role"], "collaborator", "{}", res.body);
    assert_eq!(
        json["collaborators"][0]["email"],
        "helper-collab@example.com"
    );
    assert_eq!(json["creator"], "Dev");

    // Edits: the listing, the development secret, subscriptions' page.
    let res = app
        .call(
            "update_information",
            &[
                ("id", &app_id),
                ("name", "Edited By Helper"),
                ("short_description", "Notes that write themselves."),
                ("long_description", "It listens; it writes."),
                ("contact_name", "Helper"),
                ("contact_email", "helper@example.com"),
                ("privacy_url", "https://example.com/privacy"),
                ("support_url", "https://example.com/support"),
                ("configure_url", ""),
            ],
            Some(&helper),
        )
        .await;
    res.assert_done();
    let res = app
        .call("app_detail", &[("id", &app_id)], Some(&owner))
        .await;
    assert_eq!(res.json()["name"], "Edited By Helper", "{}", res.body);
    let res = app
        .call(
            "generate_secret",
            &[("id", &app_id), ("environment", "development")],
            Some(&helper),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .call("features_page", &[("id", &app_id)], Some(&helper))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Refused, with the reason.
    let refused: [(&str, Vec<(&str, &str)>); 5] = [
        ("delete_app", vec![("id", &app_id)]),
        (
            "generate_secret",
            vec![("id", &app_id), ("environment", "production")],
        ),
        (
            "revoke_old_secret",
            vec![("id", &app_id), ("environment", "production")],
        ),
        ("rotate_secret_token", vec![("id", &app_id)]),
        (
            "add_collaborator",
            vec![("id", &app_id), ("user_id", &other_id)],
        ),
    ];
    for (name, body) in refused {
        let res = app.call(name, &body, Some(&helper)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {}", res.body);
        assert_eq!(res.json()["kind"], "forbidden", "{name}");
    }
    let res = app
        .call(
            "remove_collaborator",
            &[("id", &app_id), ("user_id", &helper_id)],
            Some(&helper),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // The other member is still only a member of the app.
    let res = app
        .call("app_information", &[("id", &app_id)], Some(&other))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

    // An owner, an admin or the creator can't be added: they manage it.
    let owner_id = user_id(app, &owner).await;
    let res = app
        .call(
            "add_collaborator",
            &[("id", &app_id), ("user_id", &owner_id)],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    // Removed: the helper is a plain member again.
    let res = app
        .call(
            "remove_collaborator",
            &[("id", &app_id), ("user_id", &helper_id)],
            Some(&owner),
        )
        .await;
    res.assert_done();
    let res = app
        .call("features_page", &[("id", &app_id)], Some(&helper))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}

/// A plain member who creates an app manages it; an admin manages every
/// app of the account, and can delete one someone else made.
async fn creators_and_admins_manage(app: &TestApp) {
    let owner = app
        .sign_up("owner-mgr@example.com", "Owner", "correct horse battery")
        .await;
    let maker = app.join_as(&owner, "maker-mgr@example.com", "member").await;
    let admin = app.join_as(&owner, "admin-mgr@example.com", "admin").await;
    let app_id = app
        .create_app_as(&maker, "private.user_managed", "Maker's App")
        .await;
    for who in [&maker, &admin, &owner] {
        let res = app
            .call(
                "generate_secret",
                &[("id", &app_id), ("environment", "production")],
                Some(who),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let res = app
        .call("delete_app", &[("id", &app_id)], Some(&admin))
        .await;
    res.assert_done();
}

/// A collaborator who is removed from the account and invited back is a
/// plain member of the app again; so is a creator. And the statement that
/// adds a collaborator checks, itself, that the one adding still manages
/// the app (a demotion racing with the request cannot slip through).
async fn leaving_the_account_ends_collaborating_and_managing(app: &TestApp) {
    let owner = app
        .sign_up("owner-leave@example.com", "Owner", "correct horse battery")
        .await;
    let (helper, maker) = (
        app.join_as(&owner, "helper-leave@example.com", "member")
            .await,
        app.join_as(&owner, "maker-leave@example.com", "member")
            .await,
    );
    let helper_id = user_id(app, &helper).await;
    let maker_id = user_id(app, &maker).await;
    let app_id = app
        .create_app_as(&maker, "private.user_managed", "Left Behind")
        .await;
    app.call(
        "add_collaborator",
        &[("id", &app_id), ("user_id", &helper_id)],
        Some(&owner),
    )
    .await
    .assert_done();

    // The repository's own check: a plain member cannot add anyone, even
    // when asked directly.
    let account_id = app.me(&owner).await["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tx = app.state.db.pool.begin().await.unwrap();
    let added = portico::server::repo::collaborators::add(
        &mut tx,
        &account_id,
        &app_id,
        &maker_id,
        &helper_id,
        app.state.now_ms(),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert!(!added, "a collaborator added someone");

    for id in [&helper_id, &maker_id] {
        app.call("remove_member", &[("user_id", id)], Some(&owner))
            .await
            .assert_done();
    }
    app.clock.advance_ms(60_000);
    for who in [&helper, &maker] {
        let token = app.invite_token(&owner, "member").await;
        app.call("accept_invite", &[("token", &token)], Some(who))
            .await
            .assert_done();
    }
    for who in [&helper, &maker] {
        let res = app
            .call("app_overview", &[("id", &app_id)], Some(who))
            .await;
        assert_eq!(res.json()["app"]["role"], "member", "{}", res.body);
        let res = app
            .call("features_page", &[("id", &app_id)], Some(who))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    }
    // The owner lists no collaborator, and can add the helper again.
    let res = app
        .call("app_overview", &[("id", &app_id)], Some(&owner))
        .await;
    assert_eq!(
        res.json()["collaborators"],
        serde_json::json!([]),
        "{}",
        res.body
    );
    app.call(
        "add_collaborator",
        &[("id", &app_id), ("user_id", &helper_id)],
        Some(&owner),
    )
    .await
    .assert_done();
    let res = app
        .call("features_page", &[("id", &app_id)], Some(&helper))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

on_both_databases!(
    leaving_the_account_ends_collaborating_and_managing,
    plain_member_is_refused_every_app_scoped_function,
    collaborators_edit_but_do_not_delete_rotate_or_share,
    creators_and_admins_manage,
);
