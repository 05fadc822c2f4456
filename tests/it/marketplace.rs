//! The Marketplace (issue 21, items 7 and 8): an approved app is listed,
//! found by full-text search and installed from its page; private apps and
//! drafts never appear; search text is words, never syntax; and edits
//! after approval are a draft: the live listing and the production scopes
//! stay as approved until the next version is.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::review::{complete, reviewer, submit, submit_for_id, submit_page, submitted};
use crate::support::TestApp;

on_both_databases!(
    an_approved_app_is_found_by_search_and_installed_from_its_page,
    search_text_is_words_never_syntax,
    categories_sorting_and_pages,
    edits_after_approval_are_a_draft_until_the_next_approval,
    a_landing_page_app_says_visit_site_to_add,
    apps_approved_before_versions_get_their_live_version,
    the_live_icon_and_images_outlive_draft_changes,
    new_scopes_wait_for_the_installs_approval,
    best_match_is_name_then_short_description_then_anywhere_newest_first,
    search_reads_the_first_layout_after_an_upgrade,
);

async fn browse(app: &TestApp, query: &[(&str, &str)]) -> serde_json::Value {
    let res = app.call("browse_marketplace", query, None).await;
    assert_eq!(res.status, StatusCode::OK, "{query:?}: {}", res.body);
    res.json()
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn decide(app: &TestApp, reviewer: &str, submission: &str, decision: &str) {
    app.call(
        "decide_submission",
        &[
            ("submission_id", submission),
            ("decision", decision),
            ("note", "Looked at it."),
        ],
        Some(reviewer),
    )
    .await
    .assert_done();
}

/// An approved app with production credentials: (developer, app id).
async fn live_app(app: &TestApp, email: &str, rae: &str) -> (String, String) {
    let (cookie, id, submission) = submitted(app, email).await;
    app.call(
        "generate_secret",
        &[("id", &id), ("environment", "production")],
        Some(&cookie),
    )
    .await
    .assert_done();
    decide(app, rae, &submission, "approve").await;
    (cookie, id)
}

async fn rename(app: &TestApp, cookie: &str, id: &str, name: &str, short: &str) {
    app.call(
        "update_information",
        &[
            ("id", id),
            ("name", name),
            ("short_description", short),
            ("long_description", "It listens; it writes the notes."),
            ("contact_name", "Lin"),
            ("contact_email", "lin@example.com"),
            ("privacy_url", "https://example.com/privacy"),
            ("support_url", "https://example.com/support"),
            ("configure_url", ""),
            ("categories[0]", "productivity"),
        ],
        Some(cookie),
    )
    .await
    .assert_done();
}

/// The consent page's scopes for the install URL of the app's page.
async fn consent_scopes(app: &TestApp, cookie: &str, install_url: &str) -> Vec<String> {
    let query = install_url.split_once('?').unwrap().1;
    let res = app
        .call("authorize_request", &[("query", query)], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_approved_app_is_found_by_search_and_installed_from_its_page(app: &TestApp) {
    let rae = reviewer(app, "rae-market@example.com").await;
    let (cookie, id) = live_app(app, "market-dev@example.com", &rae).await;
    rename(
        app,
        &cookie,
        &id,
        "Meeting Scribe",
        "Writes meeting notes for you.",
    )
    .await;
    // Renamed after approval: the listing keeps the approved name.
    let approved_name = format!("Complete {id}");
    // Drafts, apps in review and private apps are never listed.
    let (_, draft) = crate::review::bare_app(app, "market-draft@example.com").await;
    let (_, _in_review, _) = submitted(app, "market-review@example.com").await;
    let (_, private) = app
        .developer_with_app("market-private@example.com", "private.user_managed")
        .await;

    let all = browse(app, &[]).await;
    assert_eq!(names(&all), std::slice::from_ref(&approved_name), "{all}");
    assert_eq!(all["has_next"], false);
    // Full-text: by a word of the short description, by a prefix, any case.
    for q in ["notes", "NOT", "takes meetings", "complete"] {
        let found = browse(app, &[("q", q)]).await;
        assert_eq!(
            names(&found),
            std::slice::from_ref(&approved_name),
            "{q}: {found}"
        );
    }
    let none = browse(app, &[("q", "scribe")]).await;
    assert_eq!(
        names(&none),
        Vec::<String>::new(),
        "the draft's new name is not live"
    );
    for hidden in [&draft, &private] {
        let res = app.call("marketplace_app", &[("id", hidden)], None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    }

    // The app's page: approved listing, scopes explained, Install.
    let res = app.call("marketplace_app", &[("id", &id)], None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = res.json();
    assert_eq!(page["name"], approved_name.as_str());
    assert_eq!(page["short_description"], "Takes notes in meetings.");
    assert_eq!(page["scopes"][0]["scope"], "user:read");
    assert!(!page["scopes"][0]["explanation"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(page["media"].as_array().unwrap().len(), 1);
    let media_id = page["media"][0]["id"].as_str().unwrap().to_owned();
    let install = page["install"]["Authorize"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(install.starts_with("/oauth/authorize?response_type=code&client_id="));

    // Its listed image is public; the rendered pages escape and show it.
    let image = app.get(&format!("/media/{media_id}"), None).await;
    assert_eq!(image.status, StatusCode::OK);
    let html = app.get(&format!("/marketplace/{id}"), None).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Takes notes in meetings."));
    assert!(html.body.contains(">Install</a>"));
    let html = app.get("/marketplace?q=notes", None).await;
    assert!(html.body.contains(&approved_name), "{}", html.body);

    // Another account installs it from there: consent, then the code goes
    // to the reviewed redirect URL, and the install is counted.
    let user = app
        .sign_up("market-user@example.com", "Mo", "correct horse battery")
        .await;
    assert_eq!(consent_scopes(app, &user, &install).await, ["user:read"]);
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(install.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let res = crate::oauth::decide(app, &user, &query, "allow").await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert!(res
        .header("location")
        .starts_with("https://app.example.com/cb?code="));
    let page = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(page["installs"], 1);
    let installed = browse(app, &[("sort", "installs")]).await;
    assert_eq!(installed["apps"][0]["installs"], 1);
}

async fn search_text_is_words_never_syntax(app: &TestApp) {
    let rae = reviewer(app, "rae-syntax@example.com").await;
    let (_, id) = live_app(app, "syntax-dev@example.com", &rae).await;
    let name = format!("Complete {id}");
    let ten_kb = "notes ".repeat(1700);
    // Only the words count: quotes, operators and wildcards are no syntax.
    for q in [
        r#""notes"#,
        r#"notes" "meetings"#,
        "notes*",
        "(notes) meetings)",
        "notes -meetings",
        "notes'--",
        "notes; -- /*",
        "notes:* & !meetings | in",
        "^notes",
        ten_kb.as_str(),
    ] {
        let found = browse(app, &[("q", q)]).await;
        assert_eq!(
            names(&found),
            std::slice::from_ref(&name),
            "{q:.40}: {found}"
        );
    }
    // Every word must match: an operator word is a word like any other.
    for q in [
        "notes OR x",
        "NEAR(notes x)",
        "' OR 1=1 --",
        "notes; DROP TABLE apps; --",
    ] {
        let found = browse(app, &[("q", q)]).await;
        assert_eq!(names(&found), Vec::<String>::new(), "{q}: {found}");
    }
    // Nothing but punctuation is no search at all: everything is listed.
    for q in [r#"""#, "*", "()", "' -- ;"] {
        let found = browse(app, &[("q", q)]).await;
        assert!(names(&found).contains(&name), "{q}: {found}");
    }
    let found = browse(app, &[("q", "<script>alert(1)</script>")]).await;
    assert_eq!(names(&found), Vec::<String>::new());
    let html = app
        .get("/marketplace?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", None)
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(!html.body.contains("<script>alert(1)"), "escaped");
    // The apps table is still there.
    assert_eq!(browse(app, &[]).await["apps"].as_array().unwrap().len(), 1);
}

async fn categories_sorting_and_pages(app: &TestApp) {
    let now = app.state.now_ms();
    portico::server::repo::seed::seed_marketplace(&app.state.db, 30, "paging", now)
        .await
        .unwrap();
    let first = browse(app, &[]).await;
    assert_eq!(first["apps"].as_array().unwrap().len(), 24);
    assert_eq!(first["has_next"], true);
    let second = browse(app, &[("page", "2")]).await;
    assert_eq!(second["apps"].as_array().unwrap().len(), 6);
    assert_eq!(second["has_next"], false);
    let mut seen = names(&first);
    seen.extend(names(&second));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 30, "no app on two pages");
    // Newest first by default: the seed's app 0 is the newest.
    assert!(names(&first)[0].ends_with("paging-0"), "{first}");

    let by_name = names(&browse(app, &[("sort", "name")]).await);
    let mut sorted = by_name.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(by_name, sorted, "the same order on both databases");
    let mut everything = seen.clone();
    everything.sort_by_key(|n| n.to_lowercase());
    assert_eq!(by_name, everything[..24], "the first 24 of all, by name");

    let installs: Vec<i64> = browse(app, &[("sort", "installs")]).await["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["installs"].as_i64().unwrap())
        .collect();
    assert!(installs.windows(2).all(|w| w[0] >= w[1]), "{installs:?}");

    let crm = browse(app, &[("category", "crm")]).await;
    let count = crm["apps"].as_array().unwrap().len();
    assert!(count > 0 && count < 30, "{crm}");
    for card in crm["apps"].as_array().unwrap() {
        assert!(
            card["categories"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("CRM")),
            "{card}"
        );
    }
    // Search within a category, and an unknown category is ignored.
    let both = browse(app, &[("q", "seeded"), ("category", "crm")]).await;
    assert_eq!(both["apps"].as_array().unwrap().len(), count);
    let unknown = browse(app, &[("category", "nope")]).await;
    assert_eq!(unknown["apps"].as_array().unwrap().len(), 24);
    // A page past the end is empty, not an error.
    let past = browse(app, &[("page", "9")]).await;
    assert_eq!(past["apps"], serde_json::json!([]));
}

async fn edits_after_approval_are_a_draft_until_the_next_approval(app: &TestApp) {
    let rae = reviewer(app, "rae-versions@example.com").await;
    let (cookie, id) = live_app(app, "versions-dev@example.com", &rae).await;
    let name = format!("Complete {id}");
    let listing = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    let install = listing["install"]["Authorize"]["url"]
        .as_str()
        .unwrap()
        .to_owned();

    // Nothing changed yet: there is no new version to submit.
    let res = submit(app, &cookie, &id).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("Nothing changed"), "{}", res.body);

    // A new description and a new scope: a draft.
    rename(app, &cookie, &id, &name, "Takes better notes.").await;
    app.call(
        "save_scopes",
        &[
            ("id", &id),
            ("scopes[0]", "user:read"),
            ("scopes[1]", "meeting:read"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    let page = submit_page(app, &cookie, &id).await;
    let fields: Vec<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["Short description", "Scopes"], "{page}");
    assert_eq!(page["app"]["live_version"], 1);
    let live = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(live["short_description"], "Takes notes in meetings.");
    // A draft that opens the allow list does not reach production either.
    app.call(
        "save_redirects",
        &[
            ("id", &id),
            ("development_redirect_url", "http://localhost:4000/cb"),
            ("production_redirect_url", "https://app.example.com/cb"),
            ("allow_list", "https://evil.example/"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    let client_id = install
        .split("client_id=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let evil = format!(
        "response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
    );
    // Production still asks only for what was reviewed.
    let user = app
        .sign_up("versions-user@example.com", "Vi", "correct horse battery")
        .await;
    assert_eq!(consent_scopes(app, &user, &install).await, ["user:read"]);
    let res = app
        .call("authorize_request", &[("query", &evil)], Some(&user))
        .await;
    assert_ne!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("is not one"), "{}", res.body);

    // Submitted: still live meanwhile; the reviewer sees the diff.
    submit(app, &cookie, &id).await.assert_done();
    let page = submit_page(app, &cookie, &id).await;
    let submission = page["in_review"]["id"].as_str().unwrap().to_owned();
    assert_eq!(page["in_review"]["version"], 2);
    assert_eq!(consent_scopes(app, &user, &install).await, ["user:read"]);
    let review = app
        .call(
            "review_submission",
            &[("submission_id", &submission)],
            Some(&rae),
        )
        .await
        .json();
    assert_eq!(review["changes"][0]["field"], "Short description");
    assert_eq!(review["changes"][0]["before"], "Takes notes in meetings.");
    assert_eq!(review["changes"][0]["after"], "Takes better notes.");

    // Rejected: the live version stays, production keeps working.
    decide(app, &rae, &submission, "reject").await;
    let live = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(live["version"], 1);
    assert!(live["install"]["Authorize"].is_object(), "{live}");

    // Resubmitted and approved: the new version is live.
    let submission = submit_for_id(app, &cookie, &id).await;
    decide(app, &rae, &submission, "approve").await;
    let live = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(live["version"], 3);
    assert_eq!(live["short_description"], "Takes better notes.");
    assert_eq!(
        consent_scopes(app, &user, &install).await,
        ["user:read", "meeting:read"]
    );
    assert_eq!(
        names(&browse(app, &[("q", "better")]).await),
        std::slice::from_ref(&name)
    );
    // A live app cannot be deleted.
    let res = app.call("delete_app", &[("id", &id)], Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
}

async fn a_landing_page_app_says_visit_site_to_add(app: &TestApp) {
    let rae = reviewer(app, "rae-landing@example.com").await;
    let (cookie, id) = crate::review::bare_app(app, "landing-dev@example.com").await;
    complete(app, &cookie, &id).await;
    // The landing-page option needs its URL, checked like the listing's.
    for (url, field) in [
        ("", "landing_url"),
        ("http://example.com/add", "landing_url"),
    ] {
        let res = app
            .call(
                "save_install_option",
                &[
                    ("id", &id),
                    ("install_option", "landing_page"),
                    ("landing_url", url),
                ],
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["fields"][0][0], field, "{}", res.body);
    }
    app.call(
        "save_install_option",
        &[
            ("id", &id),
            ("install_option", "landing_page"),
            ("landing_url", "https://example.com/add"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    let page = app
        .call("install_page", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    assert_eq!(page["install_option"], "landing_page");
    assert_eq!(page["landing_url"], "https://example.com/add");
    assert!(page["try_it"]["Err"]
        .as_str()
        .unwrap()
        .contains("development credentials"));
    submit(app, &cookie, &id).await.assert_done();
    let submission = submit_page(app, &cookie, &id).await["in_review"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    decide(app, &rae, &submission, "approve").await;
    let live = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(
        live["install"]["LandingPage"]["url"],
        "https://example.com/add"
    );
    let html = app.get(&format!("/marketplace/{id}"), None).await;
    assert!(html.body.contains("Visit site to add"), "{}", html.body);
    assert!(html.body.contains("href=\"https://example.com/add\""));
}

/// An app approved before versions existed (published, an approved
/// submission, no live version) gets one at start-up, listing included.
async fn apps_approved_before_versions_get_their_live_version(app: &TestApp) {
    let rae = reviewer(app, "rae-backfill@example.com").await;
    let (_, id) = live_app(app, "backfill-dev@example.com", &rae).await;
    let pool = &app.state.db.pool;
    // As it was before migration 0019.
    sqlx::query("DELETE FROM marketplace_listings WHERE app_id = $1")
        .bind(&id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE apps SET live_version = NULL, live_scopes = '', live_redirect_url = '' WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(browse(app, &[]).await["apps"], serde_json::json!([]));
    let done = portico::server::repo::marketplace::backfill_live_versions(&app.state.db)
        .await
        .unwrap();
    assert_eq!(done, 1);
    let live = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(live["version"], 1, "{live}");
    assert_eq!(live["media"].as_array().unwrap().len(), 1);
    // Once is enough.
    let again = portico::server::repo::marketplace::backfill_live_versions(&app.state.db)
        .await
        .unwrap();
    assert_eq!(again, 0);
}

/// GET /media/{id}, anonymously: what the public sees.
async fn public_status(app: &TestApp, media_id: &str) -> StatusCode {
    app.get(&format!("/media/{media_id}"), None).await.status
}

/// The listing shows its icon; replacing the icon and deleting an approved
/// image in the draft leave the live listing whole (its media stay public)
/// until the next version is approved, which then drops what it no longer
/// shows.
async fn the_live_icon_and_images_outlive_draft_changes(app: &TestApp) {
    use portico::domain::media::fixtures;
    let rae = reviewer(app, "rae-media@example.com").await;
    let (cookie, id) = live_app(app, "media-live@example.com", &rae).await;
    let listing = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    let live_icon = listing["icon"]
        .as_str()
        .expect("the listing has an icon")
        .to_owned();
    let live_image = listing["media"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(public_status(app, &live_icon).await, StatusCode::OK);
    assert_eq!(public_status(app, &live_image).await, StatusCode::OK);
    // (Browsed, not searched: the name holds the app's random id, which
    // each engine cuts into words its own way.)
    let cards = browse(app, &[]).await;
    let card = cards["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["app_id"] == id.as_str())
        .unwrap_or_else(|| panic!("listed: {cards}"));
    assert_eq!(card["icon"], live_icon.as_str(), "{card}");

    // The draft: a new icon, the approved image deleted, a new image.
    let res = crate::media::upload(app, &cookie, &id, "icon", &fixtures::jpeg(160, 160)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let new_icon = res.json()["id"].as_str().unwrap().to_owned();
    app.call(
        "delete_media",
        &[("app_id", &id), ("media_id", &live_image)],
        Some(&cookie),
    )
    .await
    .assert_done();
    let res = crate::media::upload(app, &cookie, &id, "image", &fixtures::jpeg(1200, 780)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let new_image = res.json()["id"].as_str().unwrap().to_owned();
    let info = app
        .call("app_information", &[("id", &id)], Some(&cookie))
        .await
        .json();
    let draft: Vec<&str> = info["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        draft,
        [new_icon.as_str(), new_image.as_str()],
        "the draft holds the new ones only"
    );

    // The live listing is unchanged and still public; the draft's are not.
    let listing = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(listing["icon"], live_icon.as_str());
    assert_eq!(listing["media"][0]["id"], live_image.as_str());
    assert_eq!(public_status(app, &live_icon).await, StatusCode::OK);
    assert_eq!(public_status(app, &live_image).await, StatusCode::OK);
    assert_eq!(public_status(app, &new_icon).await, StatusCode::NOT_FOUND);
    assert_eq!(public_status(app, &new_image).await, StatusCode::NOT_FOUND);
    let page = submit_page(app, &cookie, &id).await;
    let changes: Vec<(&str, &str, &str)> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap(),
                c["before"].as_str().unwrap(),
                c["after"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("App icon", "the earlier icon", "a new icon"),
            ("Preview images", "1", "1 (changed or reordered)"),
        ],
        "{page}"
    );

    // The next approval shows the new media and lets the old ones go.
    let submission = submit_for_id(app, &cookie, &id).await;
    decide(app, &rae, &submission, "approve").await;
    let listing = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    assert_eq!(listing["icon"], new_icon.as_str());
    assert_eq!(listing["media"][0]["id"], new_image.as_str());
    assert_eq!(public_status(app, &new_icon).await, StatusCode::OK);
    assert_eq!(public_status(app, &live_icon).await, StatusCode::NOT_FOUND);
    assert_eq!(public_status(app, &live_image).await, StatusCode::NOT_FOUND);
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM app_media WHERE app_id = $1")
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 2, "the old icon and image were deleted");
}

/// The scopes of the caller's one install on Installed apps:
/// (consented, asked for and not yet approved, may approve).
async fn installed(
    app: &TestApp,
    cookie: &str,
) -> (Vec<String>, Vec<String>, bool, String, String) {
    let res = app.call("installed_apps", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = res.json();
    let one = &list[0];
    let words = |v: &serde_json::Value, key: Option<&str>| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| match key {
                Some(k) => s[k].as_str().unwrap().to_owned(),
                None => s.as_str().unwrap().to_owned(),
            })
            .collect()
    };
    (
        words(&one["scopes"], None),
        words(&one["new_scopes"], Some("scope")),
        one["can_uninstall"].as_bool().unwrap(),
        one["id"].as_str().unwrap().to_owned(),
        one["app_scopes"].as_str().unwrap().to_owned(),
    )
}

/// A new version asking for more scopes does not re-scope existing
/// installs: their tokens keep what was consented to until someone who
/// may manage the install approves the new scopes on Installed apps;
/// anyone else is refused.
async fn new_scopes_wait_for_the_installs_approval(app: &TestApp) {
    use crate::oauth::{api, basic, post_oauth};
    let rae = reviewer(app, "rae-scopes@example.com").await;
    let (cookie, id) = live_app(app, "scopes-dev@example.com", &rae).await;
    let secret = app
        .call(
            "generate_secret",
            &[("id", &id), ("environment", "production")],
            Some(&cookie),
        )
        .await
        .json();
    let (client_id, secret) = (
        secret["client_id"].as_str().unwrap().to_owned(),
        secret["client_secret"].as_str().unwrap().to_owned(),
    );
    let listing = app
        .call("marketplace_app", &[("id", &id)], None)
        .await
        .json();
    let install = listing["install"]["Authorize"]["url"]
        .as_str()
        .unwrap()
        .to_owned();

    // A user of another account installs it (user-managed: for themself).
    let user = app
        .sign_up("scopes-user@example.com", "Uma", "correct horse battery")
        .await;
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(install.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let res = crate::oauth::decide(app, &user, &query, "allow").await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let location = res.header("location");
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let tokens = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://app.example.com/cb"),
        ],
        Some(&basic(&client_id, &secret)),
    )
    .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    let meetings = "/v2/users/me/meetings";
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api(app, "GET", meetings, &access, None).await.status,
        StatusCode::FORBIDDEN
    );

    // Version 2 asks for meeting:read too, and is approved.
    app.call(
        "save_scopes",
        &[
            ("id", &id),
            ("scopes[0]", "user:read"),
            ("scopes[1]", "meeting:read"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    let submission = submit_for_id(app, &cookie, &id).await;
    decide(app, &rae, &submission, "approve").await;

    // The install keeps its scopes; the page says what is new.
    let (scopes, new, may, install_id, app_scopes) = installed(app, &user).await;
    assert_eq!(scopes, ["user:read"]);
    assert_eq!(new, ["meeting:read"]);
    assert!(may, "their own install");
    assert_eq!(app_scopes, "user:read meeting:read");
    assert_eq!(
        api(app, "GET", meetings, &access, None).await.status,
        StatusCode::FORBIDDEN
    );
    let html = app.get("/installed", Some(&user)).await;
    assert!(
        html.body.contains("A new version asks for more:"),
        "{}",
        html.body
    );
    assert!(html.body.contains("Approve new scopes"));

    // Nobody else may approve it: a teammate (even an admin: it is the
    // user's own install) and another account do not see it; an
    // approval of a different set than the app asks for is refused.
    let teammate = app.join_as(&user, "scopes-mate@example.com", "admin").await;
    let res = app
        .call(
            "approve_scopes",
            &[("id", &install_id), ("scopes", &app_scopes)],
            Some(&teammate),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let stranger = app
        .sign_up(
            "scopes-stranger@example.com",
            "Sam",
            "correct horse battery",
        )
        .await;
    let res = app
        .call(
            "approve_scopes",
            &[("id", &install_id), ("scopes", &app_scopes)],
            Some(&stranger),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .call(
            "approve_scopes",
            &[
                ("id", &install_id),
                ("scopes", "user:read meeting:read meeting:write"),
            ],
            Some(&user),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("look at them again"), "{}", res.body);
    assert_eq!(
        installed(app, &user).await.0,
        ["user:read"],
        "nothing half-done"
    );

    // Approved by its user: the same token now reaches meetings.
    app.call(
        "approve_scopes",
        &[("id", &install_id), ("scopes", &app_scopes)],
        Some(&user),
    )
    .await
    .assert_done();
    let (scopes, new, ..) = installed(app, &user).await;
    assert_eq!(scopes, ["user:read", "meeting:read"]);
    assert!(new.is_empty());
    assert_eq!(
        api(app, "GET", meetings, &access, None).await.status,
        StatusCode::OK
    );
    let res = app
        .call(
            "approve_scopes",
            &[("id", &install_id), ("scopes", &app_scopes)],
            Some(&user),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "nothing new: {}",
        res.body
    );
}

/// Listings of one publisher, oldest first: (name, short, long), each
/// approved a second after the one before; returns their names.
async fn listings(app: &TestApp, tag: &str, texts: &[(&str, &str, &str)]) -> Vec<String> {
    use portico::server::repo::seed;
    let db = &app.state.db;
    let now = app.state.now_ms();
    let publisher = seed::seed_publisher(db, tag, now).await.unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    let mut names = Vec::new();
    for (i, (name, short, long)) in texts.iter().enumerate() {
        let snapshot = portico::domain::review::Snapshot {
            name: (*name).to_owned(),
            short_description: (*short).to_owned(),
            long_description: (*long).to_owned(),
            categories: vec![if i % 2 == 0 { "crm" } else { "education" }.to_owned()],
            ..seed::seed_snapshot()
        };
        let at = now - 1_000_000 + i64::try_from(i).unwrap() * 1000;
        seed::seed_listing(&mut tx, db.dialect, &publisher, &snapshot, at, 0)
            .await
            .unwrap();
        names.push((*name).to_owned());
    }
    tx.commit().await.unwrap();
    names
}

async fn best_match_is_name_then_short_description_then_anywhere_newest_first(app: &TestApp) {
    let made = listings(
        app,
        "rank",
        &[
            ("Alpha Notes", "Notes.", "Works with quokka boards."),
            ("Quokka Board", "A board.", "Boards."),
            ("Gamma Planner", "Plans your quokka days.", "Plans."),
            ("Delta Timer", "Times.", "Times for quokka teams."),
            ("Quokka Zebu Kit", "A kit.", "Kits."),
            ("Quokka Helper", "Helps every zebu.", "Helps."),
            ("Zebu Desk", "A desk.", "Desks for a quokka."),
            ("Quokka Only", "Nothing else.", "Nothing."),
        ],
    )
    .await;
    let made: Vec<&str> = made.iter().map(String::as_str).collect();
    let [alpha, board, gamma, delta, kit, helper, desk, only] =
        <[&str; 8]>::try_from(made).unwrap();
    // One word: in the name (newest first), then the short description,
    // then anywhere (newest first). A prefix ranks the same.
    let expected = [only, helper, kit, board, gamma, desk, delta, alpha];
    for q in ["quokka", "quok", "QUOKKA!"] {
        let found = names(&browse(app, &[("q", q)]).await);
        assert_eq!(found, expected, "{q}");
    }
    // Two words: both in the name, then between name and short
    // description, then anywhere; an app with one of them is not a match.
    let found = names(&browse(app, &[("q", "zebu quokka")]).await);
    assert_eq!(found, [kit, helper, desk]);
    // Within a category, the same order among its apps.
    let crm = names(&browse(app, &[("q", "quokka"), ("category", "crm")]).await);
    assert_eq!(crm, [kit, gamma, desk, alpha]);
    // Another sort of a search sorts the matches.
    let by_name = names(&browse(app, &[("q", "quokka"), ("sort", "name")]).await);
    let mut sorted = expected.to_vec();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(by_name, sorted);

    // Pages across tiers: 30 more apps with the word in the long
    // description, newer than all above; the tiers still come first, and
    // every match is on exactly one page.
    let texts: Vec<(String, String, String)> = (0..30)
        .map(|i| {
            (
                format!("Filler {i:02}"),
                "Fills.".to_owned(),
                "A quokka filler.".to_owned(),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = texts
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    listings(app, "rank-fill", &borrowed).await;
    let first = browse(app, &[("q", "quokka")]).await;
    let second = browse(app, &[("q", "quokka"), ("page", "2")]).await;
    assert_eq!(first["has_next"], true);
    assert_eq!(second["has_next"], false);
    let (first, second) = (names(&first), names(&second));
    assert_eq!(first[..5], [only, helper, kit, board, gamma]);
    // Newest first in the last tier: the fillers (29 is the newest), then
    // the two older long-description matches on page 2.
    assert_eq!(first[5], "Filler 29");
    assert_eq!(first[23], "Filler 11");
    assert_eq!(second.len(), 14, "{second:?}");
    assert_eq!(second[..11].last().unwrap(), "Filler 00");
    assert_eq!(second[12..], [delta, alpha]);
    assert_eq!(second[11], desk);
}

async fn search_reads_the_first_layout_after_an_upgrade(app: &TestApp) {
    // A database of the first search layout (one FTS5 table keyed by
    // app_id, before `seq`): the next start builds the tiers from the
    // listings. PostgreSQL's layout did not change.
    if app.state.db.dialect != portico::server::db::Dialect::Sqlite {
        return;
    }
    let made = listings(app, "upgrade", &[("Numbat Notes", "Notes.", "Notes.")]).await;
    let pool = &app.state.db.pool;
    for statement in [
        "DROP TRIGGER marketplace_fts_insert",
        "DROP TRIGGER marketplace_fts_update",
        "DROP TRIGGER marketplace_fts_delete",
        "DROP TABLE marketplace_fts_name",
        "DROP TABLE marketplace_fts_brief",
        "DROP TABLE marketplace_fts_full",
        "CREATE VIRTUAL TABLE marketplace_search USING fts5(app_id UNINDEXED, name, \
           short_description, long_description)",
        "CREATE TRIGGER marketplace_search_delete AFTER DELETE ON marketplace_listings \
         BEGIN DELETE FROM marketplace_search WHERE app_id = OLD.app_id; END",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
    let restarted = app.second_instance().await;
    assert_eq!(names(&browse(&restarted, &[("q", "numbat")]).await), made);
    // And the new triggers keep it: a new listing is found at once.
    let more = listings(
        &restarted,
        "upgrade-2",
        &[("Numbat Timer", "Times.", "Times.")],
    )
    .await;
    assert_eq!(
        names(&browse(&restarted, &[("q", "numbat")]).await),
        [more[0].as_str(), made[0].as_str()]
    );
}
