//! The Marketplace's kept pages (`server/page_cache.rs`): a visitor
//! without a session may get a copy drawn for someone else a moment ago,
//! but with a script nonce of its own; signed-in pages are never kept;
//! and any change forgets every copy, so a publish shows at once. The
//! results grid of a browse page is kept for every viewer, signed in or
//! not, each page still drawn with its own header.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::{TestApp, TestResponse};

on_both_databases!(kept_pages_get_their_own_nonce_and_go_after_any_change);
on_both_databases!(a_browse_grid_is_drawn_once_for_every_viewer_and_goes_after_any_change);

fn nonce(res: &TestResponse) -> String {
    let csp = res.header("content-security-policy");
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("page CSP has a nonce: {csp}"))
        .to_owned()
}

async fn kept_pages_get_their_own_nonce_and_go_after_any_change(app: &TestApp) {
    let pages = &app.state.caches.pages;
    let first = app.get("/marketplace?q=notes", None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(pages.len(), 1, "kept");
    let second = app.get("/marketplace?q=notes", None).await;
    assert_eq!(second.status, StatusCode::OK);
    let (a, b) = (nonce(&first), nonce(&second));
    assert_ne!(a, b, "every answer has a nonce of its own");
    assert!(
        second.body.contains(&format!("nonce=\"{b}\"")),
        "the copy carries its CSP's nonce"
    );
    assert!(!second.body.contains(&a), "and nothing of the first one's");
    assert_eq!(
        first.body.replace(&a, "N"),
        second.body.replace(&b, "N"),
        "the same page otherwise"
    );
    for header in ["x-frame-options", "x-content-type-options", "x-request-id"] {
        assert!(!second.header(header).is_empty(), "{header} on a copy");
    }

    // Any change forgets every copy (here, a sign-up).
    let cookie = app
        .sign_up("cache@example.com", "Cached Casey", "correct horse battery")
        .await;
    assert!(pages.is_empty(), "forgotten after a change");
    // A signed-in page is drawn for its viewer and never kept.
    let mine = app.get("/marketplace?q=notes", Some(&cookie)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Cached Casey"), "drawn for its viewer");
    assert!(pages.is_empty(), "not kept");
    // Nor a HEAD, nor an error page.
    let missing = app.get("/marketplace/app_nothing_here", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(pages.is_empty());
}

/// A listing written straight to the database, as another process or the
/// command line would: nothing in this process hears of it.
async fn listing_behind_the_caches_back(app: &TestApp, tag: &str, name: &str) {
    use portico::server::repo::seed;
    let db = &app.state.db;
    let now = app.state.now_ms();
    let publisher = seed::seed_publisher(db, tag, now).await.unwrap();
    let snapshot = portico::domain::review::Snapshot {
        name: name.to_owned(),
        ..seed::seed_snapshot()
    };
    let mut tx = db.pool.begin().await.unwrap();
    seed::seed_listing(&mut tx, db.dialect, &publisher, &snapshot, now, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The page's content below the header.
fn grid(res: &TestResponse) -> &str {
    let start = res
        .body
        .find("<div class=\"marketplace\">")
        .expect("a results grid");
    let end = res.body[start..]
        .find("</main>")
        .expect("the grid ends the main part");
    &res.body[start..start + end]
}

async fn a_browse_grid_is_drawn_once_for_every_viewer_and_goes_after_any_change(app: &TestApp) {
    let results = &app.state.caches.results;
    listing_behind_the_caches_back(app, "grid1", "Gridiron Notes").await;
    let ann = app
        .sign_up("ann@example.com", "Ann Gridley", "correct horse battery")
        .await;
    let bob = app
        .sign_up("bob@example.com", "Bob Gridley", "correct horse battery")
        .await;
    assert!(results.is_empty());

    let for_ann = app.get("/marketplace", Some(&ann)).await;
    assert_eq!(for_ann.status, StatusCode::OK);
    assert!(for_ann.body.contains("Ann Gridley"), "her own header");
    assert!(grid(&for_ann).contains("Gridiron Notes"));
    assert_eq!(results.len(), 1, "the grid is kept");

    // Written where this process does not hear of it: the kept grid is
    // what the next viewer gets (until `TTL`), with a header of his own.
    listing_behind_the_caches_back(app, "grid2", "Second Gridiron").await;
    let for_bob = app.get("/marketplace", Some(&bob)).await;
    assert_eq!(for_bob.status, StatusCode::OK);
    assert!(for_bob.body.contains("Bob Gridley"), "his own header");
    assert!(!for_bob.body.contains("Ann Gridley"), "nothing of hers");
    assert_eq!(grid(&for_bob), grid(&for_ann), "the kept grid");
    assert!(!for_bob.body.contains("Second Gridiron"));
    // A visitor without a session gets the same grid.
    let visitor = app.get("/marketplace", None).await;
    assert_eq!(grid(&visitor), grid(&for_ann));

    // A search is drawn every time and never kept.
    let search = app.get("/marketplace?q=gridiron", Some(&ann)).await;
    assert!(grid(&search).contains("Second Gridiron"), "drawn afresh");
    assert_eq!(results.len(), 1, "a search is not kept");
    // Another sort is another grid.
    let by_name = app.get("/marketplace?sort=name", Some(&ann)).await;
    assert!(grid(&by_name).contains("Second Gridiron"));
    assert_eq!(results.len(), 2);

    // Any change in this process forgets every grid (here, a sign-up).
    app.sign_up("cy@example.com", "Cy Gridley", "correct horse battery")
        .await;
    assert!(results.is_empty(), "forgotten after a change");
    let after = app.get("/marketplace", Some(&bob)).await;
    assert!(grid(&after).contains("Second Gridiron"), "drawn again");
}
