//! The HTML shell, the root component and the route table of pages.
//!
//! Pages are rendered on the server only (Leptos islands): a link is a
//! plain page load, a form a plain post, and the browser runs just the
//! `#[island]` components inside them.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::api::auth::{current_user, SignOut};
use crate::components::form::form_action;
use crate::components::header::SiteHeader;
use crate::components::session::AuthContext;
use crate::pages::{self, page_resource};

/// The script that loads the browser bundle and hydrates the page's
/// islands (see `src/islands.js`), without its comments and indentation:
/// it is in every page.
#[cfg(feature = "ssr")]
fn island_script(options: &LeptosOptions) -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| {
        let output_name = options.output_name.to_string();
        // cargo-leptos names the module after the crate's output name and,
        // when it does not pass that name to the build, wasm-bindgen adds
        // `_bg` (as leptos' own `HydrationScripts` reckons).
        let wasm_name = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            output_name.clone()
        } else {
            format!("{output_name}_bg")
        };
        let code = include_str!("islands.js")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "{code}({:?}, {:?}, {:?});",
            options.site_pkg_dir.as_ref(),
            output_name,
            wasm_name
        )
    })
}

/// The document around the app (server side only renders it).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Islands mode: outside an island nothing is hydrated, so no resource
    // is written into the page for the browser (what leptos'
    // `HydrationScripts islands=true` does, which this shell replaces).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script type="module" nonce=leptos::nonce::use_nonce()>{island_script(&options)}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/portico.css"/>
        <Title formatter=|page: String| crate::components::field::raw_text(if page.is_empty() { "Portico".to_owned() } else { format!("{page} · Portico") })/>
        <Router>
            <Layout/>
        </Router>
    }
}

#[component]
fn Layout() -> impl IntoView {
    // A plain form post that failed comes back with its error in the URL.
    // <Routes> provides it to the pages, but these actions are made before
    // <Routes> runs, so provide it here too.
    leptos_router::hooks::use_url()
        .read_untracked()
        .provide_server_action_error();
    let sign_out = form_action::<SignOut>();
    // Refetched after each sign-in action and on every navigation, since
    // other pages (joining an account, switching accounts) change it too.
    let location = leptos_router::hooks::use_location();
    let user = page_resource(
        move || {
            (
                sign_out.version().get(),
                location.pathname.get(),
                location.search.get(),
            )
        },
        |_| current_user(),
    );
    provide_context(AuthContext { user, sign_out });

    // Every page is rendered whole before it is sent (no streaming): pages
    // must be complete for browsers without JavaScript, and a strict CSP
    // has no room for the inline scripts that streaming would need.
    view! {
        <SiteHeader/>
        <main id="main">
            <Routes fallback=pages::NotFound>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=pages::auth::SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=pages::auth::SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/profile") view=pages::account::ProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/account/members") view=pages::account::MembersPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=pages::account::InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/apps") view=pages::apps::MyAppsPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/new") view=pages::apps::BuildAppPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id") view=pages::apps::AppPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/information") view=pages::apps::InformationPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/credentials") view=pages::apps::CredentialsPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/features") view=pages::apps::FeaturesPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/deliveries") view=pages::apps::DeliveriesPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/scopes") view=pages::apps::ScopesPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/install") view=pages::apps::InstallPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/activity") view=pages::apps::ActivityPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/submit") view=pages::apps::SubmitPage ssr=SsrMode::Async/>
                <Route path=path!("/oauth/authorize") view=pages::oauth::ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/install/:token") view=pages::oauth::InstallLinkPage ssr=SsrMode::Async/>
                <Route path=path!("/installed") view=pages::installs::InstalledAppsPage ssr=SsrMode::Async/>
                <Route path=path!("/notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async/>
                <Route path=path!("/meetings") view=pages::meetings::MeetingsPage ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/delete") view=pages::apps::DeleteAppPage ssr=SsrMode::Async/>
                <Route path=path!("/marketplace") view=pages::marketplace::MarketplacePage ssr=SsrMode::Async/>
                <Route path=path!("/marketplace/:id") view=pages::marketplace::MarketplaceAppPage ssr=SsrMode::Async/>
                <Route path=path!("/chat") view=pages::chat::ChatPage ssr=SsrMode::Async/>
                <Route path=path!("/chat/:id") view=pages::chat::ChatPage ssr=SsrMode::Async/>
                <Route path=path!("/review") view=pages::review::ReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/review/:submission") view=pages::review::ReviewSubmissionPage ssr=SsrMode::Async/>
            </Routes>
        </main>
        <footer class="site-footer">
            <p>"Portico — build, review and install apps for your team."</p>
        </footer>
    }
}
