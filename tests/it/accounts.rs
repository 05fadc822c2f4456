//! Invites, members, roles.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::TestApp;

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    invite_link_joins_a_new_user_to_the_account,
    existing_user_joins_by_signing_in_through_the_link,
    invites_work_once_and_expire,
    roles_are_managed_by_owners_and_admins,
);

/// Creates an invite as `cookie`; returns its token.
async fn invite(app: &TestApp, cookie: &str, role: &str) -> String {
    let res = app
        .call("create_invite", &[("role", role)], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["token"]
        .as_str()
        .expect("the new invite's token")
        .to_owned()
}

async fn members(app: &TestApp, cookie: &str) -> serde_json::Value {
    let res = app.call("members", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn invite_link_joins_a_new_user_to_the_account(app: &TestApp) {
    let owner = app
        .sign_up("owner@example.com", "Olga Owner", PASSWORD)
        .await;
    let token = invite(app, &owner, "member").await;

    let page = app.get(&format!("/invite/{token}"), None).await;
    assert!(
        page.body.contains("Olga Owner"),
        "invite page names the inviter"
    );
    assert!(
        page.body.contains("Olga Owner&#x27;s account")
            || page.body.contains("Olga Owner's account")
    );

    let res = app
        .call(
            "sign_up",
            &[
                ("email", "new@example.com"),
                ("display_name", "Nia New"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        res.header("location"),
        format!("/invite/{token}"),
        "back to the invite to decide"
    );
    let newcomer = res.session_cookie().unwrap();
    let res = app
        .call("accept_invite", &[("token", &token)], Some(&newcomer))
        .await;
    assert_eq!(res.header("location"), "/account/members");
    let me = app.me(&newcomer).await;
    assert_eq!(me["account_name"], "Olga Owner's account");
    assert_eq!(me["role"], "member");

    let list = members(app, &owner).await;
    let emails: Vec<&str> = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["owner@example.com", "new@example.com"]);
    // The newcomer still owns their own account too.
    let profile = app.call("profile", &[], Some(&newcomer)).await.json();
    assert_eq!(profile["accounts"].as_array().unwrap().len(), 2);
}

async fn existing_user_joins_by_signing_in_through_the_link(app: &TestApp) {
    let owner = app.sign_up("boss@example.com", "Boss", PASSWORD).await;
    app.sign_up("eve@example.com", "Eve", PASSWORD).await;
    let token = invite(app, &owner, "admin").await;
    let res = app
        .call(
            "sign_in",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("location"), format!("/invite/{token}"));
    let eve = res.session_cookie().unwrap();
    assert_eq!(app.me(&eve).await["account_name"], "Eve's account");
    app.call("accept_invite", &[("token", &token)], Some(&eve))
        .await
        .assert_done();
    let me = app.me(&eve).await;
    assert_eq!(me["account_name"], "Boss's account");
    assert_eq!(me["role"], "admin");
}

async fn invites_work_once_and_expire(app: &TestApp) {
    let owner = app.sign_up("o@example.com", "O", PASSWORD).await;
    let token = invite(app, &owner, "member").await;
    let first = app.sign_up("one@example.com", "One", PASSWORD).await;
    let res = app
        .call("accept_invite", &[("token", &token)], Some(&first))
        .await;
    assert_eq!(res.header("location"), "/account/members");
    let second = app.sign_up("two@example.com", "Two", PASSWORD).await;
    let res = app
        .call("accept_invite", &[("token", &token)], Some(&second))
        .await;
    assert_eq!(
        res.header("location"),
        format!("/invite/{token}"),
        "used invite sends back to its page"
    );
    assert_eq!(
        app.me(&second).await["account_name"],
        "Two's account",
        "second user did not join"
    );
    let page = app.get(&format!("/invite/{token}"), None).await;
    assert!(page.body.contains("This invite link has expired"));

    let stale = invite(app, &owner, "member").await;
    app.clock.advance_ms(8 * 24 * 3_600_000);
    let page = app.get(&format!("/invite/{stale}"), None).await;
    assert!(page.body.contains("This invite link has expired"));
    // Unauthenticated accept is refused.
    let res = app.call("accept_invite", &[("token", &stale)], None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn roles_are_managed_by_owners_and_admins(app: &TestApp) {
    let owner = app.sign_up("own@example.com", "Own", PASSWORD).await;
    let owner_id = app.me(&owner).await["id"].as_str().unwrap().to_owned();
    let token = invite(app, &owner, "member").await;
    let res = app
        .call(
            "sign_up",
            &[
                ("email", "mem@example.com"),
                ("display_name", "Mem"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
            None,
        )
        .await;
    let member = res.session_cookie().unwrap();
    app.call("accept_invite", &[("token", &token)], Some(&member))
        .await
        .assert_done();
    let member_id = app.me(&member).await["id"].as_str().unwrap().to_owned();

    // Members cannot invite or change roles.
    assert_eq!(
        app.call("create_invite", &[("role", "member")], Some(&member))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let res = app
        .call(
            "change_role",
            &[("user_id", &owner_id), ("role", "member")],
            Some(&member),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // Members see the list but no invites.
    assert!(members(app, &member).await["invites"]
        .as_array()
        .unwrap()
        .is_empty());

    // The owner makes them admin.
    let res = app
        .call(
            "change_role",
            &[("user_id", &member_id), ("role", "admin")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.me(&member).await["role"], "admin");
    // An admin may not demote or remove the owner.
    let res = app
        .call("remove_member", &[("user_id", &owner_id)], Some(&member))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // The last owner cannot step down.
    let res = app
        .call(
            "change_role",
            &[("user_id", &owner_id), ("role", "admin")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("at least one owner"), "{}", res.body);
    // Users of other accounts are not found.
    let stranger = app.sign_up("str@example.com", "Stranger", PASSWORD).await;
    let res = app
        .call("remove_member", &[("user_id", &member_id)], Some(&stranger))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The owner removes the admin, who lands back in their own account.
    let res = app
        .call("remove_member", &[("user_id", &member_id)], Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.me(&member).await["account_name"], "Mem's account");
    assert_eq!(
        members(app, &owner).await["members"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
