//! Sign-up, sign-in, backoff, sign-out, sessions.

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::support::TestApp;

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    sign_up_signs_in_and_creates_an_owned_account,
    sign_up_validates_every_field,
    duplicate_email_is_refused_beside_the_field,
    sign_in_and_wrong_password,
    unknown_email_and_wrong_password_answer_alike,
    repeated_failures_back_off_then_recover,
    sign_in_issues_a_fresh_session_and_ends_the_old,
    sign_out_ends_the_session,
    plain_form_post_errors_come_back_in_the_url,
    pages_show_who_is_signed_in,
);

async fn sign_up_signs_in_and_creates_an_owned_account(app: &TestApp) {
    let cookie = app
        .sign_up("Ada@Example.com", "Ada Lovelace", PASSWORD)
        .await;
    let me = app.me(&cookie).await;
    assert_eq!(me["email"], "ada@example.com", "email stored lower-cased");
    assert_eq!(me["display_name"], "Ada Lovelace");
    assert_eq!(me["role"], "owner");
    assert_eq!(me["account_name"], "Ada Lovelace's account");
    assert_eq!(me["is_reviewer"], false);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind("ada@example.com")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

async fn sign_up_validates_every_field(app: &TestApp) {
    let res = app
        .call(
            "sign_up",
            &[
                ("email", "nope"),
                ("display_name", " "),
                ("password", "short"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    assert_eq!(body["kind"], "invalid");
    let fields: Vec<String> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["email", "display_name", "password"]);
    assert!(res.session_cookie().is_none());
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0, "nothing saved");
    // 129 characters is one too many; never silently truncated.
    let long = "p".repeat(129);
    let res = app
        .call(
            "sign_up",
            &[
                ("email", "a@b.co"),
                ("display_name", "A"),
                ("password", &long),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("at most 128"), "{}", res.body);
}

async fn duplicate_email_is_refused_beside_the_field(app: &TestApp) {
    app.sign_up("grace@example.com", "Grace", PASSWORD).await;
    let res = app
        .call(
            "sign_up",
            &[
                ("email", " GRACE@example.com "),
                ("display_name", "Other"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let body = res.json();
    assert_eq!(body["fields"][0][0], "email");
    assert!(body["fields"][0][1]
        .as_str()
        .unwrap()
        .contains("already exists"));
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 1, "the losing sign-up left no account behind");
}

async fn sign_in_and_wrong_password(app: &TestApp) {
    app.sign_up("lin@example.com", "Lin", PASSWORD).await;
    let ok = app
        .call(
            "sign_in",
            &[("email", "LIN@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let cookie = ok.session_cookie().expect("cookie");
    assert_eq!(app.me(&cookie).await["email"], "lin@example.com");
    assert_eq!(ok.header("location"), "/");

    let bad = app
        .call(
            "sign_in",
            &[("email", "lin@example.com"), ("password", "wrong password")],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["kind"], "bad_credentials");
    assert!(bad.session_cookie().is_none());
}

async fn unknown_email_and_wrong_password_answer_alike(app: &TestApp) {
    app.sign_up("kai@example.com", "Kai", PASSWORD).await;
    let wrong = app
        .call(
            "sign_in",
            &[("email", "kai@example.com"), ("password", "not it at all")],
            None,
        )
        .await;
    let unknown = app
        .call(
            "sign_in",
            &[
                ("email", "nobody@example.com"),
                ("password", "not it at all"),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
}

async fn repeated_failures_back_off_then_recover(app: &TestApp) {
    app.sign_up("max@example.com", "Max", PASSWORD).await;
    let attempt = |password: &'static str| async move {
        app.call(
            "sign_in",
            &[("email", "max@example.com"), ("password", password)],
            None,
        )
        .await
    };
    for _ in 0..4 {
        assert_eq!(
            attempt("bad guess 123").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let fifth = attempt("bad guess 123").await;
    assert_eq!(
        fifth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        fifth.body
    );
    assert!(fifth.body.contains("Wait 2 seconds"), "{}", fifth.body);
    // Locked: even the right password is refused, with the same clear message.
    let locked = attempt(PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.json()["message"]
        .as_str()
        .unwrap()
        .contains("Too many failed sign-in attempts"));
    // Another failure after the lock doubles it.
    app.clock.advance_ms(2_100);
    let sixth = attempt("bad guess 123").await;
    assert!(sixth.body.contains("Wait 4 seconds"), "{}", sixth.body);
    app.clock.advance_ms(4_100);
    let ok = attempt(PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // Success resets the count: one failure is a plain wrong password again.
    assert_eq!(
        attempt("bad guess 123").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn sign_in_issues_a_fresh_session_and_ends_the_old(app: &TestApp) {
    let first = app.sign_up("ida@example.com", "Ida", PASSWORD).await;
    let res = app
        .call(
            "sign_in",
            &[("email", "ida@example.com"), ("password", PASSWORD)],
            Some(&first),
        )
        .await;
    let second = res.session_cookie().unwrap();
    assert_ne!(first, second);
    assert!(app.me(&first).await.is_null(), "the old session ended");
    assert_eq!(app.me(&second).await["email"], "ida@example.com");
    let stored: String = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let token = second.split_once('=').unwrap().1;
    assert_ne!(stored, token, "only a hash of the token is stored");
    assert_eq!(stored, portico::server::ids::hash_secret(token));
}

async fn sign_out_ends_the_session(app: &TestApp) {
    let cookie = app.sign_up("oz@example.com", "Oz", PASSWORD).await;
    let res = app.call("sign_out", &[], Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.session_set_cookie().contains("Max-Age=0"),
        "{}",
        res.session_set_cookie()
    );
    assert!(app.me(&cookie).await.is_null());
    let page = app.get("/profile", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("Sign in to continue"));
}

async fn plain_form_post_errors_come_back_in_the_url(app: &TestApp) {
    use axum::body::Body;
    use axum::http::{header, Request};
    app.sign_up("nojs@example.com", "No JS", PASSWORD).await;
    let post = |password: &str| {
        Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, "http://127.0.0.1:3000/signin")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .body(Body::from(crate::support::form_body(&[
                ("email", "nojs@example.com"),
                ("password", password),
                ("next", "/profile"),
            ])))
            .unwrap()
    };
    let failed = app.send(post("wrong password!")).await;
    assert_eq!(failed.status, StatusCode::FOUND);
    let location = failed.header("location");
    assert!(
        location.starts_with("http://127.0.0.1:3000/signin?"),
        "{location}"
    );
    assert!(location.contains("__err="), "{location}");
    // The page the browser lands on shows the message.
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    let page = app.get(path, None).await;
    assert!(
        page.body.contains("Email or password is incorrect."),
        "{}",
        page.body
    );

    let ok = app.send(post(PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::FOUND);
    assert_eq!(ok.header("location"), "/profile");
    assert!(ok.session_cookie().is_some());
}

async fn pages_show_who_is_signed_in(app: &TestApp) {
    let anonymous = app.get("/", None).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert!(anonymous.body.contains("Sign in"));
    assert!(!anonymous.body.contains("Sign out"));
    let cookie = app
        .sign_up("pia@example.com", "Pia Example", PASSWORD)
        .await;
    let home = app.get("/", Some(&cookie)).await;
    assert!(
        home.body.contains("Welcome back, <!-- -->Pia Example")
            || home.body.contains("Pia Example")
    );
    assert!(home.body.contains("Sign out"));
    assert!(
        !home.body.contains("href=\"/review\""),
        "no Review link for non-reviewers"
    );
    let review = app.get("/review", Some(&cookie)).await;
    assert_eq!(review.status, StatusCode::FORBIDDEN);

    portico::server::auth::accounts::ensure_reviewer(
        &app.state,
        "pia@example.com",
        "ignored",
        PASSWORD,
    )
    .await
    .unwrap();
    let home = app.get("/", Some(&cookie)).await;
    assert!(
        home.body.contains("href=\"/review\""),
        "reviewers see Review"
    );
    assert_eq!(
        app.get("/review", Some(&cookie)).await.status,
        StatusCode::OK
    );
}
