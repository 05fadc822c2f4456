//! Credentials grants written in groups.
//!
//! Every `client_credentials` and `account_credentials` request starts a
//! grant: a database write, and on SQLite a turn at its single writer.
//! Written one by one, each request pays for a whole transaction. Here one
//! task per process takes every grant that is waiting and writes them all
//! in one transaction of two statements, so N requests arriving together
//! cost one commit. A request that arrives alone is written at once: the
//! task never waits for company, so a quiet server answers as fast as
//! before and a busy one makes bigger groups.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use crate::server::db::Db;
use crate::server::repo::{self, tokens::NewGrant};

/// At most this many grants per transaction (16 parameters × 64 is far
/// below either database's limit on parameters per statement).
const MAX_GROUP: usize = 64;
/// Requests waiting for the writer before the next ones wait to queue.
const QUEUE: usize = 1024;

struct Pending {
    grant: NewGrant,
    done: oneshot::Sender<Result<(), sqlx::Error>>,
}

/// This process's grant writer. Its task starts with the first grant.
#[derive(Debug, Default)]
pub struct GrantWriter {
    queue: OnceLock<mpsc::Sender<Pending>>,
}

impl GrantWriter {
    /// Writes `grant` (with its tokens) and returns once it is committed.
    pub async fn write(&self, db: &Db, grant: NewGrant) -> Result<(), sqlx::Error> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(run(db.clone(), receiver));
            sender
        });
        let (done, answer) = oneshot::channel();
        queue
            .send(Pending { grant, done })
            .await
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        answer.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }
}

/// Runs until every sender is gone (the `AppState` was dropped).
async fn run(db: Db, mut queue: mpsc::Receiver<Pending>) {
    let mut waiting = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut waiting, MAX_GROUP).await > 0 {
        let (grants, mut dones): (Vec<_>, Vec<_>) =
            waiting.drain(..).map(|p| (p.grant, p.done)).unzip();
        match write(&db, &grants).await {
            Ok(()) => {
                for done in dones {
                    // The request may have gone; its grant stands anyway.
                    let _ = done.send(Ok(()));
                }
            }
            Err(err) if dones.len() == 1 => {
                if let Some(done) = dones.pop() {
                    let _ = done.send(Err(err));
                }
            }
            // Nothing of the group was written. Each one alone, so that
            // one bad grant fails only its own request.
            Err(_) => {
                for (grant, done) in grants.into_iter().zip(dones) {
                    let _ = done.send(write(&db, std::slice::from_ref(&grant)).await);
                }
            }
        }
    }
}

/// One transaction, at this process's turn to write.
async fn write(db: &Db, grants: &[NewGrant]) -> Result<(), sqlx::Error> {
    let _turn = db.write_turn().await;
    repo::tokens::create_grants(db, grants).await
}
