//! `TestApp`: the real router on a fresh database, driven with `oneshot`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use portico::server::config::Config;
use portico::server::db::{self, Db};
use portico::server::state::{AppState, ManualClock};
use tokio::sync::OnceCell;
use tower::ServiceExt;

/// A running app on its own database.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    database_url: String,
    pg_database: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// A collected response.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body's bytes as they came.
    pub raw: Vec<u8>,
}

impl TestResponse {
    /// Asserts that a server function did what it was asked: 200, or the
    /// redirect a plain form post is answered with.
    pub fn assert_done(&self) {
        assert!(
            self.status.is_success() || self.status.is_redirection(),
            "{} {}",
            self.status,
            self.body
        );
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// `name=value` of the session cookie this response sets (named
    /// `__Host-portico_session` behind https).
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| is_session_cookie(v))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
    }

    /// The whole Set-Cookie header of the session cookie.
    pub fn session_set_cookie(&self) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| is_session_cookie(v))
            .unwrap_or_default()
            .to_owned()
    }

    /// A header's value, or "".
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

fn is_session_cookie(set_cookie: &str) -> bool {
    set_cookie.starts_with("portico_session=") || set_cookie.starts_with("__Host-portico_session=")
}

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

fn admin_pg_url() -> String {
    std::env::var("PORTICO_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG.to_owned())
}

/// Test databases are named `portico_t_<start>_<pid>_<n>`: `<start>` is
/// when this run made its first one (Unix seconds), `<pid>` its process,
/// `<n>` counts its databases. One run's databases share a prefix, and
/// any later run reads their age from the name alone.
const TEST_DB_PREFIX: &str = "portico_t_";

/// A run's databases are swept by the runs after it once it started this
/// long ago. A run drops its own as each test ends; what is left is a
/// run's that was interrupted (or a test's that could not drop it). No
/// run lasts six hours, so another run still going is never touched.
const SWEEP_AFTER_SECS: u64 = 6 * 3600;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The name of this run's next test database.
pub fn next_test_database_name() -> String {
    static RUN: std::sync::OnceLock<(u64, u32)> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let (started, pid) = *RUN.get_or_init(|| (unix_now(), std::process::id()));
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{TEST_DB_PREFIX}{started}_{pid}_{n}")
}

/// When the run that made test database `name` started (Unix seconds);
/// `None` for a name not made by [`next_test_database_name`].
pub fn test_database_started(name: &str) -> Option<u64> {
    let parts: Vec<&str> = name.strip_prefix(TEST_DB_PREFIX)?.split('_').collect();
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts[..] {
        [started, pid, n] if all_digits(started) && all_digits(pid) && all_digits(n) => {
            started.parse().ok()
        }
        _ => None,
    }
}

/// Which of `names` a run starting at `now` (Unix seconds) drops: the
/// test databases of runs that started more than [`SWEEP_AFTER_SECS`]
/// ago. A name it cannot date is never dropped, whatever its prefix: it
/// may be another run's (or not a test database at all).
pub fn stale_test_databases(names: &[String], now: u64) -> Vec<String> {
    names
        .iter()
        .filter(|name| {
            test_database_started(name)
                .is_some_and(|started| now.saturating_sub(started) > SWEEP_AFTER_SECS)
        })
        .cloned()
        .collect()
}

/// Drops the test databases of runs that started long ago (see
/// [`stale_test_databases`]). Errors are passed over: another run may be
/// sweeping the same ones at the same moment.
async fn sweep_stale_test_databases(admin: &mut sqlx::PgConnection) {
    // `_` matches any character in LIKE; the Rust filter decides anyway.
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in stale_test_databases(&names, unix_now()) {
        let _ = drop_database(admin, &name).await;
    }
}

/// Drops test database `name`, ending any connection still open to it.
async fn drop_database(admin: &mut sqlx::PgConnection, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(admin)
        .await
        .map(|_| ())
}

#[test]
fn the_sweep_drops_only_test_databases_of_runs_six_hours_old() {
    let now = 1_767_225_600; // 2026-01-01 00:00 UTC
    let hour = 3600;
    let run = |started: u64, pid: u32, n: u64| format!("portico_t_{started}_{pid}_{n}");
    let names: Vec<String> = [
        run(now - 7 * hour, 4242, 0),
        run(now - 6 * hour - 1, 4242, 17),
        run(now - 6 * hour, 77, 3),
        run(now - 5 * hour, 77, 4),
        run(now, 12, 0),
        // A run on a clock ahead of ours.
        run(now + 60, 9, 0),
        run(1, 1, 1),
        // Names this scheme did not make, whatever their prefix: the
        // earlier random one, near misses, and other databases.
        "portico_t_3f9c0a7e5b1d2c48".into(),
        "portico_t_100_2".into(),
        "portico_t_100_2_3_4".into(),
        "portico_t_100__3".into(),
        "portico_t_x100_2_3".into(),
        "portico_t_-100_2_3".into(),
        "portico_tx100_2_3".into(),
        "test".into(),
        "postgres".into(),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        stale_test_databases(&names, now),
        [
            run(now - 7 * hour, 4242, 0),
            run(now - 6 * hour - 1, 4242, 17),
            run(1, 1, 1)
        ]
    );
}

#[test]
fn this_runs_database_names_date_it_now_and_fit_postgresql() {
    let name = next_test_database_name();
    let started = test_database_started(&name).expect("a name of the scheme");
    assert!(
        unix_now().saturating_sub(started) < SWEEP_AFTER_SECS,
        "{name} would be swept"
    );
    assert!(
        stale_test_databases(std::slice::from_ref(&name), unix_now()).is_empty(),
        "{name}"
    );
    // PostgreSQL cuts longer names to 63 bytes, which could make two the same.
    assert!(name.len() <= 63, "{name}");
    assert_ne!(next_test_database_name(), name, "every name is new");
}

/// Sweeps once per process, before its first database is made.
static SWEPT: OnceCell<()> = OnceCell::const_new();

impl TestApp {
    /// On a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/portico.db", dir.path().display());
        let mut app = Self::start(&url, Config::for_database(&url)).await;
        app._dir = Some(dir);
        app
    }

    /// On a fresh PostgreSQL database; `None` (with the reason printed)
    /// when no server answers, except under CI=true, where that fails.
    pub async fn postgres() -> Option<TestApp> {
        use sqlx::Connection;
        let admin_url = admin_pg_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(err) => {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI=true but PostgreSQL at {admin_url} is unreachable: {err}");
                }
                eprintln!("SKIPPED PostgreSQL test: cannot connect to {admin_url}: {err}");
                return None;
            }
        };
        SWEPT
            .get_or_init(|| sweep_stale_test_databases(&mut admin))
            .await;
        let name = next_test_database_name();
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(&admin_url);
        let url = format!("{base}/{name}");
        let mut app = Self::start(&url, Config::for_database(&url)).await;
        app.pg_database = Some(name);
        Some(app)
    }

    async fn start(url: &str, config: Config) -> TestApp {
        let db = db::connect(url, 8).await.expect("connect and migrate");
        Self::with_db(url, config, db)
    }

    fn with_db(url: &str, config: Config, db: Db) -> TestApp {
        let clock = Arc::new(ManualClock::new());
        let state = AppState::new(config, db, clock.clone());
        TestApp {
            router: portico::router(state.clone()),
            state,
            clock,
            database_url: url.to_owned(),
            pg_database: None,
            _dir: None,
        }
    }

    /// A second, independent Portico instance (own pool, own router) on
    /// the same database, as a second process behind a load balancer.
    pub async fn second_instance(&self) -> TestApp {
        let config = Config::for_database(&self.database_url);
        Self::start(&self.database_url, config).await
    }

    /// Same database, another configuration.
    pub async fn with_config(&self, edit: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config::for_database(&self.database_url);
        edit(&mut config);
        Self::start(&self.database_url, config).await
    }

    /// The database this app runs on (for a second process).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Drops the PostgreSQL database (SQLite's goes with its temp dir).
    pub async fn cleanup(self) {
        use sqlx::Connection;
        let Some(name) = self.pg_database.clone() else {
            return;
        };
        // Bounded: a task the test left behind may hold a connection for
        // good; DROP ... WITH (FORCE) ends it anyway.
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            self.state.db.pool.close(),
        )
        .await;
        let dropped = match sqlx::PgConnection::connect(&admin_pg_url()).await {
            Ok(mut admin) => drop_database(&mut admin, &name).await,
            Err(err) => Err(err),
        };
        if let Err(err) = dropped {
            // Not the test's failure: a run six hours on sweeps it.
            eprintln!("could not drop test database {name}: {err}");
        }
    }

    /// Sends a request through the router.
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let what = format!("{} {}", req.method(), req.uri());
        let res = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            self.router.clone().oneshot(req),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer within 20 s to {what}"))
        .expect("router never fails");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            raw: bytes.to_vec(),
        }
    }

    /// GET, as a browser navigating here.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut req = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function as the Leptos client does (JSON answers),
    /// from a same-origin page.
    pub async fn call(
        &self,
        name: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let body = form_body(form);
        let mut req = Request::post(format!("/api/{name}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Signs up; returns the session cookie (`name=value`).
    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> String {
        let res = self
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
        assert_eq!(res.status, StatusCode::OK, "sign-up failed: {}", res.body);
        res.session_cookie()
            .expect("sign-up sets the session cookie")
    }

    /// Signs up a developer and builds one app of `app_type`, named after
    /// the email; returns (session cookie, app id).
    pub async fn developer_with_app(&self, email: &str, app_type: &str) -> (String, String) {
        let cookie = self.sign_up(email, "Dev", "correct horse battery").await;
        let id = self
            .create_app_as(&cookie, app_type, &format!("App of {email}"))
            .await;
        (cookie, id)
    }

    /// Builds an app of `app_type` named `name` as the user of `cookie`;
    /// returns its id.
    pub async fn create_app_as(&self, cookie: &str, app_type: &str, name: &str) -> String {
        let res = self
            .call(
                "create_app",
                &[("app_type", app_type), ("name", name)],
                Some(cookie),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.header("location")
            .trim_start_matches("/apps/")
            .to_owned()
    }

    /// A new invite link's token from `owner` into their account with `role`.
    pub async fn invite_token(&self, owner: &str, role: &str) -> String {
        let res = self
            .call("create_invite", &[("role", role)], Some(owner))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()["token"]
            .as_str()
            .expect("the new invite's token")
            .to_owned()
    }

    /// Signs up a new user through an invite from `owner`, then joins the
    /// owner's account with `role` by the invite page's Join; returns the
    /// new user's session cookie.
    pub async fn join_as(&self, owner: &str, email: &str, role: &str) -> String {
        let token = self.invite_token(owner, role).await;
        let res = self
            .call(
                "sign_up",
                &[
                    ("email", email),
                    ("display_name", "Mo Member"),
                    ("password", "correct horse battery"),
                    ("invite", &token),
                ],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let cookie = res.session_cookie().expect("session cookie");
        let res = self
            .call("accept_invite", &[("token", &token)], Some(&cookie))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.header("location"), "/account/members", "joined");
        cookie
    }

    /// The signed-in user as `current_user` reports it (JSON null when none).
    pub async fn me(&self, cookie: &str) -> serde_json::Value {
        let res = self.call("current_user", &[], Some(cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()
    }
}

/// `application/x-www-form-urlencoded`.
pub fn form_body(form: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

/// Asks `check` every 20 ms until it holds: true when it did within
/// `limit`, false when it still did not. For what happens on another task
/// or process, instead of sleeping a fixed time and hoping it is done.
pub async fn poll_until(limit: std::time::Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        // The one sleep of the polls: the pause between two questions.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Waits until `check` holds; fails the test, naming `what`, when it still
/// does not after `limit` (make it generous: it only bounds a failure).
pub async fn wait_until(what: &str, limit: std::time::Duration, check: impl AsyncFnMut() -> bool) {
    assert!(
        poll_until(limit, check).await,
        "gave up after {limit:?} waiting until {what}"
    );
}

/// The one runtime every test runs on, as every request of a real server
/// does; each test blocks on it from its own thread.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime")
    })
}

/// Runs `case` on `app`, then drops `app`'s database: also when the case
/// fails, whose panic is passed on once the database is gone (so a failed
/// test leaves nothing for the sweep).
pub async fn run_case(app: TestApp, case: impl AsyncFnOnce(&TestApp)) {
    use futures::FutureExt;
    let outcome = std::panic::AssertUnwindSafe(case(&app))
        .catch_unwind()
        .await;
    app.cleanup().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs each listed case once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[test]
                fn sqlite() {
                    $crate::support::runtime().block_on(async {
                        let app = $crate::support::TestApp::sqlite().await;
                        $crate::support::run_case(app, super::$case).await;
                    })
                }

                #[test]
                fn postgres() {
                    $crate::support::runtime().block_on(async {
                        if let Some(app) = $crate::support::TestApp::postgres().await {
                            $crate::support::run_case(app, super::$case).await;
                        }
                    })
                }
            }
        )*
    };
}
