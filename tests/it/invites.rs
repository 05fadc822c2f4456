//! Joining an account is an explicit step: the invite page's Join (or
//! Decline), never a side effect of signing up or in through the link.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::on_both_databases;
use crate::support::{form_body, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    signing_up_with_an_invite_does_not_join,
    signing_in_with_an_invite_does_not_join,
    the_page_names_account_inviter_and_role_with_join_and_decline,
    join_joins_and_switches_account,
    decline_does_not_join_and_goes_home,
    join_and_decline_work_without_javascript,
    a_used_or_revoked_invite_says_so,
    a_new_invite_link_is_shown_once_and_never_from_the_address,
);

// The new link travels in a flash cookie only the owner's own post set,
// not in the address (where it stayed in the history and a planted link
// showed any token as "your" new invite).
async fn a_new_invite_link_is_shown_once_and_never_from_the_address(app: &TestApp) {
    const ORIGIN: &str = "http://127.0.0.1:3000";
    let owner = app.sign_up("flash@example.com", "Flash", PASSWORD).await;
    let req = Request::post("/api/create_invite")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, format!("{ORIGIN}/account/members"))
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, &owner)
        .body(Body::from(form_body(&[("role", "member")])))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), "/account/members");
    let set_cookie = res
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portico_new_invite="))
        .expect("a flash cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/account/members"), "{set_cookie}");
    let flash = set_cookie.split(';').next().unwrap().to_owned();
    let token = flash.trim_start_matches("portico_new_invite=").to_owned();
    assert_eq!(token.len(), 43, "{flash}");

    let both = format!("{owner}; {flash}");
    let page = app.get("/account/members", Some(&both)).await;
    assert!(
        page.body.contains(&format!("/invite/{token}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("Invite link (shown once)"));
    // The page cleared the cookie; without it, no link.
    assert!(
        page.header("set-cookie").contains("portico_new_invite=;"),
        "{}",
        page.header("set-cookie")
    );
    let again = app.get("/account/members", Some(&owner)).await;
    assert!(
        !again.body.contains(&format!("/invite/{token}")),
        "{}",
        again.body
    );
    // A token in the address is not shown.
    let planted = app
        .get(
            &format!("/account/members?new_invite={token}"),
            Some(&owner),
        )
        .await;
    assert!(
        !planted.body.contains("Invite link (shown once)"),
        "{}",
        planted.body
    );
    // The link works.
    let invite = app.get(&format!("/invite/{token}"), None).await;
    assert_eq!(invite.status, StatusCode::OK);
    assert!(invite.body.contains("Join"), "{}", invite.body);
}

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

/// The emails of the members of the account `cookie` works in.
async fn member_emails(app: &TestApp, cookie: &str) -> Vec<String> {
    let res = app.call("members", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether the invite can still be used (its page offers it).
async fn still_open(app: &TestApp, token: &str) -> bool {
    let res = app.call("invite_details", &[("token", token)], None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    !res.json().is_null()
}

async fn signing_up_with_an_invite_does_not_join(app: &TestApp) {
    let owner = app
        .sign_up("owner@example.com", "Olga Owner", PASSWORD)
        .await;
    let token = invite(app, &owner, "admin").await;
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
        "sent back to the invite page to decide"
    );
    let newcomer = res.session_cookie().expect("signed in");
    let me = app.me(&newcomer).await;
    assert_eq!(
        me["account_name"], "Nia New's account",
        "still in their own"
    );
    assert_eq!(me["role"], "owner");
    assert_eq!(member_emails(app, &owner).await, ["owner@example.com"]);
    assert!(still_open(app, &token).await, "the invite is not used");
}

async fn signing_in_with_an_invite_does_not_join(app: &TestApp) {
    let owner = app.sign_up("boss@example.com", "Boss", PASSWORD).await;
    app.sign_up("eve@example.com", "Eve", PASSWORD).await;
    let token = invite(app, &owner, "member").await;
    let res = app
        .call(
            "sign_in",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
                ("next", "/apps"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("location"), format!("/invite/{token}"));
    let eve = res.session_cookie().expect("signed in");
    assert_eq!(app.me(&eve).await["account_name"], "Eve's account");
    assert_eq!(member_emails(app, &owner).await, ["boss@example.com"]);
    assert!(still_open(app, &token).await);
}

async fn the_page_names_account_inviter_and_role_with_join_and_decline(app: &TestApp) {
    let owner = app
        .sign_up("owner@example.com", "Olga Owner", PASSWORD)
        .await;
    let token = invite(app, &owner, "admin").await;
    let guest = app.sign_up("guest@example.com", "Gus", PASSWORD).await;
    let page = app.get(&format!("/invite/{token}"), Some(&guest)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page
        .body
        .replace("&#x27;", "'")
        .replace("<!-- -->", "")
        .replace("<!>", "");
    assert!(body.contains("Olga Owner's account"), "the account: {body}");
    assert!(body.contains("<strong>Olga Owner</strong>"), "the inviter");
    assert!(body.contains("admin"), "the role");
    // Both are plain forms posting to their server functions.
    assert!(body.contains(r#"action="/api/accept_invite""#), "{body}");
    assert!(body.contains(r#"action="/api/decline_invite""#), "{body}");
    assert!(body.contains("Join Olga Owner's account"));
    assert!(body.contains(">Decline<"), "{body}");
    // Looking is not joining.
    assert_eq!(app.me(&guest).await["account_name"], "Gus's account");
}

async fn join_joins_and_switches_account(app: &TestApp) {
    let owner = app
        .sign_up("owner@example.com", "Olga Owner", PASSWORD)
        .await;
    let token = invite(app, &owner, "admin").await;
    let guest = app.sign_up("guest@example.com", "Gus", PASSWORD).await;
    let res = app
        .call("accept_invite", &[("token", &token)], Some(&guest))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("location"), "/account/members");
    let me = app.me(&guest).await;
    assert_eq!(me["account_name"], "Olga Owner's account");
    assert_eq!(me["role"], "admin");
    assert_eq!(
        member_emails(app, &owner).await,
        ["owner@example.com", "guest@example.com"]
    );
    assert!(!still_open(app, &token).await, "used up");
}

async fn decline_does_not_join_and_goes_home(app: &TestApp) {
    let owner = app
        .sign_up("owner@example.com", "Olga Owner", PASSWORD)
        .await;
    let token = invite(app, &owner, "member").await;
    let guest = app.sign_up("guest@example.com", "Gus", PASSWORD).await;
    let res = app
        .call("decline_invite", &[("token", &token)], Some(&guest))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("location"), "/");
    assert_eq!(app.me(&guest).await["account_name"], "Gus's account");
    let profile = app.call("profile", &[], Some(&guest)).await.json();
    assert_eq!(
        profile["accounts"].as_array().unwrap().len(),
        1,
        "{profile}"
    );
    assert_eq!(member_emails(app, &owner).await, ["owner@example.com"]);
    // Not used: the one who sent it can still revoke it, or it can be
    // accepted after all.
    assert!(still_open(app, &token).await);
    // Declining needs a signed-in user, like joining.
    let res = app.call("decline_invite", &[("token", &token)], None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

/// A browser without JavaScript posts the page's form itself.
async fn plain_post(app: &TestApp, function: &str, token: &str, cookie: &str) -> String {
    let req = Request::post(format!("/api/{function}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(
            header::REFERER,
            format!("http://127.0.0.1:3000/invite/{token}"),
        )
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::COOKIE, cookie)
        .body(Body::from(form_body(&[("token", token)])))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    res.header("location")
}

async fn join_and_decline_work_without_javascript(app: &TestApp) {
    let owner = app
        .sign_up("owner@example.com", "Olga Owner", PASSWORD)
        .await;
    let declined = invite(app, &owner, "member").await;
    let accepted = invite(app, &owner, "member").await;
    let guest = app.sign_up("guest@example.com", "Gus", PASSWORD).await;

    assert_eq!(
        plain_post(app, "decline_invite", &declined, &guest).await,
        "/"
    );
    assert_eq!(app.me(&guest).await["account_name"], "Gus's account");

    assert_eq!(
        plain_post(app, "accept_invite", &accepted, &guest).await,
        "/account/members"
    );
    assert_eq!(app.me(&guest).await["account_name"], "Olga Owner's account");
}

async fn a_used_or_revoked_invite_says_so(app: &TestApp) {
    let owner = app.sign_up("o@example.com", "O", PASSWORD).await;
    let used = invite(app, &owner, "member").await;
    let first = app.sign_up("first@example.com", "First", PASSWORD).await;
    app.call("accept_invite", &[("token", &used)], Some(&first))
        .await
        .assert_done();
    let revoked = invite(app, &owner, "member").await;
    let pending = app.call("members", &[], Some(&owner)).await.json();
    let id = pending["invites"][0]["id"].as_str().unwrap().to_owned();
    app.call("revoke_invite", &[("invite_id", &id)], Some(&owner))
        .await
        .assert_done();
    let guest = app.sign_up("guest@example.com", "Gus", PASSWORD).await;
    for gone in [&used, &revoked] {
        let page = app.get(&format!("/invite/{gone}"), Some(&guest)).await;
        assert!(
            page.body.contains("This invite link has expired"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("/api/accept_invite"), "no Join");
        let res = app
            .call("accept_invite", &[("token", gone)], Some(&guest))
            .await;
        assert_eq!(res.header("location"), format!("/invite/{gone}"));
    }
    assert_eq!(app.me(&guest).await["account_name"], "Gus's account");
}
