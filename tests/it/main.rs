//! Integration tests: the real router on SQLite and on PostgreSQL.
//! PostgreSQL: 127.0.0.1:5432, database `test` (PORTICO_TEST_PG_URL to
//! change); each test gets its own database.

mod support;

mod accounts;
mod apps;
mod auth;
mod crash;
mod credentials;
mod database;
mod deliveries;
mod interop;
mod media;
mod oauth;
mod outbound;
mod rest;
mod security;
mod server_fns;
mod webhooks;
