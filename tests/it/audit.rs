//! The audit log (issue 21, item 9): every change to an app's
//! configuration and credentials and every review decision is recorded
//! with who and when, never a secret; managers and reviewers read it,
//! collaborators and other accounts do not; the database keeps it
//! append-only.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::review::{reviewer, submitted};
use crate::support::TestApp;

on_both_databases!(
    changes_are_recorded_without_secrets_for_managers_only,
    decisions_are_recorded_and_reviewers_read_the_log,
    the_database_refuses_to_change_the_log,
);

async fn activity(app: &TestApp, cookie: &str, id: &str, group: &str) -> serde_json::Value {
    let mut form = vec![("id", id)];
    if !group.is_empty() {
        form.push(("group", group));
    }
    let res = app.call("app_activity", &form, Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn actions(page: &serde_json::Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn changes_are_recorded_without_secrets_for_managers_only(app: &TestApp) {
    let (cookie, id) = app
        .developer_with_app("audit-dev@example.com", "marketplace.user_managed")
        .await;
    crate::review::complete(app, &cookie, &id).await;
    let made = app
        .call(
            "generate_secret",
            &[("id", &id), ("environment", "development")],
            Some(&cookie),
        )
        .await
        .json();
    let secret = made["client_secret"].as_str().unwrap().to_owned();

    let page = activity(app, &cookie, &id, "").await;
    // Newest first: the secret, the uploads (icon, image), scopes,
    // redirects, the listing, creation.
    assert_eq!(
        actions(&page),
        [
            "secret_generated",
            "media_added",
            "media_added",
            "scopes_saved",
            "redirects_saved",
            "listing_saved",
            "app_created"
        ],
        "{page}"
    );
    let entries = page["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["actor"] == "Dev"), "{page}");
    let listing = &entries[5]["detail"];
    assert!(
        listing.as_str().unwrap().contains("short description"),
        "{listing}"
    );
    assert_eq!(entries[3]["detail"], "user:read");
    assert!(
        !page.to_string().contains(&secret),
        "the secret is never in the log"
    );
    // A save that changes nothing records nothing.
    crate::review::complete_information(app, &cookie, &id).await;
    assert_eq!(actions(&activity(app, &cookie, &id, "").await).len(), 7);

    // Filtered by area.
    assert_eq!(
        actions(&activity(app, &cookie, &id, "credentials").await),
        ["secret_generated", "scopes_saved", "redirects_saved"]
    );
    assert_eq!(
        actions(&activity(app, &cookie, &id, "listing").await),
        ["media_added", "media_added", "listing_saved", "app_created"]
    );

    // A collaborator edits but does not read the log; nor does another account.
    let helper = app
        .join_as(&cookie, "audit-helper@example.com", "member")
        .await;
    let helper_id = app.me(&helper).await["id"].as_str().unwrap().to_owned();
    app.call(
        "add_collaborator",
        &[("id", &id), ("user_id", &helper_id)],
        Some(&cookie),
    )
    .await
    .assert_done();
    let res = app
        .call("app_activity", &[("id", &id)], Some(&helper))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("audit log"), "{}", res.body);
    let stranger = app
        .sign_up("audit-stranger@example.com", "S", "correct horse battery")
        .await;
    let res = app
        .call("app_activity", &[("id", &id)], Some(&stranger))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let page = activity(app, &cookie, &id, "people").await;
    assert_eq!(actions(&page), ["collaborator_added"]);
    assert_eq!(page["entries"][0]["detail"], "Mo Member");
    // The page renders, escaped.
    let html = app
        .get(&format!("/apps/{id}/activity"), Some(&cookie))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Added a collaborator"), "{}", html.body);
}

async fn decisions_are_recorded_and_reviewers_read_the_log(app: &TestApp) {
    let rae = reviewer(app, "rae-audit@example.com").await;
    let (cookie, id, submission) = submitted(app, "audit-submit@example.com").await;
    app.call(
        "decide_submission",
        &[
            ("submission_id", &submission),
            ("decision", "reject"),
            ("note", "Add a <b>support</b> page."),
        ],
        Some(&rae),
    )
    .await
    .assert_done();
    let page = activity(app, &cookie, &id, "review").await;
    assert_eq!(actions(&page), ["rejected", "submitted"], "{page}");
    assert_eq!(page["entries"][0]["actor"], "Rae Viewer");
    assert_eq!(
        page["entries"][0]["detail"],
        "version 1: Add a <b>support</b> page."
    );
    let review = app
        .call(
            "review_submission",
            &[("submission_id", &submission)],
            Some(&rae),
        )
        .await
        .json();
    assert_eq!(review["activity"][0]["action"], "rejected", "{review}");
    let html = app
        .get(&format!("/apps/{id}/activity?group=review"), Some(&cookie))
        .await;
    assert!(html.body.contains("Add a &lt;b&gt;support&lt;/b&gt; page."));
}

async fn the_database_refuses_to_change_the_log(app: &TestApp) {
    let (_, id) = app
        .developer_with_app("audit-guard@example.com", "private.user_managed")
        .await;
    let pool = &app.state.db.pool;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE app_id = $1")
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1);
    let update = sqlx::query("UPDATE audit_log SET detail = 'forged' WHERE app_id = $1")
        .bind(&id)
        .execute(pool)
        .await;
    assert!(update.is_err(), "update refused");
    let delete = sqlx::query("DELETE FROM audit_log WHERE app_id = $1")
        .bind(&id)
        .execute(pool)
        .await;
    let message = delete.unwrap_err().to_string();
    assert!(message.contains("append-only"), "{message}");
    assert_eq!(count().await, 1);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE app_id = $1")
        .bind(&id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_ne!(detail, "forged");
}
