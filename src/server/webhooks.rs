//! Webhooks (issue 5): signing deliveries the way Zoom and Standard
//! Webhooks receivers check them. Subscriptions, the outbox and its worker
//! come next; outgoing requests go through `server::outbound`.

pub mod challenge;
pub mod sign;
