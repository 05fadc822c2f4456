//! Integration tests: the real router on SQLite and on PostgreSQL.
//! PostgreSQL: 127.0.0.1:5432, database `test` (PORTICO_TEST_PG_URL to
//! change); each test gets its own database.

mod support;

mod accounts;
mod app_access;
mod apps;
mod audit;
mod auth;
mod caches;
mod chat;
mod crash;
mod credentials;
mod database;
mod deliveries;
mod escaping;
mod form_errors;
mod interop;
mod invites;
mod islands;
mod marketplace;
mod media;
mod notifications;
mod oauth;
mod oauth_rfc;
mod outbound;
mod page_cache;
mod redirects;
mod rest;
mod returned_form;
mod review;
mod security;
mod server_fns;
mod webhooks;
