//! Shared UI pieces: form fields with their errors, form-level messages,
//! the site header.

pub mod field;
pub mod header;
