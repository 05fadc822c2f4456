//! Notifications and email (issue 21, item 10): a submission and a review
//! decision notify the developer in Portico, and by SMTP when it is
//! configured. The SMTP server is a local sink the test starts
//! (`smtp_sink.py`, Python's aiosmtpd), never a real one.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use axum::http::StatusCode;

use crate::on_both_databases;
use crate::review::{reviewer, submitted};
use crate::support::TestApp;

on_both_databases!(
    a_submission_and_its_decision_are_notified_and_emailed,
    without_smtp_notifications_stay_in_portico,
);

/// A running SMTP sink: its port and the file it writes messages to.
struct Sink {
    child: Child,
    port: u16,
    file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the sink, or `None` (the test says so) when aiosmtpd is not
    /// installed and CI does not require it.
    fn start() -> Option<Sink> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|out| out.status.success());
        if !available {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but python3 cannot import aiosmtpd (pip install aiosmtpd)"
            );
            eprintln!("skipped: python3 cannot import aiosmtpd (pip install aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mail.jsonl");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_sink.py");
        let mut child = Command::new("python3")
            .args([script, &port.to_string(), file.to_str().unwrap()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the sink started");
        Some(Sink {
            child,
            port,
            file,
            _dir: dir,
        })
    }

    /// Every message received so far.
    fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn notifications(app: &TestApp, cookie: &str) -> serde_json::Value {
    let res = app.call("notifications", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn a_submission_and_its_decision_are_notified_and_emailed(app: &TestApp) {
    let Some(sink) = Sink::start() else { return };
    let port = sink.port;
    let app = app
        .with_config(|c| {
            c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
            c.mail_from = "Portico <portico@example.com>".to_owned();
        })
        .await;
    let rae = reviewer(&app, "rae-mail@example.com").await;
    let (cookie, id, submission) = submitted(&app, "mail-dev@example.com").await;
    assert_eq!(
        portico::server::mail::send_due(&app.state).await.unwrap(),
        1
    );
    let page = notifications(&app, &cookie).await;
    assert_eq!(page["email_on"], true);
    let first = &page["items"][0];
    assert_eq!(
        first["subject"],
        format!("Complete {id} was submitted for review")
    );
    assert_eq!(first["link"], format!("/apps/{id}/submit"));
    assert_eq!(first["unread"], true);
    assert_eq!(first["mail"], "Emailed");

    // A rejection with a note on one field: notified with both notes.
    app.clock.advance_ms(1_000);
    app.call(
        "decide_submission",
        &[
            ("submission_id", &submission),
            ("decision", "reject"),
            ("note", "Add a <b>support</b> page."),
            ("note_short_description", "Say who it is for."),
        ],
        Some(&rae),
    )
    .await
    .assert_done();
    assert_eq!(
        portico::server::mail::send_due(&app.state).await.unwrap(),
        1
    );
    assert_eq!(
        portico::server::mail::send_due(&app.state).await.unwrap(),
        0,
        "each is sent once"
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "{mails:?}");
    for mail in &mails {
        assert_eq!(mail["to"], serde_json::json!(["mail-dev@example.com"]));
        assert_eq!(mail["from"], "portico@example.com");
    }
    let decision = mails[1]["data"].as_str().unwrap();
    assert!(
        decision.contains(&format!(
            "Subject: Complete {id} version 1 was not approved"
        )),
        "{decision}"
    );
    assert!(
        decision.contains("Add a <b>support</b> page."),
        "{decision}"
    );
    assert!(
        decision.contains("Short description: Say who it is for."),
        "{decision}"
    );
    assert!(decision.contains("Content-Type: text/plain"), "{decision}");

    // The page lists both, newest first, as text; marking them read.
    let page = notifications(&app, &cookie).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["items"][0]["subject"],
        format!("Complete {id} version 1 was not approved")
    );
    let html = app.get("/notifications", Some(&cookie)).await;
    assert!(
        html.body.contains("Add a &lt;b&gt;support&lt;/b&gt; page."),
        "{}",
        html.body
    );
    assert!(html.body.contains("Mark all as read (2 new)"));
    app.call("mark_notifications_read", &[], Some(&cookie))
        .await
        .assert_done();
    let page = notifications(&app, &cookie).await;
    assert_eq!(page["items"][0]["unread"], false);
    // Nobody else sees them.
    let other = app
        .sign_up("mail-other@example.com", "Oli", "correct horse battery")
        .await;
    assert_eq!(
        notifications(&app, &other).await["items"],
        serde_json::json!([])
    );
    let res = app.call("notifications", &[], None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);

    // An invite by email: the link goes in the mail only; the stored
    // text never holds it, and its sealed copy is gone once sent.
    let bad = app
        .call(
            "create_invite",
            &[("role", "member"), ("email", "not an address")],
            Some(&cookie),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let made = app
        .call(
            "create_invite",
            &[("role", "member"), ("email", "Friend@Example.com")],
            Some(&cookie),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let link = made.json()["link"].as_str().unwrap().to_owned();
    let token = made.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        portico::server::mail::send_due(&app.state).await.unwrap(),
        1
    );
    let mails = sink.messages();
    let invite = &mails[2];
    assert_eq!(invite["to"], serde_json::json!(["friend@example.com"]));
    // Quoted-printable may fold long lines: unfold before looking.
    let text = invite["data"]
        .as_str()
        .unwrap()
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert!(text.contains(&link), "{text}");
    assert!(text.contains("Dev invited you to"), "{text}");
    let (body, sealed): (String, String) = sqlx::query_as(
        "SELECT body, sealed_secret FROM notifications WHERE email = 'friend@example.com'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(
        !body.contains(&token) && body.contains("{invite link}"),
        "{body}"
    );
    assert_eq!(sealed, "", "forgotten once sent");

    // The SMTP server gone: the mail waits for a retry, the notification
    // is there all the same.
    drop(sink);
    let (late, _, _) = submitted(&app, "mail-late@example.com").await;
    assert_eq!(
        portico::server::mail::send_due(&app.state).await.unwrap(),
        0
    );
    let page = notifications(&app, &late).await;
    assert_eq!(page["items"][0]["mail"], "Email pending");
    let (attempts, error): (i64, String) = sqlx::query_as(
        "SELECT mail_attempts, mail_error FROM notifications WHERE email = 'mail-late@example.com'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(attempts, 1);
    assert!(!error.is_empty());
    app.cleanup().await;
}

async fn without_smtp_notifications_stay_in_portico(app: &TestApp) {
    let (cookie, id, _) = submitted(app, "nomail-dev@example.com").await;
    assert_eq!(
        portico::server::mail::send_due(&app.state).await.unwrap(),
        0
    );
    let page = notifications(app, &cookie).await;
    assert_eq!(page["email_on"], false);
    assert_eq!(
        page["items"][0]["subject"],
        format!("Complete {id} was submitted for review")
    );
    assert_eq!(page["items"][0]["mail"], "");
    let html = app.get("/notifications", Some(&cookie)).await;
    assert!(
        html.body.contains("This Portico sends no email"),
        "{}",
        html.body
    );
    // Nothing to send an invite with: said beside the address.
    let res = app
        .call(
            "create_invite",
            &[("role", "member"), ("email", "friend@example.com")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("sends no email"), "{}", res.body);
}
