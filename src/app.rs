//! The HTML shell, the root component and the route table of pages.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::api::auth::{current_user, SignIn, SignOut, SignUp, UserOut};
use crate::components::header::SiteHeader;
use crate::error::AppError;
use crate::pages;

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

/// Sign-in state and the actions that change it, shared by the header and
/// the pages. Created inside the router so that a plain form post's error
/// (carried back in the URL) reaches the action that made it.
#[derive(Clone, Copy)]
pub struct AuthContext {
    /// The signed-in user; refetched whenever one of the actions runs.
    pub user: Resource<Result<Option<UserOut>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/portico.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Portico".to_owned() } else { format!("{page} · Portico") }/>
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
    let sign_in = ServerAction::<SignIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    let sign_out = ServerAction::<SignOut>::new();
    // Refetched after each sign-in action and on every navigation, since
    // other pages (joining an account, switching accounts) change it too.
    let location = leptos_router::hooks::use_location();
    let user = Resource::new(
        move || {
            (
                sign_in.version().get(),
                sign_up.version().get(),
                sign_out.version().get(),
                location.pathname.get(),
                location.search.get(),
            )
        },
        |_| current_user(),
    );
    provide_context(AuthContext {
        user,
        sign_in,
        sign_up,
        sign_out,
    });

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
                <Route path=path!("/apps/:id/delete") view=pages::apps::DeleteAppPage ssr=SsrMode::Async/>
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
