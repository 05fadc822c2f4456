//! Password hashing: argon2id at OWASP's parameters, run off the async
//! threads because one hash takes tens of milliseconds of CPU, and only a
//! few at once (`HashGate`); the common-password rule for new passwords.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (algorithm, parameters, salt, hash).
pub fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a stored PHC string. The parameters are read
/// from the string, so hashes made with older parameters still verify.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the email is unknown
/// so that an unknown email costs as much time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_blocking(&crate::server::ids::new_secret()).expect("hashing a random password works")
    })
}

/// The one way to run password hashes: at most `permits` at once (each
/// holds 19 MiB while it runs, so unbounded parallel sign-ins exhausted
/// memory), up to `queue` more waiting their turn for at most `MAX_WAIT`;
/// anything beyond is refused at once with `Busy`.
///
/// The hashes run on the gate's own `permits` threads, not on tokio's
/// blocking pool: the allocator keeps a freed 19 MiB block for reuse by
/// the thread (arena) that freed it, so hashes spread over the blocking
/// pool's many threads would each leave one behind.
#[derive(Debug)]
pub struct HashGate {
    running: Arc<Semaphore>,
    waiting: Semaphore,
    hashes_run: AtomicU64,
    permits: usize,
    workers: OnceLock<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// No hash could be run now: too many are running and waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// How long a request waits for its turn before it is refused.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// What a client is told to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 1;

impl HashGate {
    /// A gate for `permits` concurrent hashes and `queue` waiting ones.
    pub fn new(permits: usize, queue: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(permits)),
            waiting: Semaphore::new(queue),
            hashes_run: AtomicU64::new(0),
            permits,
            workers: OnceLock::new(),
        }
    }

    /// The worker threads' queue, started on first use. The threads end
    /// when the gate (and so the sender) is dropped.
    fn workers(&self) -> &mpsc::Sender<Job> {
        self.workers.get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Job>();
            let receiver = Arc::new(Mutex::new(receiver));
            for _ in 0..self.permits.max(1) {
                let receiver = receiver.clone();
                let spawned = std::thread::Builder::new()
                    .name("password-hash".into())
                    .spawn(move || loop {
                        let job = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking job must not take the thread with it.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    });
                if let Err(err) = spawned {
                    tracing::error!(error = %err, "could not start a password-hash thread");
                }
            }
            sender
        })
    }

    /// A running slot if one is free now (what every hash takes first).
    pub fn try_permit(&self) -> Option<OwnedSemaphorePermit> {
        self.running.clone().try_acquire_owned().ok()
    }

    /// How many hashes or verifications this gate has run.
    pub fn hashes_run(&self) -> u64 {
        self.hashes_run.load(Ordering::Relaxed)
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Some(permit) = self.try_permit() {
            return Ok(permit);
        }
        let _place_in_line = self.waiting.try_acquire().map_err(|_| Busy)?;
        match tokio::time::timeout(MAX_WAIT, self.running.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy),
        }
    }

    /// Runs `work` on a worker thread holding a running slot. The slot
    /// moves into the job, so it stays taken until the hash is done even
    /// if the request is dropped meanwhile.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Result<T, String>, Busy> {
        let permit = self.permit().await?;
        self.hashes_run.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let out = work();
            drop(permit);
            let _ = answer.send(out);
        });
        if self.workers().send(job).is_err() {
            return Ok(Err("the password-hash threads are gone".to_owned()));
        }
        Ok(answered
            .await
            .map_err(|_| "a password hash failed".to_owned()))
    }

    /// Hashes a password into a PHC string.
    pub async fn hash(&self, password: String) -> Result<Result<String, String>, Busy> {
        Ok(self
            .run(move || hash_blocking(&password).map_err(|e| e.to_string()))
            .await?
            .and_then(|hashed| hashed))
    }

    /// Verifies a password; with no stored hash, burns the same time on
    /// the decoy and answers false.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, Busy> {
        Ok(self
            .run(move || match phc {
                Some(phc) => verify_blocking(&password, &phc),
                None => {
                    verify_blocking(&password, decoy_hash());
                    false
                }
            })
            .await?
            .unwrap_or(false))
    }
}

/// The weakest zxcvbn score accepted for a new password: 3 of 4, "safely
/// unguessable" (more than 10^8 guesses). Below it are common passwords,
/// dictionary words with small changes, keyboard patterns, dates, and
/// passwords built from the user's own email or name.
const MIN_PASSWORD_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Refuses a new password that is common or easy to guess (zxcvbn, with
/// the user's email and name as known words). Server only: its word lists
/// are far too big for the browser, which checks only the length.
pub fn check_not_common(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    if zxcvbn::zxcvbn(password, user_inputs).score() >= MIN_PASSWORD_SCORE {
        return Ok(());
    }
    Err(
        "This password is too common or too easy to guess. Try a longer phrase of unrelated \
         words, or a password manager's suggestion."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_salted() {
        let a = hash_blocking("correct horse").unwrap();
        let b = hash_blocking("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_blocking("correct horse", &a));
        assert!(!verify_blocking("correct horsE", &a));
        assert!(!verify_blocking("correct horse", "not a phc string"));
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let long = "p".repeat(128);
        let hash = hash_blocking(&long).unwrap();
        assert!(verify_blocking(&long, &hash));
        assert!(!verify_blocking(&"p".repeat(127), &hash));
        assert!(!verify_blocking(&format!("{long}x"), &hash));
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for weak in [
            "password123",
            "qwertyuiop",
            "iloveyou2",
            "12345678",
            "P@ssw0rd!",
        ] {
            assert!(check_not_common(weak, &[]).is_err(), "{weak:?}");
        }
        assert!(check_not_common(
            "ada.lovelace",
            &["ada.lovelace@example.com", "Ada Lovelace"]
        )
        .is_err());
        // The password the tests and examples use passes.
        assert_eq!(check_not_common("correct horse battery", &[]), Ok(()));
        assert_eq!(check_not_common("choose-a-long-password", &[]), Ok(()));
    }

    #[tokio::test]
    async fn a_full_gate_refuses_at_once() {
        let gate = HashGate::new(1, 0);
        let held = gate.try_permit().expect("a free slot");
        assert_eq!(gate.verify("x".into(), None).await, Err(Busy));
        drop(held);
        assert_eq!(gate.verify("x".into(), None).await, Ok(false));
        assert_eq!(gate.hashes_run(), 1);
    }
}
