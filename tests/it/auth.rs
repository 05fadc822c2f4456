//! Sign-up, sign-in, backoff, sign-out, sessions, password changes, the
//! bound on concurrent password hashes.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

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
    parallel_guesses_are_checked_no_faster_than_one_by_one,
    sign_ins_beyond_the_hash_gate_get_503_with_retry_after,
    common_passwords_are_refused_beside_the_field,
    change_password_checks_the_current_one_and_ends_other_sessions,
    change_password_works_as_a_plain_form_post,
    unused_sessions_end_after_the_idle_timeout,
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

/// Signs in (no cookie: a new session beside any other); the answer.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> crate::support::TestResponse {
    app.call("sign_in", &[("email", email), ("password", password)], None)
        .await
}

async fn parallel_guesses_are_checked_no_faster_than_one_by_one(app: &TestApp) {
    app.sign_up("par@example.com", "Par", PASSWORD).await;
    let before = app.state.password_hashing.hashes_run();
    let guesses = (0..30).map(|_| sign_in(app, "par@example.com", "bad guess 123"));
    let answers = futures::future::join_all(guesses).await;
    let checked = app.state.password_hashing.hashes_run() - before;
    // Five free attempts, the fifth of which sets the lock before its
    // hash runs; every other guess is refused unchecked.
    assert_eq!(checked, 5, "only the admitted guesses are hashed");
    let count = |status: StatusCode| answers.iter().filter(|a| a.status == status).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), 4);
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 26);
    for answer in &answers {
        assert!(answer.session_cookie().is_none());
    }
    let refused = answers
        .iter()
        .find(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .unwrap();
    assert!(
        refused.body.contains("Too many failed sign-in attempts"),
        "{}",
        refused.body
    );
    // The lock holds for the right password too, and its end lets one in.
    assert_eq!(
        sign_in(app, "par@example.com", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_ms(2_100);
    let ok = sign_in(app, "par@example.com", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

async fn sign_ins_beyond_the_hash_gate_get_503_with_retry_after(app: &TestApp) {
    app.sign_up("gate@example.com", "Gate", PASSWORD).await;
    let gated = app
        .with_config(|c| {
            c.password_hash_concurrency = Some(1);
            c.password_hash_queue = 0;
        })
        .await;
    // The one running slot is taken (as by a long hash): nobody may wait.
    let held = gated
        .state
        .password_hashing
        .try_permit()
        .expect("a free slot");
    let busy = sign_in(&gated, "gate@example.com", PASSWORD).await;
    assert_eq!(
        busy.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        busy.body
    );
    assert_eq!(busy.header("retry-after"), "1");
    assert_eq!(busy.json()["kind"], "busy");
    assert!(
        busy.json()["message"]
            .as_str()
            .unwrap()
            .contains("Try again in a moment"),
        "{}",
        busy.body
    );
    assert!(busy.session_cookie().is_none());
    // Sign-up hashes too: refused the same way, nothing saved.
    let res = gated
        .call(
            "sign_up",
            &[
                ("email", "later@example.com"),
                ("display_name", "Later"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind("later@example.com")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
    // Without JavaScript the form gets the message back (Leptos' __err).
    let plain = gated
        .send(
            Request::post("/api/sign_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, "http://127.0.0.1:3000/signin")
                .header(header::ORIGIN, "http://127.0.0.1:3000")
                .body(Body::from(crate::support::form_body(&[
                    ("email", "gate@example.com"),
                    ("password", PASSWORD),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(plain.status, StatusCode::FOUND);
    assert!(
        plain.header("location").contains("__err="),
        "{}",
        plain.header("location")
    );
    drop(held);
    let ok = sign_in(&gated, "gate@example.com", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    gated.cleanup().await;
}

async fn common_passwords_are_refused_beside_the_field(app: &TestApp) {
    for (email, name, password) in [
        ("common@example.com", "Common", "password123"),
        ("common@example.com", "Common", "qwertyuiop"),
        ("common@example.com", "Common", "iloveyou2"),
        ("ada.lovelace@example.com", "Ada Lovelace", "ada.lovelace"),
    ] {
        let res = app
            .call(
                "sign_up",
                &[
                    ("email", email),
                    ("display_name", name),
                    ("password", password),
                ],
                None,
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}: {}",
            res.body
        );
        let body = res.json();
        assert_eq!(body["fields"][0][0], "password", "{}", res.body);
        assert!(
            body["fields"][0][1]
                .as_str()
                .unwrap()
                .contains("too common"),
            "{}",
            res.body
        );
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0, "nothing saved");
    // Other fields' problems come with it, all at once.
    let res = app
        .call(
            "sign_up",
            &[
                ("email", "nope"),
                ("display_name", "N"),
                ("password", "password123"),
            ],
            None,
        )
        .await;
    let fields = res.json()["fields"].clone();
    assert_eq!(fields[0][0], "email");
    assert_eq!(fields[1][0], "password");
}

async fn change_password_checks_the_current_one_and_ends_other_sessions(app: &TestApp) {
    let here = app.sign_up("chg@example.com", "Chg", PASSWORD).await;
    let elsewhere = sign_in(app, "chg@example.com", PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let other_user = app.sign_up("bystander@example.com", "By", PASSWORD).await;
    let change = |current: &'static str, new: &'static str| {
        let here = here.clone();
        async move {
            app.call(
                "change_password",
                &[("current_password", current), ("new_password", new)],
                Some(&here),
            )
            .await
        }
    };
    const NEW: &str = "violet lantern orbit 42";

    let wrong = change("not my password", NEW).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_eq!(wrong.json()["fields"][0][0], "current_password");
    let common = change(PASSWORD, "password123").await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common.json()["fields"][0][0], "new_password");
    assert!(common.body.contains("too common"), "{}", common.body);
    let short = change(PASSWORD, "short").await;
    assert_eq!(short.json()["fields"][0][0], "new_password");
    let empty = change("", NEW).await;
    assert_eq!(empty.json()["fields"][0][0], "current_password");
    // Nothing changed so far: both sessions live, the old password works.
    assert_eq!(app.me(&elsewhere).await["email"], "chg@example.com");
    assert_eq!(
        sign_in(app, "chg@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    let done = change(PASSWORD, NEW).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.header("location"), "/profile?password_changed=1");
    assert_eq!(
        app.me(&here).await["email"],
        "chg@example.com",
        "this session stays"
    );
    assert!(app.me(&elsewhere).await.is_null(), "other sessions end");
    assert_eq!(
        app.me(&other_user).await["email"],
        "bystander@example.com",
        "other users' sessions are untouched"
    );
    assert_eq!(
        sign_in(app, "chg@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(app, "chg@example.com", NEW).await.status,
        StatusCode::OK
    );
    // Signed out, there is nothing to change.
    let res = app
        .call(
            "change_password",
            &[("current_password", NEW), ("new_password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn change_password_works_as_a_plain_form_post(app: &TestApp) {
    let cookie = app.sign_up("plainchg@example.com", "Plain", PASSWORD).await;
    let page = app.get("/profile", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("action=\"/api/change_password\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"current_password\""));
    assert!(page.body.contains("name=\"new_password\""));
    let post = |current: &str| {
        Request::post("/api/change_password")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://127.0.0.1:3000/profile")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, &cookie)
            .body(Body::from(crate::support::form_body(&[
                ("current_password", current),
                ("new_password", "violet lantern orbit 42"),
            ])))
            .unwrap()
    };
    let failed = app.send(post("wrong one!")).await;
    assert_eq!(failed.status, StatusCode::FOUND);
    let location = failed.header("location");
    assert!(location.contains("__err="), "{location}");
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    let page = app.get(path, Some(&cookie)).await;
    assert!(
        page.body.contains("That is not your current password."),
        "{}",
        page.body
    );

    let done = app.send(post(PASSWORD)).await;
    assert_eq!(done.status, StatusCode::FOUND);
    assert_eq!(done.header("location"), "/profile?password_changed=1");
    let page = app.get("/profile?password_changed=1", Some(&cookie)).await;
    assert!(page.body.contains("Password changed."), "{}", page.body);
}

async fn unused_sessions_end_after_the_idle_timeout(app: &TestApp) {
    use clap::Parser;
    const MINUTE: i64 = 60_000;
    let defaults = portico::server::config::Cli::parse_from(["portico"]).config;
    assert_eq!(
        defaults.session_idle_minutes,
        12 * 60,
        "12 hours by default"
    );
    // The tests' configuration keeps sessions to their lifetime: this
    // instance has the default.
    let app = &app
        .with_config(|c| c.session_idle_minutes = defaults.session_idle_minutes)
        .await;
    let idle = app.state.config.session_idle_minutes * MINUTE;
    let cookie = app.sign_up("idle@example.com", "Idle", PASSWORD).await;
    let idle_until = || async {
        sqlx::query_scalar::<_, i64>("SELECT idle_until FROM sessions")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
    };
    // Used within the timeout, a session lives on, past one timeout's length.
    app.clock.advance_ms(idle - MINUTE);
    assert_eq!(app.me(&cookie).await["email"], "idle@example.com");
    let pushed = idle_until().await;
    // Within a minute of the last push, requests only read.
    app.clock.advance_ms(30_000);
    assert_eq!(app.me(&cookie).await["email"], "idle@example.com");
    assert_eq!(idle_until().await, pushed, "no write within the minute");
    app.clock.advance_ms(idle - 31_000);
    assert_eq!(app.me(&cookie).await["email"], "idle@example.com");
    assert!(idle_until().await > pushed);
    // Unused for the whole timeout, it ends.
    app.clock.advance_ms(idle + 1);
    assert!(app.me(&cookie).await.is_null(), "idle session ended");
    let page = app.get("/profile", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    // The housekeeping job removes it.
    let removed =
        portico::server::repo::sessions::delete_expired(&app.state.db.pool, app.state.now_ms())
            .await
            .unwrap();
    assert_eq!(removed, 1);

    // Use never stretches a session past its absolute lifetime.
    let short = app
        .with_config(|c| {
            c.session_hours = 20;
            c.session_idle_minutes = 12 * 60;
        })
        .await;
    let cookie = sign_in(&short, "idle@example.com", PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    for _ in 0..3 {
        short.clock.advance_ms(6 * 60 * MINUTE);
        assert_eq!(short.me(&cookie).await["email"], "idle@example.com");
    }
    short.clock.advance_ms(2 * 60 * MINUTE + 1);
    assert!(short.me(&cookie).await.is_null(), "20 hours, however used");
    short.cleanup().await;
}
