//! The start page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::app::AuthContext;
use crate::components::async_view;

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
                            <A href="/apps" attr:class="tile">
                                <h2>"My apps"</h2>
                                <p>"Build an app, manage its credentials and submit it for review."</p>
                            </A>
                            <A href="/marketplace" attr:class="tile">
                                <h2>"Marketplace"</h2>
                                <p>"Find and install apps for yourself or your whole account."</p>
                            </A>
                            <A href="/account/members" attr:class="tile">
                                <h2>"Members"</h2>
                                <p>"Invite people to your account and manage their roles."</p>
                            </A>
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
                                <A href="/signup" attr:class="btn primary large">"Create a developer account"</A>
                                <A href="/signin" attr:class="btn large">"Sign in"</A>
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
