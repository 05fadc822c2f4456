//! kill -9: the real `portico` binary is killed with deliveries in flight
//! and started again on the same database; every event still arrives (at
//! least once) with its original tracking id.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::deliveries::{create_meeting, events, subscribed};
use crate::on_both_databases;
use crate::support::{poll_until, wait_until, TestApp};

on_both_databases!(a_killed_server_delivers_every_event_after_restart);

fn start_server(database_url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_portico"))
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PORTICO_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        // The key the in-process test app sealed the Secret Token with.
        .env(
            "PORTICO_SECRET_KEY",
            "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE=",
        )
        .env("PORTICO_ALLOW_PRIVATE_OUTBOUND", "true")
        .env("PORTICO_WEBHOOK_CONCURRENCY", "2")
        .env("PORTICO_WEBHOOK_TIMEOUT_MS", "1000")
        .env("PORTICO_WEBHOOK_LEASE_MS", "2000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the portico binary")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn a_killed_server_delivers_every_event_after_restart(app: &TestApp) {
    // Set up in process: an installed app subscribed to a slow receiver,
    // and 16 meetings whose events wait in the outbox (no worker runs here).
    let (open, _dev, access, rx) = subscribed(
        app,
        "crash@example.com",
        &["meeting:read", "meeting:write"],
        vec![(200, None)],
        250,
    )
    .await;
    for i in 0..16 {
        create_meeting(&open, &access, &format!("Crash {i}")).await;
    }
    let expected: HashSet<String> = events(&open)
        .await
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    assert_eq!(expected.len(), 16);

    let port = free_port();
    let mut server = start_server(app.database_url(), port);
    // Let it deliver some, then kill -9 with deliveries in flight.
    wait_until(
        "the server delivered 3 events",
        Duration::from_secs(60),
        async || rx.hits.lock().unwrap().len() >= 3,
    )
    .await;
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    let before_restart = rx.hits.lock().unwrap().len();
    assert!(
        before_restart < 16,
        "killed before it finished ({before_restart} delivered)"
    );

    let mut server = start_server(app.database_url(), port);
    let seen = || -> HashSet<String> {
        rx.hits
            .lock()
            .unwrap()
            .iter()
            .map(|h| h.headers["x-zm-trackingid"].to_str().unwrap().to_owned())
            .collect()
    };
    let all_arrived = poll_until(Duration::from_secs(60), async || {
        seen().is_superset(&expected)
    })
    .await;
    server.kill().ok();
    server.wait().ok();
    let received = seen();
    let missing: Vec<&String> = expected.difference(&received).collect();
    assert!(all_arrived, "lost after kill -9: {missing:?}");
    assert!(
        received.is_subset(&expected),
        "only the original tracking ids"
    );
}
