//! What every server function gets before it runs: a body over the limit
//! is a 413 with a reason, and a field holding a NUL character (which
//! PostgreSQL cannot store) is "invalid input" beside that field, for
//! JSON clients and plain form posts alike, with nothing written.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::on_both_databases;
use crate::support::{form_body, TestApp};

on_both_databases!(
    an_oversized_body_is_413_not_500,
    a_nul_in_any_field_is_invalid_input_beside_it,
    a_nul_in_a_url_or_an_oauth_parameter_is_refused_not_a_500,
);

/// Outside server functions too: a `%00` in an address or in an OAuth
/// parameter is refused (400, or the OAuth error for a missing
/// parameter), never a database error.
async fn a_nul_in_a_url_or_an_oauth_parameter_is_refused_not_a_500(app: &TestApp) {
    let cookie = app
        .sign_up("nul-url@example.com", "Nul", "correct horse battery")
        .await;
    for path in [
        "/media/med%00x",
        "/oauth/authorize?response_type=code&client_id=%00abc",
        "/apps/app%00x/information",
        "/install/%00",
    ] {
        let res = app.get(path, Some(&cookie)).await;
        assert_eq!(
            res.status,
            axum::http::StatusCode::BAD_REQUEST,
            "{path}: {}",
            res.body
        );
        assert!(res.body.contains("NUL"), "{path}: {}", res.body);
    }
    let res = app
        .send(
            axum::http::Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(
                    "grant_type=client_credentials&client_id=abc%00&client_secret=x%00",
                ))
                .unwrap(),
        )
        .await;
    assert!(
        res.status == axum::http::StatusCode::BAD_REQUEST
            || res.status == axum::http::StatusCode::UNAUTHORIZED,
        "{} {}",
        res.status,
        res.body
    );
}

async fn users(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn an_oversized_body_is_413_not_500(app: &TestApp) {
    let cookie = app
        .sign_up("big@example.com", "Big", "correct horse battery")
        .await;
    let huge = "x".repeat(portico::server::http::SERVER_FN_BODY_LIMIT + 1);
    let res = app
        .call("update_profile", &[("display_name", &huge)], Some(&cookie))
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert_eq!(res.json()["kind"], "refused");
    assert!(res.json()["message"].as_str().unwrap().contains("2 MiB"));
    assert!(!res.body.contains("request id"), "not an internal error");
    // Announced by Content-Length or not (chunked), the same answer.
    let stream =
        futures::stream::iter((0..3).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1024 * 1024])));
    let req = Request::post("/api/update_profile")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, &cookie)
        .body(Body::from_stream(stream))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    // Within the limit, the function runs (and explains its own rules).
    let res = app
        .call(
            "update_profile",
            &[("display_name", "Big Again")],
            Some(&cookie),
        )
        .await;
    res.assert_done();
    assert_eq!(app.me(&cookie).await["display_name"], "Big Again");
}

async fn a_nul_in_any_field_is_invalid_input_beside_it(app: &TestApp) {
    let res = app
        .call(
            "sign_up",
            &[
                ("email", "nul@example.com"),
                ("display_name", "Jo\0"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let error = res.json();
    assert_eq!(error["kind"], "invalid");
    assert_eq!(error["fields"][0][0], "display_name", "{error}");
    assert!(error["fields"][0][1]
        .as_str()
        .unwrap()
        .contains("Invalid input"));
    assert_eq!(users(app).await, 0, "nothing written");

    let cookie = app
        .sign_up("nul2@example.com", "Jo", "correct horse battery")
        .await;
    let res = app
        .call(
            "create_meeting",
            &[
                ("topic", "Stand\0up"),
                ("start_time", "2026-12-02T10:00"),
                ("duration", "15"),
                ("agenda", ""),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["fields"][0][0], "topic");
    // A list field is named without its index.
    let res = app
        .call(
            "save_subscription",
            &[
                ("id", "app_x"),
                ("name", "S"),
                ("development_url", "https://hooks.example/x"),
                ("production_url", ""),
                ("events[0]", "meeting.created\0"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["fields"][0][0], "events");

    // A plain form post goes back to its page with the error, as Leptos
    // sends back any error of a server function.
    let req = Request::post("/api/create_meeting")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://127.0.0.1:3000/meetings")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, &cookie)
        .body(Body::from(form_body(&[
            ("topic", "Stand\0up"),
            ("start_time", "2026-12-02T10:00"),
            ("duration", "15"),
            ("agenda", ""),
        ])))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let back = url::Url::parse(&res.header("location")).unwrap();
    assert_eq!(back.path(), "/meetings");
    let carried: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(carried["__path"], "/api/create_meeting");
    let error: serde_json::Value = {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE
            .decode(&carried["__err"])
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    assert_eq!(error["fields"][0][0], "topic", "{error}");
    let meetings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(meetings, 0, "nothing written");
    // The query string of a GET server function too.
    let res = app
        .send(
            Request::get("/api/current_user?x=%00")
                .header(header::ACCEPT, "application/json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
}
