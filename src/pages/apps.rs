//! The developer's apps: list, Build App wizard, an app's pages, delete.

pub mod activity;
mod credentials;
mod deliveries;
mod detail;
mod features;
mod information;
mod install;
mod list;
mod media;
mod preview;
mod scopes;
pub mod submit;
mod wizard;

pub use activity::ActivityPage;
pub use credentials::CredentialsPage;
pub use deliveries::DeliveriesPage;
pub use detail::{AppNav, AppPage, DeleteAppPage};
pub use features::FeaturesPage;
pub use information::InformationPage;
pub use install::InstallPage;
pub use list::MyAppsPage;
pub use scopes::ScopesPage;
pub use submit::SubmitPage;
pub use wizard::BuildAppPage;
