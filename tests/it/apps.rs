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

mod information {
    use super::*;

    on_both_databases!(
        a_complete_form_is_saved,
        valid_fields_are_kept_and_invalid_ones_reported,
        a_half_filled_listing_saves_as_a_draft,
        renaming_checks_uniqueness_too,
        information_of_other_accounts_is_not_found,
    );

    fn form<'a>(
        id: &'a str,
        name: &'a str,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut fields = vec![
            ("id", id),
            ("name", name),
            ("short_description", "Meeting notes that write themselves."),
            ("long_description", "Line one.\r\nLine two."),
            ("contact_name", "Ada"),
            ("contact_email", "Ada@Example.com"),
            ("privacy_url", "https://acme.example/privacy"),
            ("support_url", "https://acme.example/help"),
            ("configure_url", ""),
        ];
        for (key, value) in extra {
            if let Some(slot) = fields.iter_mut().find(|(k, _)| k == key) {
                slot.1 = value;
            } else {
                fields.push((key, value));
            }
        }
        fields
    }

    async fn new_app(app: &TestApp, email: &str, name: &str) -> (String, String) {
        let cookie = app.sign_up(email, "Dev", PASSWORD).await;
        let id = create(app, &cookie, "marketplace.user_managed", name)
            .await
            .header("location")
            .trim_start_matches("/apps/")
            .to_owned();
        (cookie, id)
    }

    async fn info(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
        let res = app
            .call("app_information", &[("id", id)], Some(cookie))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()
    }

    async fn a_complete_form_is_saved(app: &TestApp) {
        let (cookie, id) = new_app(app, "i1@example.com", "Acme").await;
        // Checkboxes arrive as indexed keys, as a browser posts them.
        let fields = form(
            &id,
            "Acme Notes",
            &[
                ("categories[8]", "productivity"),
                ("categories[0]", "analytics"),
            ],
        );
        let res = app.call("update_information", &fields, Some(&cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.header("location"),
            format!("/apps/{id}/information?saved=1")
        );
        let saved = info(app, &cookie, &id).await;
        assert_eq!(saved["app"]["name"], "Acme Notes");
        assert_eq!(saved["long_description"], "Line one.\nLine two.");
        assert_eq!(saved["contact_email"], "ada@example.com");
        assert_eq!(
            saved["categories"],
            serde_json::json!(["analytics", "productivity"])
        );
        let page = app
            .get(&format!("/apps/{id}/information"), Some(&cookie))
            .await;
        assert!(page.body.contains("Meeting notes that write themselves."));
    }

    async fn valid_fields_are_kept_and_invalid_ones_reported(app: &TestApp) {
        let (cookie, id) = new_app(app, "i2@example.com", "Partial").await;
        app.call(
            "update_information",
            &form(&id, "Partial", &[]),
            Some(&cookie),
        )
        .await;
        let long = "x".repeat(151);
        let fields = form(
            &id,
            "Partial",
            &[
                ("short_description", &long),
                ("privacy_url", "http://acme.example/privacy"),
                ("contact_name", "Grace"),
                ("categories[0]", "analytics"),
                ("categories[1]", "collaboration"),
                ("categories[2]", "crm"),
                ("categories[3]", "customer-service"),
            ],
        );
        let res = app.call("update_information", &fields, Some(&cookie)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let body = res.json();
        let named: Vec<&str> = body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f[0].as_str().unwrap())
            .collect();
        assert_eq!(named, ["short_description", "privacy_url", "categories"]);
        let saved = info(app, &cookie, &id).await;
        assert_eq!(
            saved["short_description"], "Meeting notes that write themselves.",
            "invalid: unchanged"
        );
        assert_eq!(
            saved["privacy_url"], "https://acme.example/privacy",
            "invalid: unchanged"
        );
        assert_eq!(
            saved["categories"],
            serde_json::json!([]),
            "invalid: unchanged"
        );
        assert_eq!(saved["contact_name"], "Grace", "valid: saved");
    }

    async fn a_half_filled_listing_saves_as_a_draft(app: &TestApp) {
        let (cookie, id) = new_app(app, "i4@example.com", "Draft").await;
        app.call(
            "update_information",
            &form(&id, "Draft", &[]),
            Some(&cookie),
        )
        .await;
        // Emptied fields are saved empty: completeness counts at submission.
        let fields = form(
            &id,
            "Draft",
            &[
                ("long_description", ""),
                ("contact_email", "  "),
                ("privacy_url", ""),
            ],
        );
        let res = app.call("update_information", &fields, Some(&cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let saved = info(app, &cookie, &id).await;
        assert_eq!(saved["long_description"], "");
        assert_eq!(saved["contact_email"], "");
        assert_eq!(saved["privacy_url"], "");
        assert_eq!(
            saved["short_description"],
            "Meeting notes that write themselves."
        );
        // The name is the one field a draft needs.
        let res = app
            .call("update_information", &form(&id, " ", &[]), Some(&cookie))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(info(app, &cookie, &id).await["app"]["name"], "Draft");
        // The page asks for nothing but the name.
        let page = app
            .get(&format!("/apps/{id}/information"), Some(&cookie))
            .await;
        let tag_of = |name: &str| {
            let at = page.body.find(&format!("name=\"{name}\"")).expect(name);
            let start = page.body[..at].rfind('<').unwrap();
            let end = at + page.body[at..].find('>').unwrap();
            page.body[start..end].to_owned()
        };
        assert!(tag_of("name").contains(" required"), "{}", tag_of("name"));
        for name in [
            "short_description",
            "long_description",
            "contact_name",
            "contact_email",
            "privacy_url",
            "support_url",
            "configure_url",
        ] {
            assert!(!tag_of(name).contains("required"), "{}", tag_of(name));
        }
    }

    async fn renaming_checks_uniqueness_too(app: &TestApp) {
        let (cookie, id) = new_app(app, "i3@example.com", "First Name").await;
        let other = app.sign_up("i3b@example.com", "Other", PASSWORD).await;
        create(app, &other, "private.account_level", "Occupied").await;
        let res = app
            .call(
                "update_information",
                &form(&id, " OCCUPIED ", &[("contact_name", "Lin")]),
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            res.json()["fields"][0],
            serde_json::json!(["name", "That name is taken."])
        );
        let saved = info(app, &cookie, &id).await;
        assert_eq!(saved["app"]["name"], "First Name");
        assert_eq!(saved["contact_name"], "Lin", "the other fields were saved");
    }

    async fn information_of_other_accounts_is_not_found(app: &TestApp) {
        let (_owner, id) = new_app(app, "i4@example.com", "Private Info").await;
        let stranger = app.sign_up("i4b@example.com", "Stranger", PASSWORD).await;
        let res = app
            .call(
                "update_information",
                &form(&id, "Hijacked", &[]),
                Some(&stranger),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.call("app_information", &[("id", &id)], Some(&stranger))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let name: String = sqlx::query_scalar("SELECT name FROM apps WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(name, "Private Info");
    }
}
