//! The HTML shell, the root component and the route table of pages.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
#[cfg(not(feature = "ssr"))]
use leptos_router::{lazy_route, Lazy, LazyRoute};
use leptos_router::{path, SsrMode};

use crate::api::auth::{current_user, SignOut};
use crate::components::form::form_action;
use crate::components::header::SiteHeader;
use crate::components::session::AuthContext;
use crate::pages::{self, page_resource};

/// Makes a page a lazy route in the browser: with `cargo leptos build
/// --split` its code goes into its own WASM chunk, fetched when the page is
/// first visited (in parallel with its data), so the module every page
/// loads holds only the shell: the header, routing and the session.
///
/// On the server pages stay plain components (`page!`). Leptos 0.8.23
/// renders a lazy route's view outside the request's reactive owner, so
/// under concurrent load its resources could not find the request's
/// context (seen in the benchmark as panics), or, worse, find another
/// request's. The HTML is the same either way, so hydration matches.
#[cfg(not(feature = "ssr"))]
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {
        $(
            struct $route;

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(_this: Self) -> AnyView {
                    view! { <$page/> }.into_any()
                }
            }
        )*
    };
}

/// A route's view: the plain page on the server, its lazy route in the
/// browser (see `lazy_page!`).
#[cfg(feature = "ssr")]
macro_rules! page {
    ($route:ident, $page:path) => {
        $page
    };
}
#[cfg(not(feature = "ssr"))]
macro_rules! page {
    ($route:ident, $page:path) => {
        Lazy::<$route>::new()
    };
}

/// The document around the app (server side only renders it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
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
                <Route path=path!("/") view={page!(HomeRoute, pages::home::HomePage)} ssr=SsrMode::Async/>
                <Route path=path!("/signup") view={page!(SignUpRoute, pages::auth::SignUpPage)} ssr=SsrMode::Async/>
                <Route path=path!("/signin") view={page!(SignInRoute, pages::auth::SignInPage)} ssr=SsrMode::Async/>
                <Route path=path!("/profile") view={page!(ProfileRoute, pages::account::ProfilePage)} ssr=SsrMode::Async/>
                <Route path=path!("/account/members") view={page!(MembersRoute, pages::account::MembersPage)} ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view={page!(InviteRoute, pages::account::InvitePage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps") view={page!(MyAppsRoute, pages::apps::MyAppsPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/new") view={page!(BuildAppRoute, pages::apps::BuildAppPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id") view={page!(AppRoute, pages::apps::AppPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/information") view={page!(InformationRoute, pages::apps::InformationPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/credentials") view={page!(CredentialsRoute, pages::apps::CredentialsPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/features") view={page!(FeaturesRoute, pages::apps::FeaturesPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/deliveries") view={page!(DeliveriesRoute, pages::apps::DeliveriesPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/scopes") view={page!(ScopesRoute, pages::apps::ScopesPage)} ssr=SsrMode::Async/>
                <Route path=path!("/oauth/authorize") view={page!(ConsentRoute, pages::oauth::ConsentPage)} ssr=SsrMode::Async/>
                <Route path=path!("/install/:token") view={page!(InstallLinkRoute, pages::oauth::InstallLinkPage)} ssr=SsrMode::Async/>
                <Route path=path!("/installed") view={page!(InstalledRoute, pages::installs::InstalledAppsPage)} ssr=SsrMode::Async/>
                <Route path=path!("/meetings") view={page!(MeetingsRoute, pages::meetings::MeetingsPage)} ssr=SsrMode::Async/>
                <Route path=path!("/apps/:id/delete") view={page!(DeleteAppRoute, pages::apps::DeleteAppPage)} ssr=SsrMode::Async/>
                <Route path=path!("/marketplace") view=pages::placeholder::MarketplacePage ssr=SsrMode::Async/>
                <Route path=path!("/chat") view=pages::placeholder::ChatPage ssr=SsrMode::Async/>
                <Route path=path!("/review") view=pages::placeholder::ReviewPage ssr=SsrMode::Async/>
            </Routes>
        </main>
        <footer class="site-footer">
            <p>"Portico — build, review and install apps for your team."</p>
        </footer>
    }
}

#[cfg(not(feature = "ssr"))]
lazy_page!(
    SignInRoute => pages::auth::SignInPage,
    SignUpRoute => pages::auth::SignUpPage,
    HomeRoute => pages::home::HomePage,
    ProfileRoute => pages::account::ProfilePage,
    MembersRoute => pages::account::MembersPage,
    InviteRoute => pages::account::InvitePage,
    MyAppsRoute => pages::apps::MyAppsPage,
    BuildAppRoute => pages::apps::BuildAppPage,
    AppRoute => pages::apps::AppPage,
    InformationRoute => pages::apps::InformationPage,
    CredentialsRoute => pages::apps::CredentialsPage,
    DeleteAppRoute => pages::apps::DeleteAppPage,
    ScopesRoute => pages::apps::ScopesPage,
    FeaturesRoute => pages::apps::FeaturesPage,
    DeliveriesRoute => pages::apps::DeliveriesPage,
    ConsentRoute => pages::oauth::ConsentPage,
    InstallLinkRoute => pages::oauth::InstallLinkPage,
    InstalledRoute => pages::installs::InstalledAppsPage,
    MeetingsRoute => pages::meetings::MeetingsPage,
);
