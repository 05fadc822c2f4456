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

/// Drops databases left by earlier, interrupted runs (once per process).
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
            .get_or_init(|| async {
                let mut conn = sqlx::PgConnection::connect(&admin_pg_url())
                    .await
                    .expect("connect");
                let stale: Vec<String> = sqlx::query_scalar(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'portico_t_%'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap_or_default();
                for name in stale {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            })
            .await;
        let random = portico::server::ids::hash_secret(&portico::server::ids::new_secret());
        let name = format!("portico_t_{}", &random[..16]);
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
        self.state.db.pool.close().await;
        if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_pg_url()).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .await;
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
        res.header("location")
            .split("new_invite=")
            .nth(1)
            .expect("token in the redirect")
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
                        super::$case(&app).await;
                        app.cleanup().await;
                    })
                }

                #[test]
                fn postgres() {
                    $crate::support::runtime().block_on(async {
                        if let Some(app) = $crate::support::TestApp::postgres().await {
                            super::$case(&app).await;
                            app.cleanup().await;
                        }
                    })
                }
            }
        )*
    };
}
