//! Pages are rendered on the server, and the browser runs only their
//! islands (issue 20): what a page sends for the browser's code.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    pages_name_the_module_only_in_a_script,
    island_props_are_escaped_json,
);

// A browser without JavaScript must not download the WASM it cannot run:
// the page names the module only inside its (nonce'd) module script,
// never in a preload link, which such a browser would still fetch.
async fn pages_name_the_module_only_in_a_script(app: &TestApp) {
    let page = app.get("/signin", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("rel=\"preload\""), "{}", page.body);
    assert!(!page.body.contains("modulepreload"), "{}", page.body);
    assert!(!page.body.contains(".wasm\""), "{}", page.body);
    let script = page
        .body
        .split("<script type=\"module\" nonce=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no module script: {}", page.body));
    assert!(script.contains("\"pkg\", \"portico\""), "{script}");
    // The sign-in form's fields are islands; the page around them is not.
    assert!(
        page.body
            .contains("<leptos-island data-component=\"LiveField_"),
        "{}",
        page.body
    );
}

// An island's props are JSON in an attribute: what a user typed must stay
// inside it.
async fn island_props_are_escaped_json(app: &TestApp) {
    let (cookie, id) = app
        .developer_with_app("props@example.com", "private.account_level")
        .await;
    let typed = "\"><img src=x onerror=alert(1)> & 'quoted'";
    app.call(
        "update_information",
        &[
            ("id", &id),
            ("name", "Props App"),
            ("short_description", typed),
            ("long_description", ""),
            ("contact_name", ""),
            ("contact_email", ""),
            ("privacy_url", ""),
            ("support_url", ""),
            ("configure_url", ""),
        ],
        Some(&cookie),
    )
    .await
    .assert_done();
    let page = app
        .get(&format!("/apps/{id}/information"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<img src=x"), "{}", page.body);
    // The field's island carries the value as JSON, escaped for a
    // double-quoted attribute: read back, it is what was typed.
    let props = page
        .body
        .split("data-props=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .collect::<Vec<_>>();
    assert!(!props.is_empty(), "islands with props on the page");
    let decoded = props
        .iter()
        .map(|p| html_unescape(p))
        .find(|p| p.contains("\"name\":\"short_description\""))
        .expect("the short description's field island");
    let json: serde_json::Value = serde_json::from_str(&decoded).expect("props are JSON");
    assert_eq!(json["value"], typed);
}

/// The entities `encode_double_quoted_attribute` writes, read back.
fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
