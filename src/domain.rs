//! Pure domain types and validation: no sqlx, axum or web-sys, so the same
//! code is compiled into the browser bundle and the server.

pub mod account;
pub mod app;
pub mod app_access;
pub mod events;
pub mod fields;
pub mod listing;
pub mod media;
pub mod meeting;
pub mod oauth;
pub mod text;
pub mod time;
