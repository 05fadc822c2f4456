//! The start page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::async_view;
use crate::components::session::AuthContext;

/// Welcome for visitors; shortcuts for signed-in users.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<AuthContext>().user;
    view! {
        <Title text=""/>
        <Transition>
            {move || async_view(async move {
                match user.await {
                    Ok(Some(u)) => view! {
                        <section class="hero compact">
                            <h1>"Welcome back, " {u.display_name.clone()}</h1>
                            <p class="lead">"You are working in " <strong>{u.account_name.clone()}</strong> "."</p>
                        </section>
                        <div class="tiles">
                            <a href="/apps" class="tile">
                                <h2>"My apps"</h2>
                                <p>"Build an app, manage its credentials and submit it for review."</p>
                            </a>
                            <a href="/marketplace" class="tile">
                                <h2>"Marketplace"</h2>
                                <p>"Find and install apps for yourself or your whole account."</p>
                            </a>
                            <a href="/account/members" class="tile">
                                <h2>"Members"</h2>
                                <p>"Invite people to your account and manage their roles."</p>
                            </a>
                        </div>
                    }
                    .into_any(),
                    _ => view! {
                        <section class="hero">
                            <h1>"Build apps for your team's communications platform"</h1>
                            <p class="lead">
                                "Register an app, get OAuth credentials, subscribe to events, define chat "
                                "commands and publish to the marketplace — all on a portal you host yourself."
                            </p>
                            <p class="actions">
                                <a href="/signup" class="btn primary large">"Create a developer account"</a>
                                <a href="/signin" class="btn large">"Sign in"</a>
                            </p>
                        </section>
                        <div class="tiles">
                            <div class="tile">
                                <h2>"For developers"</h2>
                                <p>"Account-level and user-managed OAuth apps, chat bots and webhook-only apps."</p>
                            </div>
                            <div class="tile">
                                <h2>"For admins"</h2>
                                <p>"Install apps for the whole account, and choose who can do what."</p>
                            </div>
                            <div class="tile">
                                <h2>"For reviewers"</h2>
                                <p>"Review submissions field by field before they go live."</p>
                            </div>
                        </div>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
