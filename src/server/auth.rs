//! Passwords, sessions, sign-up and sign-in.

pub mod accounts;
pub mod password;
pub mod session;
