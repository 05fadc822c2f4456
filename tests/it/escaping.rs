//! Text from users is text in the server's HTML (issue 19, item 4):
//! Leptos writes the document `<title>` and `<textarea>` contents
//! unescaped, so a value that closes them would become markup.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::TestApp;

const REFRESH: &str = "</title><meta http-equiv=refresh content=0;url=/x>";
const BUTTON: &str = "</textarea><button formaction=/api/create_invite>Boom</button>";

async fn title_and_textarea_hold_markup_as_text(app: &TestApp) {
    let (cookie, id) = app
        .developer_with_app("escape@example.com", "private.account_level")
        .await;
    let res = app
        .call(
            "update_information",
            &[
                ("id", &id),
                ("name", REFRESH),
                ("short_description", "Short."),
                ("long_description", BUTTON),
                ("contact_name", "Eve"),
                ("contact_email", "eve@example.com"),
                ("privacy_url", "https://example.com/privacy"),
                ("support_url", "https://example.com/support"),
                ("configure_url", ""),
            ],
            Some(&cookie),
        )
        .await;
    res.assert_done();

    let page = app.get(&format!("/apps/{id}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<title>&lt;/title&gt;&lt;meta http-equiv=refresh content=0;url=/x&gt; · Portico</title>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<meta http-equiv=refresh"),
        "{}",
        page.body
    );

    let page = app
        .get(&format!("/apps/{id}/information"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "&lt;/textarea&gt;&lt;button formaction=/api/create_invite&gt;Boom&lt;/button&gt;"
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<button formaction"), "{}", page.body);
}

on_both_databases!(title_and_textarea_hold_markup_as_text);
