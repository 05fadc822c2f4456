//! The developer's apps: list, Build App wizard, an app's pages, delete.

mod detail;
mod list;
mod wizard;

pub use detail::{AppPage, DeleteAppPage};
pub use list::MyAppsPage;
pub use wizard::BuildAppPage;
