//! Submitting a Marketplace app for review and deciding on it: the
//! checklist the server enforces, the frozen configuration, withdrawal,
//! the reviewers-only queue with claims, exactly one decision, and what
//! approval and rejection do to production credentials.

use axum::http::StatusCode;
use portico::domain::media::fixtures;

use crate::oauth::{basic, post_oauth};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    an_incomplete_app_is_refused_with_the_checklist,
    a_complete_app_is_submitted_frozen_and_withdrawn,
    reviewers_only_see_the_queue_and_decide,
    two_reviewers_deciding_at_once_record_one_decision,
    approval_opens_production_credentials_and_rejection_keeps_them_shut,
    a_private_app_is_activated_for_its_own_account_only,
    field_notes_are_shown_beside_their_fields,
    pre_review_checks_try_the_listing_pages,
    a_reviewer_tries_the_app_in_their_own_account,
);

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A user-managed Marketplace app with nothing but its name.
pub(crate) async fn bare_app(app: &TestApp, email: &str) -> (String, String) {
    app.developer_with_app(email, "marketplace.user_managed")
        .await
}

/// The listing as `complete` fills it in.
pub(crate) async fn complete_information(app: &TestApp, cookie: &str, id: &str) {
    app.call(
        "update_information",
        &[
            ("id", id),
            ("name", &format!("Complete {id}")),
            ("short_description", "Takes notes in meetings."),
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

/// Fills in everything the checklist asks for.
pub(crate) async fn complete(app: &TestApp, cookie: &str, id: &str) {
    complete_information(app, cookie, id).await;
    app.call(
        "save_redirects",
        &[
            ("id", id),
            ("development_redirect_url", "http://localhost:4000/cb"),
            ("production_redirect_url", "https://app.example.com/cb"),
            ("allow_list", ""),
            ("strict_mode", "on"),
        ],
        Some(cookie),
    )
    .await
    .assert_done();
    app.call(
        "save_scopes",
        &[("id", id), ("scopes[0]", "user:read")],
        Some(cookie),
    )
    .await
    .assert_done();
    let res = upload_image(app, cookie, id).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = crate::media::upload(app, cookie, id, "icon", &fixtures::png(160, 160)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
}

/// Uploads a valid preview image as the page's script does.
async fn upload_image(app: &TestApp, cookie: &str, id: &str) -> crate::support::TestResponse {
    crate::media::upload(app, cookie, id, "image", &fixtures::png(1200, 780)).await
}

pub(crate) async fn submit_page(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
    let res = app.call("submit_page", &[("id", id)], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

pub(crate) async fn submit(app: &TestApp, cookie: &str, id: &str) -> crate::support::TestResponse {
    app.call(
        "submit_app",
        &[
            ("id", id),
            ("notes", "Try the meeting summary."),
            ("test_plan", "Sign in as test@example.com / hunter22."),
        ],
        Some(cookie),
    )
    .await
}

pub(crate) async fn status(app: &TestApp, cookie: &str, id: &str) -> String {
    let res = app.call("app_detail", &[("id", id)], Some(cookie)).await;
    res.json()["status"].as_str().unwrap().to_owned()
}

/// A reviewer's session.
pub(crate) async fn reviewer(app: &TestApp, email: &str) -> String {
    let cookie = app.sign_up(email, "Rae Viewer", PASSWORD).await;
    portico::server::auth::accounts::ensure_reviewer(&app.state, email, "ignored", PASSWORD)
        .await
        .unwrap();
    cookie
}

/// A complete app, submitted; returns (developer cookie, app id,
/// submission id).
pub(crate) async fn submitted(app: &TestApp, email: &str) -> (String, String, String) {
    let (cookie, id) = bare_app(app, email).await;
    complete(app, &cookie, &id).await;
    let submission = submit_for_id(app, &cookie, &id).await;
    (cookie, id, submission)
}

/// Submits the app (it must be ready); returns the new submission's id.
pub(crate) async fn submit_for_id(app: &TestApp, cookie: &str, id: &str) -> String {
    submit(app, cookie, id).await.assert_done();
    let page = submit_page(app, cookie, id).await;
    page["in_review"]["id"].as_str().unwrap().to_owned()
}

/// The checklist names each missing part with its page; the server refuses
/// the submission while anything is missing, whatever the form says.
async fn an_incomplete_app_is_refused_with_the_checklist(app: &TestApp) {
    let (cookie, id) = bare_app(app, "incomplete@example.com").await;
    let page = submit_page(app, &cookie, &id).await;
    let missing = page["missing"].as_array().unwrap();
    let pages: Vec<&str> = missing
        .iter()
        .map(|m| m["page"].as_str().unwrap())
        .collect();
    assert!(pages.contains(&"credentials"), "{pages:?}");
    assert!(pages.contains(&"scopes"), "{pages:?}");
    assert!(pages.contains(&"information"), "{pages:?}");
    let res = submit(app, &cookie, &id).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("Not ready for review"), "{}", res.body);
    assert_eq!(status(app, &cookie, &id).await, "draft");

    // A private app is not reviewed at all.
    let (private, private_id) = app
        .developer_with_app("private-review@example.com", "private.account_level")
        .await;
    let page = submit_page(app, &private, &private_id).await;
    assert!(page["missing"][0]["what"]
        .as_str()
        .unwrap()
        .contains("Only Marketplace apps"));
}

/// Submitting freezes what the reviewer looks at: edits are refused until
/// the developer withdraws, which restores the app's status.
async fn a_complete_app_is_submitted_frozen_and_withdrawn(app: &TestApp) {
    let (cookie, id) = bare_app(app, "complete@example.com").await;
    complete(app, &cookie, &id).await;
    assert_eq!(
        submit_page(app, &cookie, &id).await["missing"],
        serde_json::json!([])
    );
    // Submittable without a production secret, but the page warns.
    assert_eq!(
        submit_page(app, &cookie, &id).await["lacks_production_secret"],
        true
    );
    let html = app.get(&format!("/apps/{id}/submit"), Some(&cookie)).await;
    assert!(
        html.body.contains("No production client secret yet"),
        "{}",
        html.body
    );
    app.call(
        "generate_secret",
        &[("id", &id), ("environment", "production")],
        Some(&cookie),
    )
    .await
    .assert_done();
    assert_eq!(
        submit_page(app, &cookie, &id).await["lacks_production_secret"],
        false
    );
    // Text that is not plain is refused beside its field.
    let res = app
        .call(
            "submit_app",
            &[("id", &id), ("notes", "a\u{7}b"), ("test_plan", "")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["fields"][0][0], "notes");

    submit(app, &cookie, &id).await.assert_done();
    assert_eq!(status(app, &cookie, &id).await, "in_review");
    let page = submit_page(app, &cookie, &id).await;
    assert_eq!(page["in_review"]["version"], 1);
    assert_eq!(
        page["in_review"]["test_plan"],
        "Sign in as test@example.com / hunter22."
    );

    let again = submit(app, &cookie, &id).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already in review"), "{}", again.body);
    let edit = app
        .call(
            "save_scopes",
            &[("id", &id), ("scopes[0]", "meeting:read")],
            Some(&cookie),
        )
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT, "{}", edit.body);
    assert!(edit.body.contains("frozen"), "{}", edit.body);
    let upload = upload_image(app, &cookie, &id).await;
    assert_eq!(upload.status, StatusCode::CONFLICT, "{}", upload.body);
    assert!(upload.body.contains("frozen"), "{}", upload.body);
    // Work that does not change what is reviewed goes on.
    let res = app
        .call(
            "generate_secret",
            &[("id", &id), ("environment", "development")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    app.call("withdraw_submission", &[("id", &id)], Some(&cookie))
        .await
        .assert_done();
    assert_eq!(status(app, &cookie, &id).await, "draft");
    let page = submit_page(app, &cookie, &id).await;
    assert!(page["in_review"].is_null());
    assert_eq!(page["history"][0]["status"], "withdrawn");
    app.call(
        "save_scopes",
        &[("id", &id), ("scopes[0]", "meeting:read")],
        Some(&cookie),
    )
    .await
    .assert_done();
    // The next submission is version 2.
    submit(app, &cookie, &id).await.assert_done();
    assert_eq!(
        submit_page(app, &cookie, &id).await["in_review"]["version"],
        2
    );
}

/// Everyone but a reviewer is refused every reviewer function; a reviewer
/// sees submissions of every account, oldest first, filtered by type.
async fn reviewers_only_see_the_queue_and_decide(app: &TestApp) {
    let (developer, _, first) = submitted(app, "queue-one@example.com").await;
    app.clock.advance_ms(60_000);
    let (second_developer, _, second) = submitted(app, "queue-two@example.com").await;
    // A reviewer never decides on their own account's app.
    portico::server::auth::accounts::ensure_reviewer(
        &app.state,
        "queue-two@example.com",
        "ignored",
        PASSWORD,
    )
    .await
    .unwrap();
    let own = app
        .call(
            "decide_submission",
            &[("submission_id", second.as_str()), ("decision", "approve")],
            Some(&second_developer),
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    assert!(own.body.contains("another reviewer"), "{}", own.body);
    let body = [
        ("submission_id", first.as_str()),
        ("decision", "approve"),
        ("note", ""),
    ];
    for name in [
        "review_queue",
        "review_submission",
        "claim_submission",
        "decide_submission",
    ] {
        let res = app.call(name, &body, Some(&developer)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {}", res.body);
        let res = app.call(name, &body, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{name}: {}", res.body);
    }
    assert_eq!(
        app.get("/review", Some(&developer)).await.status,
        StatusCode::FORBIDDEN
    );

    let rae = reviewer(app, "rae@example.com").await;
    let queue = app.call("review_queue", &[], Some(&rae)).await.json();
    let ids: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()], "oldest first");
    let bots = app
        .call("review_queue", &[("kind", "chat_bot")], Some(&rae))
        .await
        .json();
    assert_eq!(bots, serde_json::json!([]));

    let page = app
        .call(
            "review_submission",
            &[("submission_id", &first)],
            Some(&rae),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    assert_eq!(page["snapshot"]["scopes"], serde_json::json!(["user:read"]));
    assert_eq!(page["submission"]["notes"], "Try the meeting summary.");
    let html = app.get(&format!("/review/{first}"), Some(&rae)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Record decision"), "{}", html.body);

    // A rejection needs a note; with one, the developer sees it.
    let res = app
        .call(
            "decide_submission",
            &[
                ("submission_id", &first),
                ("decision", "reject"),
                ("note", ""),
            ],
            Some(&rae),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    app.call(
        "decide_submission",
        &[
            ("submission_id", &first),
            ("decision", "reject"),
            ("note", "Add a <b>support</b> page."),
        ],
        Some(&rae),
    )
    .await
    .assert_done();
    let queue = app.call("review_queue", &[], Some(&rae)).await.json();
    assert_eq!(queue.as_array().unwrap().len(), 1);
    let id = page["submission"]["app_id"].as_str().unwrap();
    let mine = submit_page(app, &developer, id).await;
    assert_eq!(mine["history"][0]["status"], "rejected");
    assert_eq!(
        mine["history"][0]["decision_note"],
        "Add a <b>support</b> page."
    );
    let html = app
        .get(&format!("/apps/{id}/submit"), Some(&developer))
        .await;
    assert!(
        html.body.contains("Add a &lt;b&gt;support&lt;/b&gt; page."),
        "the note is text: {}",
        html.body
    );
}

/// Two reviewers: a live claim keeps the other out, and of two decisions
/// at the same moment exactly one is recorded; the other is told why.
async fn two_reviewers_deciding_at_once_record_one_decision(app: &TestApp) {
    let (_, _, submission) = submitted(app, "race@example.com").await;
    let rae = reviewer(app, "rae-race@example.com").await;
    let sam = reviewer(app, "sam-race@example.com").await;
    app.call(
        "claim_submission",
        &[("submission_id", &submission)],
        Some(&rae),
    )
    .await
    .assert_done();
    let res = app
        .call(
            "claim_submission",
            &[("submission_id", &submission)],
            Some(&sam),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("Rae Viewer is reviewing"), "{}", res.body);
    let res = app
        .call(
            "decide_submission",
            &[("submission_id", &submission), ("decision", "approve")],
            Some(&sam),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    // Unclaimed, both decide at once.
    let (_, _, open) = submitted(app, "race-two@example.com").await;
    let form = |decision: &'static str| {
        [
            ("submission_id", open.clone()),
            ("decision", decision.to_owned()),
            ("note", "Looked at it.".to_owned()),
        ]
    };
    let (a, b) = (form("approve"), form("reject"));
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let b: Vec<(&str, &str)> = b.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (one, two) = tokio::join!(
        app.call("decide_submission", &a, Some(&rae)),
        app.call("decide_submission", &b, Some(&sam)),
    );
    let ok = [&one, &two]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{} / {}", one.body, two.body);
    let refused = if one.status == StatusCode::OK {
        &two
    } else {
        &one
    };
    assert!(refused.body.contains("already decided"), "{}", refused.body);
}

/// Production credentials of an app work only once it is approved; a
/// rejected app's never do.
async fn approval_opens_production_credentials_and_rejection_keeps_them_shut(app: &TestApp) {
    let rae = reviewer(app, "rae-prod@example.com").await;
    let introspect = |client_id: String, secret: String| async move {
        post_oauth(
            app,
            "/oauth/introspect",
            &[("token", "none")],
            Some(&basic(&client_id, &secret)),
        )
        .await
        .status
    };
    for (email, decision, works) in [
        ("approved@example.com", "approve", StatusCode::OK),
        ("rejected@example.com", "reject", StatusCode::UNAUTHORIZED),
    ] {
        let (cookie, id, submission) = submitted(app, email).await;
        let made = app
            .call(
                "generate_secret",
                &[("id", &id), ("environment", "production")],
                Some(&cookie),
            )
            .await
            .json();
        let client_id = made["client_id"].as_str().unwrap().to_owned();
        let secret = made["client_secret"].as_str().unwrap().to_owned();
        assert_eq!(
            introspect(client_id.clone(), secret.clone()).await,
            StatusCode::UNAUTHORIZED,
            "in review"
        );
        app.call(
            "decide_submission",
            &[
                ("submission_id", &submission),
                ("decision", decision),
                ("note", "Reviewed."),
            ],
            Some(&rae),
        )
        .await
        .assert_done();
        assert_eq!(introspect(client_id, secret).await, works, "{decision}");
        let expected = if decision == "approve" {
            "published"
        } else {
            "rejected"
        };
        assert_eq!(status(app, &cookie, &id).await, expected);
    }
}

/// A private app skips review: Activate turns its production credentials
/// on, for its own account only; Deactivate turns them off again.
async fn a_private_app_is_activated_for_its_own_account_only(app: &TestApp) {
    let (cookie, id) = app
        .developer_with_app("private-active@example.com", "private.user_managed")
        .await;
    app.call(
        "save_redirects",
        &[
            ("id", &id),
            ("development_redirect_url", ""),
            ("production_redirect_url", crate::oauth::REDIRECT),
            ("allow_list", ""),
            ("strict_mode", "on"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    app.call(
        "save_scopes",
        &[("id", &id), ("scopes[0]", "user:read")],
        Some(&cookie),
    )
    .await
    .assert_done();
    let made = app
        .call(
            "generate_secret",
            &[("id", &id), ("environment", "production")],
            Some(&cookie),
        )
        .await
        .json();
    let client_id = made["client_id"].as_str().unwrap().to_owned();
    let secret = made["client_secret"].as_str().unwrap().to_owned();
    let introspect = || async {
        post_oauth(
            app,
            "/oauth/introspect",
            &[("token", "none")],
            Some(&basic(&client_id, &secret)),
        )
        .await
        .status
    };
    assert_eq!(
        introspect().await,
        StatusCode::UNAUTHORIZED,
        "not active yet"
    );
    // Marketplace apps are not activated: they are reviewed.
    let (market, market_id) = bare_app(app, "market-active@example.com").await;
    let res = app
        .call(
            "set_private_app_active",
            &[("id", &market_id), ("active", "on")],
            Some(&market),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    app.call(
        "set_private_app_active",
        &[("id", &id), ("active", "on")],
        Some(&cookie),
    )
    .await
    .assert_done();
    assert_eq!(introspect().await, StatusCode::OK, "active");
    assert_eq!(status(app, &cookie, &id).await, "published");
    // Its own account installs it; another account is refused with a page.
    let code = crate::oauth::authorize(app, &cookie, &client_id, None).await;
    assert!(!code.is_empty());
    let stranger = app
        .sign_up("stranger-active@example.com", "Stranger", PASSWORD)
        .await;
    let query = crate::oauth::authorize_query(&client_id, crate::oauth::REDIRECT, None);
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = app
        .get(
            &format!("/oauth/authorize?{}", crate::support::form_body(&pairs)),
            Some(&stranger),
        )
        .await;
    assert!(
        page.body.contains("is a private app of"),
        "{}: {}",
        page.status,
        page.body
    );
    assert!(
        !page.body.contains("name=\"decision\""),
        "no consent form: {}",
        page.body
    );

    app.call(
        "set_private_app_active",
        &[("id", &id), ("active", "off")],
        Some(&cookie),
    )
    .await
    .assert_done();
    assert_eq!(introspect().await, StatusCode::UNAUTHORIZED, "deactivated");
}

/// A rejection may carry notes on single fields: each is shown beside its
/// field on the app's pages until the next submission, and in the history.
async fn field_notes_are_shown_beside_their_fields(app: &TestApp) {
    let rae = reviewer(app, "rae-fields@example.com").await;
    let (cookie, id, submission) = submitted(app, "fields-dev@example.com").await;
    // A note longer than allowed is refused beside it; nothing is decided.
    let long = "x".repeat(portico::domain::review::MAX_FIELD_NOTE + 1);
    let res = app
        .call(
            "decide_submission",
            &[
                ("submission_id", &submission),
                ("decision", "reject"),
                ("note_media", &long),
            ],
            Some(&rae),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["fields"][0][0], "note_media", "{}", res.body);
    app.call(
        "decide_submission",
        &[
            ("submission_id", &submission),
            ("decision", "reject"),
            ("note", ""),
            (
                "note_short_description",
                "Say what it does, not how: <i>one</i> sentence.",
            ),
            ("note_scopes", "Why user:read?"),
            ("note_redirect_urls", "Use your own domain."),
            ("note_install", "Say where the landing page is."),
            ("note_bogus", "ignored"),
        ],
        Some(&rae),
    )
    .await
    .assert_done();
    let info = app
        .call("app_information", &[("id", &id)], Some(&cookie))
        .await
        .json();
    let notes = info["review_notes"].as_array().unwrap();
    let fields: Vec<&str> = notes.iter().map(|n| n["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["short_description", "redirect_urls", "scopes", "install"],
        "{info}"
    );
    assert_eq!(notes[2]["page"], "scopes");
    // Each other page shows its own note, and only its own.
    for (page, own, others) in [
        (
            "scopes",
            "Why user:read?",
            ["Use your own domain.", "Say where the landing page is."],
        ),
        (
            "credentials",
            "Use your own domain.",
            ["Why user:read?", "Say where the landing page is."],
        ),
        (
            "install",
            "Say where the landing page is.",
            ["Why user:read?", "Use your own domain."],
        ),
    ] {
        let html = app.get(&format!("/apps/{id}/{page}"), Some(&cookie)).await;
        assert_eq!(html.status, StatusCode::OK);
        assert!(html.body.contains(own), "{page}: {}", html.body);
        for other in others {
            assert!(!html.body.contains(other), "{page} shows {other}");
        }
    }
    assert_eq!(
        app.call("review_field_notes", &[("id", &id)], Some(&cookie))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let html = app
        .get(&format!("/apps/{id}/information"), Some(&cookie))
        .await;
    assert!(
        html.body
            .contains("Say what it does, not how: &lt;i&gt;one&lt;/i&gt; sentence."),
        "escaped, beside its field: {}",
        html.body
    );
    let page = submit_page(app, &cookie, &id).await;
    assert_eq!(
        page["history"][0]["field_notes"][0]["label"],
        "Short description"
    );
    // Resubmitted: the notes are history, no longer beside the fields.
    submit(app, &cookie, &id).await.assert_done();
    let info = app
        .call("app_information", &[("id", &id)], Some(&cookie))
        .await
        .json();
    assert_eq!(info["review_notes"], serde_json::json!([]));
}

/// At submission, the privacy and support pages are fetched through the
/// outbound client: a 2xx passes, anything else fails, and the results go
/// with the submission to the developer's and the reviewer's pages.
async fn pre_review_checks_try_the_listing_pages(app: &TestApp) {
    use axum::routing::get;
    let site = axum::Router::new()
        .route("/privacy", get(|| async { "Our privacy policy." }))
        .route(
            "/support",
            get(|| async { (StatusCode::NOT_FOUND, "gone") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });

    let open = app.with_config(|c| c.allow_private_outbound = true).await;
    let rae = reviewer(&open, "rae-checks@example.com").await;
    let (cookie, id) = bare_app(&open, "checks-dev@example.com").await;
    complete(&open, &cookie, &id).await;
    open.call(
        "update_information",
        &[
            ("id", id.as_str()),
            ("name", &format!("Complete {id}")),
            ("short_description", "Takes notes in meetings."),
            ("long_description", "It listens; it writes the notes."),
            ("contact_name", "Lin"),
            ("contact_email", "lin@example.com"),
            ("privacy_url", &format!("{base}/privacy")),
            ("support_url", &format!("{base}/support")),
            ("configure_url", ""),
            ("categories[0]", "productivity"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    submit(&open, &cookie, &id).await.assert_done();
    let page = submit_page(&open, &cookie, &id).await;
    let checks = page["in_review"]["checks"].as_array().unwrap().clone();
    let outcome = |what: &str| {
        checks
            .iter()
            .find(|c| c["what"].as_str().unwrap().starts_with(what))
            .unwrap_or_else(|| panic!("{what} in {checks:?}"))
            .clone()
    };
    assert_eq!(outcome("Privacy policy URL")["passed"], true);
    assert_eq!(outcome("Privacy policy URL")["detail"], "HTTP 200");
    assert_eq!(outcome("Support URL")["passed"], false);
    assert_eq!(outcome("Support URL")["detail"], "HTTP 404");
    assert_eq!(outcome("Production redirect URL is https")["passed"], true);
    assert_eq!(
        outcome("Development redirect URL is https")["passed"],
        false
    );
    let submission = page["in_review"]["id"].as_str().unwrap().to_owned();
    let review = open
        .call(
            "review_submission",
            &[("submission_id", &submission)],
            Some(&rae),
        )
        .await
        .json();
    assert_eq!(review["submission"]["checks"], serde_json::json!(checks));
    let html = open.get(&format!("/review/{submission}"), Some(&rae)).await;
    assert!(html.body.contains("checks failed"), "{}", html.body);

    // Without the operator's permission, a private address is not fetched.
    let (cookie, id) = bare_app(app, "checks-closed@example.com").await;
    complete(app, &cookie, &id).await;
    app.call(
        "update_information",
        &[
            ("id", id.as_str()),
            ("name", &format!("Closed {id}")),
            ("short_description", "Takes notes in meetings."),
            ("long_description", "It listens; it writes the notes."),
            ("contact_name", "Lin"),
            ("contact_email", "lin@example.com"),
            ("privacy_url", &format!("{base}/privacy")),
            ("support_url", &format!("{base}/privacy")),
            ("configure_url", ""),
            ("categories[0]", "productivity"),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    submit(app, &cookie, &id).await.assert_done();
    let page = submit_page(app, &cookie, &id).await;
    let privacy = &page["in_review"]["checks"][0];
    assert_eq!(privacy["passed"], false, "{page}");
    assert!(
        privacy["detail"]
            .as_str()
            .unwrap()
            .contains("does not send to"),
        "{privacy}"
    );
}

/// While an app is in review, a reviewer may install it in their own
/// account with its development credentials to try it; nobody else
/// outside the developer's account may, and not once it is decided.
async fn a_reviewer_tries_the_app_in_their_own_account(app: &TestApp) {
    let rae = reviewer(app, "rae-try@example.com").await;
    let (cookie, id) = bare_app(app, "try-dev@example.com").await;
    complete(app, &cookie, &id).await;
    let dev = app
        .call(
            "generate_secret",
            &[("id", &id), ("environment", "development")],
            Some(&cookie),
        )
        .await
        .json();
    let auth = basic(
        dev["client_id"].as_str().unwrap(),
        dev["client_secret"].as_str().unwrap(),
    );
    let submission = submit_for_id(app, &cookie, &id).await;
    let review = app
        .call(
            "review_submission",
            &[("submission_id", &submission)],
            Some(&rae),
        )
        .await
        .json();
    let url = review["try_url"]
        .as_str()
        .expect("a trial install link")
        .to_owned();
    assert!(
        url.starts_with("/oauth/authorize?response_type=code&client_id="),
        "{url}"
    );
    let query = url.split_once('?').unwrap().1.to_owned();
    let consent = app
        .call("authorize_request", &[("query", &query)], Some(&rae))
        .await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    assert_eq!(consent.json()["environment"], "development");
    let html = app.get(&format!("/review/{submission}"), Some(&rae)).await;
    assert!(html.body.contains("Install in my account"), "{}", html.body);

    // Another account's member is still refused the development version.
    let stranger = app
        .sign_up("try-stranger@example.com", "Stu", PASSWORD)
        .await;
    let refused = app
        .call("authorize_request", &[("query", &query)], Some(&stranger))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("still in development"),
        "{}",
        refused.body
    );

    // The reviewer allows it: the code goes to the development redirect URL.
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let res = crate::oauth::decide(app, &rae, &pairs, "allow").await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let location = res.header("location");
    assert!(
        location.starts_with("http://localhost:4000/cb?code="),
        "{location}"
    );
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let tokens = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://localhost:4000/cb"),
        ],
        Some(&auth),
    )
    .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let refresh = tokens.json()["refresh_token"].as_str().unwrap().to_owned();
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        crate::oauth::api(app, "GET", "/v2/users/me", &access, None)
            .await
            .status,
        StatusCode::OK
    );

    // Decided: no more trial installs.
    app.call(
        "claim_submission",
        &[("submission_id", &submission)],
        Some(&rae),
    )
    .await
    .assert_done();
    app.call(
        "decide_submission",
        &[
            ("submission_id", &submission),
            ("decision", "approve"),
            ("note", ""),
        ],
        Some(&rae),
    )
    .await
    .assert_done();
    let after = app
        .call("authorize_request", &[("query", &query)], Some(&rae))
        .await;
    assert_eq!(after.status, StatusCode::CONFLICT, "{}", after.body);
    // And the trial install is gone with its tokens: neither the access
    // token nor a refresh works any more.
    assert_eq!(
        crate::oauth::api(app, "GET", "/v2/users/me", &access, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = post_oauth(
        app,
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some(&auth),
    )
    .await;
    assert_eq!(
        refreshed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refreshed.body
    );
}
