//! Server functions and the types they send over the wire, per area. The
//! bodies run on the server; the browser build gets a client stub.

pub mod account;
pub mod apps;
pub mod auth;
pub mod chat;
pub mod collaborators;
pub mod credentials;
pub mod features;
pub mod installs;
pub mod marketplace;
pub mod media;
pub mod meetings;
pub mod notifications;
pub mod oauth;
pub mod review;
pub mod submit;
