//! Profile, members and invites.

mod invite;
mod members;
mod profile;

pub use invite::InvitePage;
pub use members::MembersPage;
pub use profile::ProfilePage;
