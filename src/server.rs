//! Everything that only runs on the server: configuration, database,
//! sessions, the HTTP router and its middleware. Never compiled to WASM.

pub mod app_access;
pub mod auth;
pub mod cache;
pub mod change;
pub mod chat;
pub mod config;
pub mod context;
pub mod db;
pub mod http;
pub mod ids;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod media;
pub mod meetings;
pub mod members;
pub mod oauth;
pub mod objects;
pub mod outbound;
pub mod page_cache;
pub mod repo;
pub mod rest;
pub mod returned_form;
pub mod review;
pub mod state;
pub mod webhooks;
