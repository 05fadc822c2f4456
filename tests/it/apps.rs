//! The Build App wizard's server side: create, list, unique names, delete.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::TestApp;

const PASSWORD: &str = "correct horse battery";
const SIX_TYPES: [&str; 6] = [
    "marketplace.account_level",
    "marketplace.user_managed",
    "marketplace.chat_bot",
    "private.account_level",
    "private.user_managed",
    "private.webhook_only",
];

on_both_databases!(
    each_of_the_six_types_can_be_created_and_listed,
    bad_wizard_input_is_refused_beside_the_field,
    names_are_unique_across_all_apps_ignoring_case_and_spaces,
    two_creators_racing_for_one_name_one_wins,
    apps_of_other_accounts_do_not_exist,
    unpublished_apps_can_be_deleted,
);

async fn create(
    app: &TestApp,
    cookie: &str,
    app_type: &str,
    name: &str,
) -> crate::support::TestResponse {
    app.call(
        "create_app",
        &[("app_type", app_type), ("name", name)],
        Some(cookie),
    )
    .await
}

async fn each_of_the_six_types_can_be_created_and_listed(app: &TestApp) {
    let dev = app.sign_up("dev@example.com", "Dev", PASSWORD).await;
    for (i, app_type) in SIX_TYPES.iter().enumerate() {
        let res = create(app, &dev, app_type, &format!("App {i}")).await;
        assert_eq!(res.status, StatusCode::OK, "{app_type}: {}", res.body);
        assert!(
            res.header("location").starts_with("/apps/app_"),
            "opens the app's pages"
        );
    }
    let list = app.call("my_apps", &[], Some(&dev)).await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 6);
    for entry in list {
        assert_eq!(entry["status"], "draft");
    }
    let chat_bot = list.iter().find(|a| a["name"] == "App 2").unwrap();
    assert_eq!(chat_bot["app_type"]["kind"], "chat_bot");
    assert_eq!(chat_bot["app_type"]["marketplace"], true);
    let page = app.get("/apps", Some(&dev)).await;
    assert!(page.body.contains("Chat bot") && page.body.contains("Webhook-only app"));
    let detail = app
        .get(
            list[0]["id"]
                .as_str()
                .map(|id| format!("/apps/{id}"))
                .as_deref()
                .unwrap(),
            Some(&dev),
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK);
}

async fn bad_wizard_input_is_refused_beside_the_field(app: &TestApp) {
    let dev = app.sign_up("dev2@example.com", "Dev", PASSWORD).await;
    let res = create(app, &dev, "private.chat_bot", "   ").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    assert_eq!(body["fields"][0][0], "app_type", "not one of the six");
    assert_eq!(body["fields"][1][0], "name");
    let res = create(app, &dev, "private.user_managed", &"n".repeat(51)).await;
    assert!(res.body.contains("at most 50"), "{}", res.body);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let res = create(app, "portico_session=nobody", "private.user_managed", "X").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn names_are_unique_across_all_apps_ignoring_case_and_spaces(app: &TestApp) {
    let first = app.sign_up("a@example.com", "A", PASSWORD).await;
    let second = app.sign_up("b@example.com", "B", PASSWORD).await;
    assert_eq!(
        create(app, &first, "private.user_managed", "Acme Notes")
            .await
            .status,
        StatusCode::OK
    );
    // Another account, the other branch of the wizard: still taken.
    let res = create(app, &second, "marketplace.account_level", "  acme NOTES ").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    assert_eq!(body["fields"][0][0], "name");
    assert_eq!(body["fields"][0][1], "That name is taken.");
}

async fn two_creators_racing_for_one_name_one_wins(app: &TestApp) {
    let a = app.sign_up("race-a@example.com", "A", PASSWORD).await;
    let b = app.sign_up("race-b@example.com", "B", PASSWORD).await;
    let (ra, rb) = tokio::join!(
        create(app, &a, "private.account_level", "Photo Finish"),
        create(app, &b, "marketplace.chat_bot", "photo finish"),
    );
    let statuses = [ra.status, rb.status];
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    let loser = if ra.status == StatusCode::OK { rb } else { ra };
    assert!(loser.body.contains("That name is taken."), "{}", loser.body);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

async fn apps_of_other_accounts_do_not_exist(app: &TestApp) {
    let owner = app.sign_up("own@example.com", "Own", PASSWORD).await;
    let other = app.sign_up("oth@example.com", "Oth", PASSWORD).await;
    let res = create(app, &owner, "private.webhook_only", "Mine").await;
    let id = res
        .header("location")
        .trim_start_matches("/apps/")
        .to_owned();
    assert_eq!(
        app.call("app_detail", &[("id", &id)], Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("delete_app", &[("id", &id)], Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/apps/{id}"), Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(app
        .call("my_apps", &[], Some(&other))
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        app.call("app_detail", &[("id", &id)], Some(&owner))
            .await
            .json()["name"],
        "Mine"
    );
}

async fn unpublished_apps_can_be_deleted(app: &TestApp) {
    let dev = app.sign_up("del@example.com", "Del", PASSWORD).await;
    let id = create(app, &dev, "marketplace.user_managed", "Short Lived")
        .await
        .header("location")
        .trim_start_matches("/apps/")
        .to_owned();
    let confirm = app.get(&format!("/apps/{id}/delete"), Some(&dev)).await;
    assert!(
        confirm.body.contains("Delete Short Lived"),
        "the confirmation names the app"
    );
    let published = create(app, &dev, "marketplace.account_level", "Live One")
        .await
        .header("location")
        .trim_start_matches("/apps/")
        .to_owned();
    sqlx::query("UPDATE apps SET status = 'published' WHERE id = $1")
        .bind(&published)
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let res = app.call("delete_app", &[("id", &id)], Some(&dev)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        app.call("app_detail", &[("id", &id)], Some(&dev))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let res = app
        .call("delete_app", &[("id", &published)], Some(&dev))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("published app cannot be deleted"));
    // The name is free again.
    assert_eq!(
        create(app, &dev, "private.user_managed", "short lived")
            .await
            .status,
        StatusCode::OK
    );
}
