//! Webhooks (issue 5): the endpoint challenge, raising events into the
//! outbox, the worker that delivers them, and signing the way Zoom and
//! Standard Webhooks receivers check. Outgoing requests go through
//! `server::outbound`.

pub mod challenge;
pub mod events;
pub mod sign;
pub mod worker;
