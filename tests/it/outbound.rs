//! The outgoing HTTP client against real sockets: forbidden DNS answers
//! (including a rebinding resolver), redirects not followed, timeouts, and
//! what comes back.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use portico::server::outbound::{HostResolver, Outbound, OutboundError};

use crate::support::runtime;

/// Answers every name with the next answer of its list (the last repeats).
struct ScriptedResolver {
    answers: Vec<Vec<IpAddr>>,
    calls: AtomicUsize,
}

impl ScriptedResolver {
    fn new(answers: &[&[&str]]) -> Arc<Self> {
        Arc::new(Self {
            answers: answers
                .iter()
                .map(|a| a.iter().map(|ip| ip.parse().unwrap()).collect())
                .collect(),
            calls: AtomicUsize::new(0),
        })
    }
}

impl HostResolver for ScriptedResolver {
    fn lookup(
        &self,
        _host: String,
    ) -> Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.answers[n.min(self.answers.len() - 1)].clone();
        Box::pin(async move { Ok(answer) })
    }
}

/// A local receiver counting requests per path: `/ok` answers 200 with a
/// body, `/redirect` 302s to `/target`, `/hang` never answers.
async fn receiver() -> (SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let target_hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (h, t) = (hits.clone(), target_hits.clone());
    let app = Router::new()
        .route(
            "/ok",
            post(move |body: String| {
                let h = h.clone();
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    format!("received {}", body.len())
                }
            }),
        )
        .route(
            "/redirect",
            post(move || async move {
                (
                    axum::http::StatusCode::FOUND,
                    [(
                        "location",
                        format!("http://127.0.0.1:{}/target", addr.port()),
                    )],
                )
            }),
        )
        .route(
            "/target",
            post(move || {
                let t = t.clone();
                async move {
                    t.fetch_add(1, Ordering::SeqCst);
                    "reached"
                }
            }),
        )
        .route(
            "/hang",
            post(|| async {
                // Kept: the hang itself, past the client's timeout.
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (addr, hits, target_hits)
}

#[test]
fn a_name_resolving_to_a_private_address_is_refused_before_connecting() {
    runtime().block_on(async {
        let (addr, hits, _) = receiver().await;
        for answer in [
            &["127.0.0.1"][..],
            &["203.0.113.9", "127.0.0.1"],
            &["::ffff:127.0.0.1"],
            &["169.254.169.254"],
        ] {
            let client = Outbound::with_resolver(false, ScriptedResolver::new(&[answer]));
            let res = client
                .post_json(
                    &format!("http://hooks.example:{}/ok", addr.port()),
                    &[],
                    b"{}".to_vec(),
                    Duration::from_secs(2),
                )
                .await;
            assert!(
                matches!(res, Err(OutboundError::Blocked(_))),
                "{answer:?}: {res:?}"
            );
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "nothing reached the private receiver"
        );
    })
}

#[test]
fn a_resolver_answering_public_then_private_cannot_rebind() {
    runtime().block_on(async {
        let (addr, hits, _) = receiver().await;
        let resolver = ScriptedResolver::new(&[&["203.0.113.9"], &["127.0.0.1"]]);
        let client = Outbound::with_resolver(false, resolver.clone());
        let url = format!("http://rebind.example:{}/ok", addr.port());
        // The first answer is public (and unroutable here): the connection
        // goes to exactly that address, and fails or times out.
        let first = client
            .post_json(&url, &[], b"{}".to_vec(), Duration::from_millis(500))
            .await;
        assert!(
            matches!(
                first,
                Err(OutboundError::Timeout(_)) | Err(OutboundError::Failed(_))
            ),
            "{first:?}"
        );
        // The second answer is private: refused.
        let second = client
            .post_json(&url, &[], b"{}".to_vec(), Duration::from_millis(500))
            .await;
        assert!(
            matches!(second, Err(OutboundError::Blocked(_))),
            "{second:?}"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        assert!(resolver.calls.load(Ordering::SeqCst) >= 2);
    })
}

#[test]
fn redirects_are_answers_not_followed() {
    runtime().block_on(async {
        let (addr, _, target_hits) = receiver().await;
        let client = Outbound::new(true);
        let reply = client
            .post_json(
                &format!("http://127.0.0.1:{}/redirect", addr.port()),
                &[],
                b"{}".to_vec(),
                Duration::from_secs(2),
            )
            .await
            .unwrap();
        assert_eq!(reply.status, 302);
        assert!(reply
            .headers
            .iter()
            .any(|(k, v)| k == "location" && v.ends_with("/target")));
        assert_eq!(
            target_hits.load(Ordering::SeqCst),
            0,
            "the redirect was not followed"
        );
        // Without allow-private the same literal address is refused outright.
        let blocked = Outbound::new(false)
            .post_json(
                &format!("http://127.0.0.1:{}/ok", addr.port()),
                &[],
                b"{}".to_vec(),
                Duration::from_secs(2),
            )
            .await;
        assert!(matches!(blocked, Err(OutboundError::Blocked(_))));
    })
}

#[test]
fn answers_timeouts_and_refusals() {
    runtime().block_on(async {
        let (addr, hits, _) = receiver().await;
        let client = Outbound::new(true);
        let headers = vec![("x-zm-trackingid".to_owned(), "trk_1".to_owned())];
        let reply = client
            .post_json(
                &format!("http://127.0.0.1:{}/ok", addr.port()),
                &headers,
                br#"{"event":"x"}"#.to_vec(),
                Duration::from_secs(2),
            )
            .await
            .unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(String::from_utf8(reply.body).unwrap(), "received 13");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        let hang = client
            .post_json(
                &format!("http://127.0.0.1:{}/hang", addr.port()),
                &[],
                b"{}".to_vec(),
                Duration::from_millis(300),
            )
            .await;
        assert!(matches!(hang, Err(OutboundError::Timeout(300))), "{hang:?}");
        // A closed port: refused connection.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let refused = client
            .post_json(
                &format!("http://127.0.0.1:{closed}/ok"),
                &[],
                b"{}".to_vec(),
                Duration::from_secs(2),
            )
            .await;
        assert!(
            matches!(refused, Err(OutboundError::Failed(_))),
            "{refused:?}"
        );
    })
}

/// A URL saved now and called later (the deauthorization endpoint) is
/// checked as a request would check it, without sending anything: a name
/// resolving to a forbidden address is refused; a public one, or one that
/// does not resolve (yet), passes; with private destinations allowed, no
/// lookup is made.
#[test]
fn a_destination_is_checked_after_dns_without_a_request() {
    runtime().block_on(async {
        for answer in [
            &["10.1.2.3"][..],
            &["203.0.113.9", "::1"],
            &["::ffff:8.8.8.8"],
            &["64:ff9b:1::a9fe:a9fe"],
        ] {
            let resolver = ScriptedResolver::new(&[answer]);
            let checked = Outbound::with_resolver(false, resolver.clone())
                .check_destination("https://hooks.example/deauth")
                .await;
            assert!(
                matches!(&checked, Err(OutboundError::Blocked(m)) if m.contains("hooks.example")),
                "{answer:?}: {checked:?}"
            );
            assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
        }
        let public = ScriptedResolver::new(&[&["203.0.113.9", "2606:4700::1111"]]);
        let checked = Outbound::with_resolver(false, public)
            .check_destination("https://hooks.example/deauth")
            .await;
        assert_eq!(checked.unwrap().as_str(), "https://hooks.example/deauth");
        let nowhere = ScriptedResolver::new(&[&[]]);
        assert!(Outbound::with_resolver(false, nowhere)
            .check_destination("https://not-yet.example/deauth")
            .await
            .is_ok());
        // Literal addresses and `localhost` need no lookup to be refused.
        let unused = ScriptedResolver::new(&[&["203.0.113.9"]]);
        let client = Outbound::with_resolver(false, unused.clone());
        for bad in [
            "https://127.1/x",
            "https://[::ffff:7f00:1]/x",
            "http://localhost/x",
        ] {
            assert!(
                matches!(
                    client.check_destination(bad).await,
                    Err(OutboundError::Blocked(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(unused.calls.load(Ordering::SeqCst), 0);
        let allowed = ScriptedResolver::new(&[&["127.0.0.1"]]);
        assert!(Outbound::with_resolver(true, allowed.clone())
            .check_destination("http://hooks.example/deauth")
            .await
            .is_ok());
        assert_eq!(allowed.calls.load(Ordering::SeqCst), 0);
    })
}
